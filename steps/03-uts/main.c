/*
 * 03-uts — a hostname of its own.
 *
 * Step 02 gave the container its own process tree. Its hostname is still the
 * host's: `hostname box` inside would rename the whole machine. CLONE_NEWUTS
 * gives the child a private copy of the hostname and domain name, so it can
 * call sethostname() without touching anyone else. CLONE_NEWIPC comes along:
 * System V shared memory, semaphores and message queues (ipcs) of its own.
 *
 * Still open: the /proc mount lands in the host's mount table, and the
 * container writes straight into the image. Step 04.
 *
 * New here:  CLONE_NEWUTS, CLONE_NEWIPC, sethostname()
 * Try:       sudo build/03-uts --hostname box build/rootfs /bin/hostname
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
#define SUMMARY "Run CMD in ROOTFS in new PID, UTS and IPC namespaces."

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	/* Only this UTS namespace gets the new name. */
	/* exercise 1: give this UTS namespace the name in c->opts.hostname (kernel/uts.h) */
	uts_set_hostname(c->opts.hostname);
	/* end exercise 1 */

	fs_enter_chroot(c->opts.rootfs);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");

	proc_exec_command(c->opts.cmd);
}

int main(int argc, char **argv)
{
	/* Everything about the container, in one place (static: it is large). */
	static struct container c;
	int status;

	log_init(argv[0]);
	proc_ignore_sigpipe();   /* a reader that went away (| head) must not stop our cleanup */
	opts_parse(&c.opts, argc, argv, OPT_HOSTNAME, SUMMARY);

	/* A runtime killed by SIGKILL could not unmount its /proc: do it now. */
	fs_unmount_stale_proc(c.opts.rootfs);

	/* The namespaces, a line for each step that adds some. */
	int namespaces = CLONE_NEWPID;                  /* 02: a process tree */
	/* exercise 2 drops CLONE_NEWIPC: the flag for System V IPC objects of its own (ipcs) */
	namespaces |= CLONE_NEWUTS | CLONE_NEWIPC;      /* 03: hostname, System V IPC */

	proc_clone(&c.init, namespaces, container_main, &c);
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* No mount namespace yet: the container's /proc is ours to remove. */
	fs_unmount_stale_proc(c.opts.rootfs);
	return status;
}
