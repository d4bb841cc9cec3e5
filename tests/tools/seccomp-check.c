/*
 * seccomp-check — lib/kernel/seccomp-profile seen from outside, for
 * tests/seccomp.bats and for a student who wants to read a filter.
 *
 *   build/seccomp-check [OPTIONS] PROFILE                  the program, one instruction a line
 *   build/seccomp-check [OPTIONS] PROFILE CALL [ARG...]    what it answers to one call
 *
 * PROFILE: a file in the OCI form, "default" (Docker's, built into
 * stepbox) compiled now, or "built-in": the program compiled from it when
 * stepbox was built (steps/tools/seccomp-builtin.c; none in a cross
 * build), which must be the same as "default"'s. CALL: a name ("mkdir")
 * or a number (decimal or 0x...); ARGs: its arguments as numbers (64
 * bits; missing ones are 0).
 * OPTIONS: --cap-add CAP, --cap-drop CAP (as run's: the capabilities the
 * process holds, from Docker's 14) and --arch N (the AUDIT_ARCH of the
 * call, default this build's: another one shows what a 32-bit call gets).
 *
 * The answer comes from running the compiled program on the call, with a
 * small classic-BPF interpreter below: the test sees what the kernel will
 * see. It prints one line: ALLOW, ERRNO(EPERM), KILL_PROCESS, ...
 *
 * Exit status: 0; 1 and one line on stderr for a bad profile (or no
 * built-in program); 2 for a usage error.
 */
#define _GNU_SOURCE
#include "kernel/caps.h"
#include "kernel/seccomp-profile.h"
#include "kernel/seccomp.h"

/* seccomp_builtin: Docker's default, compiled when stepbox was built. */
#include "seccomp-builtin.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: seccomp-check [--cap-add CAP] [--cap-drop CAP] [--arch N] "
			"PROFILE|default|built-in [CALL [ARG...]]\n");
	exit(2);
}

static uint64_t number(const char *s)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (!*s || *end || errno || *s == '-')
		usage();
	return n;
}

/* Run the program on DATA, as the kernel does; an instruction we never emit is fatal. */
static uint32_t run(const struct seccomp_filter *f, const struct seccomp_data *data)
{
	uint32_t a = 0;

	for (int pc = 0; pc < f->len; pc++) {
		const struct sock_filter *in = &f->insns[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k > sizeof(*data) - 4 || in->k % 4)
				goto bad;
			memcpy(&a, (const char *)data + in->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K: a &= in->k; break;
		case BPF_JMP | BPF_JA: pc += in->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in->k ? in->jt : in->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > in->k ? in->jt : in->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in->k ? in->jt : in->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & in->k) ? in->jt : in->jf; break;
		case BPF_RET | BPF_K: return in->k;
		default: goto bad;
		}
	}
bad:
	fprintf(stderr, "seccomp-check: the program is broken (ran off its end, or an unknown "
			"instruction)\n");
	exit(1);
}

int main(int argc, char **argv)
{
	capset_t add = 0, drop = 0, set;
	struct seccomp_data data = { .arch = SECCOMP_AUDIT_ARCH };
	struct seccomp_filter filter;
	struct error err;
	char *text = NULL, action[64];
	const char *name;
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--arch") == 0) {
			data.arch = (uint32_t)number(argv[i + 1]);
			continue;
		}
		if (strcmp(argv[i], "--cap-add") != 0 && strcmp(argv[i], "--cap-drop") != 0)
			usage();
		if (!caps_parse(argv[i + 1], &set, &err)) {
			fprintf(stderr, "seccomp-check: %s\n", err.msg);
			return 2;
		}
		*(argv[i][6] == 'a' ? &add : &drop) |= set;
	}
	if (i >= argc)
		usage();
	name = argv[i++];
	if (strcmp(name, "built-in") == 0) {
		if (add || drop) {
			fprintf(stderr, "seccomp-check: built-in: made for docker's capabilities only\n");
			return 2;
		}
		if (seccomp_builtin.len == 0) {
			fprintf(stderr, "seccomp-check: built-in: none in this build (a cross build)\n");
			return 1;
		}
		if (seccomp_filter_copy(&filter, &seccomp_builtin, seccomp_builtin_insns) == -1) {
			perror("seccomp-check: malloc");
			return 1;
		}
	} else if (strcmp(name, "default") == 0)
		text = strdup(seccomp_profile_default());
	else if (seccomp_profile_read(name, &text, &err) == -1)
		goto fail;
	if (strcmp(name, "built-in") != 0 &&
	    (text == NULL ||
	     seccomp_profile_compile_text(text, strlen(text), name,
					  (caps_docker_default() & ~drop) | add, &filter, &err) == -1))
		goto fail;
	free(text);

	if (i == argc) {
		printf("# %d instructions: %d calls allowed, %d decided by their arguments, "
		       "%d refused, any other %s\n", filter.len, filter.allowed, filter.conditional,
		       filter.refused, seccomp_action_name(filter.default_action, action,
							     sizeof(action)));
		printf("# %d names not on %s: %s\n", filter.skipped, SECCOMP_ARCH_NAME,
		       filter.skipped_names);
		if (filter.min_kernel[0] > 0)
			printf("# the newest minKernel a rule names: %d.%d\n", filter.min_kernel[0],
			       filter.min_kernel[1]);
		seccomp_dump(stdout, &filter);
	} else {
		const char *call = argv[i++];
		int nr = seccomp_syscall_number(call);

		if (nr == -1 && (call[0] < '0' || call[0] > '9')) {
			fprintf(stderr, "seccomp-check: %s: no such call on %s\n", call,
				SECCOMP_ARCH_NAME);
			return 2;
		}
		data.nr = nr != -1 ? nr : (int)number(call);
		for (int a = 0; i < argc; a++, i++) {
			if (a == 6)
				usage();
			data.args[a] = number(argv[i]);
		}
		printf("%s\n", seccomp_action_name(run(&filter, &data), action, sizeof(action)));
	}
	seccomp_filter_free(&filter);
	return 0;
fail:
	fprintf(stderr, "seccomp-check: %s\n", err.msg);
	free(text);
	return 1;
}
