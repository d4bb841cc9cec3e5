/*
 * cgroup v1 (and hybrid hosts, whose controllers are all on v1): a tree
 * per controller, and the container's group in each one it needs.
 */
#define _GNU_SOURCE
#include "kernel/cgroup-driver.h"
#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *trees[] = { "memory", "cpu", "cpuacct", "pids", "devices" };

static void add_tree(struct cgroup *cg, const char *controller, const char *id, bool required)
{
	char tree[256], base[300];
	char *path = cg->paths[cg->npaths];

	snprintf(tree, sizeof(tree), CGROUP_ROOT "/%s", controller);
	if (access(tree, F_OK) == -1) {
		if (required)
			die("the %s controller is not mounted at %s: see make doctor", controller,
			    tree);
		return;
	}
	snprintf(base, sizeof(base), "%s/stepbox", tree);
	snprintf(path, PATH_MAX, "%s/%s", base, id);
	for (int tries = 0;; tries++) {
		if (mkdir(base, 0755) == -1 && errno != EEXIST)
			die_errno("cgroups need root", "mkdir(\"%s\")", base);
		/* cpu and cpuacct may be one tree under two names. */
		if (mkdir(path, 0755) == 0 || errno == EEXIST)
			break;
		if (errno != ENOENT || tries == 5)
			die_errno(NULL, "mkdir(\"%s\")", path);
	}
	snprintf(cg->controllers[cg->npaths], sizeof(cg->controllers[0]), "%s", controller);
	cg->npaths++;
	trace("mkdir(\"%s\")", path);
}

static const char *path_of(const struct cgroup *cg, const char *controller)
{
	for (int i = 0; i < cg->npaths; i++)
		if (strcmp(cg->controllers[i], controller) == 0)
			return cg->paths[i];
	return NULL;
}

static bool create(struct cgroup *cg, const char *id, const struct cg_limits *limits)
{
	char value[64];
	const char *dir;

	if (geteuid() != 0)
		return false; /* v1 has no delegation to users */
	cg->remove_parent = true;
	add_tree(cg, "memory", id, limits->memory > 0);
	add_tree(cg, "cpu", id, limits->cpus > 0);
	add_tree(cg, "cpuacct", id, false);
	add_tree(cg, "pids", id, limits->pids > 0);
	if (limits->no_block_devices)
		add_tree(cg, "devices", id, true);

	if (limits->memory > 0 && (dir = path_of(cg, "memory"))) {
		snprintf(value, sizeof(value), "%lld", limits->memory);
		cg_write_or_die(dir, "memory.limit_in_bytes", value);
		/* memory+swap = memory: no swapping past the limit (if swap is accounted). */
		if (cg_has_file(dir, "memory.memsw.limit_in_bytes"))
			cg_write_or_die(dir, "memory.memsw.limit_in_bytes", value);
		else
			cg_write_or_die(dir, "memory.swappiness", "0");
	}
	if (limits->cpus > 0 && (dir = path_of(cg, "cpu"))) {
		snprintf(value, sizeof(value), "%d", CPU_PERIOD_US);
		cg_write_or_die(dir, "cpu.cfs_period_us", value);
		snprintf(value, sizeof(value), "%ld", (long)(limits->cpus * CPU_PERIOD_US));
		cg_write_or_die(dir, "cpu.cfs_quota_us", value);
	}
	if (limits->pids > 0 && (dir = path_of(cg, "pids"))) {
		snprintf(value, sizeof(value), "%ld", limits->pids);
		cg_write_or_die(dir, "pids.max", value);
	}
	/* Any block device, any major and minor: no reading, writing or mknod. */
	if (limits->no_block_devices && (dir = path_of(cg, "devices")))
		cg_write_or_die(dir, "devices.deny", "b *:* rwm");
	return true;
}

static void read_usage(const struct cgroup *cg, struct cg_usage *usage)
{
	const char *dir;
	long long n;

	if ((dir = path_of(cg, "memory"))) {
		usage->memory_peak = cg_read_number(dir, "memory.max_usage_in_bytes");
		usage->oom_killed = cg_read_key(dir, "memory.oom_control", "oom_kill") > 0;
	}
	if ((dir = path_of(cg, "cpuacct")) && (n = cg_read_number(dir, "cpuacct.usage")) >= 0)
		usage->cpu_seconds = n / 1e9;
	if ((dir = path_of(cg, "cpu")))
		usage->throttled = cg_read_key(dir, "cpu.stat", "nr_throttled");
	if ((dir = path_of(cg, "pids")))
		usage->pids_refused = cg_read_key(dir, "pids.events", "max");
}

static int leftover_paths(const char *id, char paths[][PATH_MAX], int max)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]) && n < max; i++)
		snprintf(paths[n++], PATH_MAX, CGROUP_ROOT "/%s/stepbox/%s", trees[i], id);
	return n;
}

const struct cg_driver cg_v1_driver = {
	.name = "v1",
	.has_kill_file = false,
	.mountable = false,
	.create = create,
	.read_usage = read_usage,
	.leftover_paths = leftover_paths,
};
