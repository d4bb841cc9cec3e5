#define _GNU_SOURCE
#include "kernel/fs.h"
#include "base/fault.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void fs_enter_chroot(const char *root)
{
	if (chroot(root) == -1)
		die_errno(errno == EPERM ? "chroot needs root (CAP_SYS_CHROOT)" : NULL,
			  "chroot(\"%s\")", root);
	trace("chroot(\"%s\")", root);
	/*
	 * chroot() changes only what "/" means; the working directory is still
	 * the host's. Without this chdir a relative path would walk right out
	 * of the new root.
	 */
	if (chdir("/") == -1)
		die_errno(NULL, "chdir(\"/\") after chroot");
	trace("chdir(\"/\")");
}

/* ---- mount(2), traced as given ------------------------------------------- */

/* "MS_NOSUID|MS_NODEV" for the flags we use; "0" for none. */
int fs_make_path(const char *path, mode_t mode)
{
	char part[PATH_MAX];

	if (snprintf(part, sizeof(part), "%s", path) >= (int)sizeof(part)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *slash = strchr(part + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(part, mode) == -1 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	if (mkdir(part, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static void mount_flag_names(unsigned long flags, char *out, size_t size)
{
	static const struct { unsigned long flag; const char *name; } names[] = {
		{ MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" }, { MS_NODEV, "MS_NODEV" },
		{ MS_NOEXEC, "MS_NOEXEC" }, { MS_REMOUNT, "MS_REMOUNT" }, { MS_BIND, "MS_BIND" },
		{ MS_REC, "MS_REC" },       { MS_PRIVATE, "MS_PRIVATE" }, { MS_SLAVE, "MS_SLAVE" },
		{ MS_SHARED, "MS_SHARED" }, { MS_RELATIME, "MS_RELATIME" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag) {
			len += snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? "|" : "", names[i].name);
			flags &= ~names[i].flag;
		}
	if (flags || len == 0)
		snprintf(out + len, len < size ? size - len : 0, "%s%#lx", len ? "|" : "", flags);
}

int fs_mount(const char *source, const char *target, const char *type, unsigned long flags,
	     const char *data)
{
	char names[192];

	if (mount(source, target, type, flags, data) == -1)
		return -1;
	mount_flag_names(flags, names, sizeof(names));
	trace("mount(%s, %s, %s, %s, %s)", source ? quote(source) : "NULL", quote(target),
	      type ? quote(type) : "NULL", names, data ? quote(data) : "NULL");
	return 0;
}

void fs_mount_proc(const char *target)
{
	if (fs_mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
		die_errno(errno == ENOENT ? "the image needs an empty /proc directory" : NULL,
			  "mount(\"proc\", \"%s\", \"proc\")", target);
}

static int is_proc_mount(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/*
 * Is the PID namespace that this proc shows over? Its PID 1 is gone, or is a
 * zombie: once PID 1 exits the kernel kills the rest of the namespace, and
 * only its reaping is left (which a host's init may do late).
 */
static int pid_namespace_is_over(const char *proc)
{
	char path[PATH_MAX + 32], stat[256], *end_of_comm;
	FILE *f;

	snprintf(path, sizeof(path), "%s/1/stat", proc);
	f = fopen(path, "re");
	if (f == NULL)
		return 1;
	if (fgets(stat, sizeof(stat), f) == NULL)
		stat[0] = '\0';
	fclose(f);
	/* "1 (comm) S ...": the state follows the last ')'. */
	end_of_comm = strrchr(stat, ')');
	return end_of_comm && end_of_comm[1] == ' ' && end_of_comm[2] == 'Z';
}

void fs_unmount_stale_proc(const char *rootfs)
{
	char proc[PATH_MAX + 16];

	snprintf(proc, sizeof(proc), "%s/proc", rootfs);
	/* A proc whose namespace still has a live PID 1 belongs to a running container. */
	while (is_proc_mount(proc) && pid_namespace_is_over(proc)) {
		if (umount2(proc, MNT_DETACH) == -1) {
			warn_errno("umount2(\"%s\", MNT_DETACH)", proc);
			return;
		}
		trace("umount2(\"%s\", MNT_DETACH)", proc);
	}
}

void fs_make_mounts_private(void)
{
	if (fs_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die_errno(NULL, "mount(\"/\", MS_REC|MS_PRIVATE)");
}

void fs_enter_own_mount_namespace(void)
{
	if (geteuid() != 0) {
		trace("without root: no mount namespace of our own (the layers will be copied)");
		return;
	}
	if (unshare(CLONE_NEWNS) == -1)
		die_errno(NULL, "unshare(CLONE_NEWNS) for the runtime");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die_errno(NULL, "mount(\"/\", MS_REC|MS_PRIVATE) in the runtime's namespace");
	trace("unshare(CLONE_NEWNS) for the runtime, mounts private");
}

/* Append to the overlay's options; false once they no longer fit. */
static bool add_option(char *data, size_t size, size_t *len, const char *fmt, const char *value)
{
	int n = snprintf(data + *len, size - *len, fmt, value);

	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += n;
	return true;
}

/* lowerdir=TOP:...:IMAGE — overlayfs lists its layers top first. */
static bool lower_option(char *data, size_t size, size_t *len, const char *image,
			 char *const layers[], int nlayers, bool short_names)
{
	char name[16];
	bool fits = add_option(data, size, len, "%s", "lowerdir=");

	for (int i = nlayers - 1; i >= 0 && fits; i--) {
		snprintf(name, sizeof(name), "l/%d", i + 1);
		fits = add_option(data, size, len, "%s:", short_names ? name : layers[i]);
	}
	return fits && add_option(data, size, len, "%s", short_names ? "l/0" : image);
}

/*
 * The short names: run->path/l/0 is the image, l/1... the layers above,
 * each a symlink to its directory. overlayfs follows them when it looks up
 * lowerdir, relative to our working directory, once, at mount time.
 */
static void make_short_links(const struct rundir *run, const char *image, char *const layers[],
			     int nlayers)
{
	char dir[PATH_MAX + 8], link[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/l", run->path);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die_errno(NULL, "mkdir(\"%s\") for the layers' short names", dir);
	for (int i = 0; i <= nlayers; i++) {
		snprintf(link, sizeof(link), "%s/%d", dir, i);
		unlink(link);
		if (symlink(i == 0 ? image : layers[i - 1], link) == -1)
			die_errno(NULL, "symlink(\"%s\", \"%s\")", i == 0 ? image : layers[i - 1], link);
	}
	trace("symlink() x %d: %s/l/0..%d name the layers (the option must fit one page)",
	      nlayers + 1, run->path, nlayers);
}

void fs_mount_overlay(const char *image, char *const layers[], int nlayers,
		      const struct rundir *run, enum overlay_xattrs xattrs)
{
	/* mount(2) copies at most one page of options: longer ones cannot work. */
	char data[4096];
	size_t len = 0;
	bool short_names = false, fits = lower_option(data, sizeof(data), &len, image, layers,
						      nlayers, false);
	int cwd = -1, r;

	if (!fits) {
		short_names = true;
		len = 0;
		fits = lower_option(data, sizeof(data), &len, image, layers, nlayers, true);
	}
	fits = fits && add_option(data, sizeof(data), &len, ",upperdir=%s", run->upper) &&
	       add_option(data, sizeof(data), &len, ",workdir=%s", run->work) &&
	       (xattrs == OVERLAY_TRUSTED_XATTRS ||
		add_option(data, sizeof(data), &len, "%s", ",userxattr"));
	if (!fits)
		die("overlay mount on %s: the layer paths add up to more than the %zu bytes "
		    "mount() takes — use shorter paths (or a shorter STEPBOX_RUNDIR)",
		    quote(run->merged), sizeof(data) - 1);
	if (short_names) {
		make_short_links(run, image, layers, nlayers);
		if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
		    chdir(run->path) == -1)
			die_errno(NULL, "chdir(\"%s\") for the layers' short names", run->path);
	}
	/*
	 * "volatile" (Linux >= 5.10): the writable layer is thrown away with
	 * the container, so overlayfs need not sync it. Without it, the last
	 * unmount — in PID 1's exit, when its mount namespace goes — syncs the
	 * whole filesystem under upperdir and the exit waits for the disk.
	 * Older kernels refuse the option (EINVAL): mount again without it.
	 */
	size_t plain = len;
	bool with_volatile = add_option(data, sizeof(data), &len, "%s", ",volatile");

	r = fs_mount("overlay", run->merged, "overlay", 0, data);
	if (r == -1 && errno == EINVAL && with_volatile) {
		data[plain] = '\0';
		trace("overlay again without \"volatile\" (before Linux 5.10: its unmount syncs)");
		r = fs_mount("overlay", run->merged, "overlay", 0, data);
	}
	if (r == -1) {
		const char *hint =
			errno == ENODEV ? "is the overlay module loaded? try: modprobe overlay"
			: errno == EINVAL ? "upper and work must be on one filesystem that is not "
					    "overlayfs, NFS or vboxsf (set STEPBOX_RUNDIR)"
			: NULL;
		die_errno(hint, "overlay mount on %s (%s)", run->merged, data);
	}
	if (cwd >= 0 && (fchdir(cwd) == -1 || close(cwd) == -1))
		die_errno(NULL, "fchdir() back from %s", run->path);
}

/* glibc has no wrapper for pivot_root(2). */
static int pivot_root(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old);
}

void fs_pivot_into(const char *new_root)
{
	fault_point("mounts");
	if (chdir(new_root) == -1)
		die_errno(NULL, "chdir(\"%s\")", new_root);
	/*
	 * pivot_root() moves the old root to a directory inside the new one:
	 * make that directory, and pivot.
	 */
	if (mkdir("." FS_OLD_ROOT, 0700) == -1 && errno != EEXIST)
		die_errno(NULL, "mkdir(\"%s%s\")", new_root, FS_OLD_ROOT);
	if (pivot_root(".", "." FS_OLD_ROOT) == -1)
		die_errno(errno == EINVAL ? "the new root must be a mount point, and / must not "
					    "be shared (was MS_PRIVATE applied?)" : NULL,
			  "pivot_root(\"%s\", \"%s%s\")", new_root, new_root, FS_OLD_ROOT);
	trace("pivot_root(\"%s\", \"%s%s\")", new_root, new_root, FS_OLD_ROOT);
	if (chdir("/") == -1)
		die_errno(NULL, "chdir(\"/\") after pivot_root");
}

void fs_detach_old_root(void)
{
	/*
	 * MNT_DETACH: the host's mounts are busy (the runtime still uses them),
	 * so a plain umount would fail; a lazy one cuts them out of our tree now.
	 */
	if (umount2(FS_OLD_ROOT, MNT_DETACH) == -1)
		die_errno(NULL, "umount2(\"%s\", MNT_DETACH)", FS_OLD_ROOT);
	trace("umount2(\"%s\", MNT_DETACH)", FS_OLD_ROOT);
	if (rmdir(FS_OLD_ROOT) == -1)
		die_errno(NULL, "rmdir(\"%s\")", FS_OLD_ROOT);
}

void fs_mount_sys_readonly(const char *target)
{
	if (fs_mount("sysfs", target, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL) == -1)
		die_errno(NULL, "mount(\"sysfs\", \"%s\", \"sysfs\", MS_RDONLY)", target);
}

void fs_check_cwd_inside(const char *path)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
		die("the working directory %s is outside the container's root", quote(path));
}

void fs_mask_path(const char *path)
{
	struct stat st, null;
	char source[64];
	int fd;

	if (lstat(path, &st) == -1)
		return;   /* not on this kernel: nothing to hide */
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0,mode=555") == -1)
			die_errno(NULL, "mask %s with an empty tmpfs", path);
		return;
	}
	/* The null device we bind is checked to be one: opened without
	 * following a symlink, char 1:3 (CVE-2025-31133). */
	fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &null) == -1)
		die_errno("masking needs the container's /dev/null", "open(\"/dev/null\")");
	if (!S_ISCHR(null.st_mode) || null.st_rdev != makedev(1, 3))
		die("/dev/null in the container is not the null device (char 1:3): refusing to "
		    "bind it on %s (CVE-2025-31133)", path);
	snprintf(source, sizeof(source), "/proc/self/fd/%d", fd);
	if (mount(source, path, NULL, MS_BIND, NULL) == -1)
		die_errno(NULL, "mask %s with /dev/null", path);
	close(fd);
}

void fs_make_readonly(const char *path)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

	if (access(path, F_OK) == -1)
		return;
	/* A bind of itself, then read-only: only this mount, not /proc. */
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) == -1 ||
	    mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &ro, sizeof(ro)) == -1)
		die_errno(NULL, "make %s read-only", path);
}

void fs_mask_paths(void)
{
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap",
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};

	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		fs_mask_path(masked[i]);
	for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++)
		fs_make_readonly(readonly[i]);
	trace("masked %zu paths of /proc and /sys, %zu read-only",
	      sizeof(masked) / sizeof(masked[0]), sizeof(readonly) / sizeof(readonly[0]));
}

void fs_mount_tmpfs(const char *target, const char *options)
{
	if (fs_mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options) == -1)
		die_errno(errno == ENOENT ? "the image needs this directory" : NULL,
			  "mount(\"tmpfs\", \"%s\", \"tmpfs\", \"%s\")", target, options);
}

/*
 * In a user namespace mknod() is refused — a device node would open the
 * host's device. Bind-mounting the host's own node is allowed: it grants no
 * more than the host's permissions on it already do.
 */
static void bind_host_device(const char *name, const char *target)
{
	char host[64];
	int fd;

	snprintf(host, sizeof(host), "%s/dev/%s", FS_OLD_ROOT, name);
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd == -1)
		die_errno(NULL, "create \"%s\"", target);
	close(fd);
	if (fs_mount(host, target, NULL, MS_BIND, NULL) == -1)
		die_errno("was /dev mounted between fs_pivot_into() and fs_detach_old_root()?",
			  "mount(\"%s\", \"%s\", MS_BIND)", host, target);
}

/*
 * A /dev with only the harmless character devices every program expects.
 * The host's disks, consoles and memory devices are simply not there.
 */
void fs_mount_minimal_dev(const char *target)
{
	static const struct { const char *name; unsigned major, minor; } devices[] = {
		{ "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
	};
	static const struct { const char *name, *points_to; } links[] = {
		{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	char path[PATH_MAX + 16];
	mode_t old_umask;

	if (fs_mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k") == -1)
		die_errno(NULL, "mount(\"tmpfs\", \"%s\", \"tmpfs\")", target);

	old_umask = umask(0); /* so the modes below are the modes we get */
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", target, devices[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) == 0) {
			trace("mknod(\"%s\", c %u:%u)", path, devices[i].major, devices[i].minor);
			continue;
		}
		if (errno != EPERM)
			die_errno(NULL, "mknod(\"%s\")", path);
		bind_host_device(devices[i].name, path);
	}
	snprintf(path, sizeof(path), "%s/shm", target);
	if (mkdir(path, 01777) == -1)
		die_errno(NULL, "mkdir(\"%s\")", path);

	/* A devpts instance of its own gives the container its own pseudo-terminals. */
	snprintf(path, sizeof(path), "%s/pts", target);
	if (mkdir(path, 0755) == -1)
		die_errno(NULL, "mkdir(\"%s\")", path);
	if (fs_mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=620") == -1)
		die_errno(NULL, "mount(\"devpts\", \"%s\")", path);
	umask(old_umask);

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", target, links[i].name);
		if (symlink(links[i].points_to, path) == -1)
			die_errno(NULL, "symlink(\"%s\")", path);
	}
}

void fs_enter_workdir(const char *path)
{
	char partial[PATH_MAX];

	for (const char *slash = path; (slash = strchr(slash + 1, '/')) != NULL;) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(slash - path), path);
		mkdir(partial, 0755);
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die_errno(NULL, "mkdir(%s) for the working directory", quote(path));
	if (chdir(path) == -1)
		die_errno(NULL, "chdir(%s)", quote(path));
	fs_check_cwd_inside(path);
}
