/*
 * 07-cgroups — limits: memory, CPU time, processes.
 *
 * Namespaces decide what a container sees; they do not stop it from taking
 * all the memory, all the CPU time or all the process slots of the machine.
 * A control group (cgroup) does: the kernel counts what every process in the
 * group uses and holds the group to its limits.
 *
 * The runtime makes a group for the container (.../stepbox/<runtime pid>)
 * with its limits before clone(), and moves the child into it before
 * releasing it: from its first instruction on, the container is limited.
 * The child then enters a cgroup namespace of its own, so /proc/self/cgroup
 * shows its group as "/". At exit the runtime reports what the container
 * used — and whether the OOM killer ended it — then removes the group.
 *
 * cgroup v2 (one tree: memory.max, cpu.max, pids.max) and v1 (a tree per
 * controller: memory.limit_in_bytes, cpu.cfs_quota_us, pids.max) are both
 * handled by lib/cgroup, chosen by what the host has.
 *
 * New here:  cgroup files (mkdir, limits, cgroup.procs, rmdir),
 *            unshare(CLONE_NEWCGROUP), -m/--memory, --cpus, --pids-limit
 * Try:       sudo build/07-cgroups -m 32m build/rootfs probe alloc 100     # 137
 *            sudo build/07-cgroups --pids-limit 16 build/rootfs probe forkbomb
 *            sudo build/07-cgroups --cpus 0.25 build/rootfs probe spin 2
 */
#define _GNU_SOURCE
#include <sched.h>

#include "cgroup.h"
#include "fs.h"
#include "idmap.h"
#include "log.h"
#include "net.h"
#include "opts.h"
#include "proc.h"
#include "rundir.h"
#include "userns.h"
#include "uts.h"

/* The writable layer: made by the parent, mounted by the child. */
static struct rundir run;

/* The read-only layers, with their owners shifted to the container's range. */
static struct shifted_layers lower;

/* The container's control group: made by the parent, which moves the child in. */
static struct cgroup cg;

/* The child: PID 1 of the new namespaces. */
static int container_main(void *arg)
{
	struct options *o = arg;

	proc_wait_for_parent();

	/* The maps are written: become the namespace's root, a host UID like 100000. */
	userns_become_root();

	/* Changing IDs cleared "kill me when the runtime dies": ask again. */
	proc_die_with_parent();

	/* We are in our cgroup now: make it the root of the cgroups we see. */
	cg_enter_namespace();

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(o->hostname);

	/* A new network namespace starts with its loopback down. */
	net_link_set_up("lo");

	/* Our mounts stay in our mount namespace, shared "/" or not. */
	fs_make_mounts_private();

	/* The image below, our writes on top: the new root. */
	fs_mount_overlay(lower.image, lower.layers, lower.nlayers, run.upper, run.work,
			 run.merged);
	fs_pivot_into(run.merged);

	/* A proc mounted by a process in the new namespace shows that namespace. */
	fs_mount_proc("/proc");
	fs_mount_sys_readonly("/sys");
	cg_mount_readonly(&cg, "/sys/fs/cgroup");
	fs_mount_minimal_dev("/dev");
	fs_mount_tmpfs("/tmp", "mode=1777");

	/* Cut the host's "/" out of our mount tree: nowhere left to climb to. */
	fs_detach_old_root();

	proc_exec_command(o->cmd);
}

int main(int argc, char **argv)
{
	struct options o;
	struct net_link link;
	pid_t child;
	int status;

	log_init(argv[0]);
	opts_parse(&o, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET | OPT_USERNS | OPT_LIMITS,
		   "Run CMD in new user, PID, UTS, IPC, mount, network and cgroup namespaces, "
		   "on an overlay of ROOTFS, within memory, CPU and process limits.");

	rundir_create(&run);

	/* The group and its limits exist before the container does. */
	cg_create(&cg, run.name, &o.limits);

	/* The container's root owns its writable layer, and its image. */
	rundir_give_to(&run, o.uids.start, o.gids.start);
	idmap_layers(o.rootfs, o.layers, o.nlayers, &o.uids, &o.gids, run.path, &lower);

	child = proc_clone(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
				   CLONE_NEWNS | CLONE_NEWNET,
			   container_main, &o);

	/* The child's mount table has its copy of the layer mounts: ours can go. */
	idmap_unmount_layers(&lower);

	/* Into the group before it runs a single instruction of the command. */
	cg_attach(&cg, child);

	/* Who the child is on the host: written before it goes on. */
	userns_write_maps(child, &o.uids, &o.gids);

	/* Wire the container to the host before it runs. */
	net_connect_container(&link, child, o.veth, o.ip, o.hostname);
	proc_release_child();
	status = proc_wait(child);

	/* What it used, then the group, the host end of the cable, the upper layer. */
	cg_report(&cg, &o.limits, status);
	cg_destroy(&cg);
	net_disconnect_container(&link);
	rundir_remove(&run);
	return status;
}
