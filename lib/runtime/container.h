/*
 * container — one container, one id, one record.
 *
 * A container is not the runtime that starts it. It has an id of its own,
 * 64 random hex digits (the first 12 are its short name, as in docker), and
 * everything it owns on the host is named after that id: its run directory
 * <root>/<id>, its control group .../stepbox/<id>, the host end of its veth
 * sb-<first 12>. One struct holds all of it, and it reaches the container's
 * first process as the argument of clone(): the child reads what the parent
 * prepared from this struct, and from nowhere else.
 *
 * The record, <root>/<id>/record, says who owns the container: the PID of
 * the runtime (step 08: of its shim) and that process's start time, so a
 * PID the kernel has handed to someone else is never mistaken for it. It is
 * written whole or not at all (a temporary file, then rename()).
 *
 * The sweep reads the records: a container whose owner is gone was left by
 * a run that was killed, and what it owned is removed. Nothing without a
 * record is ever touched.
 */
#ifndef STEPBOX_CONTAINER_H
#define STEPBOX_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "base/error.h"
#include "kernel/cgroup.h"
#include "kernel/idmap.h"
#include "kernel/net.h"
#include "kernel/opts.h"
#include "kernel/proc.h"
#include "kernel/rundir.h"
#include "runtime/state.h"

#define CONTAINER_ID_LEN    64
#define CONTAINER_SHORT_LEN 12

struct container {
	char id[CONTAINER_ID_LEN + 1];   /* 64 hex digits, "" before container_create() */
	struct options opts;             /* what the user asked for */
	struct proc_child init;          /* its first process: PID 1 inside */
	struct rundir run;               /* 04+: the writable layer and the record */
	struct shifted_layers lower;     /* 06+: the image's layers, owners shifted */
	struct cgroup cg;                /* 07+: its control group */
	struct net_link link;            /* 05+: the veth to the host (08: to stepbox0) */

	/* Step 08: a container that outlives the command that started it. */
	struct container_config config;  /* what `run` was asked for (lib/runtime/state) */
	struct container_state state;    /* what has happened to it */
	int stdio[3];                    /* the child's stdin, stdout, stderr (no -t) */
	int console[2];                  /* -t: the child sends its pty's master on [1] */
	int exec_w;                      /* closed by the child's execve (O_CLOEXEC) */
	int seccomp_pipe[2];             /* the shim's compiled filter, to PID 1 (-1: none) */
	int port_fds[PORTS_MAX];         /* -p: the host ports, bound by run (lib/runtime/ports) */
	pid_t proxy;                     /* the shim's child that relays them */
};

/* What a record holds. */
struct container_record {
	char id[CONTAINER_ID_LEN + 1];
	pid_t owner;                     /* the runtime (08: the shim) */
	unsigned long long owner_start;  /* its start time, /proc/PID/stat field 22 */
	time_t created;
};

/*
 * Give the container its id, sweep what killed runs left, and make its run
 * directory with a record that names this process as its owner — all under
 * the host lock, so no sweep ever sees a directory without its record.
 * Dies (exit 125) on failure; at exit the directory is removed.
 */
void container_create(struct container *c);

/* Remove the run directory (and its root, if it was the last one). Safe twice. */
void container_remove(struct container *c);

/*
 * Remove what the dead owners of records under `root` left: their cgroup,
 * veth and run directory. The caller holds the host lock. Warns and goes on.
 */
void container_sweep(const char *root);

/* Read the record in run directory `dir`: 0, or -1 and errno (EINVAL: damaged). */
int container_read_record(const char *dir, struct container_record *rec);

/* Is the process that `rec` names as owner still the one that wrote it? */
bool container_owner_alive(const struct container_record *rec);

/* ---- step 08: containers that outlive their `run` ---------------------- */

/*
 * Like container_create(), under <root>/containers (lib/runtime/state), with the
 * config written beside the record and the state "created". The name in
 * c->config must be free (or empty: then a readable one is made up; an
 * empty hostname becomes the short id). c->state must be all zero, as in a
 * fresh static struct container. Dies with docker's words when the name is
 * taken.
 */
void container_create_managed(struct container *c);

/* The calling process (the shim) owns the container now: rewrite the record. */
int container_claim(const char *dir);

/*
 * Find a container by name, or by a unique prefix of its id, and put its
 * directory in `dir`. -1 with docker's words in `err`.
 */
int container_find(const char *query, char *dir, size_t size, struct error *err);

/* ---- one lifecycle --------------------------------------------------------
 *
 *      create          start           PID 1 exits
 *   ──────────> created ─────> running ───────────> exited ──rm──> (gone)
 *                  │              │
 *                  └──────────────┴── the shim died ──> dead ──rm──> (gone)
 *
 * Only two writers move a container along: the shim (created, running,
 * exited) and rm (dead, then gone). Reading never changes anything: a
 * container whose shim is gone is *reported* dead by container_load(), and
 * what it left stays until rm -f (or the sweep) calls the one teardown.
 */

/* created or running: a shim is (or should be) looking after it. */
bool container_is_active(const struct container_state *state);

/*
 * Read a container's config and state, and what the kernel says of its
 * shim: an active state whose shim is gone is reported dead (in `state`
 * only: nothing is written). -1 and `err` if a file cannot be read.
 */
int container_load(const char *dir, struct container_config *config,
		   struct container_state *state, struct error *err);

/* Move the container in `dir` to `to`, with the rest of `state`, if the
 * state machine allows it from what the file says now; -1 and `err` if not. */
int container_set_status(const char *dir, struct container_state *state,
			 enum container_status to, struct error *err);

/* Is PID 1 still the process the state names (its PID and start time)? */
bool container_pid1_alive(const struct container_state *state);

/*
 * The one teardown: what a container holds on the host besides its
 * directory — its cgroup (and any process left in it), the host end of its
 * veth, the bridge if it was the last port. By id, so the shim at exit, rm,
 * and the sweep of a dead owner's leftovers (steps 04-08) all call the same.
 * Warns and goes on.
 */
enum teardown_by {
	TEARDOWN_BY_SHIM,    /* the shim, as its PID 1 has exited */
	TEARDOWN_BY_OTHER,   /* rm, or the sweep: the owner is gone */
};
void container_teardown(const char *id, enum teardown_by by);

/*
 * Remove a stopped (or dead) container: the teardown, and its directory —
 * once its owner (the shim, finishing its teardown) is gone; -1 and `err`
 * if the owner is still there after a few seconds.
 */
int container_delete(const char *dir, struct error *err);

/*
 * docker's --rm, once PID 1 has exited: take the container out of sight
 * first — out of ps, its name free for the next run — by renaming <dir> to
 * <dir>.removing under the host lock (`dir` is updated), so that `run` can
 * return before the rest is removed. A shim killed before it removed the
 * rest leaves it to the next run's sweep (container_create_managed()).
 */
int container_retire(char *dir, size_t size, struct error *err);

/* rm -f of a container whose state is damaged: SIGKILL its owner, if alive. */
void container_kill_owner(const char *dir);

/* Call each(dir, arg) for every container under <root>/containers. */
int container_each(void (*each)(const char *dir, void *arg), void *arg);

#endif
