/*
 * 05-netns — a network stack of its own.
 *
 * Until now the container used the host's network: the same interfaces, the
 * same ports, the same routes. CLONE_NEWNET gives it an empty network stack:
 * no interface but a loopback that is down. To reach it, the runtime lays a
 * virtual cable, a veth pair: one end stays on the host ("sb-" and the first
 * 12 digits of the container's id), the other is created directly inside
 * the container's namespace as "eth0".
 *
 * The container waits on its sync pipe while the runtime wires both ends
 * through rtnetlink (no `ip` binary): it picks a free /30, puts the gateway
 * address on the host end, enters the container's network namespace with
 * setns() to give eth0 its address, bring it up and add a default route via
 * the host — and only then lets the container run. The container brings up
 * its own lo: in its namespace, it needs no help.
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

#include "runtime/container.h"
#include "kernel/fs.h"
#include "base/log.h"
#include "kernel/net.h"
#include "kernel/opts.h"
#include "kernel/proc.h"
#include "kernel/uts.h"

/* What --help says this step does. */
#define SUMMARY "Run CMD in new PID, UTS, IPC, mount and network namespaces, on an overlay of ROOTFS."

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	/* Only this UTS namespace gets the new name. */
	uts_set_hostname(c->opts.hostname);

	/* A new network namespace starts with its loopback down. */
	/* exercise 1: bring "lo" up, from inside the new namespace (kernel/net.h) */
	net_link_set_up("lo");
	/* end exercise 1 */

	/* Our mounts stay in our mount namespace, shared "/" or not. */
	fs_make_mounts_private();

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
	fs_detach_old_root();

	proc_exec_command(c->opts.cmd);
}

int main(int argc, char **argv)
{
	/* Everything about the container, in one place (static: it is large). */
	static struct container c;
	int status;

	log_init(argv[0]);
	proc_ignore_sigpipe();   /* a reader that went away (| head) must not stop our cleanup */
	opts_parse(&c.opts, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET, SUMMARY);

	/* An id of its own, and a run directory named after it, with its record. */
	container_create(&c);

	/* The namespaces, a line for each step that adds some. */
	int namespaces = CLONE_NEWPID;                  /* 02: a process tree */
	namespaces |= CLONE_NEWUTS | CLONE_NEWIPC;      /* 03: hostname, System V IPC */
	namespaces |= CLONE_NEWNS;                      /* 04: a mount table */
	namespaces |= CLONE_NEWNET;                     /* 05: a network stack */

	proc_clone(&c.init, namespaces, container_main, &c);

	/* Wire the container to the host before it runs. */
	/* exercise 2: the veth pair, eth0's address and route, before the child goes on (kernel/net.h) */
	net_connect_container(&c.link, c.id, c.init.pid, c.opts.veth, c.opts.ip,
			      c.opts.hostname);
	/* end exercise 2 */
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* The cable goes with the container's network namespace (the kernel
	 * deletes both ends); then the upper layer. */
	net_disconnect_container(&c.link);
	container_remove(&c);
	return status;
}
