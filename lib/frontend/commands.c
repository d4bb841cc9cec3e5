/*
 * commands — docker's commands of step 08 besides run: ps, logs, inspect,
 * stop, kill, wait, rm, exec, volume (the images' commands: lib/frontend/images).
 *
 * They are the front end's part (docker's CLI): each finds a container by
 * name or id prefix (lib/runtime/container), reads its state, and either
 * reports it in docker's shape (lib/frontend/report) or asks the runtime to
 * act — a signal to PID 1, exec into it, delete it. None of them is a
 * straight line: a command given three containers reports on each, says
 * what failed for one in docker's words, and goes on; its exit status is
 * then 1.
 */
#define _GNU_SOURCE
#include "frontend/commands.h"
#include "base/error.h"
#include "base/log.h"
#include "frontend/report.h"
#include "runtime/container.h"
#include "runtime/exec.h"
#include "runtime/logs.h"
#include "runtime/volume.h"
#include "kernel/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One config per command, read again for each container; its strings on the heap. */
static struct container_config *config_new(void)
{
	struct container_config *config = calloc(1, sizeof(*config));

	if (config == NULL)
		die_errno(NULL, "calloc(%zu) for a container's config", sizeof(*config));
	return config;
}

static void config_release(struct container_config *config)
{
	config_free(config);
	free(config);
}

/*
 * Find the container `query`, or say so (docker's words) and return -1;
 * -2 if it is there but its state is damaged (said, unless for rm -f).
 */
static int find_for(bool removing, const char *query, char *dir,
		    struct container_config *config, struct container_state *state)
{
	struct error err;

	if (container_find(query, dir, PATH_MAX, &err) == -1) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	if (container_load(dir, config, state, &err) == -1) {
		if (!removing)
			fprintf(stderr, "Error: container %s: its state is damaged (%s): rm -f it\n",
				query, strerror(err.code ? err.code : EINVAL));
		return -2;
	}
	return 0;
}

static int find(const char *query, char *dir, struct container_config *config,
		struct container_state *state)
{
	return find_for(false, query, dir, config, state);
}

/*
 * Is the container still running? Until its shim has recorded the end (or
 * is found dead), it is: PID 1 may have exited a moment ago, and `stop`
 * returns once its exit status is there for ps and inspect.
 */
static bool still_running(const char *dir)
{
	struct container_config *config = config_new();
	struct container_state state;
	struct error err;
	bool running = container_load(dir, config, &state, &err) == 0 &&
		       state.status == STATUS_RUNNING;

	config_release(config);
	return running;
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

struct ps_options {
	bool all, quiet;
	struct report_table *table;
	struct container_config *config;   /* one for every row, on the heap */
};

/* One row of ps: each container read once, and nothing written. */
static void ps_row(const char *dir, void *arg)
{
	struct ps_options *ps = arg;
	struct container_config *config = ps->config;
	struct container_state state;
	struct error err;
	char id[13], command[64], created[80], status[96], ports[160];
	const char *cells[7];

	snprintf(id, sizeof(id), "%.12s", strrchr(dir, '/') + 1);
	if (container_load(dir, config, &state, &err) == -1) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		/* Its shim may be removing it (--rm) right now: then it is no row. */
		nanosleep(&pause, NULL);
		if (access(dir, F_OK) == -1 || !ps->all)
			return;
		if (ps->quiet) {
			printf("%s\n", id);
			return;
		}
		cells[0] = id, cells[1] = "?", cells[2] = "?", cells[3] = "?";
		cells[4] = "Damaged: rm -f it", cells[5] = "", cells[6] = "?";
		report_row(ps->table, cells);
		return;
	}
	if (!ps->all && state.status != STATUS_RUNNING)
		return;
	if (ps->quiet) {
		printf("%s\n", id);
		return;
	}
	report_command(config, command, sizeof(command));
	report_duration(state_now() - config->created, created, sizeof(created));
	strcat(created, " ago");
	report_status(&state, status, sizeof(status));
	report_ports(config, &state, ports, sizeof(ports));
	cells[0] = id, cells[1] = config->image, cells[2] = command, cells[3] = created;
	cells[4] = status, cells[5] = ports, cells[6] = config->name;
	report_row(ps->table, cells);
}

int command_ps(int argc, char **argv)
{
	static struct report_table table = { .ncolumns = 7 };
	static const char *header[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					"STATUS", "PORTS", "NAMES" };
	struct ps_options ps = { .table = &table, .config = config_new() };
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
	config_release(ps.config);
	return 0;
}

int command_logs(int argc, char **argv)
{
	struct logs_options options = { .tail = -1 };
	struct container_config *config = config_new();
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
	if (find(argv[optind], dir, config, &state) != 0) {
		config_release(config);
		return EXIT_COMMAND_FAILED;
	}
	config_release(config);
	snprintf(log, sizeof(log), "%s/log", dir);
	/* logs holds nothing to clean up: like any filter, `logs -f | head` ends
	 * when its reader does (the runtime's main ignores SIGPIPE: not here). */
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

int command_inspect(int argc, char **argv)
{
	struct container_config *config = config_new();
	struct container_state state;
	char dir[PATH_MAX];
	int status = 0, printed = 0;

	if (argc < 2)
		die("\"inspect\" requires at least 1 argument: CONTAINER...");
	printf("[\n");
	for (int i = 1; i < argc; i++) {
		if (find(argv[i], dir, config, &state) != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		if (printed++)
			printf(",\n");
		report_inspect(stdout, strrchr(dir, '/') + 1, config, &state);
	}
	printf("\n]\n");
	config_release(config);
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
	/* Not a PID the kernel has since given to another process: PID 1's start time. */
	if (state->status != STATUS_RUNNING || !container_pid1_alive(state)) {
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

int command_kill(int argc, char **argv)
{
	struct container_config *config = config_new();
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
		if (find(argv[i], dir, config, &state) != 0 ||
		    signal_container(argv[i], &state, sig) == -1)
			status = EXIT_COMMAND_FAILED;
		else
			printf("%s\n", argv[i]);
	}
	config_release(config);
	return status;
}

int command_stop(int argc, char **argv)
{
	struct container_config *config = config_new();
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
		if (find(argv[i], dir, config, &state) != 0) {
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
	config_release(config);
	return status;
}

int command_wait(int argc, char **argv)
{
	struct container_config *config = config_new();
	struct container_state state;
	struct error err;
	char dir[PATH_MAX];
	int status = 0;

	if (argc < 2)
		die("\"wait\" requires at least 1 argument: CONTAINER...");
	for (int i = 1; i < argc; i++) {
		if (find(argv[i], dir, config, &state) != 0) {
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		while (state.status == STATUS_RUNNING || state.status == STATUS_CREATED) {
			struct timespec pause = { 0, 50 * 1000 * 1000 };

			nanosleep(&pause, NULL);
			if (container_load(dir, config, &state, &err) == -1)
				break;
		}
		printf("%d\n", state.exit_code);
	}
	config_release(config);
	return status;
}

int command_rm(int argc, char **argv)
{
	struct container_config *config = config_new();
	struct container_state state;
	struct error err;
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
		int found = find_for(force, argv[i], dir, config, &state);

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
			if (container_pid1_alive(&state) && kill(state.pid, SIGKILL) == 0)
				trace("kill(%d, KILL): PID 1 of %s", state.pid, argv[i]);
			wait_until_stopped(dir, 10);
		}
		if (container_delete(dir, &err) == -1) {
			error_print(&err);
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	config_release(config);
	return status;
}

/* ---- exec: the front end's flags, the runtime's join (lib/runtime/exec) ---------- */

int command_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' }, { 0 }
	};
	struct container_config *config;
	struct container_state state;
	struct exec_request req = { 0 };
	char dir[PATH_MAX], *args[STATE_MAX_ARGS + 1], *env[STATE_MAX_ENV + 2];
	const char *extra[STATE_MAX_ENV];
	int key, nextra = 0, nenv = 0, nargs = 0, status;

	optind = 1;
	opterr = 0;
	while ((key = getopt_long(argc, argv, "+ite:w:u:", longopts, NULL)) != -1) {
		if (key == 'i')
			req.interactive = true;
		else if (key == 't')
			req.tty = true;
		else if (key == 'e' && strchr(optarg, '=') && optarg[0] != '=' && nextra < STATE_MAX_ENV)
			extra[nextra++] = optarg;
		else if (key == 'w' && optarg[0] == '/')
			req.workdir = optarg;
		else if (key == 'u' && optarg[0] != '\0')
			req.user = optarg;
		else
			die("exec: bad flag %s — see: %s --help", quote(argv[optind - 1]),
			    log_progname());
	}
	if (optind + 1 >= argc)
		die("\"exec\" requires at least 2 arguments: CONTAINER COMMAND [ARG...]");
	config = config_new();
	if (find(argv[optind], dir, config, &state) != 0) {
		config_release(config);
		return EXIT_COMMAND_FAILED;
	}
	if (state.status != STATUS_RUNNING) {
		fprintf(stderr, "Error: container %s is not running\n", argv[optind]);
		config_release(config);
		return EXIT_COMMAND_FAILED;
	}
	/* The container's environment, then -e; its working directory, or -w. */
	for (int i = optind + 1; i < argc && nargs < STATE_MAX_ARGS; i++)
		args[nargs++] = argv[i];
	args[nargs] = NULL;
	for (int i = 0; i < config->nenv; i++)
		env[nenv++] = config->env[i];
	for (int i = 0; i < nextra && nenv < STATE_MAX_ENV; i++)
		env[nenv++] = (char *)extra[i];
	env[nenv] = NULL;
	req.args = args;
	req.env = env;
	if (req.workdir == NULL)
		req.workdir = config->workdir;
	if (req.user == NULL)
		req.user = config->user;
	status = exec_in_container(config, &state, &req);
	config_release(config);
	return status;
}

/* ---- volumes ----------------------------------------------------------------------- */

struct volume_users {
	const char *name;
	char ids[512];
	struct container_config *config;   /* each container's, read in turn */
};

/* Does the container in `dir` use the named volume? Then it is in use. */
static void note_user(const char *dir, void *arg)
{
	struct volume_users *users = arg;
	struct container_config *config = users->config;
	struct error ignored;   /* a damaged config claims no volume */

	if (state_read_config(dir, config, &ignored) == -1)
		return;
	for (int i = 0; i < config->nvolumes; i++)
		if (config->volumes[i].kind == VOLUME_NAMED &&
		    strcmp(config->volumes[i].name, users->name) == 0 &&
		    strlen(users->ids) + 70 < sizeof(users->ids)) {
			strcat(users->ids, users->ids[0] ? " " : "");
			strcat(users->ids, strrchr(dir, '/') + 1);
			return;
		}
}

int command_volume(int argc, char **argv)
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
		struct volume_users users = { .name = argv[i], .config = config_new() };

		snprintf(path, sizeof(path), "%.4000s/%s", volume_dir(), argv[i]);
		if (strchr(argv[i], '/') || argv[i][0] == '.' || access(path, F_OK) == -1) {
			fprintf(stderr, "Error: No such volume: %s\n", argv[i]);
			status = EXIT_COMMAND_FAILED;
			continue;
		}
		/* In use by any container, running or not: docker refuses too. */
		container_each(note_user, &users);
		config_release(users.config);
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
