/*
 * layer — a tar stream into a directory that overlayfs can use as a lower
 * layer, without letting the archive touch anything outside it.
 *
 * The one idea that makes it safe: no path from the archive is ever handed
 * to the kernel as a whole. The name is cleaned first (no "..", no leading
 * "/"), its parent directory is opened from the layer's root fd with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS), and the last component is
 * created relative to that fd with O_EXCL|O_NOFOLLOW. A symlink an earlier
 * member made is data in the layer, never a way through it.
 */
#define _GNU_SOURCE
#include "frontend/layer.h"
#include "frontend/decompress.h"
#include "frontend/tar.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A directory's metadata, applied after all members are in (see finish_dirs). */
struct dir_record {
	char *path;               /* cleaned, relative to the root; "" is the root */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int64_t mtime;
};

struct unpack {
	const struct layer_options *opts;
	struct layer_report *report;
	int root;                 /* the temporary directory: every path starts here */
	bool as_root;             /* owners, devices, set-id bits, xattrs */
	bool have_openat2;        /* until the kernel says ENOSYS */
	struct dir_record *dirs;
	size_t ndirs, dirs_cap;
	const char *member;       /* the member at hand, for messages */
	struct error *err;
};

/* One line into the caller's `err`, and -1. */
#define fail(u, ...) error_set((u)->err, __VA_ARGS__)

/* "member NAME: what: errno text", errno taken before anything can change it. */
static int fail_errno(struct unpack *u, const char *what)
{
	int e = errno;

	return fail(u, "member %s: %s: %s", quote(u->member), what, strerror(e));
}

/*
 * The archive's name as a path inside the layer: "./a//b/" is "a/b".
 * A leading "/" is dropped (docker does the same: "/etc/x" is the layer's
 * etc/x); ".." is refused rather than resolved, as no honest layer has it.
 */
static int clean_name(struct unpack *u, const char *name, char *out, const char *what)
{
	char copy[PATH_MAX], *part, *save;
	size_t len = 0;
	int depth = 0;

	snprintf(copy, sizeof(copy), "%s", name);
	out[0] = '\0';
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0)
			return fail(u, "member %s: %s has a \"..\" component, which could leave the"
				    " layer — refused", quote(u->member), what);
		if (++depth > LAYER_MAX_DEPTH)
			return fail(u, "member %s: %s is deeper than %d directories — refused",
				    quote(u->member), what, LAYER_MAX_DEPTH);
		len += (size_t)snprintf(out + len, PATH_MAX - len, "%s%s", len ? "/" : "", part);
	}
	return 0;
}

/* "a/b/c": its directory "a/b" into dir, and "c" returned (a pointer
 * into path); "c": dir "" and "c". dir has room for PATH_MAX bytes. */
static const char *split_name(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	memcpy(dir, path, n);
	dir[n] = '\0';
	return slash ? slash + 1 : path;
}

/*
 * Where openat2 is missing (Linux < 5.6): the same walk by hand, one
 * component at a time with O_NOFOLLOW, so a symlink stops it (ENOTDIR) as
 * RESOLVE_NO_SYMLINKS would. With `create`, missing directories are made
 * (mode 0755, as docker makes the parents an archive did not list).
 */
static int walk_dirs(struct unpack *u, const char *path, bool create)
{
	char copy[PATH_MAX], *part, *save;
	int fd = fcntl(u->root, F_DUPFD_CLOEXEC, 0), next;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, "/", &save); part && fd >= 0; part = strtok_r(NULL, "/", &save)) {
		next = openat(fd, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create && mkdirat(fd, part, 0755) == 0)
			next = openat(fd, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

/* A directory of the layer, as an O_PATH fd: -1 with errno if it is missing,
 * a symlink or not a directory. */
static int open_dir(struct unpack *u, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		/* IN_ROOT: "/" and ".." stop at the layer's root, whatever we missed.
		 * NO_SYMLINKS: an earlier member's symlink is not followed at all. */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long fd;

	if (path[0] == '\0')
		return fcntl(u->root, F_DUPFD_CLOEXEC, 0);
	if (u->have_openat2) {
		fd = syscall(SYS_openat2, u->root, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		u->have_openat2 = false;
	}
	return walk_dirs(u, path, false);
}

/* The parent of a member, made if the archive did not list it. */
static int open_parent(struct unpack *u, const char *dir)
{
	int fd = open_dir(u, dir), e;

	if (fd < 0 && errno == ENOENT)
		fd = walk_dirs(u, dir, true);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ELOOP || e == ENOTDIR)
		return fail(u, "member %s: a component of %s is a symlink or not a directory —"
			    " refusing to go through it", quote(u->member), quote(dir));
	return fail(u, "member %s: opening its directory %s: %s", quote(u->member),
		    quote(dir), strerror(e));
}

/*
 * Make room for a new entry: a non-directory of that name (an earlier
 * member, a whiteout) is removed, so O_EXCL can create the new one and
 * nothing is ever written through what was there. 1: a directory is there
 * and stays (for a directory member); 0: the name is free.
 */
static int make_room(struct unpack *u, int parent, const char *base, bool for_dir)
{
	struct stat st;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail_errno(u, "stat");
	if (S_ISDIR(st.st_mode)) {
		if (for_dir)
			return 1;
		return fail(u, "member %s: would replace a directory of this layer — refused",
			    quote(u->member));
	}
	if (unlinkat(parent, base, 0) < 0)
		return fail_errno(u, "removing the earlier entry");
	return 0;
}

/* Set-id bits are a privilege: only root may hand them out. */
static mode_t allowed_mode(const struct unpack *u, mode_t mode)
{
	return u->as_root ? mode & 07777 : mode & 01777;
}

static bool is_overlay_xattr(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

/*
 * The archive's xattrs onto fd. Overlay's own (trusted.overlay.*,
 * user.overlay.*) are dropped: in a lower layer they would steer overlayfs
 * (opaque, redirect, metacopy) and only the whiteout rules may set them.
 * The rest (security.capability, ...) only as root, and a filesystem that
 * does not take xattrs only costs a count.
 */
static int restore_xattrs(struct unpack *u, int fd, const struct tar_member *m)
{
	int i;

	for (i = 0; i < m->nxattrs; i++) {
		const struct tar_xattr *x = &m->xattrs[i];

		if (is_overlay_xattr(x->name)) {
			u->report->xattrs_dropped++;
		} else if (!u->as_root || fd < 0) {
			u->report->xattrs_skipped++;
		} else if (fsetxattr(fd, x->name, x->value, x->size, 0) < 0) {
			int e = errno;

			if (e != ENOTSUP)
				return fail(u, "member %s: setting xattr %s: %s", quote(u->member),
					    quote(x->name), strerror(e));
			u->report->xattrs_skipped++;
		}
	}
	return 0;
}

static void mtime_of(const struct tar_member *m, struct timespec ts[2])
{
	ts[0].tv_sec = ts[1].tv_sec = (time_t)m->mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
}

/*
 * Owner, mode, xattrs, mtime of a node that is not a file or directory.
 * fchmodat follows a symlink, but `base` is one we just created and no one
 * else writes in the layer's private (0700) temporary directory.
 */
static int finish_node(struct unpack *u, int parent, const char *base, const struct tar_member *m)
{
	struct timespec ts[2];

	mtime_of(m, ts);
	if (u->as_root && fchownat(parent, base, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(u, "lchown");
	if (m->type != TAR_SYMLINK && fchmodat(parent, base, allowed_mode(u, m->mode), 0) < 0)
		return fail_errno(u, "chmod");
	if (restore_xattrs(u, -1, m) < 0)
		return -1;
	if (utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(u, "utimensat");
	return 0;
}

static int write_all(int fd, const char *buf, size_t size)
{
	ssize_t n;

	while (size > 0) {
		n = write(fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		size -= (size_t)n;
	}
	return 0;
}

static int make_file(struct unpack *u, struct tar *t, int parent, const char *base,
		     const struct tar_member *m)
{
	struct timespec ts[2];
	char buf[64 * 1024];
	ssize_t n;
	int fd, r = -1;

	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail_errno(u, "create");
	while ((n = tar_read(t, buf, sizeof(buf), u->err)) > 0)
		if (write_all(fd, buf, (size_t)n) < 0) {
			fail_errno(u, "write");
			goto out;
		}
	if (n < 0)
		goto out;
	/* The order matters: chown clears set-id bits and security.capability,
	 * so mode and xattrs come after it, and the mtime after the data. */
	mtime_of(m, ts);
	if (u->as_root && fchown(fd, m->uid, m->gid) < 0)
		fail_errno(u, "chown");
	else if (fchmod(fd, allowed_mode(u, m->mode)) < 0)
		fail_errno(u, "chmod");
	else if (restore_xattrs(u, fd, m) < 0)
		;                       /* it said why */
	else if (futimens(fd, ts) < 0)
		fail_errno(u, "futimens");
	else
		r = 0;
out:
	if (close(fd) < 0 && r == 0)
		r = fail_errno(u, "close");
	return r;
}

/* A directory's owner, mode and mtime wait until the end (finish_dirs):
 * a read-only directory must still take its members, and each member
 * created inside would change the mtime again. */
static int record_dir(struct unpack *u, const char *path, const struct tar_member *m)
{
	struct dir_record *d = NULL;
	size_t i;

	for (i = u->ndirs; i-- > 0 && !d;)     /* listed twice: the last one wins */
		if (strcmp(u->dirs[i].path, path) == 0)
			d = &u->dirs[i];
	if (!d) {
		if (u->ndirs == u->dirs_cap) {
			size_t cap = u->dirs_cap ? 2 * u->dirs_cap : 64;
			struct dir_record *more = realloc(u->dirs, cap * sizeof(*more));

			if (!more)
				return fail(u, "out of memory for directory records");
			u->dirs = more;
			u->dirs_cap = cap;
		}
		d = &u->dirs[u->ndirs];
		d->path = strdup(path);
		if (!d->path)
			return fail(u, "out of memory for directory records");
		u->ndirs++;
	}
	d->mode = allowed_mode(u, m->mode);
	d->uid = m->uid;
	d->gid = m->gid;
	d->mtime = m->mtime;
	return 0;
}

static int make_dir(struct unpack *u, int parent, const char *base, const char *path,
		    const struct tar_member *m)
{
	int exists = make_room(u, parent, base, true), fd, r;

	if (exists < 0)
		return -1;
	if (!exists && mkdirat(parent, base, 0700) < 0)
		return fail_errno(u, "mkdir");
	fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(u, "open");
	r = restore_xattrs(u, fd, m);
	close(fd);
	return r < 0 ? -1 : record_dir(u, path, m);
}

/* A hard link's target is looked up in this layer only, like any member. */
static int make_hardlink(struct unpack *u, int parent, const char *base, const struct tar_member *m)
{
	char target[PATH_MAX], dir[PATH_MAX];
	const char *target_base;
	int target_dir, r = 0;

	if (clean_name(u, m->link, target, "its hard link target") < 0)
		return -1;
	target_base = split_name(target, dir);
	target_dir = open_dir(u, dir);
	/* flags 0: link the entry itself, never what a symlink points to. */
	if (target_dir < 0 || linkat(target_dir, target_base, parent, base, 0) < 0) {
		int e = errno;

		r = fail(u, "member %s: hard link to %s: %s — a hard link may only name an"
			 " earlier member of the same layer", quote(u->member), quote(m->link),
			 strerror(e));
	}
	if (target_dir >= 0)
		close(target_dir);
	return r;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname un;
	int ma = 0, mi = 0;

	return uname(&un) == 0 && sscanf(un.release, "%d.%d", &ma, &mi) == 2 &&
	       (ma > major || (ma == major && mi >= minor));
}

/* The opaque xattr of a directory fd: 'y', 'x' or 0. */
static char opaque_of(struct unpack *u, int dirfd)
{
	char v = 0;

	if (fgetxattr(dirfd, u->opts->userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque",
		      &v, 1) != 1)
		return 0;
	return v;
}

/* user.overlay form: whiteouts already made in a directory that is now
 * opaque serve no purpose, and overlayfs would show them as empty files. */
static void drop_xwhiteouts(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	struct stat st;

	while (d && (e = readdir(d)) != NULL) {
		int f;

		/* Only empty regular files are opened: opening a device node
		 * would run its driver. */
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_size != 0)
			continue;
		f = openat(fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f >= 0 && fgetxattr(f, "user.overlay.whiteout", NULL, 0) >= 0)
			unlinkat(fd, e->d_name, 0);
		if (f >= 0)
			close(f);
	}
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
}

/* .wh..wh..opq: the directory hides everything of the layers below it. */
static int make_opaque(struct unpack *u, const char *dir)
{
	int parent = open_parent(u, dir), fd, r = 0;
	const char *name = u->opts->userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";

	if (parent < 0)
		return -1;
	fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsetxattr(fd, name, "y", 1, 0) < 0) {
		int e = errno;

		r = fail(u, "member %s: setting %s on its directory: %s%s", quote(u->member), name,
			 strerror(e), e == EPERM ? " — run as root, or use the userxattr mode" : "");
	} else if (u->opts->userxattr) {
		drop_xwhiteouts(fd);
	} else {
		/* The user.overlay mark too: an overlay mounted in a user namespace
		 * (run --userns-remap) reads only those (-o userxattr). Where the
		 * filesystem has no user xattrs, the trusted one still serves root. */
		(void)fsetxattr(fd, "user.overlay.opaque", "y", 1, 0);
	}
	if (fd >= 0)
		close(fd);
	close(parent);
	return r;
}

/* user.overlay form of a whiteout: a zero-size file with user.overlay.whiteout,
 * its directory marked opaque=x ("look for such files here"). */
static int make_xwhiteout(struct unpack *u, int parent, const char *name)
{
	int dirfd, fd, r = 0;
	char opaque;

	if (!kernel_at_least(6, 8))
		return fail(u, "member %s: an unprivileged whiteout needs overlayfs's xattr form,"
			    " which Linux reads since 6.8 — unpack as root (a 0:0 character"
			    " device) or on a newer kernel", quote(u->member));
	dirfd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return fail_errno(u, "open its directory");
	opaque = opaque_of(u, dirfd);
	if (opaque == 'y')              /* opaque already: nothing below to hide */
		goto out;
	fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fsetxattr(fd, "user.overlay.whiteout", "y", 1, 0) < 0 ||
	    (opaque != 'x' && fsetxattr(dirfd, "user.overlay.opaque", "x", 1, 0) < 0))
		r = fail_errno(u, "making a user.overlay whiteout");
	if (fd >= 0)
		close(fd);
out:
	close(dirfd);
	return r;
}

/*
 * The image format's whiteouts (OCI image-spec, layer.md) into overlayfs's:
 * ".wh.NAME" deletes NAME of the layers below, ".wh..wh..opq" hides all of
 * its directory below; other ".wh..wh." names are AUFS internals.
 */
static int make_whiteout(struct unpack *u, const char *dir, const char *base)
{
	const char *name = base + 4;
	int parent, r;

	if (strcmp(base, ".wh..wh..opq") == 0)
		return make_opaque(u, dir);
	if (strncmp(name, ".wh.", 4) == 0)
		return 0;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail(u, "member %s: a whiteout that names no file — not a valid layer",
			    quote(u->member));
	if (!u->opts->userxattr && !u->as_root)
		return fail(u, "member %s: a whiteout is a 0:0 character device, which needs root"
			    " (CAP_MKNOD) — run as root, or unpack with --userxattr for an"
			    " unprivileged overlay", quote(u->member));
	parent = open_parent(u, dir);
	if (parent < 0)
		return -1;
	r = make_room(u, parent, name, false);
	if (r == 0 && u->opts->userxattr)
		r = make_xwhiteout(u, parent, name);
	else if (r == 0 && mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		r = fail_errno(u, "mknod whiteout");
	close(parent);
	return r;
}

static int unpack_member(struct unpack *u, struct tar *t, const struct tar_member *m)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *base;
	int parent, r = 0;

	u->member = m->name;
	if (++u->report->entries > u->opts->max_entries)
		return fail(u, "member %s: more than %lu entries in one layer — refused",
			    quote(m->name), (unsigned long)u->opts->max_entries);
	if (clean_name(u, m->name, path, "its name") < 0)
		return -1;
	if (path[0] == '\0')            /* "./": the layer's root itself */
		return m->type == TAR_DIR ? record_dir(u, "", m)
			: fail(u, "member %s: a %s as the layer's root", quote(m->name), tar_type_name(m->type));
	base = split_name(path, dir);
	/* Inside AUFS's own directories (.wh..wh.plnk/...): nothing of the image. */
	if (strncmp(dir, ".wh..wh.", 8) == 0 || strstr(dir, "/.wh..wh."))
		return 0;
	if (strncmp(base, ".wh.", 4) == 0)
		return make_whiteout(u, dir, base);
	if ((m->type == TAR_CHAR || m->type == TAR_BLOCK) && !u->as_root) {
		u->report->devices_skipped++;           /* the caller says so, once */
		return 0;
	}
	parent = open_parent(u, dir);
	if (parent < 0)
		return -1;
	if (m->type != TAR_DIR && make_room(u, parent, base, false) < 0) {
		close(parent);
		return -1;
	}
	switch (m->type) {
	case TAR_FILE:
		r = make_file(u, t, parent, base, m);
		break;
	case TAR_DIR:
		r = make_dir(u, parent, base, path, m);
		break;
	case TAR_HARDLINK:
		r = make_hardlink(u, parent, base, m);
		break;
	case TAR_SYMLINK:
		if (symlinkat(m->link, parent, base) < 0)
			r = fail_errno(u, "symlink");
		break;
	case TAR_CHAR: case TAR_BLOCK: case TAR_FIFO: {
		mode_t kind = m->type == TAR_CHAR ? S_IFCHR : m->type == TAR_BLOCK ? S_IFBLK : S_IFIFO;

		if (mknodat(parent, base, kind | 0600, makedev(m->major, m->minor)) < 0)
			r = fail_errno(u, "mknod");
		break;
	}
	}
	if (r == 0 && m->type != TAR_FILE && m->type != TAR_DIR && m->type != TAR_HARDLINK)
		r = finish_node(u, parent, base, m);
	close(parent);
	return r;
}

/* Directories last, deepest first: owner, mode (now read-only ones may
 * close), then the mtime, which nothing will change any more. */
static int finish_dirs(struct unpack *u)
{
	size_t i = u->ndirs;
	bool root_listed = false;

	while (i-- > 0) {
		struct dir_record *d = &u->dirs[i];
		struct timespec ts[2] = { { (time_t)d->mtime, 0 }, { (time_t)d->mtime, 0 } };
		char dir[PATH_MAX];
		const char *base;
		int parent;

		u->member = d->path;
		if (d->path[0] == '\0') {
			root_listed = true;
			continue;
		}
		base = split_name(d->path, dir);
		parent = open_dir(u, dir);
		if (parent < 0)
			return fail_errno(u, "reopening its directory");
		if ((u->as_root && fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) ||
		    fchmodat(parent, base, d->mode, 0) < 0 ||
		    utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0) {
			close(parent);
			return fail_errno(u, "setting the directory's owner, mode and mtime");
		}
		close(parent);
	}
	/* The root: as "./" said, else 0755 (mkdtemp made it 0700). */
	for (i = u->ndirs; root_listed && i-- > 0;)
		if (u->dirs[i].path[0] == '\0') {
			struct timespec ts[2] = { { (time_t)u->dirs[i].mtime, 0 }, { (time_t)u->dirs[i].mtime, 0 } };

			u->member = "./";
			if ((u->as_root && fchown(u->root, u->dirs[i].uid, u->dirs[i].gid) < 0) ||
			    fchmod(u->root, u->dirs[i].mode) < 0 || futimens(u->root, ts) < 0)
				return fail_errno(u, "setting the layer root's owner, mode and mtime");
			return 0;
		}
	if (fchmod(u->root, 0755) < 0)
		return fail_errno(u, "chmod of the layer's root");
	return 0;
}

/*
 * The whole unpack: into a temporary directory next to dest, member by
 * member, then the directories' metadata, the decompressor's verdict, and
 * the rename. Any failure removes the temporary directory. src->pid is 0
 * for a plain fd; src->fd is then the caller's and stays open.
 */
static int unpack_stream(struct decompress *src, const char *dest, const struct layer_options *opts,
			 struct layer_report *report, struct error *err)
{
	struct layer_options defaults = { 0 };
	struct unpack u = { .report = report, .as_root = geteuid() == 0,
			    .member = "(none)", .err = err };
	struct sha256 digest;
	unsigned char sum[SHA256_DIGEST_SIZE];
	char tmp[PATH_MAX], hex[SHA256_HEX_SIZE];
	struct error ignore;
	struct tar t;
	struct tar_member *m;
	struct stat st;
	int r;
	size_t i;

	memset(report, 0, sizeof(*report));
	err->msg[0] = '\0';
	if (opts)
		defaults = *opts;
	if (!defaults.max_size)
		defaults.max_size = LAYER_DEFAULT_MAX_SIZE;
	if (!defaults.max_entries)
		defaults.max_entries = LAYER_DEFAULT_MAX_ENTRIES;
	u.opts = &defaults;
	u.have_openat2 = !defaults.no_openat2;
	r = lstat(dest, &st) == 0 ? EEXIST : errno;
	if (r != ENOENT) {
		error_set(err, "%s: %s — a layer is unpacked into a new directory", quote(dest),
			 r == EEXIST ? "already exists" : strerror(r));
		if (src->pid)
			decompress_abort(src);    /* a plain fd stays the caller's */
		return -1;
	}
	/* Next to dest, so the final rename stays on one filesystem. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", dest) >= (int)sizeof(tmp) || !mkdtemp(tmp)) {
		int e = errno;

		error_set(err, "mkdtemp %s.tmp-XXXXXX: %s — its directory must exist and be"
			 " writable", quote(dest), strerror(e));
		if (src->pid)
			decompress_abort(src);    /* a plain fd stays the caller's */
		return -1;
	}
	u.root = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sha256_init(&digest);
	tar_open(&t, src->fd, &digest, defaults.max_size);
	r = 0;
	if (u.root < 0) {
		int e = errno;

		r = fail(&u, "open %s: %s", quote(tmp), strerror(e));
	}
	while (r == 0 && (r = tar_next(&t, &m, err)) == 1)
		r = unpack_member(&u, &t, m);
	/* Read to the end: the digest covers the whole stream, and the
	 * decompressor's status is known only once it has written it all. */
	if (r == 0)
		r = tar_finish(&t, err);
	if (r == 0)
		r = finish_dirs(&u);
	if (src->pid && r == 0)
		r = decompress_finish(src, err);
	else if (src->pid)
		decompress_abort(src);
	/* The one step that makes the layer visible: all of it, or nothing.
	 * NOREPLACE: a layer someone else put there meanwhile is not overwritten. */
	if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) < 0) {
		int e = errno;

		r = fail(&u, "rename %s to %s: %s", quote(tmp), quote(dest), strerror(e));
	}
	tar_close(&t);
	for (i = 0; i < u.ndirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	if (u.root >= 0)
		close(u.root);
	if (r < 0) {
		layer_remove(tmp, &ignore);
		return -1;
	}
	sha256_final(&digest, sum);
	sha256_hex(sum, hex);
	snprintf(report->diff_id, sizeof(report->diff_id), "sha256:%s", hex);
	return 0;
}

int layer_unpack(int fd, const char *dest, const struct layer_options *opts,
		 struct layer_report *report, struct error *err)
{
	struct decompress plain = { .fd = fd };

	return unpack_stream(&plain, dest, opts, report, err);
}

int layer_unpack_file(const char *path, const char *dest, const struct layer_options *opts,
		      struct layer_report *report, struct error *err)
{
	struct decompress d;
	int r;

	if (decompress_open(path, &d, err) < 0)
		return -1;
	r = unpack_stream(&d, dest, opts, report, err);
	if (d.fd >= 0)
		close(d.fd);        /* a plain file: unpack_stream left it open */
	return r;
}

/* Depth-first, by fds: a symlink in the tree is removed, never followed. */
static int remove_at(int dirfd, const char *name)
{
	DIR *d;
	struct dirent *e;
	int fd, r = 0;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -1;
	/* A read-only directory (a layer's own mode) must be emptied too. */
	fchmodat(dirfd, name, 0700, 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && remove_at(fd, e->d_name) < 0)
			r = -1;
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 || r < 0 ? -1 : 0;
}

int layer_remove(const char *dir, struct error *err)
{
	errno = 0;
	if (remove_at(AT_FDCWD, dir) < 0) {
		error_set(err, "removing %s: %s", quote(dir), strerror(errno));
		return -1;
	}
	return 0;
}
