#define _GNU_SOURCE
#include "runtime/exec.h"
#include "base/log.h"
#include "kernel/cgroup.h"
#include "kernel/fs.h"
#include "kernel/proc.h"
#include "kernel/pty.h"
#include "kernel/userns.h"
#include "runtime/security.h"
#include "runtime/shim.h"
#include "runtime/user.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Join PID 1's cgroup, then its namespaces (lib/kernel/proc: the user one first). */
static void join_container(const struct container_state *state)
{
	for (int i = 0; i < state->ncgroups; i++)
		if (cg_join(state->cgroups[i]) == -1)
			die_errno(NULL, "join the cgroup %s", state->cgroups[i]);
	proc_join_namespaces(state->pid);
}

/* The child, in the container's namespaces: its stdio, its directory, its privileges. */
static void exec_child(const struct container_config *config, const struct exec_request *req,
		       const char *slave_path, int in[2], int out[2], int err[2])
{
	if (config->userns) {
		userns_become_root();
		userns_drop_groups();
	}
	/* A session of its own: the caller's terminal is never the container's. */
	proc_new_session();
	if (req->tty) {
		int slave = open(slave_path, O_RDWR | O_CLOEXEC);

		if (slave == -1 || pty_become_controlling(slave) == -1)
			die_errno(NULL, "make %s the controlling terminal", slave_path);
	} else {
		/* No -i: no stdin, as with docker exec. */
		int null = req->interactive ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null == -1 || dup2(null, STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1 || dup2(err[1], STDERR_FILENO) == -1)
			die_errno(NULL, "exec's stdio");
	}
	if (chdir(req->workdir) == -1)
		die_errno(NULL, "chdir(%s)", quote(req->workdir));
	fs_check_cwd_inside(req->workdir);
	security_drop_privileges(config, -1);
	/* The same user as PID 1 (docker exec's rule), or -u: names from the image. */
	user_switch(req->user);
	proc_exec_with_env(req->args, req->env, -1);
}

/* SIGWINCH only interrupts the relay's poll(), which then copies the new size. */
static void interrupt_only(int sig)
{
	(void)sig;
}

int exec_in_container(const struct container_config *config,
		      const struct container_state *state, const struct exec_request *req)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int master = -1, wstatus;
	char slave_path[64];
	pid_t child;

	join_container(state);
	/* -t: a terminal from the container's own devpts (our root is its root now);
	 * else pipes: the caller's terminal never reaches inside. */
	if (req->tty && pty_open(&master, slave_path, sizeof(slave_path)) == -1)
		die_errno(NULL, "open a terminal in the container");
	if (!req->tty &&
	    ((req->interactive && pipe2(in, O_CLOEXEC) == -1) || pipe2(out, O_CLOEXEC) == -1 ||
	     pipe2(err, O_CLOEXEC) == -1))
		die_errno(NULL, "pipe2() for exec's stdio");
	/* setns(CLONE_NEWPID) places our children, not us: fork into it — a child
	 * that is the runtime's binary until its execve(), so not dumpable. */
	proc_set_dumpable(false);
	child = fork();
	if (child == -1)
		die_errno(NULL, "fork() into the container");
	if (child == 0)
		exec_child(config, req, slave_path, in, out, err);
	trace("fork() = %d: the command, in the container's namespaces", child);

	if (req->tty) {
		struct sigaction sa = { .sa_handler = interrupt_only };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, NULL);
		pty_make_raw_until_exit(STDIN_FILENO);
		pty_relay(master, STDIN_FILENO, STDOUT_FILENO);
	} else {
		close(out[1]);
		close(err[1]);
		if (req->interactive)
			close(in[0]);
		shim_relay_exec(req->interactive ? in[1] : -1, out[0], err[0]);
	}
	while (waitpid(child, &wstatus, 0) == -1)
		if (errno != EINTR)
			die_errno(NULL, "waitpid(%d)", child);
	return proc_exit_status(wstatus);
}
