/*
 * load — docker's `load -i FILE`: an image archive into the store
 * (lib/frontend/store), safely.
 *
 * The forms understood:
 *   - docker save, Docker >= 25: an OCI layout (oci-layout, index.json,
 *     blobs/sha256/...) plus docker's manifest.json, which is read;
 *   - docker save before 25, and podman save: manifest.json, <hex>.json
 *     configs, <id>/layer.tar or <hex>.tar layers, `repositories`;
 *   - an OCI image layout (skopeo copy ... oci-archive:x.tar, podman save
 *     --format oci-archive), as a tar or as a directory: index.json, then
 *     manifests (an index inside picks linux and this machine's arch),
 *     then configs and layers by digest.
 * The archive itself may be gzip- or zstd-compressed; so may each layer.
 *
 * An archive is hostile input, read in three steps:
 *   1. the archive is unpacked as a layer is (lib/frontend/layer: no "..",
 *      no absolute name, no write through a symlink) into a temporary
 *      directory of the store, <store>/load.tmp-XXXXXX;
 *   2. every path that manifest.json or index.json names is opened from
 *      that directory with openat2(RESOLVE_IN_ROOT): a ".." or an absolute
 *      path is refused, a symlink of the archive resolves inside it; an OCI
 *      blob is named only by a "sha256:<64 hex>" digest; each blob is copied
 *      while its SHA-256 is computed and compared with its digest (and its
 *      size), and each layer's uncompressed stream with the config's diff id;
 *   3. only when every image is whole, its layers and blobs are renamed into
 *      place and its record written.
 * A failure leaves the store as it was: one line in err naming the member
 * and why, and the temporary directory removed.
 */
#ifndef STEPBOX_LOAD_H
#define STEPBOX_LOAD_H

#include "base/error.h"

#include <stdio.h>

/*
 * Load the archive `input` (a file, a directory, or "-" for stdin); on
 * success "Loaded image: NAME" (or "Loaded image ID: sha256:...") for each
 * image on out. 0, or -1 and err.
 */
int load_images(const char *input, FILE *out, struct error *err);

#endif
