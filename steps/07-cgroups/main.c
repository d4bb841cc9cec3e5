/*
 * 07-cgroups — limits: memory, CPU time, processes.
 *
 * Namespaces decide what a container sees; they do not stop it from taking
 * all the memory, all the CPU time or all the process slots of the machine.
 * A control group (cgroup) does: the kernel counts what every process in the
 * group uses and holds the group to its limits.
 *
 * The runtime makes a group for the container (.../stepbox/<container id>)
 * with its limits before clone(), and moves the child into it before
 * releasing it: from its first instruction on, the container is limited.
 * The child then enters a cgroup namespace of its own, so /proc/self/cgroup
 * shows its group as "/". At exit the runtime reports what the container
 * used — and whether the OOM killer ended it — then removes the group.
 *
 * cgroup v2 (one tree: memory.max, cpu.max, pids.max) and v1 (a tree per
 * controller: memory.limit_in_bytes, cpu.cfs_quota_us, pids.max) are two
 * small drivers behind lib/kernel/cgroup, chosen by what the host has.
 *
 * New here:  cgroup files (mkdir, limits, cgroup.procs, rmdir),
 *            unshare(CLONE_NEWCGROUP), -m/--memory, --cpus, --pids-limit
 * Try:       sudo build/07-cgroups -m 32m build/rootfs probe alloc 100     # 137
 *            sudo build/07-cgroups --pids-limit 16 build/rootfs probe forkbomb
 *            sudo build/07-cgroups --cpus 0.25 build/rootfs probe spin 2
 */
#define _GNU_SOURCE
#include <sched.h>

#include "kernel/cgroup.h"
#include "runtime/container.h"
#include "kernel/fs.h"
#include "kernel/idmap.h"
#include "base/log.h"
#include "kernel/net.h"
#include "kernel/opts.h"
#include "kernel/proc.h"
#include "kernel/rundir.h"
#include "kernel/userns.h"
#include "kernel/uts.h"

/* What --help says this step does. */
#define SUMMARY "Run CMD in new user, PID, UTS, IPC, mount, network and cgroup namespaces, on an overlay of ROOTFS, within memory, CPU and process limits."

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	/* The maps are written: become the namespace's root, a host UID like 100000. */
	userns_become_root();

	/* Root's group 0 (or yours) stays on the host's side. */
	userns_drop_groups();

	/* Changing IDs cleared "kill me when the runtime dies": ask again. */
	proc_die_with_parent(&c->init);

	/* No controlling terminal: nothing inside types into the caller's shell. */
	proc_new_session();

	/* We are in our cgroup now: make it the root of the cgroups we see. */
	/* exercise 2: make the container's own group the root of the cgroups it sees (kernel/cgroup.h) */
	cg_enter_namespace();
	/* end exercise 2 */

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(c->opts.hostname);

	/* A new network namespace starts with its loopback down. */
	net_link_set_up("lo");

	/* Our mounts stay in our mount namespace, shared "/" or not. */
	fs_make_mounts_private();

	/* The shifted image below, our writes on top; in a user namespace,
	 * overlayfs keeps its own xattrs (opaque dirs) under "user.". */
	fs_mount_overlay(c->lower.image, c->lower.layers, c->lower.nlayers, &c->run,
			 OVERLAY_USER_XATTRS);
	fs_pivot_into(c->run.merged);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");
	fs_mount_sys_readonly("/sys");
	cg_mount_readonly(&c->cg, "/sys/fs/cgroup");
	fs_mount_minimal_dev("/dev");
	fs_mount_tmpfs("/tmp", "mode=1777");

	/* Cut the host's "/" out of our mount tree: nowhere left to climb to. */
	fs_detach_old_root();

	proc_exec_command(c->opts.cmd);
}

int main(int argc, char **argv)
{
	/* Everything about the container, in one place (static: it is large). */
	static struct container c;
	struct cg_usage used;
	int status;

	log_init(argv[0]);
	proc_ignore_sigpipe();   /* a reader that went away (| head) must not stop our cleanup */
	opts_parse(&c.opts, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET | OPT_USERNS | OPT_LIMITS,
		   SUMMARY);

	/* Who the container's root is on the host; without sudo also --net none. */
	opts_choose_id_ranges(&c.opts);

	/* An id of its own, and a run directory named after it, with its record. */
	container_create(&c);

	/* The group and its limits exist before the container does. */
	cg_create(&c.cg, c.id, &c.opts.limits);

	/* The container's root owns its writable layer, and its image. */
	rundir_give_to(&c.run, c.opts.uids.start, c.opts.gids.start);

	/* As root, the runtime's own mount namespace: the shifted layers are mounted
	 * there, the child's mount table copies them, the host never sees them. */
	fs_enter_own_mount_namespace();
	idmap_layers(c.opts.rootfs, c.opts.layers, c.opts.nlayers, &c.opts.uids, &c.opts.gids,
		     c.run.path, &c.lower);

	/* The namespaces, a line for each step that adds some. */
	int namespaces = CLONE_NEWPID;                  /* 02: a process tree */
	namespaces |= CLONE_NEWUTS | CLONE_NEWIPC;      /* 03: hostname, System V IPC */
	namespaces |= CLONE_NEWNS;                      /* 04: a mount table */
	namespaces |= CLONE_NEWNET;                     /* 05: a network stack */
	namespaces |= CLONE_NEWUSER;                    /* 06: user and group IDs */

	proc_clone(&c.init, namespaces, container_main, &c);

	/* The child's mount table has its copy of the layer mounts: ours can go. */
	idmap_unmount_layers(&c.lower);

	/* Into the group before it runs a single instruction of the command. */
	/* exercise 1: move the child into its group, before it runs (cgroup.procs, kernel/cgroup.h) */
	cg_attach(&c.cg, c.init.pid);
	/* end exercise 1 */

	/* Who the child is on the host: written before it goes on. */
	userns_write_maps(c.init.pid, &c.opts.uids, &c.opts.gids);

	/* Wire the container to the host before it runs. */
	net_connect_container(&c.link, c.id, c.init.pid, c.opts.veth, c.opts.ip,
			      c.opts.hostname);
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* What it used, and whether the OOM killer ended it; then the group. */
	if (cg_read_usage(&c.cg, &used) == 0)
		cg_print_usage(&used, &c.opts.limits, status);
	cg_destroy(&c.cg);

	/* The cable goes with the container's network namespace (the kernel
	 * deletes both ends); then the upper layer. */
	net_disconnect_container(&c.link);
	container_remove(&c);
	return status;
}
