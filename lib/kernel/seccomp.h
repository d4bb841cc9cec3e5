/*
 * seccomp — a filter on the container's system calls (step 08).
 *
 * Capabilities decide what root may do; the system calls stay open to every
 * process, and each one is code of the host's kernel a container can reach.
 * A seccomp filter is a small program (classic BPF) that the kernel runs on
 * every system call a process makes, before the call: it reads the call's
 * number, its architecture and its arguments (struct seccomp_data), and
 * answers "allow", or "fail with this errno", or "kill". Once installed it
 * cannot be removed, and the children of the process inherit it.
 *
 * This module is the kernel's side: the program as the kernel takes it
 * (struct seccomp_filter), installing it, the system calls' names and
 * numbers on this architecture, and a dump a student can read. Where the
 * program comes from — a profile in the OCI form, Docker's default among
 * them — is lib/kernel/seccomp-profile.
 *
 * Architectures: a filter speaks one architecture's numbers, the one
 * stepbox is built for (x86_64 or aarch64, its AUDIT_ARCH_*). The same
 * number means another call under another architecture (a 32-bit int 0x80
 * call on x86_64), so the program checks the architecture first.
 */
#ifndef STEPBOX_SECCOMP_H
#define STEPBOX_SECCOMP_H

#include <linux/audit.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>

/* The architecture a filter is written for: the one stepbox is built for. */
#if defined(__x86_64__)
#define SECCOMP_AUDIT_ARCH AUDIT_ARCH_X86_64
#define SECCOMP_ARCH_NAME  "x86_64"
#elif defined(__aarch64__)
#define SECCOMP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define SECCOMP_ARCH_NAME  "aarch64"
#else
#error "lib/kernel/seccomp.h: add this architecture's AUDIT_ARCH_* (and its names in seccomp-profile.c)"
#endif

/* A compiled filter, and what it was made of (for the trace and the dump). */
struct seccomp_filter {
	struct sock_filter *insns;   /* on the heap; seccomp_filter_free() */
	unsigned short len;
	uint32_t default_action;     /* SECCOMP_RET_*: what a call no rule names gets */
	int allowed;                 /* calls allowed whatever their arguments */
	int conditional;             /* calls whose arguments decide */
	int refused;                 /* calls a rule refuses whatever their arguments */
	int skipped;                 /* names this architecture does not have */
	char skipped_names[1024];     /* the first of them, space-separated */
	int min_kernel[2];           /* the newest minKernel a rule named ({4, 8}), or {0, 0} */
};

/* The number of system call NAME on this architecture, or -1 (it has none). */
int seccomp_syscall_number(const char *name);

/* The name of system call NR on this architecture, or NULL. */
const char *seccomp_syscall_name(long nr);

/* The highest number <sys/syscall.h> of this build knows. */
int seccomp_syscall_max(void);

/* "ALLOW", "ERRNO(EPERM)", "KILL_PROCESS", ...: an action (SECCOMP_RET_*) in words. */
const char *seccomp_action_name(uint32_t action, char *buf, size_t size);

/*
 * Child: no_new_privs — from now on no execve() can raise what this
 * process holds (a setuid file or file capabilities count for nothing),
 * and even a process without CAP_SYS_ADMIN may install a filter.
 * Dies on failure.
 */
void seccomp_no_new_privs(void);

/*
 * Child, last thing before execve(), after seccomp_no_new_privs(): install
 * FILTER; DESCRIPTION names it for the trace. Dies on failure.
 */
void seccomp_install(const struct seccomp_filter *filter, const char *description);

/*
 * The program, one instruction a line, with what each one reads and the
 * names of the calls it compares with:
 *
 *     3  A = nr
 *     4  if A == 0 (read) goto 5 else 6
 *     5  return ALLOW
 */
void seccomp_dump(FILE *out, const struct seccomp_filter *filter);

void seccomp_filter_free(struct seccomp_filter *filter);

/* *filter = COUNTS with a copy of its LEN instructions INSNS on the heap (the
 * built-in program's, kept apart): 0, or -1 (errno) if malloc() failed. */
int seccomp_filter_copy(struct seccomp_filter *filter, const struct seccomp_filter *counts,
			const struct sock_filter *insns);

#endif
