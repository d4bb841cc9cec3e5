/*
 * cgroup — how much a container may use: memory, CPU time, processes.
 *
 * Namespaces decide what a container sees; a control group decides what it
 * may use. The kernel offers two versions of the interface, and a host may
 * mix them, so the work is done by one of two small drivers, picked at run
 * time (the way crun's cgroup managers are a table of functions):
 *
 *  v2 (unified, cgroup-v2.c): one tree at /sys/fs/cgroup; the container's
 *     group is /sys/fs/cgroup/stepbox/<id>, with memory.max, cpu.max,
 *     pids.max. (Ubuntu 24.04, and every systemd distribution of recent years.)
 *  v1 (cgroup-v1.c; also "hybrid", v1 controllers beside an empty v2 tree):
 *     one tree per controller, /sys/fs/cgroup/{memory,cpu,cpuacct,pids}/
 *     stepbox/<id>, with memory.limit_in_bytes, cpu.cfs_quota_us, pids.max.
 *
 * The runtime creates the group and sets its limits (before clone() on v2,
 * where the child is born in it), moves the child in before releasing it (so
 * nothing runs unlimited, not even the first instruction of the command),
 * reads what it used at exit, kills whatever is left and removes the group.
 *
 * cg_create(), cg_attach() and cg_mount_readonly() die (exit 125) on
 * failure; the rest return -1 (or warn) and let the caller go on.
 */
#ifndef STEPBOX_CGROUP_H
#define STEPBOX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

/* An OCI device rule (linux.resources.devices): allow or deny access "rwm"
 * to devices of one type ('a' all, 'c', 'b') and number (-1: any). */
struct cg_device_rule {
	bool allow;
	char type;
	long long major, minor;
	char access[4];
};

struct cg_limits {
	long long memory;   /* bytes; 0: no limit */
	double cpus;        /* CPUs' worth of time per period; 0: no limit */
	long pids;          /* processes; 0: no limit */
	bool no_block_devices;  /* 08: no block device may be opened inside (docker's
				 * device rules): v1's devices controller, v2's BPF */
	/* The OCI runtime: these rules, in order, the last one that matches
	 * decides (v1: devices.allow/deny; v2: a BPF program made from them). */
	const struct cg_device_rule *devices;
	int ndevices;
	uint64_t cpu_shares;            /* OCI cpu.shares (v1's unit; v2: cpu.weight); 0: unset */
};

struct cg_usage {
	long long memory_peak;   /* bytes, -1 if the kernel does not say */
	double cpu_seconds;      /* user + system, -1 if unknown */
	long throttled;          /* periods in which the CPU quota ran out */
	long pids_refused;       /* forks refused at pids.max */
	bool oom_killed;         /* the OOM killer struck inside */
};

#define CG_MAX_HIERARCHIES 8

struct cg_driver;

struct cgroup {
	const struct cg_driver *driver;             /* NULL: no group was made */
	int npaths;
	char paths[CG_MAX_HIERARCHIES][PATH_MAX];   /* v2: one; v1: one per controller tree */
	char controllers[CG_MAX_HIERARCHIES][16];   /* v1: which tree each path is in */
	bool remove_parent;                         /* .../stepbox: ours to remove when empty */
};

/*
 * Make the group of container `id` (.../stepbox/<id>) with these limits.
 * Without root: in a cgroup v2 subtree delegated to us (stepbox-<id> beside
 * the runtime), else no group at all — and if limits were asked for, die.
 */
void cg_create(struct cgroup *cg, const char *id, const struct cg_limits *limits);

/*
 * Whether this host's children can be born in their group (clone3's
 * CLONE_INTO_CGROUP): on cgroup v2, where a process is in one group. Then the
 * group must exist before the clone; on v1 it may be made after, while the
 * child sets up, as long as the child is moved in before it runs its command.
 */
bool cg_children_born_in_group(void);

/* Move process `pid` into the group (every tree, on v1). */
void cg_attach(struct cgroup *cg, pid_t pid);

/*
 * The group's directory, for clone3(CLONE_INTO_CGROUP) (proc_clone_into_cgroup()):
 * on cgroup v2, where a process is in one group; -1 on v1 (one group per
 * tree: cg_attach() moves it into each), without a group, or on failure
 * (then cg_attach() says why). The caller closes it.
 */
int cg_open_for_clone(const struct cgroup *cg);

/* exec: move the calling process into the group at `path`. -1 and errno. */
int cg_join(const char *path);

/* Child, once attached: a cgroup namespace whose root is its own group. */
void cg_enter_namespace(void);

/*
 * Child: on v2, mount the cgroup filesystem read-only at target, so the
 * container can read its own limits (its cgroup namespace makes its group
 * the root of what it sees). On v1, or without a group (no root), there is
 * nothing to mount: say so in the trace.
 */
void cg_mount_readonly(const struct cgroup *cg, const char *target);

/* What the container used, read from the group's files: 0, or -1 without a group. */
int cg_read_usage(const struct cgroup *cg, struct cg_usage *usage);

/*
 * One line on stderr (and in the trace) with what the container used, and
 * why it died if the OOM killer ended it. `status` is its exit status.
 */
void cg_print_usage(const struct cg_usage *use, const struct cg_limits *limits, int status);

/* Kill what is left in the group, and remove it. Safe to call twice; -1 if it stays. */
int cg_destroy(struct cgroup *cg);

/* The sweep: kill and remove whatever group container `id` may have left. */
void cg_remove_leftovers(const char *id);

/* ---- the OCI runtime: a group where the caller says ------------------------
 *
 * docker, podman and containerd name the group in config.json's
 * cgroupsPath ("/docker/<id>", "/default/<id>"), relative to the root of
 * each tree, and the group outlives the `create` that made it: `delete`
 * removes it. So these take a path, and register no cleanup at exit.
 */

/* Make the group at PATH, its parents too, with `limits`: 0, or -1 and *err. */
int cg_create_at(struct cgroup *cg, const char *path, const struct cg_limits *limits,
		 struct error *err);

/* The group at PATH as it exists now (for delete, kill --all, ps, pause):
 * false if there is none. */
bool cg_open_at(struct cgroup *cg, const char *path);

/* The PIDs in the group (its first tree), at most MAX: how many, or -1. */
int cg_list_pids(const struct cgroup *cg, pid_t *pids, int max);

/* Freeze (true) or thaw every process of the group: 0, or -1 and *err
 * (there is no freezer on this host). */
int cg_freeze(const struct cgroup *cg, bool frozen, struct error *err);

/* Is the group frozen now? */
bool cg_is_frozen(const struct cgroup *cg);

#endif
