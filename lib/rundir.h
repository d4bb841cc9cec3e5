/*
 * rundir — the per-run directory on the host that holds a container's
 * writable layer: <root>/<runtime pid>/{upper,work,merged}, where <root> is
 * $STEPBOX_RUNDIR, else /run/stepbox for root, else $XDG_RUNTIME_DIR/stepbox
 * or /tmp/stepbox-<uid>.
 *
 * While the container runs, everything it writes is in upper/ — look at it
 * from the host. At exit the runtime removes the directory. If the runtime is
 * killed by SIGKILL, the next run removes what it left: a run holds a lock on
 * its directory for as long as it lives, so an unlocked one is stale.
 *
 * rundir_create() dies (exit 125) on failure; rundir_remove() only warns.
 */
#ifndef STEPBOX_RUNDIR_H
#define STEPBOX_RUNDIR_H

#include <limits.h>
#include <sys/types.h>

struct rundir {
	char name[32];          /* the runtime's PID: names its cgroup and veth too */
	char path[PATH_MAX];
	char upper[PATH_MAX];   /* the container's writes land here */
	char work[PATH_MAX];    /* overlayfs' scratch space, same filesystem */
	char merged[PATH_MAX];  /* where the overlay is mounted: the new root */
	int lock_fd;            /* held until exit: "this run is alive" */
};

void rundir_create(struct rundir *run);
void rundir_remove(struct rundir *run);

/* The writable layer belongs to the container's root (step 06: a host UID like 100000). */
void rundir_give_to(struct rundir *run, uid_t uid, gid_t gid);

/*
 * The lock of the run directory's root serialises what runs on this host must
 * not do at the same time: creating and sweeping run directories, choosing
 * container addresses. Returns the fd that holds it.
 */
int rundir_lock_host(void);
void rundir_unlock_host(int fd);

#endif
