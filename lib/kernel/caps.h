/*
 * caps — the capabilities a container's root keeps (step 08).
 *
 * Root's power is not one thing: the kernel splits it into about forty
 * capabilities (capabilities(7)), and every process carries five sets of
 * them:
 *
 *   bounding     the most it can ever have, even by running a setuid file
 *   permitted    what it may switch on
 *   effective    what is switched on: what the kernel checks
 *   inheritable  what it may pass through an execve() of a file marked for it
 *   ambient      what it passes through any execve() (kept empty here)
 *                (inheritable is kept empty too: CVE-2022-24769, see caps.c)
 *
 * Docker keeps 14 of them for a container's root (caps_docker_default()):
 * enough to chown files, bind port 80, ping and switch users, and none of
 * what reaches the host's kernel — no CAP_SYS_ADMIN (mount, most of the
 * rest), CAP_SYS_MODULE, CAP_SYS_TIME, CAP_SYS_PTRACE, CAP_NET_ADMIN, ...
 * The child drops the others from all five sets by hand, with prctl() and
 * capset(), right before it runs the command.
 */
#ifndef STEPBOX_CAPS_H
#define STEPBOX_CAPS_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of capabilities: bit N is capability N (CAP_CHOWN is 0). */
typedef uint64_t capset_t;

/* Docker's default: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID
 * SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE. */
capset_t caps_docker_default(void);

/* Every capability this kernel knows (0 to /proc/sys/kernel/cap_last_cap). */
capset_t caps_all(void);

/*
 * --cap-add / --cap-drop NAME: "NET_ADMIN", "CAP_NET_ADMIN", "net_admin",
 * or "ALL". The set it names, or false and why.
 */
bool caps_parse(const char *name, capset_t *set, struct error *err);

/* "CHOWN,DAC_OVERRIDE,..." for inspect and the trace. */
void caps_format(capset_t set, char *out, size_t size);

/*
 * Child, last thing before execve(): keep exactly `keep` in the bounding,
 * permitted and effective sets, and clear the inheritable and ambient sets.
 * Dies on failure.
 */
void caps_apply(capset_t keep);

/* The five sets of an OCI process, each as config.json lists it. */
struct capsets { capset_t bounding, effective, permitted, inheritable, ambient; };

/*
 * Child, last thing before execve(), for the OCI runtime: the caller's
 * five sets exactly (bounding first, then capset(), then ambient). The
 * caller chose them: nothing is added, and an inheritable set is taken as
 * given (docker and podman send none since CVE-2022-24769). Dies on failure.
 */
void caps_apply_sets(const struct capsets *sets);

#endif
