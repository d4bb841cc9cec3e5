#define _GNU_SOURCE
#include "rundir.h"
#include "cleanup.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fd that holds the root's lock while rundir_lock_host() has it, else -1. */
static int host_lock_fd = -1;

/*
 * $STEPBOX_RUNDIR if set; for root /run/stepbox; for anyone else (step 06
 * without sudo) $XDG_RUNTIME_DIR/stepbox, or /tmp/stepbox-<uid>.
 */
static const char *rundir_root(void)
{
	static char root[PATH_MAX];
	const char *env = getenv("STEPBOX_RUNDIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && env[0])
		return env;
	if (geteuid() == 0)
		return "/run/stepbox";
	if (xdg && xdg[0])
		snprintf(root, sizeof(root), "%s/stepbox", xdg);
	else
		snprintf(root, sizeof(root), "/tmp/stepbox-%d", geteuid());
	return root;
}

/* In a shared place like /tmp, someone else could have made our root first. */
static void check_root_is_ours(const char *root)
{
	struct stat st;

	if (lstat(root, &st) == -1)
		die_errno(NULL, "lstat(\"%s\")", root);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		die("%s is not a directory of yours: remove it, or set STEPBOX_RUNDIR", root);
}

/*
 * rm -rf of `name` in the directory `parent`, never across a mount point
 * (another st_dev) nor through a symlink. overlayfs leaves its work/work
 * directory with mode 000: root does not care, anyone else (step 06 without
 * sudo) must give it back the rights to empty it.
 */
static void remove_tree_at(int parent, const char *name, dev_t dev)
{
	struct stat st;
	struct dirent *entry;
	DIR *dir;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) == -1 && errno != ENOENT)
			warn_errno("unlink(\"%s\")", name);
		return;
	}
	if (st.st_dev != dev)
		return;
	if ((st.st_mode & 0700) != 0700)
		fchmodat(parent, name, 0700, 0);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		warn_errno("open(\"%s\")", name);
		if (fd != -1)
			close(fd);
		return;
	}
	while ((entry = readdir(dir)) != NULL)
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			remove_tree_at(dirfd(dir), entry->d_name, dev);
	closedir(dir);
	if (unlinkat(parent, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		warn_errno("rmdir(\"%s\")", name);
}

static void remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		remove_tree_at(AT_FDCWD, path, st.st_dev);
}

/* Remove the directories of runs that died without cleaning up. */
static void sweep_stale_runs(int root_fd, const char *root)
{
	DIR *dir = fdopendir(dup(root_fd));
	struct dirent *entry;

	if (dir == NULL)
		return;
	while ((entry = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		int fd;

		if (strspn(entry->d_name, "0123456789") != strlen(entry->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, entry->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			trace("removing %s, left by a run that was killed", path);
			remove_tree(path);
		}
		close(fd);
	}
	closedir(dir);
}

static void make_subdir(char *out, const char *parent, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", parent, name) >= PATH_MAX)
		die("path too long: %s/%s", parent, name);
	if (mkdir(out, 0755) == -1)
		die_errno(NULL, "mkdir(\"%s\")", out);
}

static void undo_rundir(void *run)
{
	rundir_remove(run);
}

void rundir_create(struct rundir *run)
{
	const char *root = rundir_root();
	int root_fd;

	/*
	 * The root directory's lock serialises create, sweep and remove, so a
	 * run never sweeps a directory another run made but has not locked
	 * yet. If the root was removed while we waited for its lock, start over.
	 */
	for (;;) {
		/*
		 * 0711: nobody may list the runs, but a container's root mapped
		 * to another UID (step 06) may walk through to its own layer.
		 */
		if (mkdir(root, 0711) == -1 && errno != EEXIST)
			die_errno("set STEPBOX_RUNDIR to a writable directory on a local disk",
				  "mkdir(\"%s\")", root);
		check_root_is_ours(root);
		root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root_fd == -1)
			die_errno(NULL, "open(\"%s\")", root);
		if (flock(root_fd, LOCK_EX) == -1)
			die_errno(NULL, "flock(\"%s\")", root);
		sweep_stale_runs(root_fd, root);
		snprintf(run->name, sizeof(run->name), "%d", getpid());
		snprintf(run->path, sizeof(run->path), "%s/%s", root, run->name);
		if (mkdir(run->path, 0711) == 0)
			break;
		if (errno != ENOENT)
			die_errno(NULL, "mkdir(\"%s\")", run->path);
		close(root_fd);
	}

	run->lock_fd = open(run->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run->lock_fd == -1 || flock(run->lock_fd, LOCK_EX) == -1)
		die_errno(NULL, "lock \"%s\"", run->path);
	close(root_fd);
	cleanup_on_exit(undo_rundir, run);

	make_subdir(run->upper, run->path, "upper");
	make_subdir(run->work, run->path, "work");
	make_subdir(run->merged, run->path, "merged");
	trace("mkdir(\"%s/{upper,work,merged}\")", run->path);
}

void rundir_remove(struct rundir *run)
{
	const char *root = rundir_root();
	int root_fd;

	if (run->lock_fd == -1)
		return; /* removed already */
	remove_tree(run->path);
	trace("removed %s (the writable layer)", run->path);
	close(run->lock_fd);
	run->lock_fd = -1;

	/*
	 * The last run out removes the root too, so a clean host keeps
	 * nothing. Under the root's lock — which we may hold already, if we
	 * are dying half-way through rundir_lock_host() (flock() would wait on
	 * our own lock forever).
	 */
	if (host_lock_fd != -1) {
		root_fd = host_lock_fd;
	} else {
		root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root_fd == -1 || flock(root_fd, LOCK_EX) == -1) {
			if (root_fd != -1)
				close(root_fd);
			return;
		}
	}
	if (rmdir(root) == -1 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
		warn_errno("rmdir(\"%s\")", root);
	if (root_fd != host_lock_fd)
		close(root_fd);
}

int rundir_lock_host(void)
{
	const char *root = rundir_root();
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 || flock(fd, LOCK_EX) == -1)
		die_errno("was rundir_create() called first?", "lock \"%s\"", root);
	host_lock_fd = fd;
	return fd;
}

void rundir_unlock_host(int fd)
{
	close(fd);
	host_lock_fd = -1;
}

void rundir_give_to(struct rundir *run, uid_t uid, gid_t gid)
{
	if (chown(run->upper, uid, gid) == -1 || chown(run->work, uid, gid) == -1)
		die_errno(NULL, "chown(\"%s/{upper,work}\", %d, %d)", run->path, uid, gid);
	trace("chown(\"%s/{upper,work}\", %d, %d)", run->path, uid, gid);
}
