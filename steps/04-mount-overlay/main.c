/*
 * 04-mount-overlay — a mount table and a filesystem of its own.
 *
 * Until now the container wrote straight into the image, its /proc was a
 * mount in the host's table, and chroot() could be climbed out of. Here:
 *
 *  1. CLONE_NEWNS gives the child a copy of the host's mount table. Marking
 *     it all private first (systemd makes "/" shared) keeps every mount we
 *     make from propagating back to the host.
 *  2. overlayfs stacks the read-only image (and --layer dirs) under a
 *     writable upper layer that lives in a per-run directory on the host;
 *     the image itself is never changed, and the runtime deletes the upper
 *     layer at exit — that is why a container's writes are temporary.
 *  3. pivot_root() makes the overlay the root of the mount table, and the old
 *     root is detached: there is no host "/" left to climb back to.
 *  4. A fresh /proc, a read-only /sys, a minimal /dev and a tmpfs /tmp.
 *
 * When the container's last process exits, its mount namespace goes away and
 * every mount in it with it: nothing to unmount by hand.
 *
 * New here:  CLONE_NEWNS, MS_PRIVATE, mount("overlay"), pivot_root(),
 *            umount2(MNT_DETACH)
 * Try:       sudo build/04-mount-overlay --layer build/layers/app build/rootfs \
 *                 /bin/sh -c 'echo hi > /hello; ls /www; head -1 /proc/self/mountinfo'
 */
#define _GNU_SOURCE
#include <sched.h>

#include "fs.h"
#include "log.h"
#include "opts.h"
#include "proc.h"
#include "rundir.h"
#include "uts.h"

/* The writable layer: made by the parent, mounted by the child. */
static struct rundir run;

/* The child: PID 1 of the new namespaces. */
static int container_main(void *arg)
{
	struct options *o = arg;

	proc_wait_for_parent();

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(o->hostname);

	/* Our mounts stay in our mount namespace, shared "/" or not. */
	fs_make_mounts_private();

	/* The image below, our writes on top: the new root. */
	fs_mount_overlay(o->rootfs, o->layers, o->nlayers, run.upper, run.work, run.merged);
	fs_pivot_into(run.merged);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");
	fs_mount_sys_readonly("/sys");
	fs_mount_minimal_dev("/dev");
	fs_mount_tmpfs("/tmp", "mode=1777");

	/* Cut the host's "/" out of our mount tree: nowhere left to climb to. */
	fs_detach_old_root();

	proc_exec_command(o->cmd);
}

int main(int argc, char **argv)
{
	struct options o;
	pid_t child;
	int status;

	log_init(argv[0]);
	opts_parse(&o, argc, argv, OPT_HOSTNAME | OPT_LAYER,
		   "Run CMD in new PID, UTS, IPC and mount namespaces, on an overlay of ROOTFS.");

	rundir_create(&run);

	child = proc_clone(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS,
			   container_main, &o);
	proc_release_child();
	status = proc_wait(child);

	/* The mounts died with the namespace; the upper layer is ours to delete. */
	rundir_remove(&run);
	return status;
}
