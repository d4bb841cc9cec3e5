/*
 * userns — user namespaces: who the container's root is on the host.
 *
 * A user namespace maps a range of user (and group) IDs inside to a range
 * outside: "0 100000 65536" makes UID 0 inside the host's UID 100000, 1 the
 * host's 100001, and so on. A process is root *in its namespace* — with every
 * capability there — and an ordinary, unprivileged user on the host.
 *
 * Functions here die (exit 125) on failure.
 */
#ifndef STEPBOX_USERNS_H
#define STEPBOX_USERNS_H

#include "base/error.h"

#include <stdbool.h>
#include <sys/types.h>

/* The ranges that default a root runtime's remap: /etc/subuid's "stepbox" line, else this. */
#define USERNS_DEFAULT_START 100000
#define USERNS_DEFAULT_COUNT 65536

struct id_range {
	unsigned long start;   /* the host ID that the container's 0 becomes */
	unsigned long count;   /* how many IDs, from 0 inside */
};

/* Parse "START:COUNT" for --userns-remap; false and a reason if it is not one. */
bool userns_parse_range(const char *text, struct id_range *range, struct error *err);

/* The range for a root runtime: the "stepbox" entry of `file`
 * (/etc/subuid or /etc/subgid) if there is one, else the default. */
void userns_default_range(const char *file, struct id_range *range);

/*
 * The parent writes the child's maps before the child goes on: uid_map,
 * then — without root only — "deny" to setgroups (the kernel requires it of
 * an unprivileged writer, so that the child cannot drop supplementary
 * groups it holds outside), then gid_map.
 */
void userns_write_maps(pid_t pid, const struct id_range *uids, const struct id_range *gids);

/*
 * Why the kernel may refuse a user namespace to an unprivileged user here,
 * with what to do about it: Ubuntu's AppArmor restriction, a sysctl, or
 * (when nothing explains it) a generic hint.
 */
const char *userns_refusal_hint(void);

/*
 * Child, after the maps are written: take UID and GID 0 of the namespace.
 * Writing the maps does not change the child's credentials: it still has
 * the IDs it was cloned with (the host's root, unmapped inside when the
 * runtime runs as root), and must switch to the mapped 0 itself.
 */
void userns_become_root(void);

/*
 * Child, as the namespace's root: hold no supplementary group of the host's
 * (under sudo, the caller's group 0 would follow the container). Rootless,
 * setgroups is "deny" and the kernel keeps the user's groups: say so in the
 * trace and go on. Dies on any other failure.
 */
void userns_drop_groups(void);

/*
 * A file descriptor of a user namespace with these maps, for idmapped mounts
 * (a short-lived helper process creates it; the fd keeps it alive).
 */
int userns_open_with_maps(const struct id_range *uids, const struct id_range *gids);

#endif
