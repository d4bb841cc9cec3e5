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

#include "fs.h"
#include "log.h"
#include "opts.h"
#include "proc.h"
#include "uts.h"

/* The child: PID 1 of the new namespaces. */
static int container_main(void *arg)
{
	struct options *o = arg;

	proc_wait_for_parent();

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(o->hostname);

	fs_enter_chroot(o->rootfs);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");

	proc_exec_command(o->cmd);
}

int main(int argc, char **argv)
{
	struct options o;
	pid_t child;
	int status;

	log_init(argv[0]);
	opts_parse(&o, argc, argv, OPT_HOSTNAME,
		   "Run CMD in ROOTFS in new PID, UTS and IPC namespaces.");

	/* A runtime killed by SIGKILL could not unmount its /proc: do it now. */
	fs_unmount_stale_proc(o.rootfs);

	child = proc_clone(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC, container_main, &o);
	proc_release_child();
	status = proc_wait(child);

	/* No mount namespace yet: the container's /proc is ours to remove. */
	fs_unmount_stale_proc(o.rootfs);
	return status;
}
