/*
 * security — what the container's processes give up before the command
 * runs (step 08): Docker's defaults.
 *
 * Root inside keeps Docker's 14 capabilities (minus --cap-drop, plus
 * --cap-add), may gain nothing through execve() (no_new_privs), and makes
 * its system calls through a seccomp filter: Docker's default profile, an
 * allow-list (lib/kernel/seccomp-default.json), or the profile of
 * --security-opt seccomp=FILE, both compiled by lib/kernel/seccomp-profile.
 * It is the last thing before execve() — the setup needed the capabilities
 * — and the same for PID 1 and for every exec, so no process of the
 * container holds more than the others.
 */
#ifndef STEPBOX_SECURITY_H
#define STEPBOX_SECURITY_H

#include "base/error.h"
#include "kernel/caps.h"
#include "kernel/seccomp.h"
#include "runtime/state.h"

/* The capabilities the container's processes hold. */
capset_t security_capabilities(const struct container_config *config);

/*
 * The container's seccomp program (its profile, or Docker's default),
 * for its capabilities: the profile widens itself for some (--cap-add
 * SYS_ADMIN lets mount through). NAME starts error messages. 0, or -1 and *err.
 */
int security_compile_seccomp(const struct container_config *config, const char *name,
			     struct seccomp_filter *filter, struct error *err);

/*
 * PID 1's filter is compiled by the shim while PID 1 mounts its filesystems
 * (side by side on two CPUs: the compile is ~1 ms of a start), and sent
 * down a pipe. The shim: compile and write it to `fd` (nothing written on
 * failure: PID 1 then stops with the reason in *err printed by the shim).
 */
int security_send_seccomp(const struct container_config *config, int fd, struct error *err);

/*
 * Drop to the container's privileges; --privileged keeps all. The seccomp
 * filter is read from `seccomp_fd` (security_send_seccomp()), or compiled
 * here when it is -1 (exec). Dies on failure.
 */
void security_drop_privileges(const struct container_config *config, int seccomp_fd);

#endif
