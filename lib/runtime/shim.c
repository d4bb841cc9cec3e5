#define _GNU_SOURCE
#include "runtime/shim.h"
#include "runtime/bridge.h"
#include "base/cleanup.h"
#include "base/fault.h"
#include "base/log.h"
#include "runtime/logs.h"
#include "kernel/pty.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the CLI forks the shim ---------------------------------------------- */

pid_t shim_spawn(struct container *c, struct shim_link *link)
{
	pid_t pid;

	if (pipe2(link->ready, O_CLOEXEC) == -1 || pipe2(link->done, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");
	fflush(NULL);
	pid = fork();
	if (pid == -1)
		die_errno(NULL, "fork() the shim");
	if (pid > 0) {
		/* The CLI: from now on the shim owns the container. */
		close(link->ready[1]);
		close(link->done[1]);
		for (int i = 0; i < c->config.nports; i++)
			close(c->port_fds[i]);
		link->shim = pid;
		cleanup_forget();
		trace("fork() = %d: the shim of container %.12s", pid, c->id);
		return pid;
	}

	/* The shim: it keeps the pipes to the CLI, the published ports, and
	 * --trace's order (lib/base/log). */
	int keep[4 + PORTS_MAX] = { link->ready[1], link->done[1] };

	trace_keep_fds(&keep[2]);
	for (int i = 0; i < c->config.nports; i++)
		keep[4 + i] = c->port_fds[i];
	close(link->ready[0]);
	close(link->done[0]);
	proc_close_fds_except(keep, 4 + c->config.nports);
	cleanup_take_over();
	/* Its own session: no terminal's hang-up or Ctrl-C reaches it. */
	if (setsid() == -1)
		die_errno(NULL, "setsid() in the shim");
	/*
	 * A subreaper: whatever dies between us and PID 1 leaves its children
	 * to us, not to the host's init. (Orphans inside the container go to
	 * PID 1, which must reap them itself: see --init.)
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		die_errno(NULL, "prctl(PR_SET_CHILD_SUBREAPER)");
	trace("shim %d: setsid(), PR_SET_CHILD_SUBREAPER", getpid());
	return 0;
}

/* ---- the container's stdio ------------------------------------------------- */

void shim_prepare_stdio(struct container *c, struct shim_link *link)
{
	int in[2] = { -1, -1 }, out[2], err[2];

	int exec_pipe[2];
	struct timespec now;

	link->in_w = link->out_r = link->err_r = link->console_r = -1;
	c->stdio[0] = c->stdio[1] = c->stdio[2] = -1;
	c->console[0] = c->console[1] = -1;
	/*
	 * runc's trick to know when the container's command runs: the child
	 * holds the write end of a pipe, close-on-exec. Its execve() closes it,
	 * and the shim reads end-of-file.
	 */
	if (pipe2(exec_pipe, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2() for the exec notice");
	link->exec_r = exec_pipe[0];
	c->exec_w = exec_pipe[1];
	clock_gettime(CLOCK_MONOTONIC, &now);
	link->cloned_at = now.tv_sec + now.tv_nsec / 1e9;
	if (c->config.tty) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->console) == -1)
			die_errno(NULL, "socketpair() for the console");
		link->console_r = c->console[0];
		return;
	}
	if ((c->config.interactive && pipe2(in, O_CLOEXEC) == -1) || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2() for the container's stdio");
	c->stdio[0] = in[0];
	c->stdio[1] = out[1];
	c->stdio[2] = err[1];
	link->in_w = in[1];
	link->out_r = out[0];
	link->err_r = err[0];
}

void shim_connect_child_stdio(struct container *c)
{
	char slave_path[64], ready;
	int master, slave, null;

	if (c->config.tty) {
		/* After /dev/pts is mounted: the terminal is the container's own. */
		if (pty_open(&master, slave_path, sizeof(slave_path)) == -1)
			die_errno(NULL, "open a terminal in the container (/dev/ptmx)");
		slave = open(slave_path, O_RDWR | O_CLOEXEC);
		if (slave == -1 || pty_become_controlling(slave) == -1)
			die_errno(NULL, "make %s the controlling terminal", slave_path);
		if (pty_send_fd(c->console[1], master) == -1)
			die_errno(NULL, "send the terminal to the shim");
		close(master);
		/*
		 * The command must not start before its terminal is ready: the
		 * shim gives it the user's window size, then says so with one
		 * byte. (Without the wait, `stty size` as the command saw 0 rows
		 * now and then.)
		 */
		if (read(c->console[1], &ready, 1) != 1)
			die("the shim went away before the terminal was ready");
		return;
	}
	if (c->stdio[0] == -1) {
		/* No -i: stdin is empty, as with docker run without -i. */
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null == -1)
			die_errno(NULL, "open(\"/dev/null\")");
		c->stdio[0] = null;
	}
	for (int fd = 0; fd < 3; fd++)
		if (dup2(c->stdio[fd], fd) == -1)
			die_errno(NULL, "dup2(%d, %d)", c->stdio[fd], fd);
}

/* ---- running ---------------------------------------------------------------- */

/*
 * Wait until the container's command runs: end-of-file on the exec pipe
 * (execve() closed it), or one byte, the status of a command that could not
 * be executed (126, 127). Returns 0 or that status.
 */
static int wait_for_exec(struct shim_link *link)
{
	unsigned char failed;
	struct timespec now;
	ssize_t n;

	do
		n = read(link->exec_r, &failed, 1);
	while (n == -1 && errno == EINTR);
	close(link->exec_r);
	link->exec_r = -1;
	if (n == 1)
		return failed;
	clock_gettime(CLOCK_MONOTONIC, &now);
	trace("container up in %.3f ms (clone → execve of its command)",
	      (now.tv_sec + now.tv_nsec / 1e9 - link->cloned_at) * 1e3);
	return 0;
}

static int setup_report_fd = -1;
static ino_t setup_report_pipe;

static void report_setup_failure(void)
{
	unsigned char status = 125;
	struct stat st;

	/* Only into that pipe: init closes it, and the number may name another file by then. */
	if (setup_report_fd == -1 || fstat(setup_report_fd, &st) == -1 ||
	    st.st_ino != setup_report_pipe)
		return;
	if (write(setup_report_fd, &status, 1) != 1) {
		/* the shim is gone: nobody to tell */
	}
}

void shim_child_reports_setup_failure(int exec_w)
{
	struct stat st;

	if (fstat(exec_w, &st) == -1)
		return;
	setup_report_fd = exec_w;
	setup_report_pipe = st.st_ino;
	atexit(report_setup_failure);
}

/* The command never ran: what it said about it goes to the CLI's stderr and the log. */
static void pass_on_exec_error(struct container *c, struct shim_link *link)
{
	char buffer[4096], path[PATH_MAX + 16];
	ssize_t n;
	int log;

	if (link->err_r == -1)
		return;
	snprintf(path, sizeof(path), "%s/log", c->run.path);
	log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	fcntl(link->err_r, F_SETFL, O_NONBLOCK);
	while ((n = read(link->err_r, buffer, sizeof(buffer))) > 0) {
		if (log != -1)
			logs_append(log, "stderr", buffer, n);
		if (write(STDERR_FILENO, buffer, n) != n)
			break;
	}
	fcntl(link->err_r, F_SETFL, 0);
	if (log != -1)
		close(log);
}

/*
 * -t: the child sends its pty's master, then waits. Give the terminal the
 * user's window size (a foreground run in a terminal), then let the child
 * go on to its command. EOF instead of a master: the child died first, and
 * wait_for_exec() learns why.
 */
static void receive_terminal(struct shim_link *link)
{
	int user = isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO;

	link->master = -1;
	if (link->console_r == -1)
		return;
	link->master = pty_receive_fd(link->console_r);
	if (link->master != -1) {
		if (link->attached && isatty(user))
			pty_copy_size(user, link->master);
		if (write(link->console_r, "", 1) != 1)
			warn_errno("tell the container its terminal is ready");
	}
	close(link->console_r);
	link->console_r = -1;
}

void shim_report_started(struct container *c, struct shim_link *link)
{
	struct error err;
	char ok[32];
	int null, failed;

	/* The child's ends are the child's: with ours closed, EOF means it is done. */
	for (int fd = 0; fd < 3; fd++)
		if (c->stdio[fd] != -1)
			close(c->stdio[fd]);
	if (c->console[1] != -1)
		close(c->console[1]);
	close(c->exec_w);
	/* The record names the CLI, which waits for us: now that PID 1 sets up
	 * on its own, it names the shim, the container's owner from here on. */
	if (container_claim(c->run.path) == -1)
		die_errno(NULL, "record the shim as the owner of %s", c->run.path);
	receive_terminal(link);
	failed = wait_for_exec(link);

	/* A command that never ran leaves the container "created", as docker's does. */
	c->state.pid = c->init.pid;
	c->state.pid_start = proc_start_time(c->init.pid);
	c->state.started = state_now();
	if (c->link.connected) {
		inet_ntop(AF_INET, &c->link.lease.container, c->state.ip, sizeof(c->state.ip));
		inet_ntop(AF_INET, &c->link.lease.gateway, c->state.gateway,
			  sizeof(c->state.gateway));
	}
	c->state.ncgroups = c->cg.npaths;
	for (int i = 0; i < c->cg.npaths; i++)
		snprintf(c->state.cgroups[i], PATH_MAX, "%s", c->cg.paths[i]);
	if (container_set_status(c->run.path, &c->state, failed ? STATUS_CREATED : STATUS_RUNNING,
				 &err) == -1)
		error_die(&err);

	/* Up: from here on the shim tears down itself, and keeps the directory. */
	cleanup_forget();
	if (failed) {
		pass_on_exec_error(c, link);
		snprintf(ok, sizeof(ok), "exit %d\n", failed);
	} else {
		snprintf(ok, sizeof(ok), "ok %d\n", c->init.pid);
	}
	if (write(link->ready[1], ok, strlen(ok)) < 0)
		trace("the CLI is gone before the container started");
	close(link->ready[1]);
	trace("container %.12s is up: PID 1 is %d on the host", c->id, c->init.pid);

	if (!link->attached) {
		/* Detached: nothing of the CLI's terminal or pipes stays with us
		 * (--trace's copy of its stderr neither). */
		trace_stop();
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3 && null != -1; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
		close(link->done[1]);
		link->done[1] = -1;
	}
}

/* Write it all to `fd`, or give up on that fd (-1). */
static void relay(int *fd, const char *data, size_t len)
{
	while (*fd != -1 && len > 0) {
		ssize_t n = write(*fd, data, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*fd = -1; /* the reader went away: the log still has it all */
			return;
		}
		data += n;
		len -= n;
	}
}

struct shim_loop {
	int log;
	int signals;
	int master;        /* -t: the pty's master, once it arrived */
	int client_in, client_out, client_err;   /* attached: the CLI's 0, 1, 2 */
	bool exited;
	int wstatus;
};

/* Read what is there on `*fd`; log it, relay it; close it at its end. */
static void pump_output(int *fd, const char *stream, int *client, struct shim_loop *loop)
{
	char buffer[65536];
	ssize_t n = read(*fd, buffer, sizeof(buffer));

	if (n == -1 && errno == EINTR)
		return;
	if (n <= 0) { /* EOF, or EIO once a pty's last user closed it */
		close(*fd);
		*fd = -1;
		return;
	}
	if (logs_append(loop->log, stream, buffer, n) == -1)
		warn_errno("append to the log");
	relay(client, buffer, n);
}

/* The user typed: pass it on to the container's stdin (or terminal). */
static void pump_input(int *from, int *to)
{
	char buffer[4096];
	ssize_t n = read(*from, buffer, sizeof(buffer));

	if (n == -1 && errno == EINTR)
		return;
	if (n <= 0) {
		/* End of input: the container's stdin ends too (not its terminal). */
		*from = -1;
		return;
	}
	relay(to, buffer, n);
}

static void handle_signal(struct container *c, struct shim_loop *loop)
{
	struct signalfd_siginfo info;
	pid_t pid;
	int wstatus;

	if (read(loop->signals, &info, sizeof(info)) != sizeof(info))
		return;
	if (info.ssi_signo == SIGWINCH && loop->master != -1 && loop->client_in != -1) {
		pty_copy_size(loop->client_in, loop->master);
		return;
	}
	/* SIGCHLD: PID 1, or any other child that was handed to us (subreaper). */
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if (pid == c->init.pid) {
			loop->exited = true;
			loop->wstatus = wstatus;
		}
}

/* A foreground `run` waits for this: the exit status, on the done pipe. */
static void tell_cli(struct shim_link *link, int status)
{
	if (link->done[1] == -1)
		return;
	if (write(link->done[1], &status, sizeof(status)) < 0) {
		/* the CLI is gone: nobody to tell */
	}
	close(link->done[1]);
	link->done[1] = -1;
}

int shim_serve(struct container *c, struct shim_link *link)
{
	struct shim_loop loop = { .master = link->master, .client_in = -1, .client_out = -1,
				  .client_err = -1 };
	char path[PATH_MAX + 16];
	sigset_t mask;
	int drain_ms = -1, status;
	struct cg_usage usage;
	struct error err;

	/* The setup is over: give its freed heap back to the kernel. An idle
	 * shim is what a host keeps hundreds of, so its size is the cost. */
	malloc_trim(0);

	snprintf(path, sizeof(path), "%s/log", c->run.path);
	loop.log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (loop.log == -1)
		warn_errno("open(%s)", quote(path));
	if (link->attached) {
		loop.client_in = c->config.interactive ? 0 : -1;
		loop.client_out = 1;
		loop.client_err = 2;
	}
	/* proc_clone() holds SIGCHLD (and the stop signals) for us: read them here. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	loop.signals = signalfd(-1, &mask, SFD_CLOEXEC);
	/* PID 1 may be gone already: look once before waiting for a signal. */
	{
		int wstatus;

		if (waitpid(c->init.pid, &wstatus, WNOHANG) == c->init.pid) {
			loop.exited = true;
			loop.wstatus = wstatus;
		}
	}

	for (;;) {
		struct pollfd fds[5];
		int n = 0, in_to;

		if (loop.exited && link->out_r == -1 && link->err_r == -1 && loop.master == -1)
			break;
		fds[n++] = (struct pollfd){ .fd = loop.signals, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = link->out_r, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = link->err_r, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = loop.master, .events = POLLIN };
		in_to = loop.master != -1 ? loop.master : link->in_w;
		fds[n++] = (struct pollfd){ .fd = in_to != -1 ? loop.client_in : -1,
					    .events = POLLIN };
		if (loop.exited && drain_ms == -1)
			drain_ms = 2000; /* what is still in the pipes: a bounded last read */
		n = poll(fds, 5, drain_ms);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			warn_errno("poll() in the shim");
			break;
		}
		if (fds[0].revents)
			handle_signal(c, &loop);
		if (fds[1].revents)
			pump_output(&link->out_r, "stdout", &loop.client_out, &loop);
		if (fds[2].revents)
			pump_output(&link->err_r, "stderr", &loop.client_err, &loop);
		if (fds[3].revents)
			pump_output(&loop.master, "stdout", &loop.client_out, &loop);
		if (fds[4].revents) {
			pump_input(&loop.client_in, loop.master != -1 ? &loop.master : &link->in_w);
			if (loop.client_in == -1 && link->in_w != -1) {
				close(link->in_w);
				link->in_w = -1;
			}
		}
	}

	fault_point("teardown");

	/* How it ended, what it used, and whether the OOM killer ended it. */
	status = loop.exited ? proc_exit_status(loop.wstatus) : 128 + SIGKILL;
	c->state.exit_code = status;
	c->state.finished = state_now();
	/* Only a SIGKILL can be the OOM killer's: the group is read only then. */
	if (status == 128 + SIGKILL && cg_read_usage(&c->cg, &usage) == 0)
		c->state.oom_killed = usage.oom_killed;
	/* (--rm: no "exited" to write, the directory goes out of sight below.) */
	if (!c->config.autoremove &&
	    container_set_status(c->run.path, &c->state, STATUS_EXITED, &err) == -1)
		error_print(&err);
	trace("container %.12s exited with status %d", c->id, status);

	/* What it had on the host: first its published ports (our child), so
	 * that the next run may bind them as soon as this one returns. */
	ports_stop_proxy(c->proxy);
	if (c->config.autoremove &&
	    container_retire(c->run.path, sizeof(c->run.path), &err) == 0) {
		/* --rm: out of ps and its name free, so `run` returns now; the
		 * teardown and the directory follow while nobody waits (~2 ms). */
		tell_cli(link, status);
		fault_point("retired");
		container_teardown(c->id, TEARDOWN_BY_SHIM);
		if (container_delete(c->run.path, &err) == -1)
			error_print(&err);
	} else {
		/* The one teardown (cgroup, bridge port) before `run` returns, so
		 * that an `rm` right after finds the shim gone. The writable layer
		 * stays for `logs` and `rm`. */
		if (c->config.autoremove)
			error_print(&err);
		container_teardown(c->id, TEARDOWN_BY_SHIM);
		if (c->config.autoremove && container_delete(c->run.path, &err) == -1)
			error_print(&err);
		tell_cli(link, status);
	}
	/* Nor need anyone wait for the last container's bridge to go: that takes
	 * the kernel tens of milliseconds. */
	if (c->config.network == NETWORK_BRIDGE)
		bridge_remove_if_unused();
	return status;
}

/* ---- exec's relay ----------------------------------------------------------- */

static void relay_once(int *from, int *to)
{
	char buffer[65536];
	ssize_t n = read(*from, buffer, sizeof(buffer));

	if (n == -1 && errno == EINTR)
		return;
	if (n <= 0) {
		close(*from);
		*from = -1;
		return;
	}
	relay(to, buffer, n);
}

void shim_relay_exec(int in_w, int out_r, int err_r)
{
	int in = in_w == -1 ? -1 : STDIN_FILENO, out = STDOUT_FILENO, err = STDERR_FILENO;

	while (out_r != -1 || err_r != -1) {
		struct pollfd fds[3] = { { .fd = out_r, .events = POLLIN },
					 { .fd = err_r, .events = POLLIN },
					 { .fd = in, .events = POLLIN } };

		if (poll(fds, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			relay_once(&out_r, &out);
		if (fds[1].revents)
			relay_once(&err_r, &err);
		if (fds[2].revents) {
			int to = in_w;

			relay_once(&in, &to);
			if (in == -1 || to == -1) {
				/* End of our input: the command's stdin ends too. */
				close(in_w);
				in = in_w = -1;
			}
		}
	}
	if (in_w != -1)
		close(in_w);
}

/* ---- the CLI waits -------------------------------------------------------- */

int shim_wait_started(struct container *c, struct shim_link *link)
{
	char answer[32] = "";
	int failed;
	ssize_t n;

	do
		n = read(link->ready[0], answer, sizeof(answer) - 1);
	while (n == -1 && errno == EINTR);
	close(link->ready[0]);
	if (n > 0 && sscanf(answer, "ok %d", &c->state.pid) == 1)
		return 0;
	if (n > 0 && sscanf(answer, "exit %d", &failed) == 1)
		return failed;
	return -1; /* the shim died, after saying why on our stderr */
}

int shim_wait_exited(struct shim_link *link)
{
	int status;
	ssize_t n;

	do
		n = read(link->done[0], &status, sizeof(status));
	while (n == -1 && errno == EINTR);
	close(link->done[0]);
	return n == sizeof(status) ? status : -1;
}
