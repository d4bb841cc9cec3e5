#define _GNU_SOURCE
#include "kernel/seccomp.h"
#include "base/log.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>

struct syscall_name {
	const char *name;
	int nr;
};
/* syscall_names[]: generated at build time from <sys/syscall.h>
 * (steps/tools/gen-syscall-names.sh), sorted by name. */
#include "syscall-names.h"
#define NSYSCALL_NAMES ((int)(sizeof(syscall_names) / sizeof(syscall_names[0])))

static int by_name(const void *key, const void *entry)
{
	return strcmp(key, ((const struct syscall_name *)entry)->name);
}

int seccomp_syscall_number(const char *name)
{
	const struct syscall_name *found =
		bsearch(name, syscall_names, NSYSCALL_NAMES, sizeof(syscall_names[0]), by_name);

	return found ? found->nr : -1;
}

const char *seccomp_syscall_name(long nr)
{
	for (int i = 0; i < NSYSCALL_NAMES; i++)
		if (syscall_names[i].nr == nr)
			return syscall_names[i].name;
	return NULL;
}

int seccomp_syscall_max(void)
{
	int max = 0;

	for (int i = 0; i < NSYSCALL_NAMES; i++)
		if (syscall_names[i].nr > max)
			max = syscall_names[i].nr;
	return max;
}

const char *seccomp_action_name(uint32_t action, char *buf, size_t size)
{
	uint32_t data = action & SECCOMP_RET_DATA;
	const char *err = strerrorname_np((int)data);

	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW: snprintf(buf, size, "ALLOW"); break;
	case SECCOMP_RET_LOG: snprintf(buf, size, "LOG"); break;
	case SECCOMP_RET_KILL_PROCESS: snprintf(buf, size, "KILL_PROCESS"); break;
	case SECCOMP_RET_KILL_THREAD: snprintf(buf, size, "KILL_THREAD"); break;
	case SECCOMP_RET_TRAP: snprintf(buf, size, "TRAP"); break;
	case SECCOMP_RET_ERRNO:
		if (err)
			snprintf(buf, size, "ERRNO(%s)", err);
		else
			snprintf(buf, size, "ERRNO(%u)", data);
		break;
	case SECCOMP_RET_TRACE: snprintf(buf, size, "TRACE(%u)", data); break;
	default: snprintf(buf, size, "0x%08x", action); break;
	}
	return buf;
}

void seccomp_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_NO_NEW_PRIVS)");
	trace("prctl(PR_SET_NO_NEW_PRIVS)");
}

void seccomp_install(const struct seccomp_filter *filter, const char *description)
{
	struct sock_fprog program = { .len = filter->len, .filter = filter->insns };
	char action[32];

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == -1)
		die_errno(errno == EINVAL ? "is the kernel built with CONFIG_SECCOMP_FILTER?" : NULL,
			  "prctl(PR_SET_SECCOMP) with a filter of %d instructions", filter->len);
	trace("prctl(PR_SET_SECCOMP): %s, %d instructions: %d calls allowed, %d by their "
	      "arguments, %d refused, any other %s", description, filter->len, filter->allowed,
	      filter->conditional, filter->refused,
	      seccomp_action_name(filter->default_action, action, sizeof(action)));
}

int seccomp_filter_copy(struct seccomp_filter *filter, const struct seccomp_filter *counts,
			const struct sock_filter *insns)
{
	size_t size = counts->len * sizeof(insns[0]);

	*filter = *counts;
	if ((filter->insns = malloc(size)) == NULL)
		return -1;
	memcpy(filter->insns, insns, size);
	return 0;
}

void seccomp_filter_free(struct seccomp_filter *filter)
{
	free(filter->insns);
	filter->insns = NULL;
	filter->len = 0;
}

/* ---- the dump ---------------------------------------------------------------- */

/* What a load of seccomp_data at OFFSET puts in A, in words. */
static void name_load(uint32_t offset, char *buf, size_t size)
{
	const size_t args = offsetof(struct seccomp_data, args);

	if (offset == offsetof(struct seccomp_data, nr))
		snprintf(buf, size, "nr");
	else if (offset == offsetof(struct seccomp_data, arch))
		snprintf(buf, size, "arch");
	else if (offset == offsetof(struct seccomp_data, instruction_pointer))
		snprintf(buf, size, "instruction_pointer (low half)");
	else if (offset >= args && offset < args + 6 * 8)
		/* Little-endian (x86_64, aarch64): the low half of an argument first. */
		snprintf(buf, size, "args[%zu] %s half", (offset - args) / 8,
			 (offset - args) % 8 ? "high" : "low");
	else
		snprintf(buf, size, "seccomp_data[%u]", offset);
}

/*
 * What A holds before each instruction: a load's offset, or -1 (nothing
 * yet, or different things on different ways in). Jumps only go forward,
 * so one pass in order sees every way into an instruction first.
 */
static void what_a_holds(const struct seccomp_filter *filter, long *holds)
{
	const long unset = -2;

	for (int pc = 0; pc < filter->len; pc++)
		holds[pc] = pc == 0 ? -1 : unset;
	for (int pc = 0; pc < filter->len; pc++) {
		const struct sock_filter *in = &filter->insns[pc];
		long after = holds[pc] == unset ? -1 : holds[pc];
		int to[2] = { -1, -1 };

		if (in->code == (BPF_LD | BPF_W | BPF_ABS))
			after = in->k;
		else if (BPF_CLASS(in->code) == BPF_ALU)
			after = -1;
		if (BPF_CLASS(in->code) == BPF_JMP) {
			to[0] = BPF_OP(in->code) == BPF_JA ? pc + 1 + (int)in->k : pc + 1 + in->jt;
			to[1] = BPF_OP(in->code) == BPF_JA ? -1 : pc + 1 + in->jf;
		} else if (BPF_CLASS(in->code) != BPF_RET) {
			to[0] = pc + 1;
		}
		for (int i = 0; i < 2; i++)
			if (to[i] > pc && to[i] < filter->len)
				holds[to[i]] = holds[to[i]] == unset || holds[to[i]] == after ? after : -1;
	}
}

void seccomp_dump(FILE *out, const struct seccomp_filter *filter)
{
	long *holds = calloc(filter->len ? filter->len : 1, sizeof(*holds));
	const long nr = offsetof(struct seccomp_data, nr);
	const long arch = offsetof(struct seccomp_data, arch);

	if (holds == NULL) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	what_a_holds(filter, holds);
	for (int pc = 0; pc < filter->len; pc++) {
		const struct sock_filter *in = &filter->insns[pc];
		int next = pc + 1;
		char what[64];

		fprintf(out, "%4d  ", pc);
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			name_load(in->k, what, sizeof(what));
			fprintf(out, "A = %s\n", what);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			fprintf(out, "A &= 0x%x\n", in->k);
			break;
		case BPF_JMP | BPF_JA:
			fprintf(out, "goto %d\n", next + (int)in->k);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K: {
			const char *op = BPF_OP(in->code) == BPF_JEQ   ? "=="
					 : BPF_OP(in->code) == BPF_JGT ? ">"
					 : BPF_OP(in->code) == BPF_JGE ? ">="
								       : "&";
			const char *name = holds[pc] == nr ? seccomp_syscall_name(in->k) : NULL;

			if (holds[pc] == arch && in->k == SECCOMP_AUDIT_ARCH)
				fprintf(out, "if A %s AUDIT_ARCH_%s", op, SECCOMP_ARCH_NAME);
			else if ((holds[pc] == nr && in->k < 0x10000) || in->k < 10)
				fprintf(out, "if A %s %u", op, in->k);
			else
				fprintf(out, "if A %s 0x%x", op, in->k);
			if (name)
				fprintf(out, " (%s)", name);
			fprintf(out, " goto %d else %d\n", next + in->jt, next + in->jf);
			break;
		}
		case BPF_RET | BPF_K:
			fprintf(out, "return %s\n", seccomp_action_name(in->k, what, sizeof(what)));
			break;
		default:
			fprintf(out, "code 0x%04x jt %u jf %u k 0x%x\n", in->code, in->jt, in->jf,
				in->k);
			break;
		}
	}
	free(holds);
}
