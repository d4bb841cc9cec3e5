/*
 * cgroup-driver — what lib/kernel/cgroup.c asks of a cgroup version, and the small
 * file helpers both drivers share. Not for the steps: they use cgroup.h.
 */
#ifndef STEPBOX_CGROUP_DRIVER_H
#define STEPBOX_CGROUP_DRIVER_H

#include "kernel/cgroup.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CPU_PERIOD_US 100000

struct cg_driver {
	const char *name;     /* "v2" or "v1", for the trace */
	bool has_kill_file;   /* cgroup.kill ends every process of a group at once */
	bool mountable;       /* a container may mount its own view (cgroup2) */

	/* Make the group(s) of `id` in cg->paths, with `limits`; dies on failure.
	 * Returns false when there is no group to make (no root, no delegation). */
	bool (*create)(struct cgroup *cg, const char *id, const struct cg_limits *limits);
	/* The OCI runtime's group at `path` (relative to the trees' roots), made
	 * with its parents: 0, or -1 and *err. `open_only`: find it, make nothing. */
	int (*create_at)(struct cgroup *cg, const char *path, const struct cg_limits *limits,
			 bool open_only, struct error *err);
	void (*read_usage)(const struct cgroup *cg, struct cg_usage *usage);
	/* Every path where a group of `id` may be; how many. */
	int (*leftover_paths)(const char *id, char paths[][PATH_MAX], int max);
};

extern const struct cg_driver cg_v1_driver, cg_v2_driver;

/* "<dir>/<file>" gets `value`: 0, or -1 and errno. */
int cg_write(const char *dir, const char *file, const char *value);
void cg_write_or_die(const char *dir, const char *file, const char *value);
/* The number after `key` in a "key value" file, or -1. */
long long cg_read_key(const char *dir, const char *file, const char *key);
/* The single number in a file, or -1. */
long long cg_read_number(const char *dir, const char *file);
bool cg_has_file(const char *dir, const char *file);


#endif
