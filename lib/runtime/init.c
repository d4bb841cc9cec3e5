#define _GNU_SOURCE
#include "runtime/init.h"
#include "base/log.h"
#include "kernel/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void init_run(char **argv, char **env)
{
	sigset_t all, old;
	pid_t command;
	int status = 0;

	/* We hold no fd of the runtime's (the exec notice among them: init is up),
	 * but --trace's own two (close-on-exec: the command never has them). */
	int keep[2];

	trace_keep_fds(keep);
	proc_close_fds_except(keep, 2);
	/* Every signal waits for us in a queue, from before the fork on. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	command = fork();
	if (command == -1)
		die_errno(NULL, "fork() in init");
	if (command == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		proc_exec_with_env(argv, env, -1);
	}
	trace("init: the command is pid %d; reaping and forwarding", command);
	for (;;) {
		siginfo_t info;
		pid_t pid;
		int wstatus;
		int sig = sigwaitinfo(&all, &info);

		if (sig == -1)
			continue;
		if (sig != SIGCHLD) {
			kill(command, sig);
			continue;
		}
		/* Reap everything that died: the command, and any orphan. */
		while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
			if (pid == command) {
				status = proc_exit_status(wstatus);
				command = 0;
			}
		if (command == 0)
			_exit(status);
	}
}
