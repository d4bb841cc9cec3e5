/*
 * 02-pid-ns — a process tree of its own.
 *
 * In step 01 the command could see, and signal, every process on the host.
 * Here it starts in a new PID namespace: clone(CLONE_NEWPID) makes a child
 * that is PID 1 in a fresh numbering, while the host sees it under an
 * ordinary PID (the trace prints both). A fresh proc filesystem, mounted
 * after the chroot, shows that namespace: `ps` inside lists only the
 * container's processes.
 *
 * Now there are two processes: the runtime (parent) waits for the container
 * (child), passes on the signals it receives and reports how the child ended.
 *
 * Still open: the /proc mount lands in the host's mount table (look with
 * `findmnt` while it runs), and the hostname is the host's. Steps 03 and 04.
 *
 * New here:  clone(CLONE_NEWPID), mount("proc"), waitpid(), signal forwarding
 * Try:       sudo build/02-pid-ns build/rootfs /bin/sh -c 'echo $$; ps'
 */
#define _GNU_SOURCE
#include <sched.h>

#include "runtime/container.h"
#include "kernel/fs.h"
#include "base/log.h"
#include "kernel/opts.h"
#include "kernel/proc.h"

/* What --help says this step does. */
#define SUMMARY "Run CMD in ROOTFS as PID 1 of a new PID namespace."

/* The child: PID 1 of the new namespace. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	fs_enter_chroot(c->opts.rootfs);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	/* exercise 2: mount a proc filesystem on /proc from inside the new PID namespace (kernel/fs.h) */
	fs_mount_proc("/proc");
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
	opts_parse(&c.opts, argc, argv, 0, SUMMARY);

	/* A runtime killed by SIGKILL could not unmount its /proc: do it now. */
	fs_unmount_stale_proc(c.opts.rootfs);

	/* The namespaces, a line for each step that adds some. */
	/* exercise 1 drops CLONE_NEWPID: the clone() flag that starts a new PID numbering */
	int namespaces = CLONE_NEWPID;                  /* 02: a process tree */

	proc_clone(&c.init, namespaces, container_main, &c);
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* No mount namespace yet: the container's /proc is ours to remove. */
	fs_unmount_stale_proc(c.opts.rootfs);
	return status;
}
