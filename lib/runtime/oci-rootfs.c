#define _GNU_SOURCE
#include "runtime/oci-rootfs.h"
#include "base/log.h"
#include "kernel/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The rootfs, open: every target is resolved under it. */
static int rootfd = -1;

static int open_in_root(const char *path, int flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

	return syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/*
 * DEST (absolute, inside the container) made to exist under the rootfs, a
 * directory or an empty file, each step resolved inside the rootfs; an
 * O_PATH fd of it.
 */
static int make_target(const char *dest, bool dir)
{
	char prefix[PATH_MAX];
	size_t len = 0;
	const char *p = dest;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return open_in_root(".", O_PATH | O_DIRECTORY);
	while (*p) {
		const char *end = strchrnul(p, '/');
		bool last;
		int fd;

		if (len + (end - p) + 2 >= sizeof(prefix)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (len)
			prefix[len++] = '/';
		memcpy(prefix + len, p, end - p);
		len += end - p;
		prefix[len] = '\0';
		while (*end == '/')
			end++;
		last = *end == '\0';
		fd = open_in_root(prefix, O_PATH);
		if (fd == -1 && errno == ENOENT) {
			/* Made in its parent, by name: mkdirat follows no symlink. */
			char *slash = strrchr(prefix, '/');
			int parent;

			if (slash)
				*slash = '\0';
			parent = open_in_root(slash ? prefix : ".", O_PATH | O_DIRECTORY);
			if (slash)
				*slash = '/';
			if (parent == -1)
				return -1;
			if (!last || dir) {
				if (mkdirat(parent, slash ? slash + 1 : prefix, 0755) == -1 &&
				    errno != EEXIST) {
					close(parent);
					return -1;
				}
			} else {
				int f = openat(parent, slash ? slash + 1 : prefix,
					       O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

				if (f == -1 && errno != EEXIST) {
					close(parent);
					return -1;
				}
				if (f != -1)
					close(f);
			}
			close(parent);
			fd = open_in_root(prefix, O_PATH);
		}
		if (fd == -1)
			return -1;
		if (last)
			return fd;
		close(fd);
		p = end;
	}
	errno = EINVAL;
	return -1;
}

static void fd_path(int fd, char *out, size_t size)
{
	snprintf(out, size, "/proc/self/fd/%d", fd);
}

void oci_rootfs_prepare(const struct oci_spec *spec)
{
	/* Nothing we mount may show up on the host: slave of it, or what the
	 * caller asked (rootfsPropagation, applied to / again at the end). */
	unsigned long prop = spec->rootfs_propagation ? spec->rootfs_propagation
						      : MS_SLAVE | MS_REC;

	if (prop & MS_SHARED)
		prop = MS_SLAVE | MS_REC;   /* shared comes back at the end, on the new / */
	if (mount(NULL, "/", NULL, prop, NULL) == -1)
		die_errno(NULL, "make / %s", prop & MS_SLAVE ? "rslave" : "private");
	if (fs_mount(spec->root, spec->root, NULL, MS_BIND | MS_REC, NULL) == -1)
		die_errno("is root.path in config.json a directory?", "bind the rootfs %s onto itself",
			  spec->root);
	rootfd = open(spec->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1)
		die_errno(NULL, "open the rootfs %s", spec->root);
}

/* Flags a bind remount must keep, or the kernel refuses it (in a user namespace). */
static unsigned long locked_flags(const char *target)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(target, &sv) == -1)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	return flags;
}

/* v1 host: a tmpfs with each of the container's groups bound in, by controller. */
static void mount_cgroup_v1(const struct oci_mount *m, const char *target,
			    const struct cgroup *cg)
{
	char path[PATH_MAX + 64];

	char fresh[64];
	int fd;

	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") == -1)
		die_errno(NULL, "mount tmpfs for the cgroups on %s", m->destination);
	/* The fd we mounted on is below the tmpfs now: the path leads to it. */
	fd = make_target(m->destination, true);
	if (fd == -1)
		die_errno(NULL, "open %s", m->destination);
	fd_path(fd, fresh, sizeof(fresh));
	target = fresh;
	for (int i = 0; cg && i < cg->npaths; i++) {
		snprintf(path, sizeof(path), "%s/%s", target, cg->controllers[i]);
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			die_errno(NULL, "mkdir(\"%s\")", path);
		if (mount(cg->paths[i], path, NULL, MS_BIND, NULL) == -1)
			die_errno(NULL, "bind %s on %s", cg->paths[i], path);
		if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL) == -1)
			die_errno(NULL, "make %s read-only", path);
	}
	if ((m->flags & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") == -1)
		die_errno(NULL, "make %s read-only", m->destination);
	close(fd);
}

static void mount_one(const struct oci_mount *m, const struct cgroup *cg, const char *bundle)
{
	char target[64], source[PATH_MAX * 2];
	const char *type = m->type;
	bool dir = true;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	int fd;

	if (m->bind) {
		struct stat st;

		if (m->source[0] == '/')
			snprintf(source, sizeof(source), "%s", m->source);
		else
			snprintf(source, sizeof(source), "%s/%s", bundle, m->source);
		if (stat(source, &st) == -1)
			die_errno("the source of a bind mount must exist on the host",
				  "stat(\"%s\") for the mount on %s", source, m->destination);
		dir = S_ISDIR(st.st_mode);
	}
	fd = make_target(m->destination, dir);
	if (fd == -1)
		die_errno("is there a symlink or a file in the way inside the rootfs?",
			  "create the mount point %s in %s", m->destination, "the rootfs");
	fd_path(fd, target, sizeof(target));

	if (m->bind) {
		if (fs_mount(source, target, NULL, m->flags & (MS_BIND | MS_REC), NULL) == -1)
			die_errno(NULL, "bind %s on %s", source, m->destination);
		close(fd);
		/* The new mount is at the path now, not behind our old fd. */
		fd = make_target(m->destination, dir);
		fd_path(fd, target, sizeof(target));
		if (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
			     MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)) {
			if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags(target),
				  NULL) == -1)
				die_errno(NULL, "remount the bind mount on %s with its options",
					  m->destination);
		}
		if (m->recursive_ro) {
			struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

			if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) == -1)
				die_errno(NULL, "make %s read-only, recursively", m->destination);
		}
	} else if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		if (cg && cg->npaths > 0 && strcmp(cg->controllers[0], "") != 0)
			mount_cgroup_v1(m, target, cg);
		else if (mount("cgroup2", target, "cgroup2", flags, NULL) == -1)
			die_errno(NULL, "mount cgroup2 on %s", m->destination);
	} else {
		int result = mount(m->source[0] ? m->source : type, target, type, flags,
				   m->data[0] ? m->data : NULL);

		/* Without our own network namespace (sysfs) or in a user namespace
		 * (mqueue), the kernel refuses a new instance: the host's, bound. */
		if (result == -1 && errno == EPERM && (strcmp(type, "sysfs") == 0 ||
							strcmp(type, "mqueue") == 0)) {
			const char *host = type[0] == 's' ? "/sys" : "/dev/mqueue";

			result = mount(host, target, NULL, MS_BIND | MS_REC, NULL);
			if (result == 0 && (flags & MS_RDONLY))
				result = mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
					       locked_flags(target), NULL);
		}
		if (result == -1)
			die_errno(errno == ENODEV ? "this kernel does not know that filesystem" : NULL,
				  "mount(\"%s\", \"%s\", \"%s\", \"%s\")", m->source, m->destination,
				  type, m->data);
		trace("mount(\"%s\", \"%s\", \"%s\", \"%s\")", m->source, m->destination, type,
		      m->data);
	}
	if (m->propagation) {
		close(fd);
		fd = make_target(m->destination, dir);
		fd_path(fd, target, sizeof(target));
		if (mount(NULL, target, NULL, m->propagation, NULL) == -1)
			die_errno(NULL, "set the propagation of %s", m->destination);
	}
	close(fd);
}

/* A device node under the rootfs: mknod, or in a user namespace the host's bound. */
static void make_device(const char *path, char type, unsigned major, unsigned minor,
			mode_t mode, uid_t uid, gid_t gid)
{
	char target[64], host[PATH_MAX];
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	char *slash;
	int parent, fd;

	snprintf(host, sizeof(host), "%s", path);
	if ((slash = strrchr(host, '/')) == NULL || slash[1] == '\0')
		die("device path %s has no name", quote(path));
	*slash = '\0';
	parent = make_target(host[0] ? host : "/", true);
	if (parent == -1)
		die_errno(NULL, "create the directory of device %s", path);
	*slash = '/';
	fd_path(parent, target, sizeof(target));
	{
		int dirfd = open(target, O_DIRECTORY | O_CLOEXEC);

		close(parent);
		if (dirfd == -1)
			die_errno(NULL, "open the directory of device %s", path);
		unlinkat(dirfd, slash + 1, 0);
		if (mknodat(dirfd, slash + 1, kind | (mode & 07777), makedev(major, minor)) == -1) {
			if (errno != EPERM || kind == S_IFIFO)
				die_errno(NULL, "mknod(\"%s\", %c %u:%u)", path, type, major, minor);
			/* In a user namespace: an empty file with the host's node bound on it. */
			fd = openat(dirfd, slash + 1, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd == -1)
				die_errno(NULL, "create %s", path);
			close(fd);
			fd = make_target(path, false);
			fd_path(fd, target, sizeof(target));
			if (mount(path, target, NULL, MS_BIND, NULL) == -1)
				die_errno("mknod was refused (a user namespace, or no CAP_MKNOD), so the host's node is bound: is it on the host?",
					  "bind the host's %s", path);
			close(fd);
		} else if (fchownat(dirfd, slash + 1, uid, gid, AT_SYMLINK_NOFOLLOW) == -1) {
			die_errno(NULL, "chown %s", path);
		}
		close(dirfd);
	}
}

static void make_devices(const struct oci_spec *spec)
{
	static const struct { const char *path; unsigned major, minor; } defaults[] = {
		{ "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
	};
	static const struct { const char *name, *points_to; } links[] = {
		{ "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	bool dev_is_ours = false;
	mode_t old = umask(0);
	int dev;

	for (int i = 0; i < spec->nmounts; i++)
		if (strcmp(spec->mounts[i].destination, "/dev") == 0)
			dev_is_ours = !spec->mounts[i].bind;
	if (dev_is_ours) {
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			make_device(defaults[i].path, 'c', defaults[i].major, defaults[i].minor, 0666,
				    0, 0);
		dev = open_in_root("/dev", O_DIRECTORY);
		if (dev == -1)
			die_errno(NULL, "open /dev in the rootfs");
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			if (symlinkat(links[i].points_to, dev, links[i].name) == -1 && errno != EEXIST)
				die_errno(NULL, "symlink /dev/%s", links[i].name);
		close(dev);
	}
	for (int i = 0; i < spec->ndevices; i++) {
		const struct oci_device *d = &spec->devices[i];

		make_device(d->path, d->type, d->major, d->minor, d->has_mode ? d->mode : 0666,
			    d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0);
	}
	umask(old);
	trace("/dev: %s, %d devices of config.json", dev_is_ours ? "the usual 6 nodes" : "as mounted",
	      spec->ndevices);
}

void oci_rootfs_mount_all(const struct oci_spec *spec, const struct cgroup *cg)
{
	for (int i = 0; i < spec->nmounts; i++)
		mount_one(&spec->mounts[i], cg, spec->bundle);
	make_devices(spec);
}

void oci_rootfs_pivot(const struct oci_spec *spec, bool no_pivot)
{
	if (fchdir(rootfd) == -1)
		die_errno(NULL, "chdir into the rootfs %s", spec->root);
	if (no_pivot) {
		/* --no-pivot (a rootfs on a ramfs, where pivot_root is refused):
		 * move the mount over /, then chroot — weaker, runc's escape hatch. */
		if (mount(".", "/", NULL, MS_MOVE, NULL) == -1 || chroot(".") == -1)
			die_errno(NULL, "move the rootfs over / and chroot");
	} else {
		/* pivot_root(".", "."): the old root ends up on top of the new one,
		 * and is unmounted right away — no directory for it needed. */
		if (syscall(SYS_pivot_root, ".", ".") == -1)
			die_errno("is the rootfs on a ramfs? try --no-pivot", "pivot_root(%s)",
				  spec->root);
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) == -1)
			die_errno(NULL, "make the old root a slave");
		if (umount2(".", MNT_DETACH) == -1)
			die_errno(NULL, "detach the old root");
	}
	if (chdir("/") == -1)
		die_errno(NULL, "chdir(\"/\")");
	close(rootfd);
	rootfd = -1;
	trace("pivot_root into %s", spec->root);
}


void oci_rootfs_finish(const struct oci_spec *spec)
{
	char path[PATH_MAX];

	/* sysctls first: /proc/sys is about to become read-only. */
	for (int i = 0; i < spec->nsysctl; i++) {
		int fd;
		size_t len;

		snprintf(path, sizeof(path), "/proc/sys/%s", spec->sysctl_keys[i]);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		len = strlen(spec->sysctl_values[i]);
		if (fd == -1 || write(fd, spec->sysctl_values[i], len) != (ssize_t)len)
			die_errno("only namespaced sysctls can be set in a container",
				  "sysctl %s=%s", spec->sysctl_keys[i], spec->sysctl_values[i]);
		close(fd);
	}
	for (int i = 0; i < spec->nmasked; i++)
		fs_mask_path(spec->masked[i]);
	for (int i = 0; i < spec->nreadonly; i++)
		fs_make_readonly(spec->readonly[i]);
	trace("masked %d paths, %d read-only", spec->nmasked, spec->nreadonly);
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) == -1)
		die_errno(NULL, "make the root read-only (root.readonly)");
	if (spec->rootfs_propagation &&
	    mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) == -1)
		die_errno(NULL, "set the propagation of / (rootfsPropagation)");
}
