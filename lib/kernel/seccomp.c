#define _GNU_SOURCE
#include "kernel/seccomp.h"
#include "base/log.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/personality.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The architecture the filter is written for: the one stepbox is built for. */
#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#else
#error "lib/kernel/seccomp.c: add this architecture's AUDIT_ARCH_* (and check the syscall list)"
#endif

/* What the filter refuses with EPERM, whatever the arguments. */
static const int denied[] = {
	/* another kernel, or code in this one */
	SYS_kexec_load, SYS_kexec_file_load, SYS_init_module, SYS_finit_module,
	SYS_delete_module, SYS_bpf, SYS_perf_event_open,
	/* the host's files by handle (Shocker), keyrings, accounting, quotas */
	SYS_open_by_handle_at, SYS_keyctl, SYS_add_key, SYS_request_key, SYS_acct,
	SYS_quotactl,
#ifdef SYS_quotactl_fd
	SYS_quotactl_fd,
#endif
#ifdef SYS_lookup_dcookie
	SYS_lookup_dcookie,
#endif
	/* the clock */
	SYS_clock_settime, SYS_settimeofday, SYS_adjtimex, SYS_clock_adjtime,
	/* mounts, old and new */
	SYS_mount, SYS_umount2, SYS_pivot_root, SYS_fsopen, SYS_fsconfig, SYS_fsmount,
	SYS_fspick, SYS_move_mount, SYS_open_tree,
#ifdef SYS_mount_setattr
	SYS_mount_setattr,
#endif
	/* swap, reboot, namespaces, userfaultfd */
	SYS_swapon, SYS_swapoff, SYS_reboot, SYS_unshare, SYS_setns, SYS_userfaultfd,
	/* port I/O */
#ifdef SYS_iopl
	SYS_iopl, SYS_ioperm,
#endif
	SYS_vhangup,
};
#define DENIED ((int)(sizeof(denied) / sizeof(denied[0])))

/* The personalities Docker allows: Linux's own, 32-bit uname, and the query. */
static const unsigned int personalities[] = { PER_LINUX, PER_LINUX32, UNAME26,
					      UNAME26 | PER_LINUX32, 0xffffffff };

/* clone() flags that make namespaces. */
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
			  CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* The instructions, as values (BPF_STMT and BPF_JUMP are initializers). */
#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
#define LOAD(field) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
/* The low 32 bits of argument n (a little-endian machine: the first word). */
#define LOAD_ARG(n) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
#define RETURN(action) STMT(BPF_RET | BPF_K, (action))
#define REFUSE(err) RETURN(SECCOMP_RET_ERRNO | (err))
/* If A == k, run the next instruction; else skip it. */
#define IF_EQUAL(k) JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, 1)

int seccomp_denied_count(void)
{
	return DENIED + 2; /* and clone with namespace flags, and personality */
}

void seccomp_apply(void)
{
	/* Room for the fixed part and two instructions per denied call. */
	struct sock_filter program[32 + 2 * DENIED + 2 * 5];
	struct sock_fprog fprog = { .filter = program };
	int n = 0;

	/* 1. The right architecture, or nothing at all. */
	program[n++] = LOAD(arch);
	program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
	program[n++] = RETURN(SECCOMP_RET_KILL_PROCESS);
	program[n++] = LOAD(nr);
#if defined(__x86_64__)
	/* x32: the same architecture, numbers with bit 30 set: another way in. */
	program[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	program[n++] = REFUSE(EPERM);
#endif

	/* 2. The calls refused whatever their arguments. */
	for (int i = 0; i < DENIED; i++) {
		program[n++] = IF_EQUAL(denied[i]);
		program[n++] = REFUSE(EPERM);
	}
	/* clone3: "not here", so that the C library uses clone(). */
	program[n++] = IF_EQUAL(SYS_clone3);
	program[n++] = REFUSE(ENOSYS);

	/* 3. clone() with a namespace flag (flags: argument 0 on x86_64 and arm64). */
	program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	program[n++] = LOAD_ARG(0);
	program[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACES, 0, 1);
	program[n++] = REFUSE(EPERM);
	program[n++] = RETURN(SECCOMP_RET_ALLOW);

	/* 4. personality(): only the harmless ones. */
	program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0,
				2 + 2 * (int)(sizeof(personalities) / sizeof(personalities[0])));
	program[n++] = LOAD_ARG(0);
	for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++) {
		program[n++] = IF_EQUAL(personalities[i]);
		program[n++] = RETURN(SECCOMP_RET_ALLOW);
	}
	program[n++] = REFUSE(EPERM);

	/* 5. Everything else. */
	program[n++] = RETURN(SECCOMP_RET_ALLOW);
	fprog.len = n;

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == -1)
		die_errno(errno == EINVAL ? "is the kernel built with CONFIG_SECCOMP_FILTER?" : NULL,
			  "prctl(PR_SET_SECCOMP) with a filter of %d instructions", n);
	trace("prctl(PR_SET_SECCOMP): a filter of %d instructions, %d calls refused", n,
	      seccomp_denied_count());
}

void seccomp_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_NO_NEW_PRIVS)");
	trace("prctl(PR_SET_NO_NEW_PRIVS)");
}
