/*
 * image — what a container starts from: read-only layers, lowest first, and
 * the defaults that come with them (command, environment, working
 * directory, exposed ports). An image of stepbox is a small text file in
 * the images directory (build/images/NAME, next to the step binaries), one
 * "key value" line each:
 *
 *     layer ../rootfs          a layer directory, relative to the file
 *     layer ../layers/app      the next layer up
 *     cmd start-web            the default command, one word a line
 *     env PORT=80              an environment variable
 *     workdir /www             where the command starts
 *     expose 80/tcp            a port the command listens on
 *
 * A path to a directory works as IMAGE too: one layer, command /bin/sh.
 * Errors are values: -1 and a reason in `err` (lib/base/error.h).
 */
#ifndef STEPBOX_IMAGE_H
#define STEPBOX_IMAGE_H

#include "base/error.h"

#include <limits.h>
#include <stddef.h>

#include "kernel/fs.h"

#define IMAGE_MAX_WORDS 32
#define IMAGE_WORD_LEN  256

struct image {
	char name[128];
	char layers[MAX_LAYERS + 1][PATH_MAX];   /* absolute, lowest first */
	int nlayers;
	char cmd[IMAGE_MAX_WORDS][IMAGE_WORD_LEN];
	int ncmd;
	char env[IMAGE_MAX_WORDS][IMAGE_WORD_LEN];
	int nenv;
	char workdir[PATH_MAX];
	char expose[IMAGE_MAX_WORDS][32];
	int nexpose;
};

/* The images directory: $STEPBOX_IMAGES, else "images" beside this binary. */
const char *image_dir(void);

/* Find image `name` (or a rootfs directory of that path) and read it. */
int image_open(const char *name, struct image *image, struct error *err);

/* Call each(name, arg) for every image in the images directory, by name. */
int image_list(void (*each)(const char *name, void *arg), void *arg);

#endif
