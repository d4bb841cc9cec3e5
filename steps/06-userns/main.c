/*
 * 06-userns — root inside, not root outside.
 *
 * Until now "root in the container" was the host's root: UID 0 with every
 * capability, kept in check only by what the namespaces hide. CLONE_NEWUSER
 * gives the container a user namespace of its own, whose IDs are a range
 * of the host's: UID 0 inside is, say, UID 100000 outside. Inside, the
 * container's root has every capability — over the namespaces it owns.
 * Outside, it is an ordinary user that owns nothing.
 *
 * Order matters. clone() makes the user namespace first and every other new
 * namespace belongs to it. The child then waits on its sync pipe until the
 * parent has written uid_map, "deny" to setgroups, and gid_map: until then
 * the child's IDs are unmapped and it could not do what it does next.
 *
 * The image's files belong to the host's root, who is nobody inside. The
 * runtime hands the container lower layers whose owners are shifted into its
 * range (idmapped mounts, else shifted copies) and an upper layer that its
 * root owns.
 *
 * Without sudo it works too: your own UID and GID map to 0. No veth then
 * (the host end would need root): the network is --net none.
 *
 * New here:  CLONE_NEWUSER, /proc/PID/uid_map, setgroups, gid_map,
 *            idmapped mounts (open_tree, mount_setattr)
 * Try:       build/06-userns build/rootfs /bin/sh -c 'id; cat /proc/self/uid_map'
 *            sudo build/06-userns build/rootfs /bin/sh -c 'id; cat /proc/self/uid_map'
 */
#define _GNU_SOURCE
#include <sched.h>

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

/* The child: PID 1 of the new namespaces. */
static int container_main(void *arg)
{
	struct options *o = arg;

	proc_wait_for_parent();

	/* The maps are written: become the namespace's root, a host UID like 100000. */
	userns_become_root();

	/* Changing IDs cleared "kill me when the runtime dies": ask again. */
	proc_die_with_parent();

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
	opts_parse(&o, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET | OPT_USERNS,
		   "Run CMD in new user, PID, UTS, IPC, mount and network namespaces, on an "
		   "overlay of ROOTFS.");

	rundir_create(&run);

	/* The container's root owns its writable layer, and its image. */
	rundir_give_to(&run, o.uids.start, o.gids.start);
	idmap_layers(o.rootfs, o.layers, o.nlayers, &o.uids, &o.gids, run.path, &lower);

	child = proc_clone(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
				   CLONE_NEWNS | CLONE_NEWNET,
			   container_main, &o);

	/* The child's mount table has its copy of the layer mounts: ours can go. */
	idmap_unmount_layers(&lower);

	/* Who the child is on the host: written before it goes on. */
	userns_write_maps(child, &o.uids, &o.gids);

	/* Wire the container to the host before it runs. */
	net_connect_container(&link, child, o.veth, o.ip, o.hostname);
	proc_release_child();
	status = proc_wait(child);

	/* The host end of the cable, then the upper layer. */
	net_disconnect_container(&link);
	rundir_remove(&run);
	return status;
}
