/*
 * decompress — read a file that may be compressed, as one plain stream.
 *
 * Image layers (and whole saved images) come as tar, tar.gz or tar.zst.
 * Rather than a decompressor of our own, the system's `gzip -dc` or
 * `zstd -dc` runs as a child process writing into a pipe we read: the same
 * fork/exec/pipe a shell uses for `gzip -dc FILE | tar x`. The format is
 * known by the file's first bytes, not its name (a blob of an OCI archive
 * has no extension).
 *
 *     struct decompress d;
 *     decompress_open(path, &d, &err);   read d.fd to its end
 *     decompress_finish(&d, &err);       did the program succeed?
 *   or, to stop early:
 *     decompress_abort(&d);
 *
 * Errors are values: -1 and one line in `err` (lib/base/error.h).
 */
#ifndef STEPBOX_DECOMPRESS_H
#define STEPBOX_DECOMPRESS_H

#include "base/error.h"

#include <stddef.h>
#include <sys/types.h>

struct decompress {
	int fd;                   /* the plain stream: the pipe, or the file itself */
	pid_t pid;                /* the decompressor; 0 for a plain file */
	const char *program;      /* "gzip", "zstd" or NULL */
};

/* Open path; a compressed file starts its decompressor. */
int decompress_open(const char *path, struct decompress *d, struct error *err);

/* After reading fd to its end: close it and wait for the decompressor,
 * which must have exited 0 (a damaged .gz can still end like a whole tar). */
int decompress_finish(struct decompress *d, struct error *err);

/* Stop early: close fd (the decompressor ends on SIGPIPE) and reap it. */
void decompress_abort(struct decompress *d);

#endif
