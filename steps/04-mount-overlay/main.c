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
 *     writable upper layer that lives on the host, in a run directory named
 *     after the container's own id (64 random hex digits, not the runtime's
 *     PID), beside a record of who owns it; the image itself is never
 *     changed, and the runtime deletes the upper layer at exit — that is why
 *     a container's writes are temporary. A run killed by SIGKILL cannot
 *     delete it: the next run finds the record of a dead owner and does.
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

#include "runtime/container.h"
#include "kernel/fs.h"
#include "base/log.h"
#include "kernel/opts.h"
#include "kernel/proc.h"
#include "kernel/uts.h"

/* What --help says this step does. */
#define SUMMARY "Run CMD in new PID, UTS, IPC and mount namespaces, on an overlay of ROOTFS."

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(c->opts.hostname);

	/* Our mounts stay in our mount namespace, shared "/" or not. */
	/* exercise 1: before any mount, stop mounts propagating to and from the host (MS_REC|MS_PRIVATE on /) */
	fs_make_mounts_private();
	/* end exercise 1 */

	/* The image below, our writes on top: the new root. */
	fs_mount_overlay(c->opts.rootfs, c->opts.layers, c->opts.nlayers, &c->run,
			 OVERLAY_TRUSTED_XATTRS);
	fs_pivot_into(c->run.merged);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");
	fs_mount_sys_readonly("/sys");
	fs_mount_minimal_dev("/dev");
	fs_mount_tmpfs("/tmp", "mode=1777");

	/* Cut the host's "/" out of our mount tree: nowhere left to climb to. */
	/* exercise 2: cut the host's old root, /.oldroot, out of the mount tree (kernel/fs.h) */
	fs_detach_old_root();
	/* end exercise 2 */

	proc_exec_command(c->opts.cmd);
}

int main(int argc, char **argv)
{
	/* Everything about the container, in one place (static: it is large). */
	static struct container c;
	int status;

	log_init(argv[0]);
	proc_ignore_sigpipe();   /* a reader that went away (| head) must not stop our cleanup */
	opts_parse(&c.opts, argc, argv, OPT_HOSTNAME | OPT_LAYER, SUMMARY);

	/* An id of its own, and a run directory named after it, with its record. */
	container_create(&c);

	/* The namespaces, a line for each step that adds some. */
	int namespaces = CLONE_NEWPID;                  /* 02: a process tree */
	namespaces |= CLONE_NEWUTS | CLONE_NEWIPC;      /* 03: hostname, System V IPC */
	namespaces |= CLONE_NEWNS;                      /* 04: a mount table */

	proc_clone(&c.init, namespaces, container_main, &c);
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* The mounts died with the namespace; the upper layer is ours to delete. */
	container_remove(&c);
	return status;
}
