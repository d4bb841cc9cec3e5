/*
 * exec — a new process in a running container (`exec`, runc exec's part).
 *
 * A container is a set of namespaces and a cgroup held by its PID 1: any
 * process can join them. exec opens the files in /proc/PID/ns of PID 1, enters
 * its cgroup, setns() into each namespace (the user namespace first: it
 * owns the others), then forks — setns(CLONE_NEWPID) places the children,
 * not the caller — and the child gives up what PID 1 gave up
 * (lib/runtime/security) before its execve().
 *
 * Its stdio are pipes that this process relays, or with a terminal (-t) a
 * pty from the container's own devpts: the caller's terminal never reaches
 * inside, where root could type into it (TIOCSTI).
 */
#ifndef STEPBOX_EXEC_H
#define STEPBOX_EXEC_H

#include <stdbool.h>

#include "runtime/state.h"

struct exec_request {
	char **args;             /* the command, NULL-terminated */
	char **env;              /* its environment, NULL-terminated */
	const char *workdir;     /* absolute, inside the container */
	const char *user;        /* -u, else the container's (the image's User or run -u); NULL: root */
	bool interactive, tty;   /* -i: stdin is passed on; -t: a terminal */
};

/* Run the command in the container; returns its exit status (docker's
 * rules: 128+N for signal N, 126/127 when it cannot be executed). Dies
 * (125) when the container cannot be joined. */
int exec_in_container(const struct container_config *config,
		      const struct container_state *state, const struct exec_request *req);

#endif
