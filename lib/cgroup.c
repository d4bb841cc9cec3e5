#define _GNU_SOURCE
#include "cgroup.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CPU_PERIOD_US 100000

/* ---- which version ------------------------------------------------------ */

static bool is_cgroup2(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

const char *cg_mode(void)
{
	if (is_cgroup2(CGROUP_ROOT))
		return "v2";
	return is_cgroup2(CGROUP_ROOT "/unified") ? "hybrid" : "v1";
}

/* ---- small file helpers -------------------------------------------------- */

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	int fd, err;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = write(fd, value, strlen(value));
	err = errno;
	close(fd);
	errno = err;
	if (n != (ssize_t)strlen(value))
		return -1;
	trace("write(\"%s\", \"%s\")", path, value);
	return 0;
}

static void write_or_die(const char *dir, const char *file, const char *value, const char *hint)
{
	if (write_file(dir, file, value) == -1)
		die_errno(hint, "write(\"%s/%s\", \"%s\")", dir, file, value);
}

/* The number after `key` in a "key value" file, or -1. */
static long long read_key(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], name[64];
	long long value, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fscanf(f, "%63s %lld", name, &value) == 2)
		if (strcmp(name, key) == 0)
			found = value;
	fclose(f);
	return found;
}

/* The single number in a file, or -1. */
static long long read_number(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	long long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fscanf(f, "%lld", &value) != 1)
		value = -1;
	fclose(f);
	return value;
}

static bool has_file(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* mkdir that tolerates EEXIST; -1 and errno otherwise. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static void undo_cgroup(void *cg)
{
	cg_destroy(cg);
}

/* SIGKILL every process still in `dir`; true if there was none. */
static bool kill_remaining(const char *dir)
{
	char path[PATH_MAX + 32];
	bool empty = true;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((f = fopen(path, "re")) == NULL)
		return true;
	while (fscanf(f, "%d", &pid) == 1) {
		kill(pid, SIGKILL);
		empty = false;
	}
	fclose(f);
	return empty;
}

/* ---- v2 ---------------------------------------------------------------- */

/*
 * The controllers a group can use are those its parent lists in
 * cgroup.subtree_control. The root may hold processes and still delegate;
 * below it, "stepbox" holds none, so it can delegate to the containers
 * (the "no internal processes" rule of v2).
 */
static void v2_enable_controllers(const char *dir, const struct cg_limits *limits)
{
	static const char *needed[] = { "memory", "cpu", "pids" };
	bool wanted[] = { limits->memory > 0, limits->cpus > 0, limits->pids > 0 };

	for (int i = 0; i < 3; i++) {
		char change[16];

		snprintf(change, sizeof(change), "+%s", needed[i]);
		if (write_file(dir, "cgroup.subtree_control", change) == -1 && wanted[i])
			die_errno(errno == ENOENT || errno == EINVAL
				  ? "the kernel has no such controller here: see make doctor" : NULL,
				  "write(\"%s/cgroup.subtree_control\", \"%s\")", dir, change);
	}
}

/* The group's limits, in v2's files. */
static void v2_set_limits(const char *path, const struct cg_limits *limits)
{
	char value[64];

	if (limits->memory > 0) {
		snprintf(value, sizeof(value), "%lld", limits->memory);
		write_or_die(path, "memory.max", value, NULL);
		/* Without this, an over-limit process would swap instead of being OOM-killed. */
		if (has_file(path, "memory.swap.max"))
			write_or_die(path, "memory.swap.max", "0", NULL);
	}
	if (limits->cpus > 0) {
		snprintf(value, sizeof(value), "%ld %d", (long)(limits->cpus * CPU_PERIOD_US),
			 CPU_PERIOD_US);
		write_or_die(path, "cpu.max", value, NULL);
	}
	if (limits->pids > 0) {
		snprintf(value, sizeof(value), "%ld", limits->pids);
		write_or_die(path, "pids.max", value, NULL);
	}
}

static void v2_create(struct cgroup *cg, const char *name, const struct cg_limits *limits)
{
	char *path = cg->paths[0];

	cg->v2 = true;
	cg->npaths = 1;
	cg->remove_parent = true;
	snprintf(path, PATH_MAX, CGROUP_ROOT "/stepbox/%s", name);
	/* Another run may remove an empty "stepbox" between our two mkdirs: retry. */
	for (int tries = 0;; tries++) {
		v2_enable_controllers(CGROUP_ROOT, limits);
		if (make_dir(CGROUP_ROOT "/stepbox") == -1)
			die_errno("cgroups need root", "mkdir(\"" CGROUP_ROOT "/stepbox\")");
		v2_enable_controllers(CGROUP_ROOT "/stepbox", limits);
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != ENOENT || tries == 5)
			die_errno(NULL, "mkdir(\"%s\")", path);
	}
	cg->created = true;
	cleanup_on_exit(undo_cgroup, cg);
	trace("mkdir(\"%s\")", path);
	v2_set_limits(path, limits);
}

/*
 * Without root, a group is possible only in a v2 subtree that belongs to us:
 * one systemd delegated (systemd-run --user --scope -p Delegate=yes ...).
 * The runtime first moves itself into a leaf of its own (a group that hands
 * out controllers may hold no process), then makes the container's group
 * beside it. The runtime's leaf stays until the delegated scope ends.
 */
static bool v2_create_delegated(struct cgroup *cg, const char *name,
				const struct cg_limits *limits)
{
	char own[PATH_MAX + 32], line[PATH_MAX], leaf[PATH_MAX + 96], pid[32];
	char *path = cg->paths[0];
	FILE *f;

	if (!is_cgroup2(CGROUP_ROOT) || (f = fopen("/proc/self/cgroup", "re")) == NULL)
		return false;
	own[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(own, sizeof(own), CGROUP_ROOT "%s", line + 3);
		}
	fclose(f);
	if (own[0] == '\0' || access(own, W_OK) == -1 ||
	    !has_file(own, "cgroup.subtree_control"))
		return false;
	snprintf(leaf, sizeof(leaf), "%s/cgroup.subtree_control", own);
	if (access(leaf, W_OK) == -1)
		return false;

	snprintf(leaf, sizeof(leaf), "%s/stepbox-runtime-%d", own, getpid());
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (make_dir(leaf) == -1)
		die_errno(NULL, "mkdir(\"%s\")", leaf);
	write_or_die(leaf, "cgroup.procs", pid, NULL);
	v2_enable_controllers(own, limits);

	cg->v2 = true;
	cg->npaths = 1;
	cg->remove_parent = false;
	snprintf(path, PATH_MAX, "%s/stepbox-%s", own, name);
	if (mkdir(path, 0755) == -1)
		die_errno(NULL, "mkdir(\"%s\")", path);
	cg->created = true;
	cleanup_on_exit(undo_cgroup, cg);
	trace("mkdir(\"%s\") in a cgroup delegated to us", path);
	v2_set_limits(path, limits);
	return true;
}

/* ---- v1 ---------------------------------------------------------------- */

static void v1_add_tree(struct cgroup *cg, const char *controller, const char *name,
			bool required)
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
	snprintf(path, PATH_MAX, "%s/%s", base, name);
	for (int tries = 0;; tries++) {
		if (make_dir(base) == -1)
			die_errno("cgroups need root", "mkdir(\"%s\")", base);
		/* cpu and cpuacct may be one tree under two names. */
		if (mkdir(path, 0755) == 0 || errno == EEXIST)
			break;
		if (errno != ENOENT || tries == 5)
			die_errno(NULL, "mkdir(\"%s\")", path);
	}
	snprintf(cg->controllers[cg->npaths], sizeof(cg->controllers[0]), "%s", controller);
	cg->npaths++;
	cg->created = true;
	trace("mkdir(\"%s\")", path);
}

static const char *v1_path(struct cgroup *cg, const char *controller)
{
	for (int i = 0; i < cg->npaths; i++)
		if (strcmp(cg->controllers[i], controller) == 0)
			return cg->paths[i];
	return NULL;
}

static void v1_create(struct cgroup *cg, const char *name, const struct cg_limits *limits)
{
	char value[64];
	const char *dir;

	cg->v2 = false;
	cg->npaths = 0;
	cg->remove_parent = true;
	cleanup_on_exit(undo_cgroup, cg);
	v1_add_tree(cg, "memory", name, limits->memory > 0);
	v1_add_tree(cg, "cpu", name, limits->cpus > 0);
	v1_add_tree(cg, "cpuacct", name, false);
	v1_add_tree(cg, "pids", name, limits->pids > 0);

	if (limits->memory > 0 && (dir = v1_path(cg, "memory"))) {
		snprintf(value, sizeof(value), "%lld", limits->memory);
		write_or_die(dir, "memory.limit_in_bytes", value, NULL);
		/* memory+swap = memory: no swapping past the limit (if swap is accounted). */
		if (has_file(dir, "memory.memsw.limit_in_bytes"))
			write_or_die(dir, "memory.memsw.limit_in_bytes", value, NULL);
		else
			write_or_die(dir, "memory.swappiness", "0", NULL);
	}
	if (limits->cpus > 0 && (dir = v1_path(cg, "cpu"))) {
		snprintf(value, sizeof(value), "%d", CPU_PERIOD_US);
		write_or_die(dir, "cpu.cfs_period_us", value, NULL);
		snprintf(value, sizeof(value), "%ld", (long)(limits->cpus * CPU_PERIOD_US));
		write_or_die(dir, "cpu.cfs_quota_us", value, NULL);
	}
	if (limits->pids > 0 && (dir = v1_path(cg, "pids"))) {
		snprintf(value, sizeof(value), "%ld", limits->pids);
		write_or_die(dir, "pids.max", value, NULL);
	}
}

/* ---- the interface --------------------------------------------------------- */

/*
 * Remove the groups of runs that were killed (SIGKILL) before they could:
 * a group named after a runtime PID that no longer exists, with no process
 * left in it.
 */
static void sweep_stale_groups(const char *base)
{
	struct dirent *entry;
	DIR *dir = opendir(base);

	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		pid_t pid = atoi(entry->d_name);

		if (pid <= 0 || strspn(entry->d_name, "0123456789") != strlen(entry->d_name))
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, entry->d_name);
		if (kill_remaining(path) && rmdir(path) == 0)
			trace("rmdir(\"%s\"), left by a run that was killed", path);
	}
	closedir(dir);
}

void cg_create(struct cgroup *cg, const char *name, const struct cg_limits *limits)
{
	bool limited = limits->memory || limits->cpus || limits->pids;

	memset(cg, 0, sizeof(*cg));
	if (geteuid() != 0) {
		if (v2_create_delegated(cg, name, limits) || !limited)
			return;
		die("--memory, --cpus and --pids-limit need root, or a cgroup v2 subtree delegated "
		    "to you — try: sudo, or systemd-run --user --scope -p Delegate=yes %s ...",
		    log_progname());
	}
	if (is_cgroup2(CGROUP_ROOT)) {
		sweep_stale_groups(CGROUP_ROOT "/stepbox");
	} else {
		static const char *trees[] = { "memory", "cpu", "cpuacct", "pids" };

		for (int i = 0; i < 4; i++) {
			char base[64];

			snprintf(base, sizeof(base), CGROUP_ROOT "/%s/stepbox", trees[i]);
			sweep_stale_groups(base);
		}
	}
	if (is_cgroup2(CGROUP_ROOT))
		v2_create(cg, name, limits);
	else
		v1_create(cg, name, limits);
}

void cg_attach(struct cgroup *cg, pid_t pid)
{
	char value[32];

	snprintf(value, sizeof(value), "%d", pid);
	for (int i = 0; i < cg->npaths; i++)
		write_or_die(cg->paths[i], "cgroup.procs", value, NULL);
}

void cg_enter_namespace(void)
{
	if (unshare(CLONE_NEWCGROUP) == -1)
		die_errno(NULL, "unshare(CLONE_NEWCGROUP)");
	trace("unshare(CLONE_NEWCGROUP)");
}

void cg_read_usage(struct cgroup *cg, struct cg_usage *usage)
{
	const char *dir;
	long long n;

	memset(usage, 0, sizeof(*usage));
	usage->memory_peak = usage->cpu_seconds = -1;
	if (cg->v2) {
		dir = cg->paths[0];
		usage->memory_peak = read_number(dir, "memory.peak");
		n = read_key(dir, "cpu.stat", "usage_usec");
		usage->cpu_seconds = n < 0 ? -1 : n / 1e6;
		usage->throttled = read_key(dir, "cpu.stat", "nr_throttled");
		usage->pids_refused = read_key(dir, "pids.events", "max");
		usage->oom_killed = read_key(dir, "memory.events", "oom_kill") > 0;
	} else {
		if ((dir = v1_path(cg, "memory"))) {
			usage->memory_peak = read_number(dir, "memory.max_usage_in_bytes");
			usage->oom_killed = read_key(dir, "memory.oom_control", "oom_kill") > 0;
		}
		if ((dir = v1_path(cg, "cpuacct")) && (n = read_number(dir, "cpuacct.usage")) >= 0)
			usage->cpu_seconds = n / 1e9;
		if ((dir = v1_path(cg, "cpu")))
			usage->throttled = read_key(dir, "cpu.stat", "nr_throttled");
		if ((dir = v1_path(cg, "pids")))
			usage->pids_refused = read_key(dir, "pids.events", "max");
	}
	if (usage->throttled < 0)
		usage->throttled = 0;
	if (usage->pids_refused < 0)
		usage->pids_refused = 0;
}

/* rmdir a group; the kernel says EBUSY until its last process is gone. */
static void remove_group(const char *dir, bool v2)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (v2 && has_file(dir, "cgroup.kill"))
		write_file(dir, "cgroup.kill", "1");
	for (int tries = 0; tries < 200; tries++) {
		kill_remaining(dir);
		if (rmdir(dir) == 0) {
			trace("rmdir(\"%s\")", dir);
			return;
		}
		if (errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
	warn_errno("rmdir(\"%s\")", dir);
}

void cg_destroy(struct cgroup *cg)
{
	if (!cg->created)
		return;
	cg->created = false;
	for (int i = 0; i < cg->npaths; i++) {
		char base[PATH_MAX];
		char *slash;

		remove_group(cg->paths[i], cg->v2);
		if (!cg->remove_parent)
			continue;
		/* The last container out removes .../stepbox too. */
		snprintf(base, sizeof(base), "%s", cg->paths[i]);
		if ((slash = strrchr(base, '/')))
			*slash = '\0';
		if (rmdir(base) == 0)
			trace("rmdir(\"%s\")", base);
	}
}

void cg_mount_readonly(const struct cgroup *cg, const char *target)
{
	/* Decided by the parent before clone: after pivot_root the host's tree is gone. */
	if (!cg->created || !cg->v2) {
		trace("%s: no cgroup filesystem inside",
		      cg->created ? "cgroup v1 host" : "no cgroup of our own");
		return;
	}
	if (mount("cgroup2", target, "cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) == -1)
		die_errno(NULL, "mount(\"cgroup2\", \"%s\", \"cgroup2\", MS_RDONLY)", target);
	trace("mount(\"cgroup2\", \"%s\", \"cgroup2\", MS_RDONLY)", target);
}

void cg_report(struct cgroup *cg, const struct cg_limits *limits, int status)
{
	struct cg_usage use;
	char memory[32] = "?", cpu[32] = "?";

	if (!cg->created)
		return;
	cg_read_usage(cg, &use);
	if (use.memory_peak >= 0)
		snprintf(memory, sizeof(memory), "%.1f MB", use.memory_peak / 1048576.0);
	if (use.cpu_seconds >= 0)
		snprintf(cpu, sizeof(cpu), "%.3f s", use.cpu_seconds);
	warn("used: memory peak %s, CPU %s, throttled %ld times, %ld forks refused, "
	     "OOM-killed: %s", memory, cpu, use.throttled, use.pids_refused,
	     use.oom_killed ? "yes" : "no");
	trace("cgroup usage: memory peak %s, CPU %s, throttled %ld, forks refused %ld, oom %s",
	      memory, cpu, use.throttled, use.pids_refused, use.oom_killed ? "yes" : "no");
	if (use.oom_killed && status == 128 + SIGKILL)
		warn("the container went over its memory limit (%.0f MB) and the kernel's OOM "
		     "killer ended it", limits->memory / 1048576.0);
}
