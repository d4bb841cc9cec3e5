/*
 * image — what a container starts from: read-only layers, lowest first, and
 * the defaults that come with them (entrypoint, command, environment,
 * working directory, user, exposed ports). An image of stepbox is a small
 * text file, one "key value" line each (values with \n and \\ escaped):
 *
 *     layer ../rootfs          a layer directory, relative to the file
 *     layer ../layers/app      the next layer up
 *     entrypoint /docker-entrypoint.sh   the entrypoint, one word a line
 *     cmd start-web            the default command, one word a line
 *     env PORT=80              an environment variable
 *     workdir /www             where the command starts
 *     user 101:101             who runs it (uid[:gid] or names of the image's /etc/passwd)
 *     expose 80/tcp            a port the command listens on
 *
 * Two kinds of them. The built-ins are made by `make rootfs` in the images
 * directory (build/images/NAME, next to the step binaries). A loaded image
 * (`load -i`, lib/frontend/load) lives in the image store
 * (lib/frontend/store), its file named by its id, with a few more lines:
 *
 *     id sha256:<hex>          the SHA-256 of its config (docker's IMAGE ID)
 *     tag nginx:alpine         each name it has (none: an untagged image)
 *     created 2024-05-30T...Z  from the config
 *     size 12345678            bytes of its layers, unpacked
 *     config sha256:<hex> N    the config blob and its size (for save, history)
 *     layer sha256:<diff id> sha256:<blob> N   a layer of the store, by diff id,
 *                              and the blob it came from (for save)
 *
 * A path to a directory works as IMAGE too: one layer, command /bin/sh.
 * Errors are values: -1 and a reason in `err` (lib/base/error.h).
 */
#ifndef STEPBOX_IMAGE_H
#define STEPBOX_IMAGE_H

#include "base/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/fs.h"

#define IMAGE_MAX_WORDS 64
#define IMAGE_MAX_TAGS  16
#define IMAGE_DIGEST_LEN (7 + 64 + 1)          /* "sha256:" 64 hex digits, NUL */

/* A blob of the store: its digest and size (a layer's blob may be compressed). */
struct image_blob {
	char digest[IMAGE_DIGEST_LEN];
	uint64_t size;
};

/* Its strings are on the heap: start from image_open/image_read, end with image_free. */
struct image {
	char name[256];                        /* as asked for, or its first tag */
	char id[IMAGE_DIGEST_LEN];             /* "sha256:..."; "" for a built-in */
	char file[PATH_MAX];                   /* the file it was read from */
	bool builtin;
	char *tags[IMAGE_MAX_TAGS + 1];
	int ntags;
	char *layers[MAX_LAYERS + 1];          /* absolute directories, lowest first */
	int nlayers;
	char diff_ids[MAX_LAYERS + 1][IMAGE_DIGEST_LEN];   /* loaded images only */
	struct image_blob blobs[MAX_LAYERS + 1];           /* loaded images only */
	struct image_blob config;                          /* loaded images only */
	char *entrypoint[IMAGE_MAX_WORDS + 1];
	int nentrypoint;
	char *cmd[IMAGE_MAX_WORDS + 1];
	int ncmd;
	char *env[IMAGE_MAX_WORDS + 1];
	int nenv;
	char *workdir;
	char *user;
	char *expose[IMAGE_MAX_WORDS + 1];
	int nexpose;
	char created[64];                      /* RFC 3339, as the config says it */
	uint64_t size;
};

/* The built-ins' directory: $STEPBOX_IMAGES, else "images" beside this binary. */
const char *image_dir(void);

/*
 * Find image `name` and read it: a directory path; a tag or an id prefix of
 * the store; a built-in (busybox, busybox:latest).
 */
int image_open(const char *name, struct image *image, struct error *err);

/* Read an image file; `base` is where its relative layer paths start. */
int image_read(const char *file, const char *base, struct image *image, struct error *err);

/* Write an image file of the store (its id, tags, blobs and config). */
int image_write(FILE *f, const struct image *image);

/* Give back its strings, and zero it. */
void image_free(struct image *image);

/* Add a word to one of its lists (entrypoint, cmd, env, expose, tags): 0, or -1 and err. */
int image_add(char **list, int *count, int max, const char *word, const char *what,
	      struct error *err);

/*
 * docker's short form of a name: "nginx" is "nginx:latest", and
 * "docker.io/library/nginx:alpine" is "nginx:alpine". Into out.
 */
void image_normalize(const char *name, char *out, size_t size);

/* Call each(name, arg) for every built-in image, by name. */
int image_list(void (*each)(const char *name, void *arg), void *arg);

#endif
