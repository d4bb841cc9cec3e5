/*
 * idmap — make the image's files belong to the container's root.
 *
 * The image on disk is owned by the host's root (UID 0). Inside a user
 * namespace that maps 0 to the host's 100000, UID 0 is not mapped at all: the
 * image's files show up as "nobody", and overlayfs cannot copy them up to
 * change them (the copy would have to be chowned to an unmapped owner).
 *
 * Two ways to fix it, both for the lower layers only (the upper layer is
 * simply created with the right owner):
 *
 *  1. idmapped mounts (Linux 5.12+, overlayfs on top of them since 5.19): a
 *     clone of the image's mount, with a user namespace attached that shifts
 *     every owner as it is read: on-disk 0 reads as 100000, which is 0 inside.
 *     No copy, no change on disk, a few system calls.
 *  2. otherwise, a copy of each layer in the run directory with every owner
 *     shifted (lchown to 100000 + UID): slower, and it costs disk, but any
 *     kernel can do it.
 *
 * idmap_layers() dies (exit 125) on failure.
 */
#ifndef STEPBOX_IDMAP_H
#define STEPBOX_IDMAP_H

#include <limits.h>

#include "kernel/fs.h"
#include "kernel/userns.h"

struct shifted_layers {
	char image[PATH_MAX];                /* the image, as the lowest layer */
	char *layers[MAX_LAYERS];            /* the --layer dirs above it (PATH_MAX each) */
	int nlayers;
	int mounted;                     /* how many are idmapped mounts */
};

/*
 * Fill `out` with lower-layer paths for the image and `layers` whose owners
 * are shifted by `uids` and `gids`: idmapped mounts or copies, in `copy_dir`.
 * Call it before clone(), in a mount namespace of the runtime's own
 * (fs_enter_own_mount_namespace()): the mounts are made there, the child's
 * mount table is copied from it, and the host's never sees them.
 */
void idmap_layers(const char *image, char *const layers[], int nlayers,
		  const struct id_range *uids, const struct id_range *gids,
		  const char *copy_dir, struct shifted_layers *out);

/* After clone(): the child has its copy of the mounts; the runtime drops its own. */
void idmap_unmount_layers(struct shifted_layers *lower);

#endif
