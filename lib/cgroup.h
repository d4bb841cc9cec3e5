/*
 * cgroup — how much a container may use: memory, CPU time, processes.
 *
 * Namespaces decide what a container sees; a control group decides what it
 * may use. The kernel offers two versions of the interface, and a host may
 * mix them, so this module picks one at run time:
 *
 *  v2 (unified): one tree at /sys/fs/cgroup; the container's group is
 *     /sys/fs/cgroup/stepbox/<id>, with memory.max, cpu.max, pids.max.
 *     (Ubuntu 24.04, and every systemd distribution of recent years.)
 *  v1 (and "hybrid", v1 controllers beside an empty v2 tree): one tree per
 *     controller, /sys/fs/cgroup/{memory,cpu,cpuacct,pids}/stepbox/<id>, with
 *     memory.limit_in_bytes, cpu.cfs_quota_us, pids.max.
 *
 * The runtime creates the group and sets its limits before clone(), moves the
 * child in before releasing it (so nothing runs unlimited, not even the first
 * instruction of the command), reads what it used at exit, kills whatever
 * is left and removes the group.
 *
 * cg_create(), cg_attach() die (exit 125) on failure; cg_destroy() warns.
 */
#ifndef STEPBOX_CGROUP_H
#define STEPBOX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct cg_limits {
	long long memory;   /* bytes; 0: no limit */
	double cpus;        /* CPUs' worth of time per period; 0: no limit */
	long pids;          /* processes; 0: no limit */
};

struct cg_usage {
	long long memory_peak;   /* bytes, -1 if the kernel does not say */
	double cpu_seconds;      /* user + system, -1 if unknown */
	long throttled;          /* periods in which the CPU quota ran out */
	long pids_refused;       /* forks refused at pids.max */
	bool oom_killed;         /* the OOM killer struck inside */
};

#define CG_MAX_HIERARCHIES 4

struct cgroup {
	bool v2;
	int npaths;
	char paths[CG_MAX_HIERARCHIES][PATH_MAX];   /* v2: one; v1: one per controller tree */
	char controllers[CG_MAX_HIERARCHIES][16];   /* v1: which tree each path is in */
	bool created;
	bool remove_parent;                         /* .../stepbox: ours to remove when empty */
};

/* "v2", "v1" or "hybrid": what /sys/fs/cgroup is on this host. */
const char *cg_mode(void);

/*
 * Make the container's group `name` (under .../stepbox/) with these limits.
 * Without root: in a cgroup v2 subtree delegated to us (stepbox-<name> beside
 * the runtime), else no group at all — and if limits were asked for, die.
 */
void cg_create(struct cgroup *cg, const char *name, const struct cg_limits *limits);

/* Move process `pid` into the group (every tree, on v1). */
void cg_attach(struct cgroup *cg, pid_t pid);

/* Child, once attached: a cgroup namespace whose root is its own group. */
void cg_enter_namespace(void);

/* What the container used, read from the group's files. */
void cg_read_usage(struct cgroup *cg, struct cg_usage *usage);

/*
 * Child: on v2, mount the cgroup filesystem read-only at target, so the
 * container can read its own limits (its cgroup namespace makes its group
 * the root of what it sees). On v1, or without a group (no root), there is
 * nothing to mount: say so in the trace.
 */
void cg_mount_readonly(const struct cgroup *cg, const char *target);

/*
 * One line on stderr (and in the trace) with what the container used, and
 * why it died if the OOM killer ended it. `status` is its exit status.
 */
void cg_report(struct cgroup *cg, const struct cg_limits *limits, int status);

/* Kill what is left in the group, and remove it. Safe to call twice. */
void cg_destroy(struct cgroup *cg);

#endif
