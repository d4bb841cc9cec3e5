/*
 * hosts — the files a container's resolver reads: /etc/hosts, /etc/hostname
 * and /etc/resolv.conf (step 08).
 *
 * They are the container's, not the image's: written into the container's
 * directory on the host once its address is known, and bind-mounted over
 * the image's files, as docker does. So two containers of one image each
 * resolve their own name, and a change inside (say `echo ... >> /etc/hosts`)
 * stays with its container and never reaches the image.
 *
 *   /etc/hosts        localhost, and the container's hostname and name on its
 *                     address (with --net host: a copy of the host's)
 *   /etc/hostname     its hostname
 *   /etc/resolv.conf  the host's resolver settings, without the nameservers
 *                     on the host's loopback, which the container cannot
 *                     reach (with --net host: all of them)
 */
#ifndef STEPBOX_HOSTS_H
#define STEPBOX_HOSTS_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Shim: write <dir>/hosts, <dir>/hostname and <dir>/resolv.conf. `ip` is the
 * container's address, or NULL (--net none, --net host). -1 and why.
 */
int hosts_write_files(const char *dir, const char *hostname, const char *name,
		      const char *ip, bool host_network, struct error *err);

/*
 * Child, after pivot_root() and before the old root goes: bind those files,
 * found under `old_root` + `dir`, over the image's. Dies on failure.
 */
void hosts_mount_files(const char *dir, const char *old_root);

#endif
