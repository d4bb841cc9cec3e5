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
 * parent has written uid_map and gid_map (without sudo, "deny" to setgroups
 * first, as the kernel requires): until then the child's IDs are unmapped
 * and it could not do what it does next.
 *
 * The image's files belong to the host's root, who is nobody inside. The
 * runtime hands the container lower layers whose owners are shifted into its
 * range (idmapped mounts, else shifted copies) and an upper layer that its
 * root owns.
 *
 * Without sudo it works too: your own UID and GID map to 0. No veth then
 * (the host end would need root): the network is --net none.
 *
 * Claiming "root inside is nobody outside" also means holding nothing of
 * the caller's: the child drops the supplementary groups it inherited
 * (under sudo, the host's group 0), and starts a session of its own, so the
 * caller's terminal is no longer its controlling terminal and nothing
 * inside can type into the caller's shell (ioctl TIOCSTI).
 *
 * New here:  CLONE_NEWUSER, /proc/PID/uid_map, setgroups, gid_map,
 *            idmapped mounts (open_tree, mount_setattr), setsid()
 * Try:       build/06-userns build/rootfs /bin/sh -c 'id; cat /proc/self/uid_map'
 *            sudo build/06-userns build/rootfs /bin/sh -c 'id; cat /proc/self/uid_map'
 */
#define _GNU_SOURCE
#include <sched.h>

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
#define SUMMARY "Run CMD in new user, PID, UTS, IPC, mount and network namespaces, on an overlay of ROOTFS."

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	proc_wait_for_parent(&c->init);

	/* The maps are written: become the namespace's root, a host UID like 100000. */
	userns_become_root();

	/* Root's group 0 (or yours) stays on the host's side. */
	/* exercise 2: drop the supplementary groups inherited from the caller (setgroups) */
	userns_drop_groups();
	/* end exercise 2 */

	/* Changing IDs cleared "kill me when the runtime dies": ask again. */
	proc_die_with_parent(&c->init);

	/* No controlling terminal: nothing inside types into the caller's shell. */
	/* exercise 3: a session of its own, without the caller's terminal (setsid, kernel/proc.h) */
	proc_new_session();
	/* end exercise 3 */

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
	opts_parse(&c.opts, argc, argv, OPT_HOSTNAME | OPT_LAYER | OPT_NET | OPT_USERNS, SUMMARY);

	/* Who the container's root is on the host; without sudo also --net none. */
	opts_choose_id_ranges(&c.opts);

	/* An id of its own, and a run directory named after it, with its record. */
	container_create(&c);

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

	/* Who the child is on the host: written before it goes on. */
	/* exercise 1: write the child's uid_map, setgroups and gid_map now (kernel/userns.h) */
	userns_write_maps(c.init.pid, &c.opts.uids, &c.opts.gids);
	/* end exercise 1 */

	/* Wire the container to the host before it runs. */
	net_connect_container(&c.link, c.id, c.init.pid, c.opts.veth, c.opts.ip,
			      c.opts.hostname);
	proc_release_child(&c.init);
	status = proc_wait(&c.init);

	/* The cable goes with the container's network namespace (the kernel
	 * deletes both ends); then the upper layer. */
	net_disconnect_container(&c.link);
	container_remove(&c);
	return status;
}
