/*
 * run — docker's `run` flags and a foreground run's attachment (lib/frontend).
 */
#ifndef STEPBOX_RUN_H
#define STEPBOX_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "runtime/container.h"
#include "runtime/shim.h"

/* `run --help`. */
void run_usage(FILE *out);

/*
 * docker's flags into c->config: the image's layers and defaults (Cmd, Env,
 * WorkingDir), then -e, -w, COMMAND over them; -d into *detach. Dies (125)
 * on any bad flag or value, before anything exists.
 */
void run_parse(struct container *c, int argc, char **argv, bool *detach);

/* -p: bind each host port now, so a taken one fails the run before anything
 * exists (the shim relays them later). Dies (125) with docker's words. */
void run_bind_ports(struct container *c);

/*
 * Foreground: pass the user's signals on to PID 1 (SIGWINCH to the shim),
 * the user's terminal raw with -t, and wait for the shim's word: the
 * container's exit status, or 125 if the shim died first.
 */
int run_attach(struct container *c, struct shim_link *link);

#endif
