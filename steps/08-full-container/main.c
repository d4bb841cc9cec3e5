/*
 * 08-full-container — a runtime in the course's chain: run, ps, logs, exec,
 * inspect, stop, kill, wait, rm, volume; load, images, rmi, history, save, pull.
 *
 * Steps 01-07 each start one container and wait for it. A real runtime lets
 * `run` return while the container lives on, and finds it again later by
 * name. docker does that with a chain of programs, each with one job:
 *
 *     docker CLI → dockerd → containerd → containerd-shim → runc → PID 1
 *
 * stepbox has the same links, as layers of lib/ — no daemon (like podman):
 * the state lives in files, one directory per container.
 *
 *     front end   lib/frontend   docker's part: IMAGE and flags → a container
 *                                directory; ps, logs, inspect, names, ports
 *     shim        lib/runtime/shim   containerd-shim's part: PID 1's parent,
 *                                its stdio and log, its exit status
 *     runtime     this file + lib/runtime   runc's part: create the container
 *                                from its directory, start it, signal it,
 *                                delete it (lib/runtime/container: one
 *                                lifecycle, created → running → exited)
 *     kernel      lib/kernel     what steps 02-07 taught
 *
 * `run` (below) is the whole chain in one command: the front end reads the
 * flags and the image; create makes the directory, its config and the
 * state "created"; a forked shim starts the container exactly as step 07
 * does — cgroup, namespaces, maps, veth, overlay, pivot_root — and stays as
 * PID 1's parent. `run -d` returns as soon as the command runs; a
 * foreground run shows its output and returns its status. The other
 * commands (lib/frontend/commands) read the state and act on PID 1:
 * `exec` joins its namespaces with setns() (lib/runtime/exec), `stop`
 * signals it, `rm` calls the one teardown.
 *
 * The network is docker's default: every container's veth is a port of one
 * bridge, stepbox0 (lib/runtime/bridge), so containers reach each other and
 * the host; `-p 8080:80` has run bind the host's port before anything
 * exists and the shim relay it (lib/runtime/ports). Data that must outlive
 * the container goes in a volume (-v, lib/runtime/volume).
 *
 * New here:  a shim (setsid, PR_SET_CHILD_SUBREAPER), state files, logs,
 *            setns() for exec, a pty passed over a unix socket (-t), --init,
 *            a bridge, published ports, volumes, /etc/hosts of its own,
 *            Docker's hardening: 14 capabilities, no_new_privs, seccomp (docker's
 *            allow-list, or a profile file),
 *            masked /proc and /sys paths
 * Try:       sudo build/08-full-container run -d --name web -p 127.0.0.1:8080:80 web
 *            sudo build/08-full-container ps
 *            sudo build/08-full-container exec web ps
 *            sudo build/08-full-container rm -f web
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "kernel/cgroup.h"
#include "kernel/fs.h"
#include "kernel/idmap.h"
#include "kernel/net.h"
#include "kernel/proc.h"
#include "kernel/rundir.h"
#include "kernel/userns.h"
#include "kernel/uts.h"
#include "runtime/bridge.h"
#include "runtime/container.h"
#include "runtime/hosts.h"
#include "runtime/init.h"
#include "runtime/ports.h"
#include "runtime/security.h"
#include "runtime/shim.h"
#include "runtime/user.h"
#include "runtime/volume.h"
#include "frontend/commands.h"
#include "frontend/run.h"

/* ---- the container's first process: steps 02-07 in one ---------------------- */

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;

	shim_child_reports_setup_failure(c->exec_w);
	if (c->seccomp_pipe[1] != -1)
		close(c->seccomp_pipe[1]);

	/* 06: with a user namespace, once the shim has written its maps, become
	 * its root, holding no host group. */
	if (c->config.userns) {
		proc_wait_for_parent(&c->init);
		userns_become_root();
		userns_drop_groups();
	}
	proc_die_with_parent(&c->init);
	/*
	 * Until our execve(), this process is the runtime's binary: nobody in
	 * the container may open it through /proc/1/exe (the CVE-2019-5736
	 * pattern). Non-dumpable, /proc/1 is out of reach of any process
	 * without CAP_SYS_PTRACE, and execve() makes the command dumpable again.
	 */
	proc_set_dumpable(false);

	/* A session of our own: the user's terminal is never the container's. */
	proc_new_session();

	/* 03, 05: our name, our loopback (--net host: the host's own, up already). */
	uts_set_hostname(c->config.hostname);
	if (c->config.network != NETWORK_HOST)
		net_link_set_up("lo");

	/* 04: the layers of the image below, our writes on top: the new root. */
	fs_make_mounts_private();
	if (c->config.userns)
		fs_mount_overlay(c->lower.image, c->lower.layers, c->lower.nlayers, &c->run,
				 OVERLAY_USER_XATTRS);
	else
		fs_mount_overlay(c->config.layers[0], &c->config.layers[1], c->config.nlayers - 1,
				 &c->run, OVERLAY_TRUSTED_XATTRS);
	fs_pivot_into(c->run.merged);
	fs_mount_proc("/proc");
	fs_mount_sys_readonly("/sys");
	fs_mount_minimal_dev("/dev");
	if (!c->config.privileged)
		fs_mask_paths();
	fs_mount_tmpfs("/tmp", "mode=1777");

	/*
	 * All this time (two CPUs) the shim has put us in our cgroup, plugged
	 * our veth in and written our hosts files: wait for its word (with a
	 * user namespace, we have had it). 07: then our cgroup as the root of
	 * what we see.
	 */
	if (!c->config.userns)
		proc_wait_for_parent(&c->init);
	cg_enter_namespace();
	cg_mount_readonly(&c->cg, "/sys/fs/cgroup");

	/* New in 08: our own /etc/hosts, hostname and resolv.conf, then the
	 * volumes (one on /etc hides them, as the user asked), while the host's
	 * files are still at /.oldroot. */
	hosts_mount_files(c->run.path, FS_OLD_ROOT);
	for (int i = 0; i < c->config.nvolumes; i++)
		volume_mount(&c->config.volumes[i], FS_OLD_ROOT);
	fs_detach_old_root();

	/* Stdio from the shim (or a terminal of our own), then the workdir. */
	shim_connect_child_stdio(c);
	fs_enter_workdir(c->config.workdir);
	/* New in 08: root inside gives up what Docker's does (14 capabilities
	 * left, no_new_privs, seccomp: the filter the shim compiled meanwhile)
	 * — last, the setup needed them. */
	/* exercise 1: give up what Docker's root gives up: capabilities, no_new_privs, seccomp (runtime/security.h; man 7 capabilities) */
	security_drop_privileges(&c->config, c->seccomp_pipe[0]);
	/* end exercise 1 */
	/* New in 08: the image's User (names from its own /etc/passwd, now that
	 * it is our /): leaving uid 0 clears the capabilities that were left. */
	user_switch(c->config.user);

	/* --init: a tiny init is PID 1, and the command its child. */
	if (c->config.init)
		init_run(c->config.args, c->config.env);
	proc_exec_with_env(c->config.args, c->config.env, c->exec_w);
}

/* ---- the shim starts it: step 07's path through lib/ ------------------------- */

static void start_container(struct container *c, struct shim_link *link)
{
	/* The namespaces of steps 02-05 (the cgroup one the child makes, once
	 * it is in its group: cg_enter_namespace()); --net host keeps the host's
	 * network: the lecture's "no isolation" contrast. */
	int namespaces = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS;
	struct error err;

	if (c->config.network != NETWORK_HOST)
		namespaces |= CLONE_NEWNET;

	/* 07: the group and its limits. On cgroup v2 the child is born in it
	 * (clone3's CLONE_INTO_CGROUP, below), so it exists first; on v1 (a group
	 * per controller tree, which clone3 cannot name) the shim makes it after
	 * the clone, while PID 1 mounts, and moves PID 1 in before its word. */
	bool group_first = cg_children_born_in_group();

	if (group_first)
		cg_create(&c->cg, c->id, &c->config.limits);

	/* 06: a user namespace, rootless or with --userns-remap, and the image's
	 * layers shifted to its root, in the shim's own mount namespace. */
	if (c->config.userns) {
		namespaces |= CLONE_NEWUSER;
		rundir_give_to(&c->run, c->config.uids.start, c->config.gids.start);
		fs_enter_own_mount_namespace();
		idmap_layers(c->config.layers[0], &c->config.layers[1], c->config.nlayers - 1,
			     &c->config.uids, &c->config.gids, c->run.path, &c->lower);
	}

	/* 08: the container's stdio (pipes, or a console socket for -t). */
	shim_prepare_stdio(c, link);

	/* 08: the pipe that brings PID 1 its seccomp filter (below). */
	c->seccomp_pipe[0] = c->seccomp_pipe[1] = -1;
	if (c->config.seccomp && !c->config.privileged && pipe2(c->seccomp_pipe, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2() for the seccomp filter");

	/* On cgroup v2 the child is born in its group (clone3's
	 * CLONE_INTO_CGROUP); on v1, or an older kernel, the shim moves it. */
	int group = cg_open_for_clone(&c->cg);
	bool born_in_group = proc_clone_into_cgroup(&c->init, namespaces, group,
						    container_main, c);

	if (group >= 0)
		close(group);
	if (c->seccomp_pipe[0] != -1)
		close(c->seccomp_pipe[0]);
	if (c->config.userns)
		idmap_unmount_layers(&c->lower);
	if (!group_first)
		cg_create(&c->cg, c->id, &c->config.limits);
	if (!born_in_group)
		cg_attach(&c->cg, c->init.pid);
	if (c->config.userns)
		userns_write_maps(c->init.pid, &c->config.uids, &c->config.gids);

	/* New in 08: a port of the bridge stepbox0, and the files that name us. */
	if (c->config.network == NETWORK_BRIDGE)
		bridge_connect_container(&c->link, c->id, c->init.pid, c->config.name);
	if (hosts_write_files(c->run.path, c->config.hostname, c->config.name,
			      c->link.connected ? inet_ntoa(c->link.lease.container) : NULL,
			      c->config.network == NETWORK_HOST, &err) == -1)
		error_die(&err);
	proc_release_child(&c->init);

	/* 08: while PID 1 mounts its filesystems, its seccomp filter goes down
	 * the pipe it reads last: docker's default as compiled when stepbox was
	 * built, another profile compiled here, on the other CPU. */
	if (c->seccomp_pipe[1] != -1) {
		/* (EPIPE: PID 1 failed already, and says why on the exec pipe.) */
		if (security_send_seccomp(&c->config, c->seccomp_pipe[1], &err) == -1) {
			if (err.code != EPIPE)
				error_print(&err);
		} else {
			trace("seccomp: %s sent to PID 1",
			      c->config.seccomp_profile ? "the profile" : "docker's default profile");
		}
		close(c->seccomp_pipe[1]);
	}

	/* -p: the shim relays the host ports (bound by run) to our address. */
	/* exercise 2: relay the host ports that run bound (c->port_fds) to the container's address (runtime/ports.h) */
	if (c->config.nports > 0) {
		c->proxy = ports_start_proxy(c->port_fds, c->config.ports, c->config.nports,
					     c->link.lease.container);
		for (int i = 0; i < c->config.nports; i++)
			close(c->port_fds[i]);
	}
	/* end exercise 2 */
}

/* ---- run: the chain, from the front end to PID 1 --------------------------------- */

static int run(int argc, char **argv)
{
	/* Static: the kernel hands its pages over zeroed, and only those that
	 * are used (a calloc() would clear all ~100 kB of it, at each start). */
	static struct container container;
	struct container *c = &container;
	struct shim_link link = { 0 };
	bool detach = false;
	int started;

	/* Front end: the flags and the image into a config; the host ports bound
	 * first, so a taken one fails the run before anything exists. */
	run_parse(c, argc, argv, &detach);
	run_bind_ports(c);

	/* Create: the directory, the config, the state "created", nothing running. */
	container_create_managed(c);

	/* Start: the shim does it, and stays as PID 1's parent until the end. */
	link.attached = !detach;
	if (shim_spawn(c, &link) == 0) {
		start_container(c, &link);
		shim_report_started(c, &link);
		exit(shim_serve(c, &link) >= 0 ? 0 : 1);
	}
	started = shim_wait_started(c, &link);
	if (started == -1)
		return EXIT_RUNTIME_ERROR;
	if (detach) {
		/* As docker's run -d: the ID once the command runs, or why it cannot. */
		/* exercise 3: run -d returns now, the shim holds the container: the ID, or what shim_wait_started() said (runtime/shim.h) */
		if (started > 0)
			return started;
		printf("%s\n", c->id);
		return 0;
		/* end exercise 3 */
	}
	/* Attached: the shim relays the output; we pass signals on and wait. */
	return run_attach(c, &link);
}

/* ---- the command line ---------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--trace] COMMAND [ARG...]\n"
		"A container runtime with docker's commands: a shim per container, no daemon.\n\n"
		"  run [-d] [-i] [-t] [--rm] [--name NAME] [--init] [-e K=V]... [-w DIR]\n"
		"      [-u USER] [--entrypoint CMD] [--hostname H] [-m SIZE] [--cpus N]\n"
		"      [--pids-limit N]\n"
		"      [--userns-remap START:COUNT] [--net bridge|none|host] [-p [IP:]HP:CP]...\n"
		"      [-v SRC:DST[:ro]]... [--tmpfs DST]... [--cap-add CAP] [--cap-drop CAP]\n"
		"      [--security-opt seccomp=FILE|unconfined|no-new-privileges] [--privileged]\n"
		"      IMAGE [CMD [ARG...]]\n"
		"  ps [-a] [-q]                   logs [-f] [-t] [--tail N] CONTAINER\n"
		"  exec [-i] [-t] [-e K=V]... [-w DIR] [-u USER] CONTAINER CMD [ARG...]\n"
		"  inspect CONTAINER...           stop [-t SECS] CONTAINER...\n"
		"  kill [-s SIGNAL] CONTAINER...  wait CONTAINER...\n"
		"  rm [-f] CONTAINER...           volume ls | volume rm NAME...\n"
		"  load [-i FILE|-]               images\n"
		"  rmi IMAGE...                   history IMAGE\n"
		"  save -o FILE IMAGE             pull NAME[:TAG]   (with skopeo)\n\n"
		"CONTAINER is a name or a unique prefix of the ID. Exit status: run and exec\n"
		"return the command's (125 runtime error, 126 not executable, 127 not found);\n"
		"the others 0, or 1 with one line that says why.\n",
		log_progname());
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*run)(int, char **); } commands[] = {
		{ "run", run },                { "ps", command_ps },     { "logs", command_logs },
		{ "exec", command_exec },      { "inspect", command_inspect },
		{ "stop", command_stop },      { "kill", command_kill }, { "wait", command_wait },
		{ "rm", command_rm },          { "images", command_images },
		{ "volume", command_volume },  { "load", command_load },  { "rmi", command_rmi },
		{ "history", command_history }, { "save", command_save }, { "pull", command_pull },
	};
	int first = 1;

	log_init(argv[0]);
	/* A reader that goes away (`| head`) must not kill us half-way through a
	 * teardown: a write then fails with EPIPE instead. The container's
	 * command gets the default back before its execve(). */
	proc_ignore_sigpipe();
	if (argc > 1 && strcmp(argv[1], "--trace") == 0) {
		trace_enable();
		first = 2;
	}
	if (argc <= first || strcmp(argv[first], "--help") == 0) {
		usage(argc <= first ? stderr : stdout);
		return argc <= first ? EXIT_RUNTIME_ERROR : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			return commands[i].run(argc - first, argv + first);
	die("unknown command %s — see: %s --help", quote(argv[first]), log_progname());
}
