#define _GNU_SOURCE
#include "proc.h"
#include "log.h"
#include "userns.h"

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
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_STACK_SIZE (1024 * 1024)

/* The sync pipe: the child reads, the parent writes one byte to release it. */
static int sync_pipe[2] = { -1, -1 };

struct child_start {
	int (*fn)(void *);
	void *arg;
};

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
		if (flags & names[i].flag)
			len += snprintf(out + len, size - len, "%s%s", len ? "|" : "",
					names[i].name);
	if (len == 0)
		snprintf(out, size, "0");
}

static void forward_signals_to(pid_t pid);

/* What the clone()d child runs first, before the step's own function. */
static int child_trampoline(void *arg)
{
	struct child_start *start = arg;

	close(sync_pipe[1]);
	/*
	 * If the runtime dies (even by SIGKILL), the container must not live
	 * on as an orphan holding mounts and namespaces: ask the kernel to
	 * SIGKILL us when our parent exits.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		die_errno(NULL, "prctl(PR_SET_PDEATHSIG)");
	return start->fn(start->arg);
}

void proc_die_with_parent(void)
{
	struct pollfd pfd = { .fd = sync_pipe[0], .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		die_errno(NULL, "prctl(PR_SET_PDEATHSIG)");
	trace("prctl(PR_SET_PDEATHSIG, SIGKILL)");
	/* Did the parent die before the request took effect? Its pipe says so. */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
		_exit(EXIT_RUNTIME_ERROR);
}

pid_t proc_clone(int ns_flags, int (*fn)(void *), void *arg)
{
	struct child_start start = { fn, arg };
	char names[160];
	char *stack;
	pid_t pid;

	if (pipe2(sync_pipe, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");

	/* clone() wants the child's stack; it grows down, so pass its top. */
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die_errno(NULL, "mmap(child stack)");

	flag_names(ns_flags, names, sizeof(names));
	pid = clone(child_trampoline, stack + CHILD_STACK_SIZE, ns_flags | SIGCHLD, &start);
	if (pid == -1)
		die_errno(errno == EPERM && (ns_flags & CLONE_NEWUSER) ? userns_refusal_hint()
			  : errno == EPERM ? "creating namespaces needs root (or see step 06)"
			  : errno == ENOSPC ? "too many namespaces: see /proc/sys/user/max_*_namespaces"
			  : NULL, "clone(%s)", names);
	trace("clone(%s) = %d (host pid)", names, pid);

	/* The child has its own copy of the stack (no CLONE_VM): ours can go. */
	munmap(stack, CHILD_STACK_SIZE);
	close(sync_pipe[0]);
	forward_signals_to(pid);
	return pid;
}

void proc_release_child(void)
{
	/*
	 * The write end stays open until the runtime exits: the child uses the
	 * hang-up of this pipe to notice that we died before its PDEATHSIG was set.
	 */
	if (write(sync_pipe[1], "g", 1) != 1)
		die_errno(NULL, "write(sync pipe)");
}

void proc_wait_for_parent(void)
{
	struct pollfd pfd = { .fd = sync_pipe[0], .events = POLLIN };
	char go;
	ssize_t n;

	do
		n = read(sync_pipe[0], &go, 1);
	while (n == -1 && errno == EINTR);
	/*
	 * End of file: the runtime died before releasing us (it has said why).
	 * Leave quietly, without running the exit handlers we inherited.
	 */
	if (n != 1)
		_exit(EXIT_RUNTIME_ERROR);

	/* Did the parent die before our PR_SET_PDEATHSIG took effect? */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
		_exit(EXIT_RUNTIME_ERROR);
	/* The read end stays open (until execve: O_CLOEXEC) for proc_die_with_parent(). */
}

/* ---- waiting, and passing signals on ---------------------------------- */

static volatile sig_atomic_t container_pid;
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t killed_after_grace;

static void forward_signal(int sig)
{
	kill(container_pid, sig);
	/*
	 * A PID 1 ignores every signal it has no handler for (the kernel
	 * protects init). A shell or `sleep` as PID 1 would ignore our SIGTERM
	 * forever; give it STOP_GRACE_SECONDS, then SIGKILL, which PID 1 cannot
	 * ignore when it comes from outside its namespace.
	 */
	if ((sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) &&
	    !stop_requested) {
		stop_requested = 1;
		alarm(STOP_GRACE_SECONDS);
	}
}

static void kill_after_grace(int sig)
{
	(void)sig;
	killed_after_grace = 1;
	kill(container_pid, SIGKILL);
}

/*
 * The shell's rule, which docker follows: a process killed by signal N
 * reports 128+N (SIGKILL: 137, SIGTERM: 143).
 */
static int exit_status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_RUNTIME_ERROR;
}

/*
 * From the moment the child exists, a signal to the runtime is meant for the
 * container: pass it on (also while the parent is still setting things up).
 */
static void forward_signals_to(pid_t pid)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };

	container_pid = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (sigaction(forwarded[i], &sa, NULL) == -1)
			die_errno(NULL, "sigaction(%s)", strsignal(forwarded[i]));
	sa.sa_handler = kill_after_grace;
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		die_errno(NULL, "sigaction(SIGALRM)");
}

int proc_wait(pid_t pid)
{
	int wstatus;

	while (waitpid(pid, &wstatus, 0) == -1)
		if (errno != EINTR)
			die_errno(NULL, "waitpid(%d)", pid);
	alarm(0);

	if (killed_after_grace)
		warn("the container ignored the stop signal for %d s, so it was killed "
		     "(a PID 1 ignores signals it has no handler for)", STOP_GRACE_SECONDS);
	trace("waitpid(%d) = exit status %d", pid, exit_status_of(wstatus));
	return exit_status_of(wstatus);
}

/* ---- becoming the container's command --------------------------------- */

void proc_exec_command(char **argv)
{
	const char *term = getenv("TERM");
	char term_copy[64] = "";

	/* The host's environment is not the container's business: start clean. */
	if (term)
		snprintf(term_copy, sizeof(term_copy), "%s", term);
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	if (term_copy[0])
		setenv("TERM", term_copy, 1);

	trace("execve(\"%s\")", argv[0]);
	execvp(argv[0], argv);

	/* Still here: the command is missing (127) or not executable (126). */
	if (errno == ENOENT || errno == ENOTDIR) {
		fprintf(stderr, "%s: execve(\"%s\"): %s — is it in the image?\n",
			log_progname(), argv[0], strerror(errno));
		exit(EXIT_NOT_FOUND);
	}
	fprintf(stderr, "%s: execve(\"%s\"): %s\n", log_progname(), argv[0], strerror(errno));
	exit(EXIT_CANNOT_EXEC);
}
