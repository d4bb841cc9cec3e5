/*
 * security — what the container's processes give up before the command
 * runs (step 08): Docker's defaults.
 *
 * Root inside keeps Docker's 14 capabilities (minus --cap-drop, plus
 * --cap-add), may gain nothing through execve() (no_new_privs), and makes
 * its system calls through a seccomp filter (lib/kernel/seccomp). It is the
 * last thing before execve() — the setup needed the capabilities — and the
 * same for PID 1 and for every exec, so no process of the container holds
 * more than the others.
 */
#ifndef STEPBOX_SECURITY_H
#define STEPBOX_SECURITY_H

#include "runtime/state.h"

/* Drop to the container's privileges; --privileged keeps all. Dies on failure. */
void security_drop_privileges(const struct container_config *config);

#endif
