#define _GNU_SOURCE
#include "kernel/idmap.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- 1. idmapped mounts ------------------------------------------------ */

/* A detached clone of the mount at `dir`, owners shifted through `userns_fd`. */
static int idmapped_clone(const char *dir, int userns_fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = userns_fd };
	int fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd == -1)
		return -1;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == -1) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	trace("open_tree(\"%s\", OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP) = fd %d",
	      dir, fd);
	return fd;
}

/*
 * Attach each idmapped clone at <copy_dir>/lowerN, in the runtime's own mount
 * namespace: the child's mount table will be a copy of it, and the host's
 * never sees these mounts (they die with the runtime, even on SIGKILL).
 */
static int try_idmapped(const char *image, char *const layers[], int nlayers, int userns_fd,
			const char *copy_dir, struct shifted_layers *out)
{
	for (int i = -1; i < nlayers; i++) {
		const char *dir = i < 0 ? image : layers[i];
		char *path = i < 0 ? out->image : out->layers[i];
		int fd = idmapped_clone(dir, userns_fd);

		if (fd == -1)
			return -1;
		snprintf(path, PATH_MAX, "%s/lower%d", copy_dir, i + 1);
		if (mkdir(path, 0755) == -1 ||
		    move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
		trace("move_mount(fd, \"%s\")", path);
		out->mounted++;
	}
	return 0;
}

void idmap_unmount_layers(struct shifted_layers *lower)
{
	for (int i = 0; i < lower->mounted; i++) {
		const char *path = i == 0 ? lower->image : lower->layers[i - 1];

		if (umount2(path, MNT_DETACH) == -1)
			warn_errno("umount2(\"%s\", MNT_DETACH)", path);
		else
			trace("umount2(\"%s\", MNT_DETACH)", path);
	}
	lower->mounted = 0;
}

/* ---- 2. shifted copies ------------------------------------------------- */

/* Who the copies belong to: the owners on disk, shifted into the container's range. */
struct shift {
	const struct id_range *uids, *gids;
};

static unsigned long shifted(unsigned long id, const struct id_range *range)
{
	/* An ID the range cannot hold becomes "nobody" (65534) if it fits, else 0. */
	if (id >= range->count)
		id = 65534 < range->count ? 65534 : 0;
	return range->start + id;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in == -1)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out == -1) {
		close(in);
		return -1;
	}
	/* In the kernel if it can; across filesystems older kernels say EXDEV. */
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n == -1 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			errno == EOPNOTSUPP)) {
		char buf[65536];

		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n) {
				n = -1;
				break;
			}
	}
	close(in);
	close(out);
	return n == 0 ? 0 : -1;
}

/*
 * The user.* xattrs of `from` onto `to`. A layer loaded without root keeps
 * its whiteouts in them (lib/frontend/layer: user.overlay.whiteout on a
 * file, user.overlay.opaque on its directory): a copy without them would
 * bring a deleted file back. Other namespaces need privilege or are not the
 * image's (trusted.*, security.*).
 */
static void copy_user_xattrs(const char *from, const char *to)
{
	char names[4096], value[4096];
	ssize_t len = llistxattr(from, names, sizeof(names));

	if (len == -1) {
		if (errno == ENOTSUP)
			return;
		die_errno(NULL, "llistxattr(\"%s\")", from);
	}
	for (char *name = names; name < names + len; name += strlen(name) + 1) {
		ssize_t n;

		if (strncmp(name, "user.", 5) != 0)
			continue;
		if ((n = lgetxattr(from, name, value, sizeof(value))) == -1)
			die_errno(NULL, "lgetxattr(\"%s\", \"%s\")", from, name);
		if (lsetxattr(to, name, value, (size_t)n, 0) == 0)
			continue;
		/* Without the overlay's marks the image is wrong: say so, never run it. */
		if (strncmp(name, "user.overlay.", 13) == 0)
			die_errno(errno == ENOTSUP ? "the run directory's filesystem has no user "
				  "xattrs (tmpfs before Linux 6.6): set STEPBOX_RUNDIR to a disk" : NULL,
				  "lsetxattr(\"%s\", \"%s\") copying the image's whiteouts", to, name);
		trace("left out xattr %s of \"%s\": %s", name, from, strerror(errno));
	}
}

/* Copy one entry of the image (a directory with all it holds) to `to`. */
static void copy_entry(const char *from, const char *to, const struct stat *st,
		       const struct shift *shift)
{
	char link[PATH_MAX];
	ssize_t len;

	if (S_ISDIR(st->st_mode)) {
		DIR *dir;
		struct dirent *entry;

		/* Writable by us while we fill it: its mode is set at the end. */
		if (mkdir(to, (st->st_mode & 07777) | S_IRWXU) == -1 && errno != EEXIST)
			die_errno(NULL, "mkdir(\"%s\")", to);
		copy_user_xattrs(from, to);
		if ((dir = opendir(from)) == NULL) {
			/* Without root, a directory we may not read stays empty. */
			if (errno != EACCES)
				die_errno(NULL, "opendir(\"%s\")", from);
		} else {
			while ((entry = readdir(dir)) != NULL) {
				char sub_from[PATH_MAX], sub_to[PATH_MAX];
				struct stat sub;

				if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
					continue;
				if (snprintf(sub_from, sizeof(sub_from), "%s/%s", from, entry->d_name) >=
					    (int)sizeof(sub_from) ||
				    snprintf(sub_to, sizeof(sub_to), "%s/%s", to, entry->d_name) >=
					    (int)sizeof(sub_to))
					die("path too long in the image: %s/%s", from, entry->d_name);
				if (lstat(sub_from, &sub) == -1)
					die_errno(NULL, "lstat(\"%s\")", sub_from);
				/* One filesystem: what is mounted inside the image is not the image. */
				if (sub.st_dev == st->st_dev)
					copy_entry(sub_from, sub_to, &sub, shift);
			}
			closedir(dir);
		}
	} else if (S_ISLNK(st->st_mode)) {
		len = readlink(from, link, sizeof(link) - 1);
		if (len == -1)
			die_errno(NULL, "readlink(\"%s\")", from);
		link[len] = '\0';
		if (symlink(link, to) == -1)
			die_errno(NULL, "symlink(\"%s\")", to);
	} else if (S_ISREG(st->st_mode)) {
		/* Writable by us until its xattrs are on: its mode is set at the end. */
		if (copy_file(from, to, st->st_mode | S_IRUSR | S_IWUSR) == -1) {
			/* Without root, a file we may not read stays out of the container. */
			if (errno != EACCES)
				die_errno(NULL, "copy \"%s\" to \"%s\"", from, to);
			trace("left out \"%s\": %s", from, strerror(errno));
			return;
		}
		copy_user_xattrs(from, to);
	} else if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0)) {
		/* overlayfs's whiteout: a 0:0 character device, which the kernel
		 * lets anyone make (Linux 5.8+), unlike every other device. */
		if (mknod(to, S_IFCHR | (st->st_mode & 07777), makedev(0, 0)) == -1)
			die_errno(NULL, "mknod(\"%s\", S_IFCHR, 0:0) for a whiteout", to);
	} else {
		return; /* other devices, fifos, sockets: not in an image */
	}
	if (lchown(to, shifted(st->st_uid, shift->uids), shifted(st->st_gid, shift->gids)) == -1)
		die_errno(NULL, "lchown(\"%s\")", to);
	/* chown() clears set-user-ID bits: put the mode back (not for symlinks). */
	if (!S_ISLNK(st->st_mode) && chmod(to, st->st_mode & 07777) == -1)
		die_errno(NULL, "chmod(\"%s\")", to);
}

static void shifted_copy(const char *from, const char *to, const struct id_range *uids,
			 const struct id_range *gids)
{
	struct shift shift = { uids, gids };
	struct stat st;

	if (lstat(from, &st) == -1)
		die_errno(NULL, "lstat(\"%s\")", from);
	copy_entry(from, to, &st, &shift);
	trace("copied \"%s\" to \"%s\", owners shifted by %lu", from, to, uids->start);
}

/* ---- the choice ---------------------------------------------------------- */

void idmap_layers(const char *image, char *const layers[], int nlayers,
		  const struct id_range *uids, const struct id_range *gids,
		  const char *copy_dir, struct shifted_layers *out)
{
	const char *force = getenv("STEPBOX_IDMAP");
	int userns_fd = userns_open_with_maps(uids, gids);

	memset(out, 0, sizeof(*out));
	out->nlayers = nlayers;
	for (int i = 0; i < nlayers; i++)
		if ((out->layers[i] = malloc(PATH_MAX)) == NULL)
			die_errno(NULL, "malloc() for the shifted layers' paths");
	/* STEPBOX_IDMAP=copy: take the fallback, to see (and test) it on any kernel. */
	errno = EOPNOTSUPP;
	if ((force == NULL || strcmp(force, "copy") != 0) &&
	    try_idmapped(image, layers, nlayers, userns_fd, copy_dir, out) == 0) {
		close(userns_fd);
		return;
	}
	trace("idmapped mounts unavailable (%s): copying the layers instead", strerror(errno));
	idmap_unmount_layers(out);
	close(userns_fd);

	for (int i = -1; i < nlayers; i++) {
		char *path = i < 0 ? out->image : out->layers[i];

		snprintf(path, PATH_MAX, "%s/lower%d", copy_dir, i + 1);
		shifted_copy(i < 0 ? image : layers[i], path, uids, gids);
	}
}
