/*
 * run — docker's `run` in the front end: its flags, read into the
 * container's config (the image's defaults first, then what the user
 * said), the host ports bound before anything exists, and a foreground
 * run's attachment to its container: signals passed on to PID 1, the
 * user's terminal raw while the container has its own.
 *
 * What run then does — create, the shim, start — is the lecture, in
 * steps/08-full-container/main.c.
 */
#define _GNU_SOURCE
#include "frontend/run.h"
#include "base/log.h"
#include "frontend/image.h"
#include "kernel/caps.h"
#include "kernel/opts.h"
#include "kernel/pty.h"
#include "kernel/userns.h"
#include "kernel/seccomp-profile.h"
#include "runtime/ports.h"
#include "runtime/security.h"
#include "runtime/volume.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * docker's run flags, one table for getopt_long() and for --help. The ones
 * steps 03-07 have too (--memory, --cpus, --pids-limit) take their help
 * from the steps' table (NULL here), and their checks from lib/kernel/opts.
 */
static const struct opts_flag run_flags[] = {
	{ "detach", 'd', no_argument, 'd', NULL,
	  "run in the background and print the container's ID" },
	{ "interactive", 'i', no_argument, 'i', NULL, "keep stdin open" },
	{ "tty", 't', no_argument, 't', NULL, "give the container a terminal of its own" },
	{ "rm", 0, no_argument, 'R', NULL, "remove the container when it exits" },
	{ "name", 0, required_argument, 'n', "NAME",
	  "a name ([a-zA-Z0-9][a-zA-Z0-9_.-]*); default: made up" },
	{ "init", 0, no_argument, 'I', NULL,
	  "a tiny init as PID 1: forwards signals, reaps orphans" },
	{ "env", 'e', required_argument, 'e', "K=V", "set an environment variable (repeatable)" },
	{ "workdir", 'w', required_argument, 'w', "DIR", "where the command starts (absolute)" },
	{ "entrypoint", 0, required_argument, 'E', "CMD",
	  "run CMD instead of the image's Entrypoint (\"\": none)" },
	{ "user", 'u', required_argument, 'u', "USER[:GROUP]",
	  "run as this user: a number or a name of the image's /etc/passwd" },
	{ "hostname", 0, required_argument, 'H', "NAME",
	  "the container's hostname (default: the short ID)" },
	{ "memory", 'm', required_argument, 'm', "SIZE", NULL },
	{ "cpus", 0, required_argument, 'C', "N", NULL },
	{ "pids-limit", 0, required_argument, 'P', "N", NULL },
	{ "userns-remap", 0, required_argument, 'U', "START:COUNT",
	  "as root: a user namespace, 0 inside = START" },
	{ "net", 0, required_argument, 'N', "MODE",
	  "bridge (default as root: a port of the switch stepbox0), none (only lo; always "
	  "without root) or host (no network namespace: the host's own)" },
	{ "publish", 'p', required_argument, 'p', "[IP:]HOSTPORT:CONTAINERPORT[/tcp]",
	  "relay a host port to the container (default IP: every address of the host)" },
	{ "volume", 'v', required_argument, 'v', "SRC:DST[:ro]",
	  "a host path (/...) or a named volume at DST" },
	{ "tmpfs", 0, required_argument, 'T', "DST", "a fresh tmpfs at DST" },
	{ "cap-add", 0, required_argument, 'A', "CAP",
	  "add to Docker's 14 capabilities (a name of capabilities(7), like NET_ADMIN, or ALL)" },
	{ "cap-drop", 0, required_argument, 'D', "CAP", "take one of them away (or ALL)" },
	{ "security-opt", 0, required_argument, 'S', "OPT",
	  "seccomp=FILE: a seccomp profile (OCI form) instead of Docker's default; "
	  "seccomp=unconfined: no seccomp filter; no-new-privileges: always on" },
	{ "privileged", 0, no_argument, 'X', NULL,
	  "every capability, no seccomp filter, no masked paths" },
	{ "help", 0, no_argument, 'h', NULL, "show this help and exit" },
};
#define NRUN_FLAGS (sizeof(run_flags) / sizeof(run_flags[0]))

void run_usage(FILE *out)
{
	fprintf(out, "usage: %s run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
		     "Create and run a new container from an image (see: images).\n\n",
		log_progname());
	opts_print_flags(out, run_flags, NRUN_FLAGS);
}

/* Add K=V to the environment, replacing an earlier K. */
static void set_env(struct container_config *config, const char *pair)
{
	size_t key = strcspn(pair, "=");

	if (strlen(pair) >= STATE_ARG_LEN)
		die("-e %s: at most %d variables of %d bytes", quote(pair), STATE_MAX_ENV,
		    STATE_ARG_LEN - 1);
	for (int i = 0; i < config->nenv; i++)
		if (strncmp(config->env[i], pair, key + 1) == 0) {
			if (config_set(&config->env[i], pair) == -1)
				die_errno(NULL, "-e %s", quote(pair));
			return;
		}
	if (config_append(config->env, &config->nenv, STATE_MAX_ENV, pair) == -1)
		die("-e %s: at most %d variables of %d bytes", quote(pair), STATE_MAX_ENV,
		    STATE_ARG_LEN - 1);
}

static void add_arg(struct container_config *config, const char *arg)
{
	char word[STATE_ARG_LEN];

	snprintf(word, sizeof(word), "%s", arg);
	if (config_append(config->args, &config->nargs, STATE_MAX_ARGS, word) == -1)
		die_errno(NULL, "the command");
}

/* docker's flags into the container's config; dies (125) on any bad one. */
void run_parse(struct container *c, int argc, char **argv, bool *detach)
{
	struct option longopts[NRUN_FLAGS + 1];
	char shortopts[32];
	struct container_config *config = &c->config;
	const char *workdir = NULL, *net = NULL, *remap = NULL, *entrypoint = NULL, *user = NULL;
	const char *seccomp_path = NULL;
	struct error err;
	struct image image;
	char *env[STATE_MAX_ENV];
	int nenv = 0, key;
	bool hostname_given = false;

	config->seccomp = true;
	opts_getopt_tables(run_flags, NRUN_FLAGS, longopts, shortopts, sizeof(shortopts));
	optind = 1;
	opterr = 0;
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
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
		case 'E': entrypoint = optarg; break;
		case 'u':
			if (optarg[0] == '\0' || optarg[0] == ':')
				die("--user %s: expected USER[:GROUP]", quote(optarg));
			user = optarg;
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
			if (!userns_parse_range(optarg, &config->uids, &err))
				die("--userns-remap %s: %s", quote(optarg), err.msg);
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
			if (ports_parse(optarg, &config->ports[config->nports], &err) == -1)
				error_die(&err);
			config->nports++;
			break;
		case 'v':
		case 'T':
			if (config->nvolumes == VOLUME_MAX)
				die("at most %d volumes", VOLUME_MAX);
			if ((key == 'v' ? volume_parse(optarg, &config->volumes[config->nvolumes], &err)
					: volume_parse_tmpfs(optarg, &config->volumes[config->nvolumes], &err)) == -1)
				error_die(&err);
			config->nvolumes++;
			break;
		case 'A':
		case 'D':
			if (!caps_parse(optarg, &set, &err))
				die("--cap-%s: %s", key == 'A' ? "add" : "drop", err.msg);
			*(key == 'A' ? &config->cap_add : &config->cap_drop) |= set;
			break;
		case 'X': config->privileged = true; break;
		case 'S':
			if (strcmp(optarg, "seccomp=unconfined") == 0) {
				config->seccomp = false;
			} else if (strncmp(optarg, "seccomp=", 8) == 0 && optarg[8]) {
				/* The text, not the path: docker keeps the profile itself too. */
				config->seccomp = true;
				free(config->seccomp_profile);
				config->seccomp_profile = NULL;
				seccomp_path = optarg + 8;
				/* Its name starts the messages about it: one line each. */
				for (const char *c = seccomp_path; *c; c++)
					if ((unsigned char)*c < ' ' || *c == 0x7f)
						die("--security-opt %s: a file name without control "
						    "characters, please", quote(optarg));
				if (seccomp_profile_read(seccomp_path, &config->seccomp_profile,
							 &err) == -1)
					die("--security-opt seccomp: %s", err.msg);
			} else if (strcmp(optarg, "no-new-privileges") != 0 &&
				   strcmp(optarg, "no-new-privileges=true") != 0) {
				die("--security-opt %s: stepbox knows seccomp=FILE, seccomp=unconfined "
				    "and no-new-privileges (always on)", quote(optarg));
			}
			break;
		case 'h':
			run_usage(stdout);
			exit(0);
		default:
			die("run: unknown flag: %s — see: %s run --help", quote(argv[optind - 1]),
			    log_progname());
		}
	}
	if (optind >= argc)
		die("\"run\" requires at least 1 argument: IMAGE [COMMAND] — see: %s run --help",
		    log_progname());
	/* A bad profile is the user's error, said now (125), before anything
	 * exists — compiled for the capabilities the flags above settled. */
	if (config->seccomp && config->seccomp_profile) {
		struct seccomp_filter filter;

		if (security_compile_seccomp(config, seccomp_path, &filter, &err) == -1)
			die("--security-opt seccomp: %s", err.msg);
		seccomp_filter_free(&filter);
	} else if (!config->seccomp) {
		free(config->seccomp_profile);
		config->seccomp_profile = NULL;
	}
	/* The image: its layers, and the defaults -e, -w and COMMAND override. */
	if (image_open(argv[optind], &image, &err) == -1)
		error_die(&err);
	if (config_set(&config->image, argv[optind]) == -1)
		die_errno(NULL, "the image's name");
	/*
	 * A layer an image has twice (one diff id, an empty layer made in two
	 * steps) is one directory of the store, and overlayfs refuses a lower
	 * dir it has already (ELOOP). Only its highest place counts: what it
	 * holds or whites out there covers what the lower copy would.
	 */
	for (int i = 0; i < image.nlayers; i++) {
		bool again = false;

		for (int j = i + 1; j < image.nlayers && !again; j++)
			again = strcmp(image.layers[i], image.layers[j]) == 0;
		if (!again && config_append(config->layers, &config->nlayers, MAX_LAYERS + 1,
					    image.layers[i]) == -1)
			die_errno(NULL, "the image's layers");
	}
	/*
	 * docker's rule: the command is Entrypoint + Cmd. --entrypoint replaces
	 * the image's Entrypoint and drops its Cmd; COMMAND replaces the Cmd.
	 * Each word kept to STATE_ARG_LEN - 1 bytes.
	 */
	if (entrypoint && entrypoint[0])
		add_arg(config, entrypoint);
	for (int i = 0; !entrypoint && i < image.nentrypoint; i++)
		add_arg(config, image.entrypoint[i]);
	for (int i = optind + 1; i < argc && config->nargs < STATE_MAX_ARGS; i++)
		add_arg(config, argv[i]);
	for (int i = 0; optind + 1 == argc && !entrypoint && i < image.ncmd; i++)
		add_arg(config, image.cmd[i]);
	if (config->nargs == 0)
		die("No command specified: image %s has neither Entrypoint nor Cmd — give "
		    "COMMAND", quote(argv[optind]));
	for (int i = 0; i < image.nenv; i++)
		set_env(config, image.env[i]);
	if (config->tty)
		set_env(config, "TERM=xterm");
	for (int i = 0; i < nenv; i++)
		set_env(config, env[i]);
	if (config_set(&config->workdir, workdir ? workdir : image.workdir) == -1)
		die_errno(NULL, "the working directory");
	if ((user || image.user) && config_set(&config->user, user ? user : image.user) == -1)
		die_errno(NULL, "the user");
	for (int i = 0; i < image.nexpose; i++)
		if (config_append(config->expose, &config->nexpose, STATE_MAX_ARGS,
				  image.expose[i]) == -1)
			die_errno(NULL, "the image's ports");
	image_free(&image);

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
				   config->userns ? config->gids.start : 0, &err) == -1)
			error_die(&err);
}

void run_bind_ports(struct container *c)
{
	struct error err;

	for (int i = 0; i < c->config.nports; i++)
		if ((c->port_fds[i] = ports_listen(&c->config.ports[i], &err)) == -1)
			error_die(&err);
}

/* Foreground: a signal to `run` is meant for the container (docker's sig-proxy). */
static pid_t foreground_pid1, foreground_shim;

static void proxy_signal(int sig)
{
	if (sig == SIGWINCH) {
		if (foreground_shim > 0)
			kill(foreground_shim, SIGWINCH);
	} else if (foreground_pid1 > 0)
		kill(foreground_pid1, sig);
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

int run_attach(struct container *c, struct shim_link *link)
{
	int status;

	proxy_signals(c, link);
	if (c->config.tty)
		pty_make_raw_until_exit(STDIN_FILENO);
	status = shim_wait_exited(link);
	if (status == -1) {
		warn("the shim of %.12s died before the container's end: see ps -a", c->id);
		return EXIT_RUNTIME_ERROR;
	}
	/* --trace: the shim's last lines (a --rm container's removal, which run
	 * does not otherwise wait for) come before the prompt, not after it. */
	if (trace_enabled())
		while (waitpid(link->shim, NULL, 0) == -1 && errno == EINTR)
			continue;
	return status;
}
