/*
 * tar — read a tar archive (ustar/POSIX, with GNU long names and pax
 * headers) as a stream: one member after another, from any fd, never
 * seeking, so a pipe from `gzip -dc` works as well as a file.
 *
 *     struct tar t;
 *     struct tar_member *m;
 *     tar_open(&t, fd, &digest, limit);        digest may be NULL, limit 0
 *     while ((r = tar_next(&t, &m, &err)) == 1)
 *         ... tar_read(&t, buf, n, &err) for a file's data ...
 *     tar_finish(&t, &err);        read (and hash) to the end
 *     tar_close(&t);
 *
 * Every byte read from fd goes into the digest, headers and padding too:
 * that is the layer's diff id, the SHA-256 of the whole uncompressed stream.
 *
 * Understood: ustar names (prefix + name), GNU 'L'/'K' long name and link
 * records, pax 'x' records for path, linkpath, size, uid, gid, mtime and
 * SCHILY.xattr.*; pax 'g' global records are skipped. Sparse and multi-volume
 * members are refused. A header's checksum is verified.
 *
 * Errors are values: a function that fails returns -1 and writes one line
 * into `err` (lib/base/error.h), naming the member and the reason.
 */
#ifndef STEPBOX_TAR_H
#define STEPBOX_TAR_H

#include "base/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "frontend/sha256.h"

#define TAR_MAX_XATTRS 32
#define TAR_MAX_PAX    (1 << 20)     /* a pax record larger than 1 MiB is refused */

enum tar_type { TAR_FILE, TAR_DIR, TAR_SYMLINK, TAR_HARDLINK, TAR_CHAR, TAR_BLOCK, TAR_FIFO };

struct tar_xattr {
	char *name;               /* "security.capability", without SCHILY.xattr. */
	char *value;              /* binary, `size` bytes */
	size_t size;
};

struct tar_member {
	char name[PATH_MAX];      /* as the archive spells it: not cleaned */
	char link[PATH_MAX];      /* symlink or hard link target */
	enum tar_type type;
	mode_t mode;              /* permission bits with set-id and sticky: 07777 */
	uid_t uid;
	gid_t gid;
	int64_t mtime;            /* seconds since the epoch */
	uint64_t size;            /* bytes of data (files only; 0 for the rest) */
	unsigned int major, minor;  /* character and block devices */
	struct tar_xattr xattrs[TAR_MAX_XATTRS];
	int nxattrs;
};

struct tar {
	int fd;
	struct sha256 *digest;    /* every byte read is hashed here, if set */
	uint64_t bytes_read;      /* the whole stream so far */
	uint64_t limit;           /* more than this many bytes is an error; 0: none */
	uint64_t data_left;       /* of the current member's data */
	uint64_t padding;         /* zeros after it, up to the next 512 bytes */
	bool ended;               /* the end-of-archive block was read */
	struct tar_member member;
	char last[PATH_MAX];      /* the last member's name, for messages */
	unsigned long count;      /* members so far */
};

/* Start reading fd (a file or pipe; fd stays the caller's to close). A
 * stream longer than `limit` bytes (0: no limit) is an error: an endless
 * or decompression-bomb stream stops there. */
void tar_open(struct tar *t, int fd, struct sha256 *digest, uint64_t limit);

/* The next member into *member: 1, or 0 at the end of the archive, or -1.
 * Data of the previous member that the caller did not read is skipped. */
int tar_next(struct tar *t, struct tar_member **member, struct error *err);

/* Up to `size` bytes of the current member's data: the count, 0 at its end, or -1. */
ssize_t tar_read(struct tar *t, void *buf, size_t size, struct error *err);

/* After tar_next said 0: read what follows the end blocks, so the digest
 * covers the whole stream (tar pads to 10 KiB records). 0 or -1. */
int tar_finish(struct tar *t, struct error *err);

/* Free the member's xattrs. The fd is not closed. */
void tar_close(struct tar *t);

/* "file", "directory", ...: for messages. */
const char *tar_type_name(enum tar_type type);

#endif
