/*
 * oci-process — the last steps of a container's process, from config.json's
 * "process" (PID 1 after start, and every exec):
 *
 *   rlimits → seccomp (early, when noNewPrivileges is false: installing it
 *   needs CAP_SYS_ADMIN, which the user switch is about to drop) → groups,
 *   gid, uid (capabilities kept across the switch) → the five capability
 *   sets → no_new_privs and seccomp (late) → umask, cwd → fds 3+ closed
 *   (but --preserve-fds) → execve() with exactly process.env.
 *
 * And the hooks: a program of the host the runtime runs at a point of the
 * lifecycle, with the container's state as JSON on its stdin; in a process
 * group of its own (a timeout kills what it started too), dying with the runtime.
 */
#ifndef STEPBOX_OCI_PROCESS_H
#define STEPBOX_OCI_PROCESS_H

#include "runtime/oci-spec.h"

/*
 * Apply PROCESS and execve() its args; never returns (127: not found, 126:
 * not executable, 125: a step failed). SECCOMP: linux.seccomp, or NULL.
 * Fds 3 .. 3+PRESERVE_FDS-1 stay open; EXEC_REPORT (or -1) gets the status
 * byte if execve() fails.
 */
void oci_process_exec(const struct oci_process *process, const struct json_value *seccomp,
		      int preserve_fds, int exec_report) __attribute__((noreturn));

/*
 * Run the hooks of one kind, in order, each with STATE_JSON on stdin;
 * -1 and *err when one fails (exits non-zero, or outlives its timeout:
 * then it is killed).
 */
int oci_run_hooks(const struct oci_spec *spec, enum oci_hook_kind kind, const char *state_json,
		  struct error *err);

#endif
