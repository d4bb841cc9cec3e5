/*
 * 08-full-container — a runtime: run, ps, logs, exec, inspect, stop, rm.
 *
 * Steps 01-07 each start one container and wait for it. A real runtime lets
 * `run` return while the container lives on, and finds it again later by
 * name. docker does it with a chain of processes:
 *
 *     docker CLI → dockerd → containerd → containerd-shim → runc → PID 1
 *
 * stepbox has no daemon (like podman): the state lives in files, one
 * directory per container (lib/runtime/state), so the chain is
 *
 *     08-full-container run → shim → lib/ (steps 02-07) → PID 1
 *
 * `run` creates the container's directory and forks a shim (lib/runtime/shim). The
 * shim starts the container exactly as step 07 does — cgroup, namespaces,
 * maps, veth, overlay, pivot_root — and stays as PID 1's parent: it keeps
 * the container's output in a log, waits for it, records its exit status,
 * and removes what it had on the host. `run -d` returns as soon as the
 * container runs; a foreground `run` shows its output and returns its
 * status. Every other command reads the state and acts on PID 1 directly:
 * `exec` joins its namespaces with setns(), `stop` signals it.
 *
 * The create and start phases stay apart inside: the directory, config and
 * state exist ("created") before the shim starts anything.
 *
 * The network is docker's default: every container's veth is a port of one
 * bridge, stepbox0 (lib/runtime/bridge), so containers reach each other and the host.
 * A container's port is reachable from outside only when published: `-p
 * 8080:80` has `run` bind the host's port 8080 before anything exists (a
 * taken port fails the run), and the shim relays it (lib/runtime/ports). Data that
 * must outlive the container goes in a volume (-v, lib/runtime/volume).
 *
 * New here:  a shim (setsid, PR_SET_CHILD_SUBREAPER), state files, logs,
 *            setns() for exec, a pty through a console socket (-t), --init,
 *            a bridge, published ports, volumes
 * Try:       sudo build/08-full-container run -d --name web -p 127.0.0.1:8080:80 web
 *            sudo build/08-full-container ps
 *            sudo build/08-full-container exec web ps
 *            sudo build/08-full-container rm -f web
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/bridge.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "runtime/container.h"
#include "kernel/fs.h"
#include "runtime/hosts.h"
#include "kernel/idmap.h"
#include "frontend/image.h"
#include "runtime/init.h"
#include "base/log.h"
#include "runtime/logs.h"
#include "kernel/net.h"
#include "kernel/opts.h"
#include "runtime/ports.h"
#include "kernel/proc.h"
#include "kernel/pty.h"
#include "frontend/report.h"
#include "kernel/rundir.h"
#include "kernel/seccomp.h"
#include "runtime/shim.h"
#include "kernel/userns.h"
#include "kernel/uts.h"
#include "runtime/volume.h"

/* Exit status of a command other than run and exec that failed: docker's 1. */
#define EXIT_COMMAND_FAILED 1

/* ---- the container's first process: steps 02-07 in one ---------------------- */

/*
 * New in 08: the container's root gives up what Docker's takes away — all
 * but 14 capabilities, any new privilege through execve(), and the system
 * calls of lib/kernel/seccomp. Last, just before the command runs (the setup
 * needed them), and the same for exec.
 */
static void drop_privileges(const struct container_config *config)
{
	if (config->privileged) {
		trace("--privileged: every capability, no seccomp filter, no masked path");
		return;
	}
	caps_apply((caps_docker_default() & ~config->cap_drop) | config->cap_add);
	seccomp_no_new_privs();
	if (config->seccomp)
		seccomp_apply();
}

/* mkdir -p, for a -w that the image does not have (docker makes it too). */
static void make_workdir(const char *path)
{
	char partial[PATH_MAX];

	for (const char *slash = path; (slash = strchr(slash + 1, '/')) != NULL;) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(slash - path), path);
		mkdir(partial, 0755);
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die_errno(NULL, "mkdir(%s) for -w", quote(path));
	if (chdir(path) == -1)
		die_errno(NULL, "chdir(%s)", quote(path));
	fs_check_cwd_inside(path);
}

/* The child: PID 1 of the new namespaces. All it knows comes in `c`. */
static int container_main(void *arg)
{
	struct container *c = arg;
	char *argv[STATE_MAX_ARGS + 1], *env[STATE_MAX_ENV + 1];

	proc_wait_for_parent(&c->init);
	shim_child_reports_setup_failure(c->exec_w);

	/* 06: with a user namespace, become its root, holding no host group. */
	if (c->config.userns) {
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

	/* 07, 03, 05: our cgroup as root of what we see, our name, our loopback
	 * (--net host: the host's own, up already). */
	cg_enter_namespace();
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
	cg_mount_readonly(&c->cg, "/sys/fs/cgroup");
	fs_mount_minimal_dev("/dev");
	if (!c->config.privileged)
		fs_mask_paths();
	fs_mount_tmpfs("/tmp", "mode=1777");

	/* New in 08: our own /etc/hosts, hostname and resolv.conf, then the
	 * volumes (one on /etc hides them, as the user asked), while the host's
	 * files are still at /.oldroot. */
	hosts_mount_files(c->run.path, FS_OLD_ROOT);
	for (int i = 0; i < c->config.nvolumes; i++)
		volume_mount(&c->config.volumes[i], FS_OLD_ROOT);
	fs_detach_old_root();

	/* Stdio from the shim (or a terminal of our own), env, workdir. */
	shim_connect_child_stdio(c);
	make_workdir(c->config.workdir);
	for (int i = 0; i < c->config.nargs; i++)
		argv[i] = c->config.args[i];
	argv[c->config.nargs] = NULL;
	for (int i = 0; i < c->config.nenv; i++)
		env[i] = c->config.env[i];
	env[c->config.nenv] = NULL;
	drop_privileges(&c->config);

	/* --init: a tiny init is PID 1, and the command its child. */
	if (c->config.init)
		init_run(argv, env);
	proc_exec_with_env(argv, env, c->exec_w);
}

/* ---- the shim starts it: step 07's path through lib/ ------------------------- */

static void start_container(struct container *c, struct shim_link *link)
{
	/* The namespaces of steps 02-05 (the cgroup one the child makes, once
	 * it is in its group: cg_enter_namespace()); --net host keeps the host's
	 * network: the lecture's "no isolation" contrast. */
	int namespaces = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS;
	char why[512];

	if (c->config.network != NETWORK_HOST)
		namespaces |= CLONE_NEWNET;

	/* 07: the group and its limits exist before the container does. */
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

	proc_clone(&c->init, namespaces, container_main, c);
	if (c->config.userns)
		idmap_unmount_layers(&c->lower);
	cg_attach(&c->cg, c->init.pid);
	if (c->config.userns)
		userns_write_maps(c->init.pid, &c->config.uids, &c->config.gids);

	/* New in 08: a port of the bridge stepbox0, and the files that name us. */
	if (c->config.network == NETWORK_BRIDGE)
		bridge_connect_container(&c->link, c->id, c->init.pid, c->config.name);
	if (hosts_write_files(c->run.path, c->config.hostname, c->config.name,
			      c->link.connected ? inet_ntoa(c->link.lease.container) : NULL,
			      c->config.network == NETWORK_HOST, why, sizeof(why)) == -1)
		die("%s", why);
	proc_release_child(&c->init);

	/* -p: the shim relays the host ports (bound by run) to our address. */
	if (c->config.nports > 0) {
		c->proxy = ports_start_proxy(c->port_fds, c->config.ports, c->config.nports,
					     c->link.lease.container);
		for (int i = 0; i < c->config.nports; i++)
			close(c->port_fds[i]);
	}
}

/* ---- run ------------------------------------------------------------------------ */

static void usage_run(FILE *out)
{
	fprintf(out,
		"usage: %s run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
		"Create and run a new container from an image (see: images).\n\n"
		"  -d, --detach           run in the background and print the container's ID\n"
		"  -i, --interactive      keep stdin open\n"
		"  -t, --tty              give the container a terminal of its own\n"
		"      --rm               remove the container when it exits\n"
		"      --name NAME        a name ([a-zA-Z0-9][a-zA-Z0-9_.-]*); default: made up\n"
		"      --init             a tiny init as PID 1: forwards signals, reaps orphans\n"
		"  -e, --env K=V          set an environment variable (repeatable)\n"
		"  -w, --workdir DIR      where the command starts (absolute)\n"
		"      --hostname NAME    the container's hostname (default: the short ID)\n"
		"  -m, --memory SIZE      memory limit, like 64m\n"
		"      --cpus N           CPU time limit, like 0.5\n"
		"      --pids-limit N     at most N processes\n"
		"      --userns-remap START:COUNT  as root: a user namespace, 0 inside = START\n"
		"      --net MODE         bridge (default as root: a port of the switch stepbox0),\n"
		"                         none (only lo; always without root) or host (no\n"
		"                         network namespace: the host's own)\n"
		"  -p, --publish [IP:]HOSTPORT:CONTAINERPORT[/tcp]  relay a host port to the\n"
		"                         container (default IP: every address of the host)\n"
		"  -v, --volume SRC:DST[:ro]  a host path (/...) or a named volume at DST\n"
		"      --tmpfs DST        a fresh tmpfs at DST\n"
		"      --cap-add CAP, --cap-drop CAP  change Docker's 14 capabilities (names\n"
		"                         of capabilities(7), like NET_ADMIN, or ALL)\n"
		"      --security-opt seccomp=unconfined  no seccomp filter\n"
		"      --privileged       every capability, no seccomp filter, no masked paths\n",
		log_progname());
}

/* Add K=V to the environment, replacing an earlier K. */
static void set_env(struct container_config *config, const char *pair)
{
	size_t key = strcspn(pair, "=");

	for (int i = 0; i < config->nenv; i++)
		if (strncmp(config->env[i], pair, key + 1) == 0) {
			snprintf(config->env[i], STATE_ARG_LEN, "%s", pair);
			return;
		}
	if (config->nenv == STATE_MAX_ENV || strlen(pair) >= STATE_ARG_LEN)
		die("-e %s: at most %d variables of %d bytes", quote(pair), STATE_MAX_ENV,
		    STATE_ARG_LEN - 1);
	snprintf(config->env[config->nenv++], STATE_ARG_LEN, "%s", pair);
}

/* docker's flags into the container's config; dies (125) on any bad one. */
static void parse_run(struct container *c, int argc, char **argv, bool *detach)
{
	static const struct option longopts[] = {
		{ "detach", no_argument, NULL, 'd' },    { "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },       { "rm", no_argument, NULL, 'R' },
		{ "name", required_argument, NULL, 'n' }, { "init", no_argument, NULL, 'I' },
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "memory", required_argument, NULL, 'm' }, { "cpus", required_argument, NULL, 'C' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "userns-remap", required_argument, NULL, 'U' },
		{ "net", required_argument, NULL, 'N' }, { "help", no_argument, NULL, 'h' },
		{ "volume", required_argument, NULL, 'v' }, { "tmpfs", required_argument, NULL, 'T' },
		{ "publish", required_argument, NULL, 'p' },
		{ "cap-add", required_argument, NULL, 'A' }, { "cap-drop", required_argument, NULL, 'D' },
		{ "privileged", no_argument, NULL, 'X' },
		{ "security-opt", required_argument, NULL, 'S' },
		{ 0 }
	};
	struct container_config *config = &c->config;
	const char *workdir = NULL, *net = NULL, *remap = NULL;
	char why[512];
	struct image image;
	char *env[STATE_MAX_ENV];
	int nenv = 0, key;
	bool hostname_given = false;

	config->seccomp = true;
	optind = 1;
	opterr = 0;
	while ((key = getopt_long(argc, argv, "+ditm:e:w:v:p:", longopts, NULL)) != -1) {
		capset_t set;

		switch (key) {
		case 'd': *detach = true; break;
		case 'i': config->interactive = true; break;
		case 't': config->tty = true; break;
		case 'R': config->autoremove = true; break;
		case 'I': config->init = true; break;
		case 'n':
			if (!state_valid_name(optarg))
				die("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				    "allowed", quote(optarg));
			snprintf(config->name, sizeof(config->name), "%s", optarg);
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				die("-e %s: expected KEY=VALUE", quote(optarg));
			if (nenv < STATE_MAX_ENV)
				env[nenv++] = optarg;
			break;
		case 'w':
			if (optarg[0] != '/')
				die("the working directory %s is invalid, it needs to be an absolute path",
				    quote(optarg));
			workdir = optarg;
			break;
		case 'H':
			hostname_given = true;
			opts_check_hostname(optarg);
			snprintf(config->hostname, sizeof(config->hostname), "%s", optarg);
			break;
		case 'm': config->limits.memory = opts_parse_memory(optarg); break;
		case 'C': config->limits.cpus = opts_parse_cpus(optarg); break;
		case 'P': config->limits.pids = opts_parse_pids(optarg); break;
		case 'U':
			if (!userns_parse_range(optarg, &config->uids, why, sizeof(why)))
				die("--userns-remap %s: %s", quote(optarg), why);
			config->gids = config->uids;
			remap = optarg;
			break;
		case 'N':
			if (state_network_of(optarg) == -1)
				die("--net %s: MODE is bridge, none or host", quote(optarg));
			net = optarg;
			break;
		case 'p':
			if (config->nports == PORTS_MAX)
				die("at most %d published ports", PORTS_MAX);
			if (ports_parse(optarg, &config->ports[config->nports], why, sizeof(why)) == -1)
				die("%s", why);
			config->nports++;
			break;
		case 'v':
		case 'T':
			if (config->nvolumes == VOLUME_MAX)
				die("at most %d volumes", VOLUME_MAX);
			if ((key == 'v' ? volume_parse(optarg, &config->volumes[config->nvolumes], why,
						       sizeof(why))
					: volume_parse_tmpfs(optarg, &config->volumes[config->nvolumes], why,
							     sizeof(why))) == -1)
				die("%s", why);
			config->nvolumes++;
			break;
		case 'A':
		case 'D':
			if (!caps_parse(optarg, &set, why, sizeof(why)))
				die("--cap-%s: %s", key == 'A' ? "add" : "drop", why);
			*(key == 'A' ? &config->cap_add : &config->cap_drop) |= set;
			break;
		case 'X': config->privileged = true; break;
		case 'S':
			if (strcmp(optarg, "seccomp=unconfined") == 0)
				config->seccomp = false;
			else if (strcmp(optarg, "no-new-privileges") != 0 &&
				 strcmp(optarg, "no-new-privileges=true") != 0)
				die("--security-opt %s: stepbox knows seccomp=unconfined and "
				    "no-new-privileges (always on)", quote(optarg));
			break;
		case 'h':
			usage_run(stdout);
			exit(0);
		default:
			die("run: unknown flag: %s — see: %s run --help", quote(argv[optind - 1]),
			    log_progname());
		}
	}
	if (optind >= argc)
		die("\"run\" requires at least 1 argument: IMAGE [COMMAND] — see: %s run --help",
		    log_progname());
	/* The image: its layers, and the defaults -e, -w and COMMAND override. */
	if (image_open(argv[optind], &image, why, sizeof(why)) == -1)
		die("%s", why);
	snprintf(config->image, sizeof(config->image), "%s", argv[optind]);
	config->nlayers = image.nlayers;
	memcpy(config->layers, image.layers, sizeof(image.layers));
	if (optind + 1 < argc) {
		for (int i = optind + 1; i < argc && config->nargs < STATE_MAX_ARGS; i++)
			snprintf(config->args[config->nargs++], STATE_ARG_LEN, "%s", argv[i]);
	} else {
		for (int i = 0; i < image.ncmd; i++)
			snprintf(config->args[config->nargs++], STATE_ARG_LEN, "%s", image.cmd[i]);
	}
	for (int i = 0; i < image.nenv; i++)
		set_env(config, image.env[i]);
	if (config->tty)
		set_env(config, "TERM=xterm");
	for (int i = 0; i < nenv; i++)
		set_env(config, env[i]);
	snprintf(config->workdir, sizeof(config->workdir), "%s", workdir ? workdir : image.workdir);

	/* As root, like docker: no user namespace unless asked; without root, 06's. */
	if (geteuid() != 0) {
		if (remap)
			die("--userns-remap %s: only root may map other IDs", quote(remap));
		if (net && strcmp(net, "bridge") == 0)
			die("--net bridge needs root: without sudo the network is --net none");
		config->network = net ? state_network_of(net) : NETWORK_NONE;
		config->userns = true;
		config->uids = (struct id_range){ getuid(), 1 };
		config->gids = (struct id_range){ getgid(), 1 };
	} else {
		config->userns = remap != NULL;
		config->network = net ? state_network_of(net) : NETWORK_BRIDGE;
	}
	/* docker's device rule: mknod is allowed, opening a block device is not. */
	config->limits.no_block_devices = geteuid() == 0 && !config->privileged;
	/* docker shares the host's name along with its network. */
	if (config->network == NETWORK_HOST && !hostname_given)
		gethostname(config->hostname, sizeof(config->hostname) - 1);
	if (config->nports > 0 && config->network != NETWORK_BRIDGE)
		die("-p %s:%d:%d: publishing a port needs the bridge network (--net bridge, as root)",
		    config->ports[0].host_ip, config->ports[0].host_port,
		    config->ports[0].container_port);

	/* A bind's source must be there; a named volume is made now, for the
	 * container's root (the host's 0, or the start of its remapped range). */
	for (int i = 0; i < config->nvolumes; i++)
		if (volume_prepare(&config->volumes[i], config->userns ? config->uids.start : 0,
				   config->userns ? config->gids.start : 0, why, sizeof(why)) == -1)
			die("%s", why);
}

/* Foreground: a signal to `run` is meant for the container (docker's sig-proxy). */
static pid_t foreground_pid1, foreground_shim;
static struct termios saved_terminal;
static bool terminal_raw;

static void proxy_signal(int sig)
{
	if (sig == SIGWINCH) {
		if (foreground_shim > 0)
			kill(foreground_shim, SIGWINCH);
	} else if (foreground_pid1 > 0)
		kill(foreground_pid1, sig);
}

static void restore_terminal(void)
{
	if (terminal_raw)
		pty_restore(STDIN_FILENO, &saved_terminal);
}

static void proxy_signals(const struct container *c, const struct shim_link *link)
{
	static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				       SIGWINCH };
	struct sigaction sa = { .sa_handler = proxy_signal };

	foreground_pid1 = c->state.pid;
	foreground_shim = link->shim;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
		sigaction(proxied[i], &sa, NULL);
}

static int cmd_run(int argc, char **argv)
{
	static struct container c;
	struct shim_link link = { 0 };
	bool detach = false;
	int status, started;

	/* The host ports first: one that is taken fails the run before anything exists. */
	parse_run(&c, argc, argv, &detach);
	for (int i = 0; i < c.config.nports; i++) {
		char why[256];

		if ((c.port_fds[i] = ports_listen(&c.config.ports[i], why, sizeof(why))) == -1)
			die("%s", why);
	}

	/* Create: the directory, the config, the state "created", nothing running. */
	container_create_managed(&c);

	/* Start: the shim does it, and stays. */
	link.attached = !detach;
	if (shim_spawn(&c, &link) == 0) {
		start_container(&c, &link);
		shim_report_started(&c, &link);
		exit(shim_serve(&c, &link) >= 0 ? 0 : 1);
	}
	started = shim_wait_started(&c, &link);
	if (started == -1)
		return EXIT_RUNTIME_ERROR;
	if (detach) {
		/* As docker's run -d: the ID once the command runs, or why it cannot. */
		if (started > 0)
			return started;
		printf("%s\n", c.id);
		return 0;
	}

	/* Attached: the shim relays the output; we pass signals on and wait. */
	proxy_signals(&c, &link);
	if (c.config.tty && isatty(STDIN_FILENO) &&
	    pty_make_raw(STDIN_FILENO, &saved_terminal) == 0) {
		terminal_raw = true;
		atexit(restore_terminal);
	}
	status = shim_wait_exited(&link);
	if (status == -1) {
		warn("the shim of %.12s died before the container's end: see ps -a", c.id);
		return EXIT_RUNTIME_ERROR;
	}
	return status;
}

/* ---- the commands that read the state ------------------------------------------ */

/*
 * Find the container `query`, or say so (docker's words) and return -1;
 * -2 if it is there but its state is damaged (said, unless for rm -f).
 */
static int find_for(bool removing, const char *query, char *dir,
		    struct container_config *config, struct container_state *state)
{
	char why[512];

	if (container_find(query, dir, PATH_MAX, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	if (container_load(dir, config, state) == -1) {
		if (!removing)
			fprintf(stderr, "Error: container %s: its state is damaged (%s): rm -f it\n",
				query, strerror(errno));
		return -2;
	}
	return 0;
}

static int find(const char *query, char *dir, struct container_config *config,
		struct container_state *state)
{
	return find_for(false, query, dir, config, state);
}

/* Is PID 1 the process the state names (not a PID the kernel handed out again)? */
static bool still_running(const char *dir)
{
	static struct container_config config;
	struct container_state state;

	return container_load(dir, &config, &state) == 0 && state.status == STATUS_RUNNING;
}

/* Wait up to `seconds` for the shim to record the container's end. */
static bool wait_until_stopped(const char *dir, double seconds)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (double waited = 0; waited < seconds; waited += 0.02) {
		if (!still_running(dir))
			return true;
		nanosleep(&pause, NULL);
	}
	return !still_running(dir);
}

static void row_of(const char *dir, void *arg)
{
	struct report_table *table = arg;
	static struct container_config config;
	struct container_state state;
	char id[13], command[64], created[80], status[96], ports[160];
	const char *cells[7];

	if (container_load(dir, &config, &state) == -1) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		/* Its shim may be removing it (--rm) right now: then it is no row. */
		nanosleep(&pause, NULL);
		if (access(dir, F_OK) == -1)
			return;
		snprintf(id, sizeof(id), "%.12s", strrchr(dir, '/') + 1);
		cells[0] = id, cells[1] = "?", cells[2] = "?", cells[3] = "?";
		cells[4] = "Damaged: rm -f it", cells[5] = "", cells[6] = "?";
		report_row(table, cells);
		return;
	}
	snprintf(id, sizeof(id), "%.12s", strrchr(dir, '/') + 1);
	report_command(&config, command, sizeof(command));
	report_duration(state_now() - config.created, created, sizeof(created));
	strcat(created, " ago");
	report_status(&state, status, sizeof(status));
	report_ports(&config, &state, ports, sizeof(ports));
	cells[0] = id, cells[1] = config.image, cells[2] = command, cells[3] = created;
	cells[4] = status, cells[5] = ports, cells[6] = config.name;
	report_row(table, cells);
}

struct ps_options {
	bool all, quiet;
	struct report_table *table;
};

static void ps_row(const char *dir, void *arg)
{
	struct ps_options *ps = arg;

	if (!ps->all && !still_running(dir))
		return;
	if (ps->quiet) {
		printf("%.12s\n", strrchr(dir, '/') + 1);
		return;
	}
	row_of(dir, ps->table);
}

static int cmd_ps(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 7 };
	static const char *header[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					"STATUS", "PORTS", "NAMES" };
	struct ps_options ps = { .table = &table };
	int key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "aq")) != -1) {
		if (key == 'a')
			ps.all = true;
		else if (key == 'q')
			ps.quiet = true;
		else
			die("ps: unknown flag: %s", quote(argv[optind - 1]));
	}
	if (!ps.quiet)
		report_row(&table, header);
	container_each(ps_row, &ps);
	if (!ps.quiet)
		report_print(&table, stdout);
	return 0;
}

static int cmd_logs(int argc, char **argv)
{
	struct logs_options options = { .tail = -1 };
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX], log[PATH_MAX + 16], *end;
	bool follow = false;
	long offset = 0;
	int key;
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' }, { "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' }, { 0 }
	};

	optind = 1;
	opterr = 0;
	while ((key = getopt_long(argc, argv, "ftn:", longopts, NULL)) != -1) {
		if (key == 'f') {
			follow = true;
		} else if (key == 't') {
			options.timestamps = true;
		} else if (key == 'n') {
			options.tail = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, &end, 10);
			if (strcmp(optarg, "all") != 0 && (*end || end == optarg || options.tail < 0))
				die("--tail %s: a number of lines, or all", quote(optarg));
		} else {
			die("logs: unknown flag: %s", quote(argv[optind - 1]));
		}
	}
	if (optind != argc - 1)
		die("\"logs\" requires exactly 1 argument: CONTAINER");
	if (find(argv[optind], dir, &config, &state) != 0)
		return EXIT_COMMAND_FAILED;
	snprintf(log, sizeof(log), "%s/log", dir);
	/* logs holds nothing to clean up: like any filter, `logs -f | head` ends
	 * when its reader does (log_init() had it ignore SIGPIPE). */
	signal(SIGPIPE, SIG_DFL);
	if (logs_print(log, &offset, &options, stdout, stderr) == -1 && errno != ENOENT)
		die_errno(NULL, "read %s", log);
	/* -f: what comes, until the container has exited (then what is left). */
	while (follow && still_running(dir)) {
		struct timespec pause = { 0, 100 * 1000 * 1000 };

		nanosleep(&pause, NULL);
		options.tail = -1;
		logs_print(log, &offset, &options, stdout, stderr);
	}
	if (follow)
		logs_print(log, &offset, &options, stdout, stderr);
	return 0;
}

static int cmd_inspect(int argc, char **argv)
{
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX];
	int status = 0, printed = 0;

	if (argc < 2)
		die("\"inspect\" requires at least 1 argument: CONTAINER...");
	printf("[\n");
	for (int i = 1; i < argc; i++) {
		if (find(argv[i], dir, &config, &state) != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		if (printed++)
			printf(",\n");
		report_inspect(stdout, strrchr(dir, '/') + 1, &config, &state);
	}
	printf("\n]\n");
	return status;
}

/* SIGTERM or "TERM" or "15": a signal number, or -1. */
static int signal_number(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);

	if (*end == '\0' && end != name)
		return n > 0 && n < NSIG ? n : -1;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return -1;
}

/* Send `sig` to PID 1 of a running container (whose shim is alive: its PID 1 is). */
static int signal_container(const char *query, const struct container_state *state, int sig)
{
	if (state->status != STATUS_RUNNING) {
		fprintf(stderr, "Error: container %s is not running\n", query);
		return -1;
	}
	if (kill(state->pid, sig) == -1 && errno != ESRCH) {
		fprintf(stderr, "Error: kill %s: %s\n", query, strerror(errno));
		return -1;
	}
	trace("kill(%d, %s): PID 1 of %s", state->pid, sigabbrev_np(sig), query);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX];
	int sig = SIGKILL, status = 0, key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "s:")) != -1) {
		if (key != 's' || (sig = signal_number(optarg)) == -1)
			die("kill: %s: not a signal (try -s TERM, -s 15)",
			    quote(key == 's' ? optarg : argv[optind - 1]));
	}
	if (optind >= argc)
		die("\"kill\" requires at least 1 argument: CONTAINER...");
	for (int i = optind; i < argc; i++) {
		if (find(argv[i], dir, &config, &state) != 0 ||
		    signal_container(argv[i], &state, sig) == -1)
			status = EXIT_COMMAND_FAILED;
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

static int cmd_stop(int argc, char **argv)
{
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX], *end;
	double grace = 10;
	int status = 0, key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "t:")) != -1) {
		if (key != 't' || (grace = strtod(optarg, &end)) < 0 || *end || end == optarg)
			die("stop: -t takes a number of seconds");
	}
	if (optind >= argc)
		die("\"stop\" requires at least 1 argument: CONTAINER...");
	for (int i = optind; i < argc; i++) {
		if (find(argv[i], dir, &config, &state) != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		/* SIGTERM first; a PID 1 without a handler ignores it: SIGKILL after -t. */
		if (state.status == STATUS_RUNNING) {
			signal_container(argv[i], &state, SIGTERM);
			if (!wait_until_stopped(dir, grace)) {
				signal_container(argv[i], &state, SIGKILL);
				wait_until_stopped(dir, 10);
			}
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

static int cmd_wait(int argc, char **argv)
{
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX];
	int status = 0;

	if (argc < 2)
		die("\"wait\" requires at least 1 argument: CONTAINER...");
	for (int i = 1; i < argc; i++) {
		if (find(argv[i], dir, &config, &state) != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		while (state.status == STATUS_RUNNING || state.status == STATUS_CREATED) {
			struct timespec pause = { 0, 50 * 1000 * 1000 };

			nanosleep(&pause, NULL);
			if (container_load(dir, &config, &state) == -1)
				break;
		}
		printf("%d\n", state.exit_code);
	}
	return status;
}

static int cmd_rm(int argc, char **argv)
{
	static struct container_config config;
	struct container_state state;
	char dir[PATH_MAX];
	bool force = false;
	int status = 0, key;

	optind = 1;
	opterr = 0;
	while ((key = getopt(argc, argv, "f")) != -1) {
		if (key != 'f')
			die("rm: unknown flag: %s", quote(argv[optind - 1]));
		force = true;
	}
	if (optind >= argc)
		die("\"rm\" requires at least 1 argument: CONTAINER...");
	for (int i = optind; i < argc; i++) {
		int found = find_for(force, argv[i], dir, &config, &state);

		/* rm -f takes a damaged one too: its shim, if any, first. */
		if (found == -2 && force) {
			container_kill_owner(dir);
			state.status = STATUS_DEAD;
		} else if (found != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		if (state.status == STATUS_RUNNING && !force) {
			fprintf(stderr, "Error: cannot remove a running container %s: stop it first "
					"or use rm -f\n", argv[i]);
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		/* -f on one still starting: its shim is mid-way, stop it there (the
		 * container and the port relay die with it; the rest is swept). */
		if (state.status == STATUS_CREATED && force)
			container_kill_owner(dir);
		/* -f: SIGKILL, and let the shim record the end and tear down first. */
		if (state.status == STATUS_RUNNING) {
			signal_container(argv[i], &state, SIGKILL);
			wait_until_stopped(dir, 10);
		}
		if (container_delete(dir) == -1) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

/* ---- exec: into the namespaces of a running PID 1 ------------------------------- */

/* Join PID 1's cgroup and namespaces: the user namespace first, it owns the others. */
static void join_container(const struct container_config *config,
			   const struct container_state *state)
{
	static const struct { const char *name; int type; } namespaces[] = {
		{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
		{ "mnt", CLONE_NEWNS },
	};
	int fds[7];
	char path[64];

	/* Open them all first: after setns(mnt) the host's /proc is out of sight. */
	for (int i = 0; i < 7; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", state->pid, namespaces[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] == -1)
			die_errno(NULL, "open(\"%s\")", path);
	}
	for (int i = 0; i < state->ncgroups; i++)
		if (cg_join(state->cgroups[i]) == -1)
			die_errno(NULL, "join the cgroup %s", state->cgroups[i]);
	for (int i = 0; i < 7; i++) {
		if (namespaces[i].type == CLONE_NEWUSER && !config->userns) {
			close(fds[i]);
			continue;
		}
		if (setns(fds[i], namespaces[i].type) == -1)
			die_errno(NULL, "setns(%s namespace of PID %d)", namespaces[i].name,
				  state->pid);
		trace("setns(/proc/%d/ns/%s)", state->pid, namespaces[i].name);
		close(fds[i]);
	}
}

static int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ 0 }
	};
	static struct container_config config;
	static struct proc_child child;
	struct container_state state;
	char dir[PATH_MAX], *args[STATE_MAX_ARGS + 1], *env[STATE_MAX_ENV + 2];
	const char *workdir = NULL, *extra[STATE_MAX_ENV];
	bool interactive = false, tty = false;
	int key, nextra = 0, nenv = 0, nargs = 0, master = -1;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char slave_path[64];

	optind = 1;
	opterr = 0;
	while ((key = getopt_long(argc, argv, "+ite:w:", longopts, NULL)) != -1) {
		if (key == 'i')
			interactive = true;
		else if (key == 't')
			tty = true;
		else if (key == 'e' && strchr(optarg, '=') && optarg[0] != '=' && nextra < STATE_MAX_ENV)
			extra[nextra++] = optarg;
		else if (key == 'w' && optarg[0] == '/')
			workdir = optarg;
		else
			die("exec: bad flag %s — see: %s --help", quote(argv[optind - 1]),
			    log_progname());
	}
	if (optind + 1 >= argc)
		die("\"exec\" requires at least 2 arguments: CONTAINER COMMAND [ARG...]");
	if (find(argv[optind], dir, &config, &state) != 0)
		return EXIT_COMMAND_FAILED;
	if (state.status != STATUS_RUNNING) {
		fprintf(stderr, "Error: container %s is not running\n", argv[optind]);
		return EXIT_COMMAND_FAILED;
	}
	for (int i = optind + 1; i < argc && nargs < STATE_MAX_ARGS; i++)
		args[nargs++] = argv[i];
	args[nargs] = NULL;
	for (int i = 0; i < config.nenv; i++)
		env[nenv++] = config.env[i];
	for (int i = 0; i < nextra && nenv < STATE_MAX_ENV; i++)
		env[nenv++] = (char *)extra[i];
	env[nenv] = NULL;

	join_container(&config, &state);
	/* -t: a terminal from the container's own devpts (our root is its root now);
	 * else pipes: the caller's terminal never reaches inside. */
	if (tty && pty_open(&master, slave_path, sizeof(slave_path)) == -1)
		die_errno(NULL, "open a terminal in the container");
	if (!tty && ((interactive && pipe2(in, O_CLOEXEC) == -1) || pipe2(out, O_CLOEXEC) == -1 ||
		     pipe2(err, O_CLOEXEC) == -1))
		die_errno(NULL, "pipe2() for exec's stdio");
	/* setns(CLONE_NEWPID) places our children, not us: fork into it — a child
	 * that is the runtime's binary until its execve(), so not dumpable. */
	proc_set_dumpable(false);
	child.pid = fork();
	if (child.pid == -1)
		die_errno(NULL, "fork() into the container");
	if (child.pid == 0) {
		if (config.userns) {
			userns_become_root();
			userns_drop_groups();
		}
		/* A session of its own: the caller's terminal is never the container's. */
		proc_new_session();
		if (tty) {
			int slave = open(slave_path, O_RDWR | O_CLOEXEC);

			if (slave == -1 || pty_become_controlling(slave) == -1)
				die_errno(NULL, "make %s the controlling terminal", slave_path);
		} else {
			/* No -i: no stdin, as with docker exec. */
			int null = interactive ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (null == -1 || dup2(null, STDIN_FILENO) == -1 ||
			    dup2(out[1], STDOUT_FILENO) == -1 || dup2(err[1], STDERR_FILENO) == -1)
				die_errno(NULL, "exec's stdio");
		}
		if (chdir(workdir ? workdir : config.workdir) == -1)
			die_errno(NULL, "chdir(%s)", quote(workdir ? workdir : config.workdir));
		fs_check_cwd_inside(workdir ? workdir : config.workdir);
		drop_privileges(&config);
		proc_exec_with_env(args, env, -1);
	}
	trace("fork() = %d: the command, in the container's namespaces", child.pid);
	if (tty) {
		/* SIGWINCH interrupts the relay's poll(), which then copies the new size. */
		struct sigaction sa = { .sa_handler = proxy_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, NULL);
		if (isatty(STDIN_FILENO) && pty_make_raw(STDIN_FILENO, &saved_terminal) == 0) {
			terminal_raw = true;
			atexit(restore_terminal);
		}
		pty_relay(master, STDIN_FILENO, STDOUT_FILENO);
	} else {
		close(out[1]);
		close(err[1]);
		if (interactive)
			close(in[0]);
		shim_relay_exec(interactive ? in[1] : -1, out[0], err[0]);
	}
	{
		int wstatus;

		while (waitpid(child.pid, &wstatus, 0) == -1)
			if (errno != EINTR)
				die_errno(NULL, "waitpid(%d)", child.pid);
		return proc_exit_status(wstatus);
	}
}

/* ---- volumes ----------------------------------------------------------------------- */

struct volume_users {
	const char *name;
	char ids[512];
};

/* Does the container in `dir` use the named volume? Then it is in use. */
static void note_user(const char *dir, void *arg)
{
	struct volume_users *users = arg;
	static struct container_config config;

	if (state_read_config(dir, &config) == -1)
		return;
	for (int i = 0; i < config.nvolumes; i++)
		if (config.volumes[i].kind == VOLUME_NAMED &&
		    strcmp(config.volumes[i].name, users->name) == 0 &&
		    strlen(users->ids) + 70 < sizeof(users->ids)) {
			strcat(users->ids, users->ids[0] ? " " : "");
			strcat(users->ids, strrchr(dir, '/') + 1);
			return;
		}
}

static int cmd_volume(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 2 };
	static const char *header[] = { "DRIVER", "VOLUME NAME" };
	struct dirent **names;
	char path[PATH_MAX];
	int n, status = 0;

	if (argc == 2 && strcmp(argv[1], "ls") == 0) {
		report_row(&table, header);
		n = scandir(volume_dir(), &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *row[] = { "local", names[i]->d_name };

			if (names[i]->d_name[0] != '.')
				report_row(&table, row);
			free(names[i]);
		}
		if (n > 0)
			free(names);
		report_print(&table, stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "rm") != 0)
		die("usage: %s volume ls | volume rm NAME...", log_progname());
	for (int i = 2; i < argc; i++) {
		struct volume_users users = { .name = argv[i] };

		snprintf(path, sizeof(path), "%.4000s/%s", volume_dir(), argv[i]);
		if (strchr(argv[i], '/') || argv[i][0] == '.' || access(path, F_OK) == -1) {
			fprintf(stderr, "Error: No such volume: %s\n", argv[i]);
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		/* In use by any container, running or not: docker refuses too. */
		container_each(note_user, &users);
		if (users.ids[0]) {
			fprintf(stderr, "Error: remove %s: volume is in use - [%s]\n", argv[i], users.ids);
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		if (rundir_remove_tree(path, NULL) == -1) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

/* ---- images ------------------------------------------------------------------------ */

static void image_row(const char *name, void *arg)
{
	struct report_table *table = arg;
	struct image image;
	char why[256], layers[16];
	const char *cells[5];

	if (image_open(name, &image, why, sizeof(why)) == -1)
		return;
	snprintf(layers, sizeof(layers), "%d", image.nlayers);
	cells[0] = name, cells[1] = "latest", cells[2] = layers;
	cells[3] = image.ncmd ? image.cmd[0] : "";
	cells[4] = image.layers[image.nlayers - 1];
	report_row(table, cells);
}

static int cmd_images(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 5 };
	static const char *header[] = { "REPOSITORY", "TAG", "LAYERS", "COMMAND", "TOP LAYER" };

	(void)argv;
	if (argc > 1)
		die("\"images\" takes no argument");
	report_row(&table, header);
	if (image_list(image_row, &table) == -1)
		die_errno("build them with: make rootfs", "list the images in %s", image_dir());
	report_print(&table, stdout);
	return 0;
}

/* ---- the command line ---------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--trace] COMMAND [ARG...]\n"
		"A container runtime with docker's commands: a shim per container, no daemon.\n\n"
		"  run [-d] [-i] [-t] [--rm] [--name NAME] [--init] [-e K=V]... [-w DIR]\n"
		"      [--hostname H] [-m SIZE] [--cpus N] [--pids-limit N]\n"
		"      [--userns-remap START:COUNT] [--net bridge|none|host] [-p [IP:]HP:CP]...\n"
		"      [-v SRC:DST[:ro]]... [--tmpfs DST]... IMAGE [CMD [ARG...]]\n"
		"  ps [-a] [-q]                   logs [-f] [-t] [--tail N] CONTAINER\n"
		"  exec [-i] [-t] [-e K=V]... [-w DIR] CONTAINER CMD [ARG...]\n"
		"  inspect CONTAINER...           stop [-t SECS] CONTAINER...\n"
		"  kill [-s SIGNAL] CONTAINER...  wait CONTAINER...\n"
		"  rm [-f] CONTAINER...           images\n"
		"  volume ls | volume rm NAME...\n\n"
		"CONTAINER is a name or a unique prefix of the ID. Exit status: run and exec\n"
		"return the command's (125 runtime error, 126 not executable, 127 not found);\n"
		"the others 0, or 1 with one line that says why.\n",
		log_progname());
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*run)(int, char **); } commands[] = {
		{ "run", cmd_run },	  { "ps", cmd_ps },     { "logs", cmd_logs },
		{ "exec", cmd_exec },	  { "inspect", cmd_inspect }, { "stop", cmd_stop },
		{ "kill", cmd_kill },	  { "wait", cmd_wait }, { "rm", cmd_rm },
		{ "images", cmd_images }, { "volume", cmd_volume },
	};
	int first = 1;

	log_init(argv[0]);
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
