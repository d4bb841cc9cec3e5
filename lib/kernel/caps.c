#define _GNU_SOURCE
#include "kernel/caps.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capabilities(7), in the kernel's order: the index is the number. */
static const char *const names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NAMES ((int)(sizeof(names) / sizeof(names[0])))

#define BIT(cap) ((capset_t)1 << (cap))

capset_t caps_docker_default(void)
{
	return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) |
	       BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) |
	       BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) |
	       BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

/*
 * The highest capability the running kernel knows: it may know more than
 * our headers (CAP_LAST_CAP), or fewer. PR_CAPBSET_READ refuses a number it
 * does not know (EINVAL) — a call or two to ask, where reading
 * /proc/sys/kernel/cap_last_cap through stdio cost PID 1 ~0.3 ms of page
 * faults on the way to its command.
 */
static int last_cap(void)
{
	int last = CAP_LAST_CAP;

	while (last < 63 && prctl(PR_CAPBSET_READ, last + 1) >= 0)
		last++;
	while (last > 0 && prctl(PR_CAPBSET_READ, last) < 0)
		last--;
	return last;
}

capset_t caps_all(void)
{
	int last = last_cap();

	return last == 63 ? ~(capset_t)0 : BIT(last + 1) - 1;
}

bool caps_parse(const char *name, capset_t *set, struct error *err)
{
	const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;

	if (strcasecmp(bare, "ALL") == 0) {
		*set = caps_all();
		return true;
	}
	for (int i = 0; i < NAMES; i++)
		if (strcasecmp(bare, names[i]) == 0) {
			*set = BIT(i);
			return true;
		}
	error_set(err, "invalid capability %s: see capabilities(7), like NET_ADMIN or ALL",
		 quote(name));
	return false;
}

void caps_format(capset_t set, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < 64 && len < size; i++)
		if (set & BIT(i)) {
			if (i < NAMES)
				len += snprintf(out + len, size - len, "%s%s", len ? "," : "", names[i]);
			else
				len += snprintf(out + len, size - len, "%s%d", len ? "," : "", i);
		}
}

void caps_apply(capset_t keep)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int last = last_cap();
	char kept[1024];

	/* Bounding first: dropping from it needs CAP_SETPCAP, which we still hold. */
	for (int cap = 0; cap <= last; cap++)
		if (!(keep & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			die_errno(NULL, "prctl(PR_CAPBSET_DROP, %s)", cap < NAMES ? names[cap] : "?");
	/* Ambient: nothing passes through an execve() by itself. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && errno != EINVAL)
		die_errno(NULL, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	/*
	 * Permitted and effective in one call, 32 bits per word. Inheritable
	 * stays empty, as runc has since CVE-2022-24769: with it filled, a
	 * program in the image marked with inheritable file capabilities
	 * would get them at execve() beyond what the user asked for — and
	 * with --cap-drop, capabilities the user took away.
	 */
	for (int word = 0; word < 2; word++)
		data[word] = (struct __user_cap_data_struct){
			.effective = (uint32_t)(keep >> (32 * word)),
			.permitted = (uint32_t)(keep >> (32 * word)),
			.inheritable = 0,
		};
	if (syscall(SYS_capset, &header, data) == -1)
		die_errno(NULL, "capset()");
	caps_format(keep, kept, sizeof(kept));
	trace("capabilities: kept %s (bounding, permitted, effective); inheritable and ambient empty",
	      kept[0] ? kept : "none");
}

void caps_apply_sets(const struct capsets *sets)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int last = last_cap();
	char kept[1024];

	for (int cap = 0; cap <= last; cap++)
		if (!(sets->bounding & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			die_errno(NULL, "prctl(PR_CAPBSET_DROP, %s)", cap < NAMES ? names[cap] : "?");
	for (int word = 0; word < 2; word++)
		data[word] = (struct __user_cap_data_struct){
			.effective = (uint32_t)(sets->effective >> (32 * word)),
			.permitted = (uint32_t)(sets->permitted >> (32 * word)),
			.inheritable = (uint32_t)(sets->inheritable >> (32 * word)),
		};
	if (syscall(SYS_capset, &header, data) == -1)
		die_errno("is every effective capability also permitted and bounding?", "capset()");
	/* Ambient: cleared, then each one asked for (it must be permitted and inheritable). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && errno != EINVAL)
		die_errno(NULL, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	/* One the kernel refuses (not also inheritable): a warning, as runc
	 * gives — crun's own `spec` asks for ambient ones it does not make
	 * inheritable. Without it the process has less, never more. */
	for (int cap = 0; cap <= last; cap++)
		if ((sets->ambient & BIT(cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == -1)
			warn_errno("ambient capability %s not raised (it must be permitted and "
				   "inheritable): prctl(PR_CAP_AMBIENT_RAISE)",
				   cap < NAMES ? names[cap] : "?");
	caps_format(sets->effective, kept, sizeof(kept));
	trace("capabilities (OCI sets): effective %s", kept[0] ? kept : "none");
}
