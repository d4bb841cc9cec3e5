/*
 * oci-rootfs — the container's file system, as config.json describes it.
 *
 * Step 04 built the root itself (overlay, /proc, /dev); an OCI caller has
 * done that part (containerd and podman mount the image's layers as the
 * bundle's rootfs) and lists every other mount in config.json. PID 1 of
 * the OCI runtime, in its new mount namespace, before pivot_root:
 *
 *   oci_rootfs_prepare()   / made rslave (nothing leaks back to the host),
 *                          the rootfs bind-mounted onto itself (a mount
 *                          point, as pivot_root wants)
 *   oci_rootfs_mount_all() each mount of the list, its target created and
 *                          resolved *inside* the rootfs (openat2 with
 *                          RESOLVE_IN_ROOT: a symlink in the image cannot
 *                          point a mount at the host); then /dev's nodes
 *   oci_rootfs_pivot()     pivot_root into it, the old root detached
 *   oci_rootfs_finish()    sysctls, masked and read-only paths (the same
 *                          lib/kernel/fs calls as run's), a read-only
 *                          root, the root's propagation
 *
 * Every function dies (exit 125, with the path and a hint) on failure:
 * they run in the container's first process, and its death fails create.
 */
#ifndef STEPBOX_OCI_ROOTFS_H
#define STEPBOX_OCI_ROOTFS_H

#include "kernel/cgroup.h"
#include "runtime/oci-spec.h"

void oci_rootfs_prepare(const struct oci_spec *spec);
void oci_rootfs_mount_all(const struct oci_spec *spec, const struct cgroup *cg);
void oci_rootfs_pivot(const struct oci_spec *spec, bool no_pivot);
void oci_rootfs_finish(const struct oci_spec *spec);


#endif
