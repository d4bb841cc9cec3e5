/*
 * seccomp — a filter on the container's system calls (step 08).
 *
 * Capabilities decide what root may do; the system calls stay open to every
 * process, and each one is code of the host's kernel a container can reach.
 * A seccomp filter is a small program (classic BPF) that the kernel runs on
 * every system call a process makes, before the call: it reads the call's
 * number, its architecture and its arguments, and answers "allow", or "fail
 * with this errno", or "kill". Once installed it cannot be removed, and the
 * children of the process inherit it.
 *
 * Ours refuses with EPERM what Docker's default profile refuses to a
 * container without extra capabilities: loading kernels and modules, BPF,
 * perf, keyrings, the clock, mounting, swap, reboot, new namespaces,
 * userfaultfd, accounting, quotas, port I/O, open_by_handle_at (the
 * "Shocker" escape), and personalities beyond Linux's own. clone3() gets
 * ENOSYS, so the C library falls back to clone(), whose flags the filter
 * can read (clone3's are behind a pointer). A call made for another
 * architecture (32-bit calls on a 64-bit kernel, x32 on x86_64), which
 * would reach the kernel by other numbers, is refused outright.
 */
#ifndef STEPBOX_SECCOMP_H
#define STEPBOX_SECCOMP_H

/*
 * Child: no_new_privs — from now on no execve() can raise what this
 * process holds (a setuid file or file capabilities count for nothing),
 * and even a process without CAP_SYS_ADMIN may install a filter.
 */
void seccomp_no_new_privs(void);

/* Child, last thing before execve(), after seccomp_no_new_privs(): the filter. */
void seccomp_apply(void);

/* The number of system calls the filter refuses, for the trace and inspect. */
int seccomp_denied_count(void);

#endif
