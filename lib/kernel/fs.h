/*
 * fs — what the container sees as its filesystem: a new root (chroot, then
 * overlay + pivot_root), and the pseudo-filesystems a Linux program expects
 * (/proc, /sys, /dev, /tmp).
 *
 * Every function here dies (exit 125) with the call, the path and a hint when
 * the kernel refuses, except the fs_unmount_* cleanups, which only warn.
 */
#ifndef STEPBOX_FS_H
#define STEPBOX_FS_H

#include <limits.h>

#include "kernel/rundir.h"

/* The image plus at most this many layers above it: real images have
 * dozens (overlayfs itself stacks up to 500). */
#define MAX_LAYERS 128

/* chroot(root), then chdir("/") so that "." is inside the new root too. */
void fs_enter_chroot(const char *root);

/* mkdir -p: PATH and its missing parents, each with MODE. 0, or -1 and errno. */
int fs_make_path(const char *path, mode_t mode);

/*
 * mount(2), and on success its --trace line with exactly the source, target,
 * type, flags and data it was given — what /proc/mounts then shows. -1 and
 * errno as mount(2): the caller says what failed, with its own hint.
 */
int fs_mount(const char *source, const char *target, const char *type, unsigned long flags,
	     const char *data);

/* Mount a proc filesystem on target: it shows the caller's PID namespace. */
void fs_mount_proc(const char *target);

/*
 * Without a mount namespace (steps 02, 03) the container's /proc is a mount in
 * the host's table. Unmount every proc on <rootfs>/proc whose PID namespace is
 * over (its PID 1 is gone or a zombie) — ours after the container ended, or
 * one a runtime killed by SIGKILL left behind — and stop at a live one.
 */
void fs_unmount_stale_proc(const char *rootfs);

/* Mark every mount in this mount namespace private, so nothing we mount
 * propagates back to the host (systemd makes / shared). */
void fs_make_mounts_private(void);

/*
 * Runtime, before clone(): a mount namespace of the runtime's own, all
 * private. What it mounts there (step 06's idmapped layers) the child's
 * mount table copies, and the host's never sees. Without root the kernel
 * refuses it: then this only says so in the trace (idmap copies instead).
 */
void fs_enter_own_mount_namespace(void);

/*
 * overlayfs records opaque directories (and redirects) in extended
 * attributes: "trusted.overlay.*", which only the host's root may set, or
 * "user.overlay.*" (option userxattr), which is what a user namespace must
 * use. A whiteout is a 0:0 character device either way.
 */
enum overlay_xattrs { OVERLAY_TRUSTED_XATTRS, OVERLAY_USER_XATTRS };

/*
 * Mount an overlay on run->merged: the image as the lowest read-only layer,
 * the extra read-only layers on top of it (in order), and the writable
 * run->upper with its run->work (one filesystem, not overlayfs itself).
 * mount(2) takes one page of options: when the layers' paths do not fit,
 * they are named by short links in run->path/l (docker's overlay2 does
 * the same), "lowerdir=l/69:...:l/0", resolved from run->path.
 */
void fs_mount_overlay(const char *image, char *const layers[], int nlayers,
		      const struct rundir *run, enum overlay_xattrs xattrs);

/* Where fs_pivot_into() leaves the old root until fs_detach_old_root(). */
#define FS_OLD_ROOT "/.oldroot"

/*
 * Make new_root (a mount point) the root of this mount namespace with
 * pivot_root(). The host's root stays reachable at FS_OLD_ROOT until
 * fs_detach_old_root() cuts it off. Leaves the cwd at the new "/".
 */
void fs_pivot_into(const char *new_root);
void fs_detach_old_root(void);

/* The rest of a usual Linux tree, mounted inside the new root. */
void fs_mount_sys_readonly(const char *target);
void fs_mount_tmpfs(const char *target, const char *options);

/*
 * After chdir(path): the working directory must be inside the root. A path
 * through /proc/self/fd/N could lead to a directory of the host that some
 * fd of the runtime still holds (runc's CVE-2024-21626); getcwd() then has
 * no path from "/" to give. Dies if so.
 */
void fs_check_cwd_inside(const char *path);

/* chdir() to `path`, made first (with its parents, 0755) if the image has
 * none, as docker does for -w; then fs_check_cwd_inside(). Dies on failure. */
void fs_enter_workdir(const char *path);

/*
 * Docker's masked and read-only paths, under a /proc and /sys already
 * mounted and a /dev that has null: /dev/null over the files and an empty
 * read-only tmpfs over the directories that show the host's hardware or
 * kernel (/proc/kcore, /proc/keys, /sys/firmware, ...), and /proc/sys,
 * /proc/sysrq-trigger, /proc/bus, /proc/fs, /proc/irq read-only. A path the
 * kernel does not have is skipped. Dies on failure.
 */
void fs_mask_paths(void);

/* One of them: PATH hidden (the checked /dev/null on a file, CVE-2025-31133;
 * an empty read-only tmpfs on a directory), or made read-only. A path that
 * does not exist is skipped. The OCI runtime calls them for config.json's
 * maskedPaths and readonlyPaths. */
void fs_mask_path(const char *path);
void fs_make_readonly(const char *path);

/*
 * A tmpfs /dev with null, zero, full, random, urandom, tty, a private devpts,
 * /dev/shm and the usual links. Call it between fs_pivot_into() and
 * fs_detach_old_root(): in a user namespace the kernel refuses mknod(), and
 * the host's device nodes are bind-mounted from FS_OLD_ROOT/dev instead.
 */
void fs_mount_minimal_dev(const char *target);

#endif
