/*
 * 08-runtime — step 08's runtime on its own: runc's command line, so that
 * docker, podman and containerd can run their containers with it.
 *
 * The course's chain is  docker → containerd → containerd-shim → runc.
 * The last link is a program with a small, standard interface, the OCI
 * runtime spec: its caller prepares a *bundle* — a directory holding the
 * image's root filesystem and a config.json that says everything else —
 * and runs it once per step of one lifecycle:
 *
 *     create ID --bundle B   everything but the user's program: namespaces,
 *                            cgroup, mounts, pivot_root. PID 1 then waits,
 *                            and create exits (its caller, the shim, becomes
 *                            PID 1's parent: it is a subreaper).
 *     start ID               PID 1 goes on, into execve() of process.args.
 *     state ID               JSON: created, running, stopped; the PID.
 *     kill ID SIGNAL         a signal to PID 1 (--all: to the whole cgroup).
 *     delete ID              what is left goes: the cgroup, the state.
 *     exec ID, ps, pause, resume, features: the rest of runc's interface.
 *
 * The same kernel calls as 08-full-container's run (lib/kernel), in the
 * order config.json asks for: this file is the lifecycle, lib/runtime/oci-*
 * the details — oci-spec reads config.json, oci-rootfs builds the file
 * system, oci-process applies the process and runs the hooks, oci-state
 * keeps what one command tells the next, in <root>/<id>/.
 *
 * Between create and start, PID 1 is blocked opening <root>/<id>/exec.fifo
 * for writing; start opens it for reading, and that open is the signal. So
 * "created" is a process that exists, in its namespaces and cgroup, with
 * its mounts made, that has not yet run one instruction of the image.
 *
 * Try:  mkdir /tmp/b && cp -a build/rootfs /tmp/b/rootfs
 *       build/08-runtime spec --bundle /tmp/b
 *       sed -i 's/"terminal": true/"terminal": false/; s/\["sh"\]/["sleep", "30"]/' /tmp/b/config.json
 *       sudo build/08-runtime create --bundle /tmp/b demo
 *       sudo build/08-runtime state demo; sudo build/08-runtime start demo
 *       sudo build/08-runtime delete --force demo
 *       sudo dockerd --add-runtime stepbox=$PWD/build/08-runtime ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "kernel/cgroup.h"
#include "kernel/fs.h"
#include "kernel/net.h"
#include "kernel/proc.h"
#include "kernel/pty.h"
#include "kernel/rundir.h"
#include "kernel/userns.h"
#include "kernel/uts.h"
#include "runtime/oci-process.h"
#include "runtime/oci-rootfs.h"
#include "runtime/oci-spec.h"
#include "runtime/oci-state.h"

#define VERSION "stepbox 08-runtime 1.0 (OCI runtime spec 1.2.0)"

/* Our cgroup parent when config.json names none; removed by the last delete. */
#define DEFAULT_CGROUP_PARENT "/stepbox-runtime"

/* The global flags, given before the command (as containerd and podman do). */
static const char *state_root;      /* --root */

/* ---- the command line: --flag value and --flag=value ------------------------- */

/* Is argv[*i] the option NAME? Then its value (the next word, or after '=') in *value. */
static bool option(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return false;
	if (argv[*i][len] == '=') {
		*value = argv[*i] + len + 1;
		return true;
	}
	if (argv[*i][len] != '\0')
		return false;
	if (*i + 1 >= argc)
		die("option %s needs a value", name);
	*value = argv[++*i];
	return true;
}

/* --preserve-fds N: how many fds after 2 the program keeps (0-1000). */
static int preserve_fds_value(const char *value)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (value[0] == '\0' || *end || n < 0 || n > 1000)
		die("--preserve-fds %s: a number of fds (0-1000)", quote(value));
	return (int)n;
}

/* A flag without a value (also "--flag=true"). */
static bool flag(char **argv, int i, const char *name)
{
	size_t len = strlen(name);

	return strncmp(argv[i], name, len) == 0 &&
	       (argv[i][len] == '\0' || strcmp(argv[i] + len, "=true") == 0);
}

static void unknown_option(const char *command, const char *arg)
{
	die("%s: unknown option %s — see: %s --help", command, quote(arg), log_progname());
}

/* The one ID a command takes, after its options. */
static const char *the_id(const char *command, int argc, char **argv, int first, int extra)
{
	struct error err;

	if (first >= argc)
		die("%s: the container id is missing — usage: %s %s [OPTIONS] ID", command,
		    log_progname(), command);
	if (argc - first > 1 + extra)
		die("%s: too many arguments after %s", command, quote(argv[first]));
	if (oci_check_id(argv[first], &err) == -1)
		error_die(&err);
	return argv[first];
}

/* <root>/<id>, and its state: or "container ID does not exist". */
static int load(const char *id, char *dir, size_t size, struct oci_state *st, struct error *err)
{
	oci_state_dir(state_root, id, dir, size);
	return oci_state_read(dir, st, err);
}

/* The state JSON the hooks read on their stdin. */
static char *state_json(const char *dir, const struct oci_state *st, enum oci_status status)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		die_errno(NULL, "open_memstream()");
	oci_state_print(f, dir, st, status, false);
	fclose(f);
	return text;
}

/* ---- PID 1: set up, wait for start, become the user's program ------------------ */

struct init_args {
	struct oci_spec *spec;
	struct proc_child child;
	struct cgroup cg;
	char dir[PATH_MAX];      /* <root>/<id> */
	int ready[2];            /* PID 1 writes one byte when it is set up */
	int fifo;                /* O_PATH of exec.fifo: opened for writing = "waiting for start" */
	int console;             /* --console-socket, connected; -1 */
	int preserve_fds;
	bool no_pivot;
};

/* A pty of the container's own devpts: its master goes to the caller, its
 * other end becomes our controlling terminal and 0, 1, 2. */
static void open_console(int sock)
{
	char name[64];
	int master, slave;

	if (pty_open(&master, name, sizeof(name)) == -1)
		die_errno("is devpts mounted at /dev/pts in config.json?", "open a pty in the container");
	if (pty_send_fd_named(sock, master, name) == -1)
		die_errno(NULL, "send the pty's master on the console socket");
	close(master);
	close(sock);
	slave = open(name, O_RDWR | O_CLOEXEC);
	if (slave == -1 || pty_become_controlling(slave) == -1)
		die_errno(NULL, "make %s our terminal", name);
}

static int container_init(void *arg)
{
	struct init_args *a = arg;
	struct oci_spec *spec = a->spec;
	struct error err;
	char fifo[64], *state;
	int fd;

	/* The parent has put us in the cgroup, written the maps, run the
	 * prestart and createRuntime hooks. */
	proc_wait_for_parent(&a->child);
	close(a->ready[0]);
	if (spec->clone_flags & CLONE_NEWUSER)
		userns_become_root();
	proc_set_dumpable(false);   /* /proc/1/exe is our binary until execve (CVE-2019-5736) */
	proc_new_session();
	if (spec->clone_flags & CLONE_NEWCGROUP)
		cg_enter_namespace();
	if (spec->hostname)
		uts_set_hostname(spec->hostname);
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) == -1)
		die_errno(NULL, "setdomainname(%s)", quote(spec->domainname));
	if (spec->clone_flags & CLONE_NEWNET)
		net_link_set_up("lo");

	/* The file system: the caller's mounts on the caller's rootfs, then pivot. */
	oci_rootfs_prepare(spec);
	oci_rootfs_mount_all(spec, &a->cg);
	if (spec->nhooks[HOOK_CREATE_CONTAINER] > 0) {
		struct oci_state st;

		if (oci_state_read(a->dir, &st, &err) == -1)
			error_die(&err);
		state = state_json(a->dir, &st, OCI_CREATING);
		if (oci_run_hooks(spec, HOOK_CREATE_CONTAINER, state, &err) == -1)
			error_die(&err);
		free(state);
	}
	oci_rootfs_pivot(spec, a->no_pivot);
	oci_rootfs_finish(spec);
	if (a->console != -1)
		open_console(a->console);

	/* Set up: tell create, and no longer die with it (it exits now). */
	if (prctl(PR_SET_PDEATHSIG, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_PDEATHSIG, 0)");
	if (write(a->ready[1], "", 1) != 1)
		die_errno(NULL, "tell create we are ready");
	close(a->ready[1]);
	log_to_file(-1, false);

	/* created: block here until `start` opens the fifo for reading. */
	snprintf(fifo, sizeof(fifo), "/proc/self/fd/%d", a->fifo);
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd == -1 || write(fd, "0", 1) != 1)
		die_errno(NULL, "wait for start on exec.fifo");
	close(fd);
	close(a->fifo);

	/* running: startContainer hooks (in here), then the program. */
	if (spec->nhooks[HOOK_START_CONTAINER] > 0 &&
	    oci_run_hooks(spec, HOOK_START_CONTAINER, "{}", &err) == -1)
		error_die(&err);
	oci_process_exec(&spec->process, spec->seccomp, a->preserve_fds, -1);
}

/* ---- create ---------------------------------------------------------------------- */

/* The caller's unix socket for the terminal (--console-socket): connected now,
 * while its path is reachable. */
static int connect_console(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock;

	if (strlen(path) >= sizeof(addr.sun_path))
		die("--console-socket %s: path too long", quote(path));
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock == -1 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) == -1)
		die_errno(NULL, "connect to --console-socket %s", path);
	return sock;
}

/* Namespaces given by path (a pod's network, say): join them now, so
 * clone() puts PID 1 in them (for pid: its children go there). */
static void join_namespaces(const struct oci_spec *spec)
{
	for (int i = 0; i < spec->nnamespaces; i++) {
		const struct oci_namespace *ns = &spec->namespaces[i];
		int fd;

		if (ns->path == NULL)
			continue;
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd == -1 || setns(fd, ns->type) == -1)
			die_errno(NULL, "join the %s namespace %s", ns->name, ns->path);
		close(fd);
		trace("setns(%s) for the %s namespace", ns->path, ns->name);
	}
}

static void write_id_map(pid_t pid, const char *file, const struct oci_id_map *maps, int n)
{
	char path[64], text[256];
	size_t len = 0;
	int fd;

	for (int i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - len, "%u %u %u\n", maps[i].container_id,
				maps[i].host_id, maps[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len)
		die_errno(NULL, "write %s", path);
	close(fd);
}

/* The pid file: the digits only, whole or not at all. Its directory is
 * opened first (exec writes it after joining the container's mounts). */
struct pid_file { int dir; char name[NAME_MAX + 1]; };

static void open_pid_file(const char *path, struct pid_file *pf)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	if (snprintf(pf->name, sizeof(pf->name), "%s", slash ? slash + 1 : path) >=
	    (int)sizeof(pf->name) || pf->name[0] == '\0')
		die("--pid-file %s: not a file name", quote(path));
	pf->dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pf->dir == -1)
		die_errno(NULL, "open the directory of --pid-file %s", path);
}

static void write_pid_file(const struct pid_file *pf, pid_t pid)
{
	char tmp[NAME_MAX + 16], digits[16];
	int fd, len = snprintf(digits, sizeof(digits), "%d", pid);

	snprintf(tmp, sizeof(tmp), ".%.200s.tmp", pf->name);
	fd = openat(pf->dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, digits, len) != len || close(fd) == -1 ||
	    renameat(pf->dir, tmp, pf->dir, pf->name) == -1)
		die_errno(NULL, "write the pid file %s", pf->name);
	close(pf->dir);
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in == -1)
		die_errno(NULL, "open %s", from);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out == -1)
		die_errno(NULL, "create %s", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			die_errno(NULL, "write %s", to);
	if (n == -1 || close(out) == -1)
		die_errno(NULL, "copy %s", from);
	close(in);
}

/* Undo a create that failed half-way: PID 1, the cgroup, the state. */
static void undo_create(void *arg)
{
	struct init_args *a = arg;

	if (a->child.pid > 0) {
		kill(a->child.pid, SIGKILL);
		waitpid(a->child.pid, NULL, 0);
	}
	cg_destroy(&a->cg);
	rundir_remove_tree(a->dir, NULL);
}

static int start(int argc, char **argv);
static int delete(int argc, char **argv);

/* create, or (RUN) runc's run: create, start, wait for PID 1, delete. */
static int create_or_run(int argc, char **argv, bool run)
{
	const char *command = run ? "run" : "create";
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *value, *id;
	bool detach = false;
	struct init_args *a = calloc(1, sizeof(*a));
	struct oci_spec *spec = calloc(1, sizeof(*spec));
	struct oci_state st = { 0 };
	struct pid_file pf = { .dir = -1 };
	struct error err;
	char path[PATH_MAX + 64], group[PATH_MAX], *state;
	struct timespec now;
	struct tm tm;
	int i;

	if (a == NULL || spec == NULL)
		die_errno(NULL, "calloc() for the container");
	a->console = -1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (option(argc, argv, &i, "--bundle", &bundle) || option(argc, argv, &i, "-b", &bundle) ||
		    option(argc, argv, &i, "--pid-file", &pid_file) ||
		    option(argc, argv, &i, "--console-socket", &console))
			continue;
		if (option(argc, argv, &i, "--preserve-fds", &value)) {
			a->preserve_fds = preserve_fds_value(value);
		} else if (flag(argv, i, "--no-pivot")) {
			a->no_pivot = true;
		} else if (run && (flag(argv, i, "--detach") || flag(argv, i, "-d"))) {
			detach = true;
		} else if (!flag(argv, i, "--no-new-keyring")) {   /* we make no keyring anyway */
			unknown_option(command, argv[i]);
		}
	}
	id = the_id(command, argc, argv, i, 0);

	/* config.json, all of it checked before anything exists. */
	if (oci_spec_read(bundle, spec, &err) == -1)
		error_die(&err);
	if (!spec->has_process)
		die("%s/config.json: process: missing (create needs the program to run)", bundle);
	if (spec->process.terminal && console == NULL)
		die("process.terminal is true: create needs --console-socket");
	if (pid_file)
		open_pid_file(pid_file, &pf);
	if (!spec->process.terminal && console)
		die("--console-socket was given, but process.terminal is false");
	a->spec = spec;

	/* Our directory: <root>/<id>. mkdir is the lock: a second create of the
	 * same id fails here. */
	if (fs_make_path(state_root, 0711) == -1)
		die_errno(NULL, "mkdir %s (--root)", state_root);
	oci_state_dir(state_root, id, a->dir, sizeof(a->dir));
	if (mkdir(a->dir, 0711) == -1)
		die_errno(errno == EEXIST ? "delete it first, or pick another id" : NULL,
			  "container %s: create %s", id, a->dir);
	cleanup_on_exit(undo_create, a);
	{
		char saved[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/config.json", spec->bundle);
		snprintf(saved, sizeof(saved), "%s/config.json", a->dir);
		copy_file(path, saved);
	}
	snprintf(path, sizeof(path), "%s/exec.fifo", a->dir);
	if (mkfifo(path, 0600) == -1)
		die_errno(NULL, "mkfifo(%s)", path);
	a->fifo = open(path, O_PATH | O_CLOEXEC);
	if (a->fifo == -1)
		die_errno(NULL, "open %s", path);
	if (console)
		a->console = connect_console(console);
	if (pipe2(a->ready, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");

	/* 07: the group, where the caller says (or ours), with its limits. */
	if (spec->cgroups_path && spec->cgroups_path[0])
		snprintf(group, sizeof(group), "%s", spec->cgroups_path);
	else
		snprintf(group, sizeof(group), DEFAULT_CGROUP_PARENT "/%s", id);
	if (strchr(group, ':'))
		die("linux.cgroupsPath %s is systemd's slice:prefix:name form: stepbox manages "
		    "cgroupfs paths only (use the cgroupfs driver, not --systemd-cgroup)", quote(group));
	if (cg_create_at(&a->cg, group, &spec->limits, &err) == -1)
		error_die(&err);
	a->cg.remove_parent = strncmp(group, DEFAULT_CGROUP_PARENT "/", 17) == 0;

	/* The state, written now (no PID yet: "stopped"), so that a create killed
	 * from here on leaves what delete --force needs: the cgroup's path. */
	snprintf(st.id, sizeof(st.id), "%s", id);
	snprintf(st.bundle, sizeof(st.bundle), "%s", spec->bundle);
	snprintf(st.rootfs, sizeof(st.rootfs), "%.4000s", spec->root);
	snprintf(st.cgroup, sizeof(st.cgroup), "%s", group);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	i = strftime(st.created, sizeof(st.created), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(st.created + i, sizeof(st.created) - i, ".%09ldZ", now.tv_nsec);
	st.created_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
	if (oci_state_write(a->dir, &st, &err) == -1)
		error_die(&err);

	/* 02-06: the new namespaces, PID 1 in them (the cgroup one it makes
	 * itself, once it is in its group). */
	join_namespaces(spec);
	proc_clone(&a->child, spec->clone_flags & ~CLONE_NEWCGROUP, container_init, a);
	/* PID 1 has its copies of these; ours would only keep them open. */
	close(a->ready[1]);
	close(a->fifo);
	if (a->console != -1)
		close(a->console);
	cg_attach(&a->cg, a->child.pid);
	if (spec->clone_flags & CLONE_NEWUSER) {
		write_id_map(a->child.pid, "uid_map", spec->uid_maps, spec->nuid_maps);
		write_id_map(a->child.pid, "gid_map", spec->gid_maps, spec->ngid_maps);
	}
	if (spec->process.has_oom_score_adj) {
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", a->child.pid);
		FILE *f = fopen(path, "we");

		if (f == NULL || fprintf(f, "%d", spec->process.oom_score_adj) < 0 || fclose(f) != 0)
			die_errno(NULL, "write %s", path);
	}

	/* The state again, with PID 1: the hooks may ask for it (docker's network hook does). */
	st.pid = a->child.pid;
	st.pid_start = proc_start_time(a->child.pid);
	if (oci_state_write(a->dir, &st, &err) == -1)
		error_die(&err);
	state = state_json(a->dir, &st, OCI_CREATING);
	if (oci_run_hooks(spec, HOOK_PRESTART, state, &err) == -1 ||
	    oci_run_hooks(spec, HOOK_CREATE_RUNTIME, state, &err) == -1)
		error_die(&err);
	free(state);

	/* Let PID 1 set itself up; one byte back when it is waiting for start. */
	proc_release_child(&a->child);
	{
		char byte;
		ssize_t n;

		do
			n = read(a->ready[0], &byte, 1);
		while (n == -1 && errno == EINTR);
		if (n != 1)
			die("the container's first process failed during its set-up (see above)");
	}
	if (pid_file)
		write_pid_file(&pf, a->child.pid);
	cleanup_forget();
	trace("created %s: PID %d waits for start", id, a->child.pid);
	if (!run)
		return 0;

	/* run: the rest of the lifecycle in this process, PID 1's parent. */
	{
		char *start_argv[] = { "start", (char *)id, NULL };
		char *delete_argv[] = { "delete", "--force", (char *)id, NULL };
		int status;

		start(2, start_argv);
		if (detach)
			return 0;
		status = proc_wait(&a->child);   /* passes SIGINT, SIGTERM... on to PID 1 */
		delete(3, delete_argv);
		return status;
	}
}

static int create(int argc, char **argv)
{
	return create_or_run(argc, argv, false);
}

static int run_command(int argc, char **argv)
{
	return create_or_run(argc, argv, true);
}

/* ---- start, state, kill, delete --------------------------------------------------- */

static int start(int argc, char **argv)
{
	const char *id = the_id("start", argc, argv, 1, 0);
	char dir[PATH_MAX], path[PATH_MAX + 32], byte, *state;
	struct oci_state st;
	struct oci_spec *spec = calloc(1, sizeof(*spec));
	enum oci_status status;
	struct error err;
	int fd;

	if (spec == NULL)
		die_errno(NULL, "calloc()");
	if (load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	status = oci_status_of(dir, &st);
	if (status != OCI_CREATED)
		die("cannot start a container that is %s (only a created one starts)",
		    oci_status_name(status));
	snprintf(path, sizeof(path), "%s/exec.fifo", dir);
	/* Non-blocking: if PID 1 dies instead of opening its end, we see it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		die_errno(NULL, "open %s", path);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) == 1 && read(fd, &byte, 1) == 1)
			break;
		if (oci_status_of(dir, &st) == OCI_STOPPED)
			die("container %s: its first process exited before start", id);
	}
	close(fd);
	unlink(path);

	/* poststart: after the program runs; a failure is only a warning. */
	if (oci_spec_read(dir, spec, &err) == 0) {
		state = state_json(dir, &st, OCI_RUNNING);
		if (oci_run_hooks(spec, HOOK_POSTSTART, state, &err) == -1)
			error_print(&err);
		free(state);
		oci_spec_free(spec);
	}
	free(spec);
	return 0;
}

static int state(int argc, char **argv)
{
	const char *id = the_id("state", argc, argv, 1, 0);
	char dir[PATH_MAX];
	struct oci_state st;
	struct error err;

	if (load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	oci_state_print(stdout, dir, &st, oci_status_of(dir, &st), true);
	return 0;
}

/* "9", "KILL", "SIGKILL": the number. */
static int parse_signal(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);

	if (*name && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcmp(abbrev, name) == 0)
			return sig;
	}
	return -1;
}

static int kill_command(int argc, char **argv)
{
	bool all = false;
	int i, sig = SIGTERM;
	const char *id;
	char dir[PATH_MAX];
	struct oci_state st;
	struct error err;
	enum oci_status status;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (flag(argv, i, "--all") || flag(argv, i, "-a"))
			all = true;
		else
			unknown_option("kill", argv[i]);
	id = the_id("kill", argc, argv, i, 1);
	if (i + 1 < argc && (sig = parse_signal(argv[i + 1])) == -1)
		die("kill: unknown signal %s", quote(argv[i + 1]));
	if (load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	status = oci_status_of(dir, &st);
	if (status == OCI_STOPPED || st.pid <= 0)
		die("container %s is not running", id);
	if (all) {
		struct cgroup cg;
		pid_t pids[4096];
		int n = cg_open_at(&cg, st.cgroup) ? cg_list_pids(&cg, pids, 4096) : -1;

		for (int k = 0; k < n; k++)
			kill(pids[k], sig);
	}
	if (kill(st.pid, sig) == -1 && errno != ESRCH)
		die_errno(NULL, "kill(%d, %d)", st.pid, sig);
	trace("kill(%d, %s)", st.pid, sigabbrev_np(sig));
	return 0;
}

/* SIGKILL PID 1 and wait until the kernel has ended it (2 s at most). */
static void kill_and_wait(const struct oci_state *st, const char *dir)
{
	kill(st->pid, SIGKILL);
	for (int tries = 0; tries < 200 && oci_status_of(dir, st) != OCI_STOPPED; tries++)
		usleep(10000);
}

static int delete(int argc, char **argv)
{
	bool force = false;
	int i;
	const char *id;
	char dir[PATH_MAX], *state;
	struct oci_state st;
	struct oci_spec *spec = calloc(1, sizeof(*spec));
	struct cgroup cg;
	struct error err;
	enum oci_status status;

	if (spec == NULL)
		die_errno(NULL, "calloc()");
	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (flag(argv, i, "--force") || flag(argv, i, "-f"))
			force = true;
		else
			unknown_option("delete", argv[i]);
	id = the_id("delete", argc, argv, i, 0);
	if (load(id, dir, sizeof(dir), &st, &err) == -1) {
		/* --force on what is gone: done (the shim calls it twice). A
		 * directory without a state is a create that died: remove it. */
		oci_state_dir(state_root, id, dir, sizeof(dir));
		if (access(dir, F_OK) == 0 && force) {
			rundir_remove_tree(dir, NULL);
			return 0;
		}
		if (force)
			return 0;
		error_die(&err);
	}
	status = oci_status_of(dir, &st);
	if (status == OCI_CREATING && !force)
		die("container %s is being created (or its create was killed): delete --force "
		    "removes it", id);
	if (status == OCI_RUNNING || status == OCI_PAUSED) {
		if (!force)
			die("cannot delete container %s that is not stopped: %s (try: delete --force)",
			    id, oci_status_name(status));
		if (status == OCI_PAUSED && cg_open_at(&cg, st.cgroup))
			cg_freeze(&cg, false, &err);
	}
	if (status != OCI_STOPPED && st.pid > 0)   /* creating: no PID 1 yet (never kill(0)) */
		kill_and_wait(&st, dir);

	/* What is left: every process of the group, the group, the state. */
	if (cg_open_at(&cg, st.cgroup)) {
		cg.remove_parent = strncmp(st.cgroup, DEFAULT_CGROUP_PARENT "/", 17) == 0;
		if (cg_destroy(&cg) == -1)
			warn("container %s: its cgroup %s stays", id, st.cgroup);
	}
	if (oci_spec_read(dir, spec, &err) == 0) {
		state = state_json(dir, &st, OCI_STOPPED);
		if (oci_run_hooks(spec, HOOK_POSTSTOP, state, &err) == -1)
			error_print(&err);
		free(state);
		oci_spec_free(spec);
	}
	free(spec);
	if (rundir_remove_tree(dir, NULL) == -1)
		warn_errno("remove %s", dir);
	return 0;
}

/* ---- exec: one more process in a running container --------------------------------- */

static int exec_command(int argc, char **argv)
{
	const char *process_file = NULL, *pid_file = NULL, *console = NULL, *value, *id;
	const struct json_value *process_doc = NULL;
	struct oci_spec *spec = calloc(1, sizeof(*spec));
	struct oci_process *process;
	bool detach = false;
	int i, preserve_fds = 0, sock = -1, report[2], status;
	char dir[PATH_MAX], byte;
	struct oci_state st;
	struct pid_file pf = { .dir = -1 };
	struct cgroup cg;
	struct error err;
	pid_t pid;

	if (spec == NULL)
		die_errno(NULL, "calloc()");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (option(argc, argv, &i, "--process", &process_file) ||
		    option(argc, argv, &i, "-p", &process_file) ||
		    option(argc, argv, &i, "--pid-file", &pid_file) ||
		    option(argc, argv, &i, "--console-socket", &console))
			continue;
		if (option(argc, argv, &i, "--preserve-fds", &value))
			preserve_fds = preserve_fds_value(value);
		else if (flag(argv, i, "--detach") || flag(argv, i, "-d"))
			detach = true;
		else if (!flag(argv, i, "--tty") && !flag(argv, i, "-t"))
			unknown_option("exec", argv[i]);
	}
	if (i >= argc)
		die("exec: the container id is missing — usage: %s exec --process FILE ID",
		    log_progname());
	id = argv[i];
	if (oci_check_id(id, &err) == -1 || load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	/* As runc: into a running container, or a created one (its PID 1 waits). */
	if (oci_status_of(dir, &st) != OCI_RUNNING && oci_status_of(dir, &st) != OCI_CREATED)
		die("cannot exec in a container that is %s", oci_status_name(oci_status_of(dir, &st)));
	if (oci_spec_read(dir, spec, &err) == -1)
		error_die(&err);
	process = &spec->process;
	if (process_file) {
		if (argc > i + 1)
			die("exec: give the command in --process %s or after the id, not both",
			    quote(process_file));
		if (oci_process_read(process_file, process, &process_doc, &err) == -1)
			error_die(&err);
	} else {
		if (argc <= i + 1)
			die("exec: no command — give --process FILE, or the command after the id");
		for (int k = i + 1, n = 0; k < argc && n < OCI_MAX_LIST; k++, n++) {
			process->args[n] = argv[k];
			process->args[n + 1] = NULL;
		}
		process->terminal = false;
	}
	if (process->terminal != (console != NULL))
		die(process->terminal ? "process.terminal is true: exec needs --console-socket"
				      : "--console-socket was given, but process.terminal is false");
	if (console)
		sock = connect_console(console);
	if (pid_file)
		open_pid_file(pid_file, &pf);

	/* Join PID 1: its cgroup, then its namespaces, the user one first. */
	if (cg_open_at(&cg, st.cgroup))
		for (int k = 0; k < cg.npaths; k++)
			if (cg_join(cg.paths[k]) == -1)
				die_errno(NULL, "join the cgroup %s", cg.paths[k]);
	proc_join_namespaces(st.pid);
	if (pipe2(report, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");
	pid = fork();   /* into the PID namespace we joined */
	if (pid == -1)
		die_errno(NULL, "fork()");
	if (pid == 0) {
		close(report[0]);
		proc_new_session();
		if (sock != -1)
			open_console(sock);
		oci_process_exec(process, spec->seccomp, preserve_fds, report[1]);
	}
	close(report[1]);
	if (sock != -1)
		close(sock);
	/* execve() closes the report pipe (O_CLOEXEC): EOF means it ran. */
	if (read(report[0], &byte, 1) == 1) {
		waitpid(pid, NULL, 0);
		return byte;
	}
	close(report[0]);
	if (pid_file)
		write_pid_file(&pf, pid);
	json_free(process_doc);
	if (detach)
		return 0;
	if (waitpid(pid, &status, 0) == -1)
		die_errno(NULL, "waitpid(%d)", pid);
	return proc_exit_status(status);
}

/* ---- ps, pause, resume, features ---------------------------------------------------- */

static int ps(int argc, char **argv)
{
	const char *format = "table", *id;
	char dir[PATH_MAX];
	struct oci_state st;
	struct cgroup cg;
	struct error err;
	pid_t pids[4096];
	int i, n;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!option(argc, argv, &i, "--format", &format) &&
		    !option(argc, argv, &i, "-f", &format))
			unknown_option("ps", argv[i]);
	id = the_id("ps", argc, argv, i, 0);
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		die("ps: --format %s: json or table", quote(format));
	if (load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	n = cg_open_at(&cg, st.cgroup) ? cg_list_pids(&cg, pids, 4096) : 0;
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (int k = 0; k < n; k++)
			printf("%s%d", k ? "," : "", pids[k]);
		printf("]\n");
		return 0;
	}
	printf("PID\n");
	for (int k = 0; k < n; k++)
		printf("%d\n", pids[k]);
	return 0;
}

static int freeze(int argc, char **argv, bool frozen)
{
	const char *command = frozen ? "pause" : "resume";
	const char *id = the_id(command, argc, argv, 1, 0);
	char dir[PATH_MAX];
	struct oci_state st;
	struct cgroup cg;
	struct error err;
	enum oci_status status;

	if (load(id, dir, sizeof(dir), &st, &err) == -1)
		error_die(&err);
	status = oci_status_of(dir, &st);
	if (status != (frozen ? OCI_RUNNING : OCI_PAUSED))
		die("cannot %s a container that is %s", command, oci_status_name(status));
	if (!cg_open_at(&cg, st.cgroup) || cg_freeze(&cg, frozen, &err) == -1)
		error_die(&err);
	return 0;
}

static int pause_command(int argc, char **argv)
{
	return freeze(argc, argv, true);
}

static int resume(int argc, char **argv)
{
	return freeze(argc, argv, false);
}

static int features(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		die("features takes no arguments");
	fputs(oci_features(), stdout);
	return 0;
}

/* spec: a config.json to start from (runc spec's defaults, lib/runtime/oci-spec). */
static int spec_command(int argc, char **argv)
{
	const char *bundle = ".";
	char path[PATH_MAX + 16];
	int i, fd;

	for (i = 1; i < argc; i++)
		if (!option(argc, argv, &i, "--bundle", &bundle) &&
		    !option(argc, argv, &i, "-b", &bundle))
			unknown_option("spec", argv[i]);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1)
		die_errno(errno == EEXIST ? "remove it first" : NULL, "create %s", path);
	if (write(fd, oci_spec_default(), strlen(oci_spec_default())) !=
	    (ssize_t)strlen(oci_spec_default()) || close(fd) == -1)
		die_errno(NULL, "write %s", path);
	return 0;
}

/* ---- the command line ------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
		"An OCI runtime (runc's command line): docker, podman and containerd can run\n"
		"their containers with it.\n\n"
		"  create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N]\n"
		"         [--no-pivot] [--no-new-keyring] ID\n"
		"  run [--detach] [create's options] ID   create, start, wait, delete (runc run)\n"
		"  start ID                   state ID\n"
		"  kill [--all] ID [SIGNAL]   delete [--force] ID\n"
		"  exec [--process F | ID CMD...] [--pid-file F] [--detach] [--console-socket S]\n"
		"       [--preserve-fds N] ID\n"
		"  ps [--format json|table] ID    pause ID    resume ID    features\n"
		"  spec [--bundle DIR]        write a config.json to start from (rootfs: DIR/rootfs)\n\n"
		"Global options: --root DIR (the state; default %s)\n"
		"  --log FILE  --log-format text|json  --debug  --trace  --version\n",
		log_progname(), state_root);
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*run)(int, char **); } commands[] = {
		{ "create", create }, { "start", start },     { "state", state },
		{ "kill", kill_command }, { "delete", delete }, { "exec", exec_command },
		{ "ps", ps },         { "pause", pause_command }, { "resume", resume },
		{ "features", features }, { "spec", spec_command }, { "run", run_command },
	};
	static char default_root[PATH_MAX];
	const char *log_path = NULL, *log_format = "text";
	int i;

	log_init(argv[0]);
	proc_ignore_sigpipe();
	/* The same rule every time: root's state in /run, a user's in theirs. */
	if (geteuid() == 0 || getenv("XDG_RUNTIME_DIR") == NULL)
		snprintf(default_root, sizeof(default_root), "/run/stepbox/runtime");
	else
		snprintf(default_root, sizeof(default_root), "%s/stepbox/runtime",
			 getenv("XDG_RUNTIME_DIR"));
	state_root = default_root;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (option(argc, argv, &i, "--root", &state_root) ||
		    option(argc, argv, &i, "--log", &log_path) ||
		    option(argc, argv, &i, "--log-format", &log_format))
			continue;
		if (flag(argv, i, "--debug") || flag(argv, i, "--trace")) {
			trace_enable();
		} else if (flag(argv, i, "--systemd-cgroup")) {
			die("--systemd-cgroup: stepbox manages cgroupfs paths only — configure the "
			    "caller's cgroup driver as cgroupfs");
		} else if (flag(argv, i, "--version") || flag(argv, i, "-v")) {
			printf("%s\nspec: 1.2.0\n", VERSION);
			return 0;
		} else if (flag(argv, i, "--help") || flag(argv, i, "-h")) {
			usage(stdout);
			return 0;
		} else {
			die("unknown global option %s — see: %s --help", quote(argv[i]), log_progname());
		}
	}
	if (strcmp(log_format, "text") != 0 && strcmp(log_format, "json") != 0)
		die("--log-format %s: text or json", quote(log_format));
	if (log_path) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd == -1)
			die_errno(NULL, "open --log %s", log_path);
		log_to_file(fd, strcmp(log_format, "json") == 0);
	}
	if (state_root[0] != '/')
		die("--root %s: an absolute path, please", quote(state_root));
	if (i >= argc) {
		usage(stderr);
		return EXIT_RUNTIME_ERROR;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].run(argc - i, argv + i);
	die("unknown command %s — see: %s --help", quote(argv[i]), log_progname());
}
