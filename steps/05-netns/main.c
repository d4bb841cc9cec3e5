/*
 * 05-netns — a network stack of its own.
 *
 * Until now the container used the host's network: the same interfaces, the
 * same ports, the same routes. CLONE_NEWNET gives it an empty network stack:
 * no interface but a loopback that is down. To reach it, the runtime lays a
 * virtual cable, a veth pair: one end stays on the host ("sb-<pid>"), the
 * other is created directly inside the container's namespace as "eth0".
 *
 * The container waits on its sync pipe while the runtime wires both ends
 * through rtnetlink (no `ip` binary): it picks a free /30, puts the gateway
 * address on the host end, enters the container's network namespace with
 * setns() to bring up lo and eth0, give eth0 its address and a default
 * route via the host — and only then lets the container run.
 *
 * When the container's namespace dies, its eth0 goes with it, and a veth
 * never outlives its other half: the host end disappears too.
 *
 * New here:  CLONE_NEWNET, rtnetlink (RTM_NEWLINK veth, RTM_NEWADDR,
 *            RTM_NEWROUTE), setns()
 * Try:       sudo build/05-netns build/rootfs /bin/sh -c 'ip addr; ip route; ping -c1 10.123.0.1'
 */
#define _GNU_SOURCE
#include <sched.h>

#include "fs.h"
#include "log.h"
#include "net.h"
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

	/* A new network namespace starts with its loopback down. */
	net_link_set_up("lo");

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
	struct net_link link;
	pid_t child;
	int status;

	log_init(argv[0]);
	opts_parse(&o, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET,
		   "Run CMD in new PID, UTS, IPC, mount and network namespaces, on an overlay "
		   "of ROOTFS.");

	rundir_create(&run);

	child = proc_clone(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS |
				   CLONE_NEWNET,
			   container_main, &o);

	/* Wire the container to the host before it runs. */
	net_connect_container(&link, child, o.veth, o.ip, o.hostname);
	proc_release_child();
	status = proc_wait(child);

	/* The host end of the cable, then the upper layer. */
	net_disconnect_container(&link);
	rundir_remove(&run);
	return status;
}
