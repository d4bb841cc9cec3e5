/*
 * state — what step 08 keeps about each container, in files. There is no
 * daemon (like podman, unlike docker): the state lives on disk, and every
 * command reads it. One directory per container:
 *
 *   <root>/containers/<id>/
 *       record   who owns it now (lib/runtime/container): its shim's PID and start time
 *       config   what the user asked for: name, image, command, env, limits
 *       state    what happened: created, running (PID 1), exited (code), dead
 *       log      what it wrote (lib/runtime/logs)
 *       upper/ work/ merged/   its writable layer (lib/kernel/rundir)
 *
 * config and state are "key value" lines (values with \n and \\ escaped),
 * each file written whole — a temporary file, then rename() — so a reader
 * sees the old one or the new one, never half. Errors are values here: -1
 * and a struct error (lib/base/error.h) that names the file; nothing exits.
 */
#ifndef STEPBOX_STATE_H
#define STEPBOX_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/fs.h"
#include "runtime/ports.h"
#include "kernel/userns.h"
#include "runtime/volume.h"

#define STATE_MAX_ARGS 64
#define STATE_MAX_ENV  64
#define STATE_ARG_LEN  1024
#define STATE_NAME_LEN 128

/* --net: docker's three modes. */
enum container_network { NETWORK_BRIDGE, NETWORK_NONE, NETWORK_HOST };

/*
 * What `run` was asked for. The strings that can be long (the image, the
 * layers' paths, the command, the environment, the working directory, the
 * volumes' paths) are on the heap, each as long as it is: the record is
 * sized by what it holds, not by PATH_MAX. Start from a zeroed struct;
 * config_free() gives them back (state_read_config() does it first, so one
 * struct can be read again and again).
 */
struct container_config {
	char name[STATE_NAME_LEN];
	char *image;                         /* as the user named it */
	char *layers[MAX_LAYERS + 1];        /* lowest (the image's base) first */
	int nlayers;
	char *args[STATE_MAX_ARGS + 1];      /* the command; NULL after the last */
	int nargs;
	char *env[STATE_MAX_ENV + 1];        /* K=V; NULL after the last */
	int nenv;
	char *workdir;
	char *user;                          /* uid[:gid] or names; NULL: root */
	char *expose[STATE_MAX_ARGS + 1];    /* the image's ExposedPorts: "80/tcp" */
	int nexpose;
	char hostname[65];
	struct cg_limits limits;
	enum container_network network;      /* bridge: a port of stepbox0 (lib/runtime/bridge) */
	struct port_mapping ports[PORTS_MAX]; /* -p, in order */
	int nports;
	bool tty, interactive, autoremove, init;
	bool userns;         /* a user namespace: rootless, or --userns-remap */
	struct id_range uids, gids;
	/* The hardening (lib/runtime/security, fs_mask_paths): root inside keeps
	 * Docker's capabilities minus cap_drop plus cap_add, under a seccomp
	 * filter, with no_new_privs and masked paths; --privileged: none of it. */
	capset_t cap_add, cap_drop;
	bool seccomp, privileged;
	/* --security-opt seccomp=FILE: the profile's text, read once by run (as
	 * docker keeps it), so that a later edit of FILE changes no exec; NULL:
	 * Docker's default profile. */
	char *seccomp_profile;
	struct volume volumes[VOLUME_MAX];   /* -v and --tmpfs, in order */
	int nvolumes;
	long long created;   /* ns since the epoch */
};

/* *field = a copy of `value` (the old one freed): 0, or -1 and ENOMEM. */
int config_set(char **field, const char *value);

/* Append to args or env (NULL-terminated lists of at most max): 0, or -1 (full: E2BIG). */
int config_append(char **list, int *count, int max, const char *value);

/* Give back every string of `config`, and zero it. */
void config_free(struct container_config *config);

enum container_status { STATUS_CREATED, STATUS_RUNNING, STATUS_EXITED, STATUS_DEAD };

struct container_state {
	enum container_status status;
	pid_t pid;                        /* PID 1, as the host numbers it */
	unsigned long long pid_start;     /* its start time: a recycled PID is not it */
	int exit_code;
	bool oom_killed;
	long long started, finished;      /* ns since the epoch, 0: not yet */
	char cgroups[CG_MAX_HIERARCHIES][PATH_MAX];
	int ncgroups;
	char error[256];                  /* why it is dead, or did not start */
	char ip[16], gateway[16];         /* its eth0 and the bridge, with --net bridge */
};

/* "bridge", "none", "host"; and back: -1 for another word. */
const char *state_network_name(enum container_network network);
int state_network_of(const char *name);

/* "created", "running", "exited", "dead". */
const char *state_status_name(enum container_status status);

/* <root>/containers, where every container of step 08 lives. */
const char *state_root(void);

/* Write or read <dir>/config and <dir>/state: 0, or -1 and `err` naming
 * the file (and "damaged" when its text is not what we write). */
int state_write_config(const char *dir, const struct container_config *config, struct error *err);
int state_read_config(const char *dir, struct container_config *config, struct error *err);
/* Only the container's name, from <dir>/config: what a search by name needs. */
int state_read_name(const char *dir, char *name, size_t size, struct error *err);
int state_write(const char *dir, const struct container_state *state, struct error *err);
int state_read(const char *dir, struct container_state *state, struct error *err);
/* Only its status, without the rest (a state is ~33 kB, most of it room
 * for cgroup paths: every page of it touched is a fault). */
int state_read_status(const char *dir, enum container_status *status, struct error *err);

/* Nanoseconds since the epoch, now. */
long long state_now(void);

/* "2026-11-26T01:02:03.123456789Z" for `ns` since the epoch. */
void state_format_time(long long ns, char *out, size_t size);

/* Names docker accepts: [a-zA-Z0-9][a-zA-Z0-9_.-]*, up to 127 bytes. */
bool state_valid_name(const char *name);

#endif
