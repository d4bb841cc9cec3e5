#define _GNU_SOURCE
#include "kernel/proc.h"
#include "base/fault.h"
#include "base/log.h"
#include "kernel/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <linux/sched.h>   /* struct clone_args, CLONE_INTO_CGROUP (Linux >= 5.7) */
#include <sys/syscall.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (1024 * 1024)

struct child_start {
	int (*fn)(void *);
	void *arg;
	struct proc_child *child;
};

/* The signals a runtime passes on to its container. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static void flag_names(int flags, char *out, size_t size)
{
	static const struct { int flag; const char *name; } names[] = {
		{ CLONE_NEWUSER, "CLONE_NEWUSER" }, { CLONE_NEWPID, "CLONE_NEWPID" },
		{ CLONE_NEWUTS, "CLONE_NEWUTS" },   { CLONE_NEWIPC, "CLONE_NEWIPC" },
		{ CLONE_NEWNS, "CLONE_NEWNS" },     { CLONE_NEWNET, "CLONE_NEWNET" },
		{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((flags & names[i].flag) && len < size)
			len += snprintf(out + len, size - len, "%s%s", len ? "|" : "",
					names[i].name);
	if (len == 0)
		snprintf(out, size, "0");
}

/*
 * A child that fails before its parent released it waits for the release
 * before it exits: the parent, still at work on it (08: the cgroup move,
 * the veth, beside the child's mounts), must find it alive, and learn of
 * the failure from the child's own message, not from its calls failing on
 * a dead process. (End of file: the parent is gone; nothing to wait for.)
 */
static struct proc_child *unreleased;

static void wait_for_release(void)
{
	char go;

	if (unreleased != NULL)
		while (read(unreleased->sync[0], &go, 1) == -1 && errno == EINTR)
			continue;
}

/* What the clone()d child runs first, before the step's own function. */
static int child_trampoline(void *arg)
{
	struct child_start *start = arg;

	close(start->child->sync[1]);
	unreleased = start->child;
	atexit(wait_for_release);
	/* The parent holds signals for us; the container's command must not. */
	if (sigprocmask(SIG_SETMASK, &start->child->saved_mask, NULL) == -1)
		die_errno(NULL, "sigprocmask(SIG_SETMASK)");
	/*
	 * If the runtime dies (even by SIGKILL), the container must not live
	 * on as an orphan holding mounts and namespaces: ask the kernel to
	 * SIGKILL us when our parent exits.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		die_errno(NULL, "prctl(PR_SET_PDEATHSIG)");
	return start->fn(start->arg);
}

/* Did the parent die before our PR_SET_PDEATHSIG took effect? Its pipe says so. */
static void exit_if_parent_died(struct proc_child *child)
{
	struct pollfd pfd = { .fd = child->sync[0], .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
		_exit(EXIT_RUNTIME_ERROR);
}

void proc_die_with_parent(struct proc_child *child)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		die_errno(NULL, "prctl(PR_SET_PDEATHSIG)");
	trace("prctl(PR_SET_PDEATHSIG, SIGKILL)");
	exit_if_parent_died(child);
}

void proc_new_session(void)
{
	if (setsid() == -1)
		die_errno(NULL, "setsid()");
	trace("setsid(): a new session, no controlling terminal");
}

/* Before either clone: the sync pipe, and the signals held for the child. */
static void prepare_clone(struct proc_child *child)
{
	sigset_t held;

	if (pipe2(child->sync, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");

	/*
	 * From the clone on, a signal to the runtime is meant for the
	 * container. Hold them (and SIGCHLD) now; proc_wait() takes them one
	 * by one and passes them on, so none is lost during the set-up.
	 */
	sigemptyset(&held);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&held, forwarded[i]);
	sigaddset(&held, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &held, &child->saved_mask) == -1)
		die_errno(NULL, "sigprocmask(SIG_BLOCK)");
}

static void clone_failed(int ns_flags, const char *names)
{
	die_errno(errno == EPERM && (ns_flags & CLONE_NEWUSER) ? userns_refusal_hint()
		  : errno == EPERM ? "creating namespaces needs root (or see step 06)"
		  : errno == ENOSPC ? "too many namespaces: see /proc/sys/user/max_*_namespaces"
		  : NULL, "clone(%s)", names);
}

/* After either clone: the child holds the read end, we keep the write end. */
static pid_t cloned(struct proc_child *child)
{
	close(child->sync[0]);
	child->sync[0] = -1;
	return child->pid;
}

pid_t proc_clone(struct proc_child *child, int ns_flags, int (*fn)(void *), void *arg)
{
	struct child_start start = { fn, arg, child };
	char names[160];
	char *stack;

	prepare_clone(child);
	/* clone() wants the child's stack; it grows down, so pass its top. */
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die_errno(NULL, "mmap(child stack)");

	flag_names(ns_flags, names, sizeof(names));
	fault_point("clone");
	child->pid = clone(child_trampoline, stack + CHILD_STACK_SIZE, ns_flags | SIGCHLD, &start);
	if (child->pid == -1)
		clone_failed(ns_flags, names);
	trace("clone(%s) = %d (host pid)", names, child->pid);

	/* The child has its own copy of the stack (no CLONE_VM): ours can go. */
	munmap(stack, CHILD_STACK_SIZE);
	return cloned(child);
}

bool proc_clone_into_cgroup(struct proc_child *child, int ns_flags, int cgroup_fd,
			    int (*fn)(void *), void *arg)
{
	/* clone3() as fork() does it: no new stack, the child goes on from
	 * here in its own copy of our memory. */
	struct clone_args args = { .flags = (unsigned)ns_flags | CLONE_INTO_CGROUP,
				   .exit_signal = SIGCHLD, .cgroup = (unsigned)cgroup_fd };
	struct child_start start = { fn, arg, child };
	char names[160];

	if (cgroup_fd < 0) {
		proc_clone(child, ns_flags, fn, arg);
		return false;
	}
	prepare_clone(child);
	flag_names(ns_flags, names, sizeof(names));
	fault_point("clone");
	child->pid = syscall(SYS_clone3, &args, sizeof(args));
	if (child->pid == 0)
		_exit(child_trampoline(&start));
	if (child->pid == -1 && (errno == ENOSYS || errno == E2BIG)) {
		/* Linux < 5.7: no CLONE_INTO_CGROUP. The caller moves the child. */
		trace("clone3(CLONE_INTO_CGROUP): %s, so clone() and a move", strerror(errno));
		sigprocmask(SIG_SETMASK, &child->saved_mask, NULL);
		close(child->sync[0]);
		close(child->sync[1]);
		proc_clone(child, ns_flags, fn, arg);
		return false;
	}
	if (child->pid == -1)
		clone_failed(ns_flags, names);
	trace("clone3(%s|CLONE_INTO_CGROUP) = %d (host pid), born in its cgroup", names, child->pid);
	cloned(child);
	fault_point("cgroup");   /* where cg_attach() has its own */
	return true;
}

void proc_release_child(struct proc_child *child)
{
	/*
	 * The write end stays open until the runtime exits: the child uses the
	 * hang-up of this pipe to notice that we died before its PDEATHSIG was set.
	 */
	if (write(child->sync[1], "g", 1) != 1)
		die_errno(NULL, "write(sync pipe)");
}

void proc_wait_for_parent(struct proc_child *child)
{
	char go;
	ssize_t n;

	do
		n = read(child->sync[0], &go, 1);
	while (n == -1 && errno == EINTR);
	/*
	 * End of file: the runtime died before releasing us (it has said why).
	 * Leave quietly, without running the exit handlers we inherited.
	 */
	if (n != 1)
		_exit(EXIT_RUNTIME_ERROR);
	unreleased = NULL;
	exit_if_parent_died(child);
	/* The read end stays open (until execve: O_CLOEXEC) for proc_die_with_parent(). */
}

/*
 * Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with
 * the PID, it names one process for as long as the machine is up. 0 if the
 * process is gone or a zombie (it has exited: only its reaping is left).
 */
unsigned long long proc_start_time(pid_t pid)
{
	char path[64], line[1024], *after_comm;
	unsigned long long start = 0;
	char state;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) && (after_comm = strrchr(line, ')')) &&
	    sscanf(after_comm + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				   "%*d %*d %*d %*d %llu", &state, &start) == 2 && state == 'Z')
		start = 0;
	fclose(f);
	return start;
}

/* ---- waiting, and passing signals on ---------------------------------- */

/*
 * The shell's rule, which docker follows: a process killed by signal N
 * reports 128+N (SIGKILL: 137, SIGTERM: 143).
 */
int proc_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_RUNTIME_ERROR;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

int proc_wait(struct proc_child *child)
{
	double kill_at = 0;   /* 0: no stop asked for yet */
	bool killed_after_grace = false;
	sigset_t waiting_for;
	int wstatus;

	sigemptyset(&waiting_for);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&waiting_for, forwarded[i]);
	sigaddset(&waiting_for, SIGCHLD);

	for (;;) {
		struct timespec left, *timeout = NULL;
		pid_t done = waitpid(child->pid, &wstatus, WNOHANG);
		int sig;

		if (done == child->pid)
			break;
		if (done == -1 && errno != EINTR)
			die_errno(NULL, "waitpid(%d)", child->pid);
		if (kill_at > 0) {
			double rest = kill_at - now_seconds();

			if (rest < 0)
				rest = 0;
			left.tv_sec = (time_t)rest;
			left.tv_nsec = (long)((rest - left.tv_sec) * 1e9);
			timeout = &left;
		}
		sig = sigtimedwait(&waiting_for, NULL, timeout);
		if (sig == -1 && errno == EAGAIN) {
			/*
			 * A PID 1 ignores every signal it has no handler for (the
			 * kernel protects init): a shell or `sleep` as PID 1 ignores
			 * our SIGTERM forever. After the grace period, SIGKILL, which
			 * PID 1 cannot ignore when it comes from outside its namespace.
			 */
			kill(child->pid, SIGKILL);
			killed_after_grace = true;
			kill_at = 0;
			continue;
		}
		if (sig == -1 || sig == SIGCHLD)
			continue;
		kill(child->pid, sig);
		trace("kill(%d, %s): passed on to the container", child->pid, strsignal(sig));
		if (is_stop_signal(sig) && kill_at == 0 && !killed_after_grace)
			kill_at = now_seconds() + STOP_GRACE_SECONDS;
	}
	sigprocmask(SIG_SETMASK, &child->saved_mask, NULL);
	fault_point("teardown");

	if (killed_after_grace)
		warn("the container ignored the stop signal for %d s, so it was killed "
		     "(a PID 1 ignores signals it has no handler for)", STOP_GRACE_SECONDS);
	trace("waitpid(%d) = exit status %d", child->pid, proc_exit_status(wstatus));
	return proc_exit_status(wstatus);
}

/*
 * Nothing the caller had open may reach the command: an fd on the host's
 * "/" (exec 9</ in the calling shell) lets it fchdir() out of any root, an
 * fd on /proc/self/ns/mnt lets it setns() back into the host's mounts — the
 * class of runc's CVE-2024-21626. Mark every fd above 2 close-on-exec.
 */
static void close_inherited_fds(void)
{
	long max;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
		trace("close_range(3, ~0, CLOSE_RANGE_CLOEXEC)");
		return;
	}
	/* Kernels before 5.11: one by one, up to the fd limit. */
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (int fd = 3; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	trace("fcntl(3..%ld, F_SETFD, FD_CLOEXEC)", max - 1);
}

/* ---- becoming the container's command --------------------------------- */

static void exec_now(char **argv, int report_fd) __attribute__((noreturn));

void proc_set_dumpable(bool dumpable)
{
	if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_DUMPABLE, %d)", dumpable);
	trace("prctl(PR_SET_DUMPABLE, %d)", dumpable);
}

static bool kept(int fd, const int *keep, int nkeep)
{
	for (int i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return fd <= 2;
}

static int by_value(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* close_range() (Linux 5.9) on each gap between the kept fds: no directory to read. */
static bool close_gaps(const int *keep, int nkeep)
{
	int sorted[64], low = 3;

	if (nkeep > (int)(sizeof(sorted) / sizeof(sorted[0])))
		return false;
	memcpy(sorted, keep, nkeep * sizeof(sorted[0]));
	qsort(sorted, nkeep, sizeof(sorted[0]), by_value);
	for (int i = 0; i < nkeep; i++) {
		if (sorted[i] < low)
			continue;   /* 0-2, -1, or twice in the list */
		if (sorted[i] > low && close_range(low, sorted[i] - 1, 0) == -1)
			return false;
		low = sorted[i] + 1;
	}
	return close_range(low, ~0U, 0) == 0;
}

void proc_close_fds_except(const int *keep, int nkeep)
{
	DIR *dir;
	struct dirent *entry;
	int fds[1024], n = 0;

	if (close_gaps(keep, nkeep))
		return;
	/* An older kernel: the fds /proc lists, one by one. */
	if ((dir = opendir("/proc/self/fd")) == NULL)
		return;
	/* First list them, then close: closing while reading the directory skips some. */
	while ((entry = readdir(dir)) != NULL && n < 1024) {
		int fd = atoi(entry->d_name);

		if (entry->d_name[0] != '.' && fd != dirfd(dir) && !kept(fd, keep, nkeep))
			fds[n++] = fd;
	}
	closedir(dir);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

void proc_exec_command(char **argv)
{
	const char *term = getenv("TERM");
	char term_copy[64] = "";

	/* The host's environment is not the container's business: start clean. */
	if (term)
		snprintf(term_copy, sizeof(term_copy), "%s", term);
	clearenv();
	setenv("PATH", PROC_DEFAULT_PATH, 1);
	setenv("HOME", "/root", 1);
	if (term_copy[0])
		setenv("TERM", term_copy, 1);
	exec_now(argv, -1);
}

void proc_exec_with_env(char **argv, char **env, int report_fd)
{
	/* Only what the image and -e say, and the usual defaults docker adds. */
	clearenv();
	for (int i = 0; env[i]; i++)
		if (putenv(env[i]) != 0)
			die_errno(NULL, "putenv(%s)", quote(env[i]));
	setenv("PATH", PROC_DEFAULT_PATH, 0);
	setenv("HOME", "/root", 0);
	exec_now(argv, report_fd);
}

static void exec_now(char **argv, int report_fd)
{
	close_inherited_fds();
	signal(SIGPIPE, SIG_DFL);   /* proc_ignore_sigpipe() was for the runtime only */
	trace("execve(\"%s\")", argv[0]);
	execvp(argv[0], argv);

	/* Still here: the command is missing (127) or not executable (126). */
	int err = errno;
	unsigned char status = err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;

	fprintf(stderr, "%s: execve(%s): %s%s\n", log_progname(), quote(argv[0]), strerror(err),
		status == EXIT_NOT_FOUND ? " — is it in the image?" : "");
	if (report_fd != -1 && write(report_fd, &status, 1) != 1) {
		/* the shim is gone: our exit status still says it */
	}
	exit(status);
}

void proc_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

void proc_join_namespaces(pid_t pid)
{
	static const struct { const char *name; int type; } order[] = {
		{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
		{ "mnt", CLONE_NEWNS },
	};
	const int n = sizeof(order) / sizeof(order[0]);
	bool shared[sizeof(order) / sizeof(order[0])];
	int fds[sizeof(order) / sizeof(order[0])];
	char path[64], mine[64], theirs[64];

	for (int i = 0; i < n; i++) {
		ssize_t a, b;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] == -1)
			die_errno(NULL, "open(\"%s\")", path);
		b = readlink(path, theirs, sizeof(theirs) - 1);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", order[i].name);
		a = readlink(path, mine, sizeof(mine) - 1);
		shared[i] = a > 0 && a == b && memcmp(mine, theirs, a) == 0;
	}
	for (int i = 0; i < n; i++) {
		if (!shared[i]) {
			if (setns(fds[i], order[i].type) == -1)
				die_errno(NULL, "setns(%s namespace of PID %d)", order[i].name, pid);
			trace("setns(/proc/%d/ns/%s)", pid, order[i].name);
		}
		close(fds[i]);
	}
}
