/*
 * rundir — the directory on the host that holds a container's writable
 * layer: <root>/<container id>/{upper,work,merged}, where <root> is
 * $STEPBOX_RUNDIR, else /run/stepbox for root, else $XDG_RUNTIME_DIR/stepbox
 * or /tmp/stepbox-<uid>.
 *
 * While the container runs, everything it writes is in upper/ — look at it
 * from the host. At exit the runtime removes the directory; what a killed
 * run left is found by its record (lib/runtime/container) and removed by the next.
 *
 * Errors are values here (-1 and errno), except rundir_give_to(), which
 * dies; the removals warn once and go on.
 */
#ifndef STEPBOX_RUNDIR_H
#define STEPBOX_RUNDIR_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct rundir {
	char path[PATH_MAX];    /* <root>/<id>: "" until created */
	char upper[PATH_MAX];   /* the container's writes land here */
	char work[PATH_MAX];    /* overlayfs' scratch space, same filesystem */
	char merged[PATH_MAX];  /* where the overlay is mounted: the new root */
};

/* Where run directories live (see above). */
const char *rundir_root(void);

/*
 * Make the root if it is missing, check that it is a directory of ours that
 * nobody else may write to, and take its lock (lib/base/lock). Dies on failure:
 * it is called before anything exists. Returns the lock's fd.
 */
int rundir_lock_root(void);

/*
 * The root is ours to remove when it is one of the default places and
 * empty (the last run out); $STEPBOX_RUNDIR is the user's and stays.
 * Takes the lock itself.
 */
void rundir_remove_root_if_empty(void);

/* Make <root>/<id>, then (once it holds its record) upper, work and merged in it.
 * -1 and errno on failure. */
int rundir_create(struct rundir *run, const char *root, const char *id);
int rundir_make_layers(struct rundir *run);

/* The writable layer belongs to the container's root (step 06: a host UID like 100000). */
void rundir_give_to(struct rundir *run, uid_t uid, gid_t gid);

/*
 * rm -rf of `path`, whatever its depth, never across a mount point nor
 * through a symlink. The entry named `last` at the top (may be NULL) goes
 * last, only when all else is gone: a record that says what the directory
 * was survives a failed removal, so the next sweep can try again. On
 * failure: one warning line that says how to remove it by hand, and -1.
 */
int rundir_remove_tree(const char *path, const char *last);

#endif
