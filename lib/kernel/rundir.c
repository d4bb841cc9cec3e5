#define _GNU_SOURCE
#include "kernel/rundir.h"
#include "base/lock.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $STEPBOX_RUNDIR, or NULL when the root is one of stepbox's own places. */
static const char *user_root(void)
{
	const char *env = getenv("STEPBOX_RUNDIR");

	return env && env[0] ? env : NULL;
}

const char *rundir_root(void)
{
	static char root[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (user_root())
		return user_root();
	if (geteuid() == 0)
		return "/run/stepbox";
	if (xdg && xdg[0])
		snprintf(root, sizeof(root), "%s/stepbox", xdg);
	else
		snprintf(root, sizeof(root), "/tmp/stepbox-%d", geteuid());
	return root;
}

/*
 * The sweep removes, as root, what it finds here: the root must be ours,
 * and nobody else may write into it (in /tmp, anyone could have made it
 * first and filled it).
 */
static void check_root_is_ours(const char *root)
{
	struct stat st;

	if (lstat(root, &st) == -1)
		die_errno(NULL, "lstat(%s)", quote(root));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		die("run directory %s is not a directory of yours: remove it, or set "
		    "STEPBOX_RUNDIR", quote(root));
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		die("run directory %s is writable by others (mode %03o): try chmod go-w %s, "
		    "or set STEPBOX_RUNDIR", quote(root), st.st_mode & 0777, root);
}

int rundir_lock_root(void)
{
	const char *root = rundir_root();
	int fd;

	/* The last run out may remove the root between our mkdir and our lock. */
	for (int tries = 0;; tries++) {
		/*
		 * 0711: nobody may list the runs, but a container's root mapped
		 * to another UID (step 06) may walk through to its own layer.
		 */
		if (mkdir(root, 0711) == -1 && errno != EEXIST)
			die_errno("set STEPBOX_RUNDIR to a writable directory on a local disk",
				  "mkdir(%s)", quote(root));
		check_root_is_ours(root);
		if ((fd = lock_take(root)) != -1)
			return fd;
		if (errno != ENOENT || tries == 10)
			die_errno(NULL, "lock %s", quote(root));
	}
}

void rundir_remove_root_if_empty(void)
{
	const char *root = rundir_root();
	int fd;

	if (user_root())
		return;
	if ((fd = lock_take(root)) == -1)
		return;
	if (rmdir(root) == 0)
		trace("rmdir(\"%s\"): the last run out", root);
	else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
		warn_errno("rmdir(%s)", quote(root));
	lock_release(fd);
}

static int make_subdir(char *out, const char *parent, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", parent, name) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir(out, 0755);
}

int rundir_create(struct rundir *run, const char *root, const char *id)
{
	if (snprintf(run->path, sizeof(run->path), "%s/%s", root, id) >= (int)sizeof(run->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir(run->path, 0711);
}

int rundir_make_layers(struct rundir *run)
{
	if (make_subdir(run->upper, run->path, "upper") == -1 ||
	    make_subdir(run->work, run->path, "work") == -1 ||
	    make_subdir(run->merged, run->path, "merged") == -1)
		return -1;
	trace("mkdir(\"%s/{upper,work,merged}\")", run->path);
	return 0;
}

void rundir_give_to(struct rundir *run, uid_t uid, gid_t gid)
{
	if (chown(run->upper, uid, gid) == -1 || chown(run->work, uid, gid) == -1)
		die_errno(NULL, "chown(\"%s/{upper,work}\", %d, %d)", run->path, uid, gid);
	trace("chown(\"%s/{upper,work}\", %d, %d)", run->path, uid, gid);
}

/* ---- rm -rf, one directory open at a time -------------------------------- */

/*
 * A container can nest directories deeper than we may open files (a shell
 * loop makes 100000 levels in seconds), so the removal must not hold one
 * fd per level. It keeps only the directory it is in, and a stack of the
 * names it went down through: down into the first subdirectory it finds,
 * and up again through ".." once a directory is empty, checking each time
 * that ".." is the directory it came from.
 */
struct way_down {
	char **names;       /* names[i]: the directory entered at depth i + 1 */
	ino_t *parent_ino;  /* the inode of the directory it is in */
	size_t depth, room;
};

static int go_down(struct way_down *way, const char *name, ino_t parent)
{
	if (way->depth == way->room) {
		size_t room = way->room ? way->room * 2 : 64;
		char **names = realloc(way->names, room * sizeof(*names));

		if (names == NULL)
			return -1;
		way->names = names;
		ino_t *inos = realloc(way->parent_ino, room * sizeof(*inos));
		if (inos == NULL)
			return -1;
		way->parent_ino = inos;
		way->room = room;
	}
	if ((way->names[way->depth] = strdup(name)) == NULL)
		return -1;
	way->parent_ino[way->depth++] = parent;
	return 0;
}

/*
 * Remove what `fd` holds but its subdirectories; return the name of the
 * first subdirectory on this filesystem (to go down into), or NULL once
 * there is none. *failed tells that something could not be removed.
 */
static char *empty_but_subdirs(int fd, dev_t dev, const char *last, bool *failed)
{
	int copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = copy == -1 ? NULL : fdopendir(copy);
	struct dirent *entry;
	char *down = NULL;

	if (dir == NULL) {
		if (copy != -1)
			close(copy);
		*failed = true;
		return NULL;
	}
	while (down == NULL && (entry = readdir(dir)) != NULL) {
		struct stat st;

		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0 ||
		    (last && strcmp(entry->d_name, last) == 0))
			continue;
		if (fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
			/* overlayfs leaves work/work with mode 000: get back in. */
			if ((st.st_mode & 0700) != 0700)
				fchmodat(fd, entry->d_name, 0700, 0);
			down = strdup(entry->d_name);
			if (down == NULL)
				*failed = true;
		} else if (S_ISDIR(st.st_mode)) {
			*failed = true; /* a mount point: never cross it */
		} else if (unlinkat(fd, entry->d_name, 0) == -1 && errno != ENOENT) {
			*failed = true;
		}
	}
	closedir(dir);
	return down;
}

int rundir_remove_tree(const char *path, const char *last)
{
	struct way_down way = { 0 };
	struct stat top, st;
	bool failed = false;
	int fd;

	if (lstat(path, &top) == -1)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(top.st_mode) && (top.st_mode & 0700) != 0700)
		chmod(path, 0700);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		warn_errno("could not remove %s: open", quote(path));
		return -1;
	}
	while (!failed) {
		char *down = empty_but_subdirs(fd, top.st_dev, way.depth == 0 ? last : NULL,
					       &failed);

		if (down) {
			int sub = openat(fd, down, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub == -1 || fstat(fd, &st) == -1 || go_down(&way, down, st.st_ino) == -1) {
				if (sub != -1)
					close(sub);
				free(down);
				failed = true;
				break;
			}
			free(down);
			close(fd);
			fd = sub;
			continue;
		}
		if (failed || way.depth == 0)
			break;

		/* Empty: up to the parent we came from, and remove it there. */
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		close(fd);
		fd = up;
		way.depth--;
		if (up == -1 || fstat(up, &st) == -1 || st.st_ino != way.parent_ino[way.depth] ||
		    (unlinkat(up, way.names[way.depth], AT_REMOVEDIR) == -1 && errno != ENOENT))
			failed = true;
		free(way.names[way.depth]);
	}
	if (fd != -1)
		close(fd);
	while (way.depth > 0)
		free(way.names[--way.depth]);
	free(way.names);
	free(way.parent_ino);

	if (!failed && last) {
		char record[PATH_MAX + 64];

		snprintf(record, sizeof(record), "%s/%s", path, last);
		if (unlink(record) == -1 && errno != ENOENT)
			failed = true;
	}
	if (!failed && rmdir(path) == -1 && errno != ENOENT)
		failed = true;
	if (failed) {
		warn("could not remove all of %s (a mount point, or files the kernel refuses "
		     "to delete): look, then remove it by hand: sudo rm -rf %s", quote(path), path);
		return -1;
	}
	trace("removed %s", path);
	return 0;
}
