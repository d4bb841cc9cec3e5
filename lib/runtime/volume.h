/*
 * volume — data that outlives the container (step 08's -v and --tmpfs).
 *
 * The writable layer dies with the container (rm). What must last goes
 * into a volume, a directory of the host mounted into the container:
 *
 *   -v /host/path:/ctr/path[:ro]   a bind mount of a host directory or file
 *   -v NAME:/ctr/path[:ro]         a named volume: <volume dir>/NAME, made on
 *                                  first use, kept until `volume rm NAME`
 *   --tmpfs /ctr/path              a fresh tmpfs, gone with the container
 *
 * The volume dir is /var/lib/stepbox/volumes for root, else
 * $XDG_DATA_HOME/stepbox/volumes (or ~/.local/share/stepbox/volumes).
 *
 * The target is found *inside* the container's root: openat2() with
 * RESOLVE_IN_ROOT makes "..", absolute symlinks and "/" stop at the
 * container's root, so an image whose /data is a symlink to /etc gets the
 * volume on its own /etc, never on the host's (the runc CVE-2021-30465
 * family). The mount itself goes through file descriptors (open_tree,
 * mount_setattr, move_mount), so no path is looked up twice.
 *
 * volume_parse*() and the volume_ls/rm helpers return -1 and a reason;
 * volume_mount() runs in the container's first process and dies.
 */
#ifndef STEPBOX_VOLUME_H
#define STEPBOX_VOLUME_H

#include "base/error.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define VOLUME_MAX 16

enum volume_kind { VOLUME_BIND, VOLUME_NAMED, VOLUME_TMPFS };

struct volume {
	enum volume_kind kind;
	char name[128];            /* a named volume's name */
	char *source;              /* on the host (bind: as given; named: its directory) */
	char *target;              /* inside the container, absolute */
	bool readonly;
};

/* "bind", "volume", "tmpfs": docker's words for the kinds. */
const char *volume_kind_name(enum volume_kind kind);

/* Where named volumes live. */
const char *volume_dir(void);

/* "-v SRC:DST[:ro|rw]" and "--tmpfs DST": -1 and why, if they are not that. */
int volume_parse(const char *spec, struct volume *v, struct error *err);
int volume_parse_tmpfs(const char *target, struct volume *v, struct error *err);

/*
 * Before the container starts: a bind's source must exist; a named volume's
 * directory is made (owned by `uid`:`gid`, the container's root) if new.
 */
int volume_prepare(struct volume *v, unsigned long uid, unsigned long gid, struct error *err);

/*
 * Child, after pivot_root() and before the old root is detached: mount `v`
 * at its target inside "/" (the container's root); the host's files are
 * still reachable at `old_root`. Dies on failure.
 */
void volume_mount(const struct volume *v, const char *old_root);

#endif
