/*
 * layer — unpack one image layer (a tar stream) into a new directory,
 * safely, in the form overlayfs reads as a lower layer.
 *
 * A layer comes from whoever built the image: it is hostile input. The
 * unpacker keeps every member inside the layer's directory (no "..", no
 * absolute escape, no writing through a symlink or into a hard link's
 * target outside), makes device nodes, owners, set-id bits and xattrs only
 * as root, and bounds what a layer can cost (entries, name length, depth,
 * bytes). It unpacks into DEST.tmp-XXXXXX next to DEST and renames that into
 * place only when every member is in: DEST is complete or absent.
 *
 * Whiteouts of the image format (.wh.NAME, .wh..wh..opq) become overlayfs
 * whiteouts: a 0:0 character device and the trusted.overlay.opaque=y xattr
 * (root only: CAP_MKNOD, CAP_SYS_ADMIN). With `userxattr`, for an overlay
 * mounted without privilege (-o userxattr): user.overlay.opaque=y, and a
 * whiteout as a zero-size file with user.overlay.whiteout in a directory
 * marked user.overlay.opaque=x. Linux reads that form since 6.8 (6.7 had a
 * first version with another directory marker), and only in a lower layer
 * that is not the lowest: right for an image's layers, never for an upper
 * dir. On an older kernel a layer with whiteouts is a clear error.
 *
 * Errors are values: a function that fails returns -1 and writes one line
 * into `err` (lib/base/error.h): the member, what was wrong, and a hint.
 * Nothing here prints or exits.
 */
#ifndef STEPBOX_LAYER_H
#define STEPBOX_LAYER_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/sha256.h"

#define LAYER_DEFAULT_MAX_SIZE    (16ULL << 30)   /* bytes of uncompressed tar */
#define LAYER_DEFAULT_MAX_ENTRIES 1000000
#define LAYER_MAX_DEPTH           256             /* components of one path */

struct layer_options {
	bool userxattr;           /* whiteouts in the user.overlay.* form */
	uint64_t max_size;        /* 0: LAYER_DEFAULT_MAX_SIZE */
	uint64_t max_entries;     /* 0: LAYER_DEFAULT_MAX_ENTRIES */
	bool no_openat2;          /* resolve by hand, as on Linux < 5.6 (for the tests) */
};

struct layer_report {
	char diff_id[7 + SHA256_HEX_SIZE];  /* "sha256:" and 64 hex digits */
	unsigned long entries;              /* members unpacked */
	unsigned long devices_skipped;      /* not root: device nodes not made */
	unsigned long xattrs_skipped;       /* not root, or the filesystem said no */
	unsigned long xattrs_dropped;       /* overlay's own xattrs in the archive */
};

/*
 * Unpack the uncompressed tar stream on fd into the new directory dest
 * (which must not exist; its parent must). fd is read to its end and not
 * closed. On success report->diff_id is the stream's SHA-256: the caller
 * compares it with the image's config. opts may be NULL for the defaults.
 */
int layer_unpack(int fd, const char *dest, const struct layer_options *opts,
		 struct layer_report *report, struct error *err);

/*
 * The same from a file, which may be compressed: gzip and zstd are
 * recognised by their first bytes and read through `gzip -dc` / `zstd -dc`
 * over a pipe; the layer goes in place only if that program exits 0.
 */
int layer_unpack_file(const char *path, const char *dest, const struct layer_options *opts,
		      struct layer_report *report, struct error *err);

/* Remove a layer directory (or a leftover), never following a symlink. */
int layer_remove(const char *dir, struct error *err);

#endif
