/*
 * seccomp-profile — a seccomp profile in the OCI form, compiled to the
 * classic BPF program the kernel runs (lib/kernel/seccomp). One compiler
 * for every profile stepbox meets: Docker's default (run's default, in
 * lib/kernel/seccomp-default.json), a file given with `--security-opt
 * seccomp=PATH`, and the `linux.seccomp` object of an OCI bundle's
 * config.json.
 *
 * The form (the OCI runtime spec, config-linux.md "Seccomp"):
 *
 *   { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *     "architectures": ["SCMP_ARCH_X86_64"],
 *     "syscalls": [
 *       { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW" },
 *       { "names": ["clone"], "action": "SCMP_ACT_ALLOW",
 *         "args": [{ "index": 0, "value": 2114060288, "valueTwo": 0,
 *                    "op": "SCMP_CMP_MASKED_EQ" }] } ] }
 *
 * Actions: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO (errnoRet, default EPERM),
 * SCMP_ACT_KILL (= KILL_THREAD, as in libseccomp), SCMP_ACT_KILL_THREAD,
 * SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE (errnoRet),
 * SCMP_ACT_LOG. Not SCMP_ACT_NOTIFY (a listener process: an error).
 * Comparisons: SCMP_CMP_EQ, NE, LT, LE, GT, GE (unsigned, 64 bits) and
 * MASKED_EQ ((arg & value) == valueTwo). A filter reads 32 bits at a
 * time, so each 64-bit comparison is two: the high halves, then the low.
 *
 * What a rule means, exactly:
 *   - all the comparisons of one rule must hold (AND), even several on the
 *     same argument (a range: GE 10 and LE 20);
 *   - the rules of one call are tried in the document's order, the first
 *     whose comparisons hold decides; a rule without comparisons decides
 *     after those with comparisons; two of those with different actions
 *     for one call are an error;
 *   - a name this architecture does not have ("chown32" on x86_64) is
 *     skipped, as runc does: one profile serves every architecture;
 *   - a call no rule names gets defaultAction — except, when that refuses,
 *     a number above the highest this build knows, which gets ENOSYS
 *     (runc's rule): a call newer than the runtime is no call to the
 *     program's C library either, which then falls back to an old one;
 *   - a call of another architecture (a 32-bit call on x86_64) kills the
 *     process: the filter speaks only the build's own architecture (the
 *     names in "architectures" are checked, the others are not compiled);
 *     x32 calls on x86_64 (numbers with bit 30 set) get ENOSYS.
 *
 * Docker's profile extends a rule with "includes" and "excludes": caps
 * (a capability the process must hold, or must not), arches (Go's names:
 * amd64, arm64) and minKernel ("4.8"). Docker resolves them when it writes
 * the OCI config; here they are resolved against CAPS, the capabilities
 * the process will hold, so one file is both Docker's and ours. A member
 * this compiler does not know is an error, not ignored: a typo such as
 * "arg" for "args" would otherwise turn a conditional rule into an
 * unconditional one.
 *
 * Errors are values: -1 and one line in *err naming the place in the
 * file ("p.json:7:20: syscalls[2].args[0].index: 6 is not an argument
 * (0-5)"). Nothing here exits.
 */
#ifndef STEPBOX_SECCOMP_PROFILE_H
#define STEPBOX_SECCOMP_PROFILE_H

#include "base/error.h"
#include "base/json.h"
#include "kernel/caps.h"
#include "kernel/seccomp.h"

#include <stddef.h>

/* The largest profile file read (Docker's is about 20 KB). */
#define SECCOMP_PROFILE_MAX_SIZE (1u << 20)

/* The OCI `linux.seccomp` object PROFILE into *filter, for a process holding CAPS. */
int seccomp_profile_compile(const struct json_value *profile, capset_t caps,
			    struct seccomp_filter *filter, struct error *err);

/* The same from the JSON text of a profile; NAME starts its error messages. */
int seccomp_profile_compile_text(const char *text, size_t len, const char *name, capset_t caps,
				 struct seccomp_filter *filter, struct error *err);

/* Compile minKernel conditions against RELEASE ("6.1"), not the running
 * kernel: for a program made at build time (steps/tools/seccomp-builtin.c). */
void seccomp_profile_assume_kernel(const char *release);

/* Is the running kernel at least VERSION ({4, 8}), as a filter's min_kernel says? */
bool seccomp_kernel_at_least(const int version[2]);

/* Docker's default profile, as JSON text (lib/kernel/seccomp-default.json). */
const char *seccomp_profile_default(void);

/* Read the profile file PATH into *text (malloc'd, NUL-terminated): 0, or -1 and *err. */
int seccomp_profile_read(const char *path, char **text, struct error *err);

#endif
