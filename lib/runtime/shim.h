/*
 * shim — the process that stays with a container (step 08).
 *
 * In docker's chain, `docker run` asks containerd, which starts a
 * containerd-shim per container, which runs runc, which starts the
 * container's PID 1 and exits. The shim stays: it is PID 1's parent, holds
 * its stdio, keeps the log, waits for it and keeps its exit status, so
 * neither docker nor containerd has to stay. stepbox has no daemon, so the
 * chain is shorter: `run` (the CLI) forks a shim, the shim starts the
 * container with lib/'s steps 02-07 and stays with it.
 *
 *   run ──fork──> shim (setsid, subreaper) ──clone──> PID 1 of the container
 *    │              │ pipes (or a pty) + log
 *    └ ready pipe <─┤ "ok PID" once the container runs
 *    └ done pipe  <─┘ its exit status, once it ended (foreground run)
 *
 * `run -d` returns as soon as the shim says "ok"; a foreground `run`
 * relays what the shim relays and waits for the exit status. If the CLI is
 * killed, the shim does not notice: the container runs on. If the shim is
 * killed, PID 1 gets its parent-death signal and dies too, and the next
 * command that looks finds a state "running" whose owner is gone: it
 * reports the container dead (lib/runtime/container), and rm cleans up.
 */
#ifndef STEPBOX_SHIM_H
#define STEPBOX_SHIM_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"

struct shim_link {
	pid_t shim;
	bool attached;        /* foreground: the shim relays to the CLI's fds 0-2 */
	int ready[2];         /* shim -> CLI: "ok PID\n" once the container runs */
	int done[2];          /* shim -> CLI: the exit status, once it ended */
	/* The shim's ends of the container's stdio. */
	int in_w, out_r, err_r;   /* pipes (no -t); -1 when not used */
	int console_r;            /* -t: where the child's pty master arrives */
	int master;               /* -t: that master, once it arrived (else -1) */
	int exec_r;               /* EOF when the child's execve() closed the other end */
	double cloned_at;         /* CLOCK_MONOTONIC seconds, for "container up in N ms" */
};

/*
 * CLI: fork the shim for container `c` (its directory exists). Returns 0 in
 * the shim — a session of its own, a subreaper, holding no fd of the CLI's
 * but 0-2 — and the shim's PID in the CLI. The record names the CLI until
 * shim_report_started() makes it name the shim. Dies (exit 125) on failure.
 */
pid_t shim_spawn(struct container *c, struct shim_link *link);

/* Shim, before clone(): the container's stdio, pipes or a console socket (-t). */
void shim_prepare_stdio(struct container *c, struct shim_link *link);

/*
 * Child, first thing: if it exits before its execve() — a die() in the
 * setup — it writes 125 to the exec pipe, so the shim (and `run -d`) learn
 * that the container never started, rather than take the pipe's end for
 * a successful execve().
 */
void shim_child_reports_setup_failure(int exec_w);

/*
 * Child, just before exec: its stdio from the shim. With -t it opens a
 * terminal in its own /dev/pts, makes it its controlling terminal, sends
 * the master end to the shim, and waits until the shim has set it up (the
 * window size). Dies on failure.
 */
void shim_connect_child_stdio(struct container *c);

/*
 * Shim, once PID 1 was released: make the record name the shim (while PID 1
 * sets up), wait until its command runs (execve), write the state "running",
 * tell the CLI, and — detached — let go of the CLI's terminal and pipes.
 */
void shim_report_started(struct container *c, struct shim_link *link);

/*
 * Shim: relay and log the container's output, pass the user's input on
 * (-i), wait for PID 1; then record how it ended (exit code, OOM kill,
 * finish time), tear down its cgroup and veth, and tell the CLI. With --rm
 * the container is taken out of sight first (container_retire()), the CLI
 * told, and then torn down and removed. Returns the container's exit
 * status. Never dies: whatever fails is warned about, and the rest goes on.
 */
int shim_serve(struct container *c, struct shim_link *link);

/*
 * CLI: wait for the shim's word: 0 once the command runs (PID 1 in
 * c->state.pid); 126 or 127 when it could not be executed (the error was
 * on our stderr); -1 when the shim died (it said why).
 */
int shim_wait_started(struct container *c, struct shim_link *link);

/*
 * exec without -t: the command's stdio are pipes, never the caller's
 * terminal (root inside could TIOCSTI into it). Relay our stdin to `in_w`
 * (-1: none) and `out_r`, `err_r` to our stdout and stderr, until both end.
 */
void shim_relay_exec(int in_w, int out_r, int err_r);

/* CLI, foreground: wait for the exit status; -1 if the shim died before it could say. */
int shim_wait_exited(struct shim_link *link);

#endif
