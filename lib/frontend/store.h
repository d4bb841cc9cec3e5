/*
 * store — where loaded images live: containerd's content store and
 * snapshotter, as plain directories.
 *
 *   /var/lib/stepbox/images/              (root; else $XDG_DATA_HOME/stepbox/images,
 *       layers/sha256/<diff id>/           or ~/.local/share/stepbox/images;
 *                                          $STEPBOX_STORE overrides both)
 *           a layer, unpacked once (lib/frontend/layer), an overlay lower dir
 *           shared by every image that has it
 *       blobs/sha256/<digest>             the blobs as they came: each image's
 *           config and its layers' tar files (maybe compressed), for save
 *       records/<id>                       an image: tags, layers, config
 *                                          (lib/frontend/image.h's format)
 *
 * Every file and directory goes in by rename(): a reader sees a whole layer
 * or none. A load or rmi holds the store's lock (lock on its directory), so
 * that two of them never unpack the same layer or remove one the other is
 * about to use; whatever a killed one left (NAME.tmp-XXXXXX) is swept the
 * next time the store is opened.
 *
 * Errors are values: -1 and one line in `err` (lib/base/error.h).
 */
#ifndef STEPBOX_STORE_H
#define STEPBOX_STORE_H

#include "base/error.h"

#include <stdint.h>
#include "frontend/image.h"

/* The store's directory (see above). */
const char *store_dir(void);

/* <store>/layers/sha256/<hex> for "sha256:<hex>" (a static buffer). */
const char *store_layer_dir(const char *diff_id);

/* <store>/blobs/sha256/<hex> for "sha256:<hex>", into out. */
void store_blob_path(const char *digest, char *out, size_t size);

/*
 * Make the store's directories, take its lock, sweep the leftovers of a
 * killed load. The lock's fd, or -1 and err.
 */
int store_open(struct error *err);
void store_close(int lock);

/*
 * Image `name` of the store: a tag ("nginx", "nginx:alpine",
 * "docker.io/library/nginx:alpine") or a unique prefix of an id (with or
 * without "sha256:"). 0 and *image, 1 when there is none, -1 and err
 * (damaged, or an ambiguous prefix).
 */
int store_find(const char *name, struct image *image, struct error *err);

/* What docker's SIZE counts: the bytes of the regular files under `dir`. */
uint64_t store_tree_size(const char *dir);

/* Call each(image, arg) for every image of the store, by id. */
int store_each(void (*each)(const struct image *image, void *arg), void *arg);

/*
 * Write an image's record (its tags taken from every other image first,
 * as docker moves a tag to the image loaded last). With the lock held.
 */
int store_put(const struct image *image, struct error *err);

/* Remove a record, then every layer and blob no other record names. With the lock. */
int store_remove(const struct image *image, struct error *err);

/* Take one tag from an image (rmi of one of its tags). With the lock. */
int store_untag(const struct image *image, const char *tag, struct error *err);

#endif
