#define _GNU_SOURCE
#include "kernel/cgroup.h"
#include "kernel/cgroup-driver.h"
#include "base/cleanup.h"
#include "base/fault.h"
#include "base/log.h"
#include "kernel/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

/* ---- the files both drivers write and read -------------------------------- */

int cg_write(const char *dir, const char *file, const char *value)
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

void cg_write_or_die(const char *dir, const char *file, const char *value)
{
	if (cg_write(dir, file, value) == -1)
		die_errno(NULL, "write(\"%s/%s\", \"%s\")", dir, file, value);
}

long long cg_read_key(const char *dir, const char *file, const char *key)
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

long long cg_read_number(const char *dir, const char *file)
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

bool cg_has_file(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* ---- which driver ----------------------------------------------------------- */

/* cgroup2 mounted at /sys/fs/cgroup: v2 only. Anything else: v1 or hybrid. */
static const struct cg_driver *host_driver(void)
{
	struct statfs sfs;

	if (statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return &cg_v2_driver;
	return &cg_v1_driver;
}

/* ---- the interface ------------------------------------------------------------ */

bool cg_children_born_in_group(void)
{
	return host_driver() == &cg_v2_driver;
}

static void undo_cgroup(void *cg)
{
	cg_destroy(cg);
}

void cg_create(struct cgroup *cg, const char *id, const struct cg_limits *limits)
{
	const struct cg_driver *driver = host_driver();
	bool limited = limits->memory || limits->cpus || limits->pids;

	/* Not a memset of all 36 kB (room for paths nobody reads past npaths):
	 * every page touched costs a fault, at each start. */
	cg->npaths = 0;
	cg->remove_parent = false;
	/* Registered first: a driver that dies half-way leaves nothing behind. */
	cg->driver = driver;
	cleanup_on_exit(undo_cgroup, cg);
	trace("cgroup %s driver", driver->name);
	if (driver->create(cg, id, limits))
		return;
	cg->driver = NULL;
	if (limited)
		die("--memory, --cpus and --pids-limit need root, or a cgroup v2 subtree delegated "
		    "to you — try: sudo, or systemd-run --user --scope -p Delegate=yes %s ...",
		    log_progname());
}

void cg_attach(struct cgroup *cg, pid_t pid)
{
	char value[32];

	snprintf(value, sizeof(value), "%d", pid);
	for (int i = 0; i < cg->npaths; i++)
		cg_write_or_die(cg->paths[i], "cgroup.procs", value);
	fault_point("cgroup");
}

int cg_open_for_clone(const struct cgroup *cg)
{
	if (cg->driver != &cg_v2_driver || cg->npaths != 1)
		return -1;
	return open(cg->paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cg_join(const char *path)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return cg_write(path, "cgroup.procs", pid);
}

void cg_enter_namespace(void)
{
	if (unshare(CLONE_NEWCGROUP) == -1)
		die_errno(NULL, "unshare(CLONE_NEWCGROUP)");
	trace("unshare(CLONE_NEWCGROUP)");
}

void cg_mount_readonly(const struct cgroup *cg, const char *target)
{
	/* Decided by the parent before clone: after pivot_root the host's tree is gone. */
	if (cg->driver == NULL || !cg->driver->mountable) {
		trace("%s: no cgroup filesystem inside",
		      cg->driver ? "cgroup v1 host" : "no cgroup of our own");
		return;
	}
	if (fs_mount("cgroup2", target, "cgroup2", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL) == -1)
		die_errno(NULL, "mount(\"cgroup2\", \"%s\", \"cgroup2\", MS_RDONLY)", target);
}

int cg_read_usage(const struct cgroup *cg, struct cg_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	usage->memory_peak = usage->cpu_seconds = -1;
	if (cg->driver == NULL)
		return -1;
	cg->driver->read_usage(cg, usage);
	if (usage->throttled < 0)
		usage->throttled = 0;
	if (usage->pids_refused < 0)
		usage->pids_refused = 0;
	return 0;
}

void cg_print_usage(const struct cg_usage *use, const struct cg_limits *limits, int status)
{
	char memory[32] = "?", cpu[32] = "?";

	if (use->memory_peak >= 0)
		snprintf(memory, sizeof(memory), "%.1f MB", use->memory_peak / 1048576.0);
	if (use->cpu_seconds >= 0)
		snprintf(cpu, sizeof(cpu), "%.3f s", use->cpu_seconds);
	warn("used: memory peak %s, CPU %s, throttled %ld times, %ld forks refused, "
	     "OOM-killed: %s", memory, cpu, use->throttled, use->pids_refused,
	     use->oom_killed ? "yes" : "no");
	if (use->oom_killed && status == 128 + SIGKILL)
		warn("the container went over its memory limit (%.0f MB) and the kernel's OOM "
		     "killer ended it", limits->memory / 1048576.0);
}

/* SIGKILL every process still in `dir`. */
static void kill_remaining(const char *dir)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fscanf(f, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(f);
}

/* rmdir a group; the kernel says EBUSY until its last process is gone. */
static int remove_group(const char *dir, bool has_kill_file)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (has_kill_file && cg_has_file(dir, "cgroup.kill"))
		cg_write(dir, "cgroup.kill", "1");
	for (int tries = 0; tries < 200; tries++) {
		kill_remaining(dir);
		if (rmdir(dir) == 0) {
			trace("rmdir(\"%s\")", dir);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
	warn_errno("rmdir(\"%s\")", dir);
	return -1;
}

/* The last container out removes .../stepbox too (EBUSY/ENOTEMPTY: not the last). */
static void remove_parent_if_empty(const char *group)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", group);
	if ((slash = strrchr(parent, '/')) == NULL)
		return;
	*slash = '\0';
	if (rmdir(parent) == 0)
		trace("rmdir(\"%s\")", parent);
}

int cg_destroy(struct cgroup *cg)
{
	int result = 0;

	if (cg->driver == NULL)
		return 0;
	for (int i = 0; i < cg->npaths; i++) {
		if (remove_group(cg->paths[i], cg->driver->has_kill_file) == -1)
			result = -1;
		else if (cg->remove_parent)
			remove_parent_if_empty(cg->paths[i]);
	}
	cg->driver = NULL;
	return result;
}

void cg_remove_leftovers(const char *id)
{
	const struct cg_driver *driver = host_driver();
	char paths[CG_MAX_HIERARCHIES + 2][PATH_MAX];
	int n = driver->leftover_paths(id, paths, CG_MAX_HIERARCHIES + 2);

	for (int i = 0; i < n; i++) {
		if (access(paths[i], F_OK) == -1)
			continue;
		trace("cgroup %s: what runs in it is killed, then it is removed", paths[i]);
		if (remove_group(paths[i], driver->has_kill_file) == 0 && geteuid() == 0)
			remove_parent_if_empty(paths[i]);
	}
}

/* ---- the OCI runtime's groups ---------------------------------------------- */

/* cgroupsPath is relative to the roots of the trees: no "..", nothing odd. */
static int check_group_path(const char *path, struct error *err)
{
	if (path[0] == '\0' || strstr(path, "..") || strchr(path, '\n'))
		return error_set(err, "cgroupsPath %s is not a path under the cgroup roots",
				 quote(path));
	return 0;
}

int cg_create_at(struct cgroup *cg, const char *path, const struct cg_limits *limits,
		 struct error *err)
{
	memset(cg, 0, sizeof(*cg));
	while (*path == '/')
		path++;
	if (check_group_path(path, err) == -1)
		return -1;
	cg->driver = host_driver();
	if (cg->driver->create_at(cg, path, limits, false, err) == -1) {
		cg_destroy(cg);
		return -1;
	}
	return 0;
}

bool cg_open_at(struct cgroup *cg, const char *path)
{
	struct error err;

	memset(cg, 0, sizeof(*cg));
	while (*path == '/')
		path++;
	if (check_group_path(path, &err) == -1)
		return false;
	cg->driver = host_driver();
	if (cg->driver->create_at(cg, path, NULL, true, &err) == -1 || cg->npaths == 0) {
		cg->driver = NULL;
		return false;
	}
	return true;
}

int cg_list_pids(const struct cgroup *cg, pid_t *pids, int max)
{
	char path[PATH_MAX + 32];
	int n = 0, pid;
	FILE *f;

	if (cg->driver == NULL || cg->npaths == 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->paths[0]);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

/* v2: cgroup.freeze in the group; v1: freezer.state in the freezer tree. */
static const char *freezer_dir(const struct cgroup *cg)
{
	if (cg->driver == &cg_v2_driver)
		return cg->paths[0];
	for (int i = 0; i < cg->npaths; i++)
		if (strcmp(cg->controllers[i], "freezer") == 0)
			return cg->paths[i];
	return NULL;
}

int cg_freeze(const struct cgroup *cg, bool frozen, struct error *err)
{
	const char *dir = cg->driver ? freezer_dir(cg) : NULL;
	bool v2 = cg->driver == &cg_v2_driver;
	const char *file = v2 ? "cgroup.freeze" : "freezer.state";
	const char *value = v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");

	if (dir == NULL)
		return error_set(err, "this host has no cgroup freezer for the container");
	if (cg_write(dir, file, value) == -1)
		return error_errno(err, "write(\"%s/%s\", %s)", dir, file, value);
	/* The kernel freezes in the background: wait until it says so (2 s at most). */
	for (int tries = 0; tries < 200 && cg_is_frozen(cg) != frozen; tries++)
		usleep(10000);
	return 0;
}

bool cg_is_frozen(const struct cgroup *cg)
{
	const char *dir = cg->driver ? freezer_dir(cg) : NULL;
	char path[PATH_MAX + 32], state[32] = "";
	FILE *f;

	if (dir == NULL)
		return false;
	if (cg->driver == &cg_v2_driver)
		return cg_read_key(dir, "cgroup.events", "frozen") == 1;
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	if (fscanf(f, "%31s", state) != 1)
		state[0] = '\0';
	fclose(f);
	return strcmp(state, "FROZEN") == 0;
}
