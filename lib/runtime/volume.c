#define _GNU_SOURCE
#include "runtime/volume.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *volume_kind_name(enum volume_kind kind)
{
	static const char *names[] = { "bind", "volume", "tmpfs" };

	return names[kind];
}

const char *volume_dir(void)
{
	static char dir[PATH_MAX];
	const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (geteuid() == 0)
		return "/var/lib/stepbox/volumes";
	if (data && data[0] == '/')
		snprintf(dir, sizeof(dir), "%.4000s/stepbox/volumes", data);
	else
		snprintf(dir, sizeof(dir), "%.4000s/.local/share/stepbox/volumes",
			 home && home[0] == '/' ? home : "/tmp");
	return dir;
}

/* A target inside the container: absolute, and not "/" itself. */
static int check_target(const char *target, struct error *err)
{
	if (target[0] != '/') {
		error_set(err, "%s: the path in the container must be absolute",
			 quote(target));
		return -1;
	}
	if (strspn(target, "/") == strlen(target)) {
		error_set(err, "%s: cannot mount over the container's root", quote(target));
		return -1;
	}
	if (strlen(target) >= PATH_MAX - 1) {
		error_set(err, "the path in the container is too long");
		return -1;
	}
	return 0;
}

static bool valid_volume_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < 128 &&
	       strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len;
}

int volume_parse(const char *spec, struct volume *v, struct error *err)
{
	char copy[PATH_MAX * 2 + 8], *target, *mode;

	memset(v, 0, sizeof(*v));
	if (strlen(spec) >= sizeof(copy)) {
		error_set(err, "-v: too long");
		return -1;
	}
	strcpy(copy, spec);
	if ((target = strchr(copy, ':')) == NULL) {
		error_set(err, "-v %s: expected SOURCE:TARGET[:ro], like /srv/data:/data "
			 "or a volume name, data:/data", quote(spec));
		return -1;
	}
	*target++ = '\0';
	if ((mode = strchr(target, ':')) != NULL) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0) {
			error_set(err, "-v %s: the mode is ro or rw, not %s", quote(spec),
				 quote(mode));
			return -1;
		}
		v->readonly = strcmp(mode, "ro") == 0;
	}
	if (check_target(target, err) == -1)
		return -1;
	if (copy[0] == '/') {
		v->kind = VOLUME_BIND;
		v->source = strdup(copy);
	} else if (valid_volume_name(copy)) {
		v->kind = VOLUME_NAMED;
		snprintf(v->name, sizeof(v->name), "%s", copy);
		if (asprintf(&v->source, "%s/%s", volume_dir(), copy) == -1)
			v->source = NULL;
	} else {
		error_set(err, "-v %s: %s is neither an absolute host path nor a volume "
			 "name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", quote(spec), quote(copy));
		return -1;
	}
	v->target = strdup(target);
	if (v->source == NULL || v->target == NULL) {
		error_set(err, "-v %s: %s", quote(spec), strerror(ENOMEM));
		return -1;
	}
	return 0;
}

int volume_parse_tmpfs(const char *target, struct volume *v, struct error *err)
{
	memset(v, 0, sizeof(*v));
	if (check_target(target, err) == -1)
		return -1;
	v->kind = VOLUME_TMPFS;
	v->target = strdup(target);
	v->source = strdup("tmpfs");
	if (v->target == NULL || v->source == NULL) {
		error_set(err, "--tmpfs %s: %s", quote(target), strerror(errno));
		return -1;
	}
	return 0;
}

/* mkdir -p; -1 and errno. */
static int make_path(const char *path, mode_t mode)
{
	char partial[PATH_MAX];

	for (const char *slash = path; (slash = strchr(slash + 1, '/')) != NULL;) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(slash - path), path);
		if (mkdir(partial, mode) == -1 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, mode) == -1 && errno != EEXIST ? -1 : 0;
}

int volume_prepare(struct volume *v, unsigned long uid, unsigned long gid, struct error *err)
{
	struct stat st;

	if (v->kind == VOLUME_TMPFS)
		return 0;
	if (v->kind == VOLUME_BIND) {
		if (stat(v->source, &st) == -1) {
			error_set(err, "invalid mount config: bind source path does not exist: "
				 "%s", v->source);
			return -1;
		}
		return 0;
	}
	/* A named volume: made on first use, for the container's root. */
	if (stat(v->source, &st) == 0)
		return 0;
	if (make_path(volume_dir(), 0700) == -1 || mkdir(v->source, 0755) == -1 ||
	    chown(v->source, uid, gid) == -1) {
		error_set(err, "create the volume %s in %s: %s", v->name, volume_dir(),
			 strerror(errno));
		return -1;
	}
	trace("mkdir(\"%s\"): the new volume %s", v->source, v->name);
	return 0;
}

/* ---- in the container --------------------------------------------------------- */

/* openat2(RESOLVE_IN_ROOT): `path` looked up as if `root` were "/", never out of it. */
static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	return syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/*
 * The target, opened O_PATH inside the container's root; what is missing of
 * it is made on the way (the last part a directory, or an empty file when
 * the source is a file). Each part is made with a bare name in a directory
 * that was itself found inside the root: nothing can lead out.
 */
static int open_target(int root, const char *target, bool file)
{
	char partial[PATH_MAX];
	const char *next = target;
	int fd;

	while (*next) {
		const char *slash = strchr(next + 1, '/');
		size_t len = slash ? (size_t)(slash - target) : strlen(target);
		char *name;
		int parent;

		snprintf(partial, sizeof(partial), "%.*s", (int)len, target);
		next = target + len;
		if (strspn(partial, "/") == strlen(partial))
			continue;
		fd = open_in_root(root, partial, O_PATH);
		if (fd != -1) {
			close(fd);
			continue;
		}
		if (errno != ENOENT)
			return -1;
		/* Missing: make it in its parent, found inside the root too. */
		name = strrchr(partial, '/') + 1;
		name[-1] = '\0';
		parent = open_in_root(root, partial[0] ? partial : "/", O_PATH | O_DIRECTORY);
		if (parent == -1)
			return -1;
		if (*next == '\0' && file) {
			fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				    0644);
			if (fd != -1)
				close(fd);
		} else {
			fd = mkdirat(parent, name, 0755);
		}
		close(parent);
		if (fd == -1 && errno != EEXIST)
			return -1;
	}
	return open_in_root(root, target, O_PATH);
}

void volume_mount(const struct volume *v, const char *old_root)
{
	struct mount_attr readonly = { .attr_set = MOUNT_ATTR_RDONLY };
	char source[PATH_MAX * 2];
	struct stat st;
	int root, target, tree;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(source, sizeof(source), "%s%s", old_root, v->source);
	if (root == -1)
		die_errno(NULL, "open(\"/\")");
	if (v->kind != VOLUME_TMPFS && stat(source, &st) == -1)
		die_errno(NULL, "volume source %s", quote(v->source));
	target = open_target(root, v->target, v->kind != VOLUME_TMPFS && !S_ISDIR(st.st_mode));
	if (target == -1)
		die_errno(NULL, "volume target %s in the container", quote(v->target));

	if (v->kind == VOLUME_TMPFS) {
		int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);

		if (fs == -1 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "1777", 0) == -1 ||
		    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1)
			die_errno(NULL, "fsopen(\"tmpfs\") for %s", quote(v->target));
		tree = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
		close(fs);
	} else {
		/* A copy of the host's mount (and what is mounted below it), detached. */
		tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	}
	if (tree == -1)
		die_errno(NULL, "mount of the volume %s", quote(v->source));
	/* :ro for every mount of the tree, before anyone inside can see it. */
	if (v->readonly && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &readonly,
					 sizeof(readonly)) == -1)
		die_errno(NULL, "mount_setattr(MOUNT_ATTR_RDONLY) on %s", quote(v->source));
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == -1)
		die_errno(NULL, "move_mount(%s onto %s)", quote(v->source), quote(v->target));
	trace("move_mount(%s %s, \"%s\"%s)", volume_kind_name(v->kind), v->source, v->target,
	      v->readonly ? ", read-only" : "");
	close(tree);
	close(target);
	close(root);
}
