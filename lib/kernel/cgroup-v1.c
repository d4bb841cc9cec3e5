/*
 * cgroup v1 (and hybrid hosts, whose controllers are all on v1): a tree
 * per controller, and the container's group in each one it needs.
 */
#define _GNU_SOURCE
#include "kernel/cgroup-driver.h"
#include "base/error.h"
#include "base/log.h"
#include "kernel/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *trees[] = { "memory", "cpu", "cpuacct", "pids", "devices" };
/* The OCI runtime's groups: these, and the freezer for pause. */
static const char *oci_trees[] = { "memory", "cpu", "cpuacct", "pids", "devices", "freezer" };

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

/* One OCI device rule as v1 writes it: "c 1:5 rwm", "a" for every device. */
static int write_device_rule(const char *dir, const struct cg_device_rule *r, struct error *err)
{
	char line[96], major[24] = "*", minor[24] = "*";
	const char *file = r->allow ? "devices.allow" : "devices.deny";

	if (r->type == 'a' && r->major == -1 && r->minor == -1 && strcmp(r->access, "rwm") == 0)
		snprintf(line, sizeof(line), "a");
	else {
		if (r->major >= 0)
			snprintf(major, sizeof(major), "%lld", r->major);
		if (r->minor >= 0)
			snprintf(minor, sizeof(minor), "%lld", r->minor);
		snprintf(line, sizeof(line), "%c %s:%s %s", r->type, major, minor, r->access);
	}
	if (cg_write(dir, file, line) == -1)
		return error_errno(err, "write(\"%s/%s\", \"%s\")", dir, file, line);
	return 0;
}

static int create_at(struct cgroup *cg, const char *path, const struct cg_limits *limits,
		     bool open_only, struct error *err)
{
	char value[64];
	const char *dir;

	cg->npaths = 0;
	cg->remove_parent = false;
	for (size_t i = 0; i < sizeof(oci_trees) / sizeof(oci_trees[0]); i++) {
		char tree[64];
		char *group = cg->paths[cg->npaths];

		snprintf(tree, sizeof(tree), CGROUP_ROOT "/%s", oci_trees[i]);
		if (access(tree, F_OK) == -1)
			continue;
		if (snprintf(group, PATH_MAX, "%s/%s", tree, path) >= PATH_MAX)
			return error_set(err, "cgroup path too long: %s", path);
		if (open_only ? access(group, F_OK) == -1 : fs_make_path(group, 0755) == -1) {
			if (open_only)
				continue;
			return error_errno(err, "mkdir(\"%s\")", group);
		}
		snprintf(cg->controllers[cg->npaths], sizeof(cg->controllers[0]), "%s", oci_trees[i]);
		cg->npaths++;
	}
	if (open_only || limits == NULL)
		return cg->npaths > 0 ? 0 : error_set(err, "no cgroup at %s", path);
	trace("cgroup v1: %d groups at .../%s", cg->npaths, path);
	if (limits->memory > 0) {
		if ((dir = path_of(cg, "memory")) == NULL)
			return error_set(err, "a memory limit needs the memory controller: see make doctor");
		snprintf(value, sizeof(value), "%lld", limits->memory);
		if (cg_write(dir, "memory.limit_in_bytes", value) == -1)
			return error_errno(err, "write(\"%s/memory.limit_in_bytes\", %s)", dir, value);
	}
	if (limits->cpus > 0) {
		if ((dir = path_of(cg, "cpu")) == NULL)
			return error_set(err, "a CPU limit needs the cpu controller: see make doctor");
		snprintf(value, sizeof(value), "%ld", (long)(limits->cpus * CPU_PERIOD_US));
		if (cg_write(dir, "cpu.cfs_period_us", "100000") == -1 ||
		    cg_write(dir, "cpu.cfs_quota_us", value) == -1)
			return error_errno(err, "write(\"%s/cpu.cfs_quota_us\", %s)", dir, value);
	}
	if (limits->cpu_shares > 0 && (dir = path_of(cg, "cpu"))) {
		snprintf(value, sizeof(value), "%llu", (unsigned long long)limits->cpu_shares);
		if (cg_write(dir, "cpu.shares", value) == -1)
			return error_errno(err, "write(\"%s/cpu.shares\", %s)", dir, value);
	}
	if (limits->pids > 0) {
		if ((dir = path_of(cg, "pids")) == NULL)
			return error_set(err, "a pids limit needs the pids controller: see make doctor");
		snprintf(value, sizeof(value), "%ld", limits->pids);
		if (cg_write(dir, "pids.max", value) == -1)
			return error_errno(err, "write(\"%s/pids.max\", %s)", dir, value);
	}
	if (limits->ndevices > 0) {
		if ((dir = path_of(cg, "devices")) == NULL)
			return error_set(err, "device rules need the devices controller: see make doctor");
		for (int i = 0; i < limits->ndevices; i++)
			if (write_device_rule(dir, &limits->devices[i], err) == -1)
				return -1;
	}
	return 0;
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
	.create_at = create_at,
	.read_usage = read_usage,
	.leftover_paths = leftover_paths,
};
