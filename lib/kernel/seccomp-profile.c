#define _GNU_SOURCE
#include "kernel/seccomp-profile.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Docker's default profile: seccomp_default_json[], generated at build time
 * from lib/kernel/seccomp-default.json (steps/tools/embed-text.sh). */
#include "seccomp-default.h"

/* How Go (and so Docker's includes/excludes "arches") names this architecture. */
#if defined(__x86_64__)
#define GO_ARCH "amd64"
#elif defined(__aarch64__)
#define GO_ARCH "arm64"
#endif

/* Comparisons one rule may make: one per argument is the usual, a range two. */
#define MAX_COMPARISONS 16

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MASKED_EQ };

static const char *const op_names[] = {
	[OP_EQ] = "SCMP_CMP_EQ", [OP_NE] = "SCMP_CMP_NE", [OP_LT] = "SCMP_CMP_LT",
	[OP_LE] = "SCMP_CMP_LE", [OP_GT] = "SCMP_CMP_GT", [OP_GE] = "SCMP_CMP_GE",
	[OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* The instructions each comparison compiles to (emit_comparison()). */
static const int op_length[] = {
	[OP_EQ] = 4, [OP_NE] = 4, [OP_LT] = 5, [OP_LE] = 5, [OP_GT] = 5, [OP_GE] = 5,
	[OP_MASKED_EQ] = 6,
};

struct comparison {
	unsigned index;        /* the argument, 0-5 */
	enum op op;
	uint64_t value, value_two;
};

/*
 * One rule for one call, as this architecture and these capabilities see it.
 * Small on purpose: docker's profile gives ~300 of them, copied and sorted,
 * so the comparisons (the same for every call a profile rule names) are kept
 * once, in `struct rules`, and pointed at.
 */
struct rule {
	int nr;
	int order;             /* its place in the document: the first match wins */
	uint32_t action;       /* SECCOMP_RET_* */
	int ncomparisons;
	const struct comparison *comparisons;
	const struct json_value *where;
};

struct rules {
	struct rule *items;
	size_t count, room;
	struct comparison **kept;      /* each profile rule's comparisons, to free */
	size_t nkept;
};

/* ---- reading the profile -------------------------------------------------- */

/* Refuse a member OBJ's readers do not know: a typo must not widen the filter. */
static int only_members(const struct json_value *obj, const char *const known[],
			struct error *err)
{
	for (size_t i = 0; i < obj->count; i++) {
		int k = 0;

		while (known[k] && strcmp(known[k], obj->items[i].key) != 0)
			k++;
		if (known[k] == NULL)
			return json_errorf(err, &obj->items[i], "unknown member of a seccomp profile");
	}
	return 0;
}

/* An action (and its errno) from ACTION_KEY and ERRNO_KEY of OBJ. */
static int read_action(const struct json_value *obj, const char *action_key,
		       const char *errno_key, uint32_t *out, struct error *err)
{
	static const struct { const char *name; uint32_t action; bool takes_errno; } actions[] = {
		{ "SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, false },
		{ "SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO, true },
		/* libseccomp's KILL is the thread's; Docker's profiles say KILL_PROCESS when
		 * they mean the whole program. */
		{ "SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, false },
		{ "SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, false },
		{ "SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, false },
		{ "SCMP_ACT_TRAP", SECCOMP_RET_TRAP, false },
		/* No tracer attached: the call fails with errnoRet's value... as ENOSYS. */
		{ "SCMP_ACT_TRACE", SECCOMP_RET_TRACE, true },
		{ "SCMP_ACT_LOG", SECCOMP_RET_LOG, false },
	};
	const struct json_value *v = json_get(obj, action_key), *e = json_get(obj, errno_key);
	const char *name;
	uint64_t errno_ret = EPERM;
	size_t i;

	if (json_get_string(obj, action_key, &name, err) != 0)
		return -1;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(name, actions[i].name) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
			return json_errorf(err, v, "SCMP_ACT_NOTIFY needs a listener process, which "
						   "stepbox does not have");
		return json_errorf(err, v, "unknown action %s (SCMP_ACT_ALLOW, ERRNO, KILL, "
					   "KILL_THREAD, KILL_PROCESS, TRAP, TRACE, LOG)", quote(name));
	}
	if (json_get_uint64(obj, errno_key, &errno_ret, err) == -1)
		return -1;
	if (e && e->type != JSON_NULL && !actions[i].takes_errno)
		return json_errorf(err, e, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
	if (errno_ret > 4095) /* MAX_ERRNO: a larger value would not read as an error */
		return json_errorf(err, e, "%llu is not an errno (1-4095)",
				   (unsigned long long)errno_ret);
	*out = actions[i].action | (actions[i].takes_errno ? (uint32_t)errno_ret : 0);
	return 0;
}

static int read_op(const struct json_value *arg, enum op *out, struct error *err)
{
	const char *name;

	if (json_get_string(arg, "op", &name, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(name, op_names[i]) == 0) {
			*out = i;
			return 0;
		}
	return json_errorf(err, json_get(arg, "op"), "unknown comparison %s (SCMP_CMP_EQ, "
			   "NE, LT, LE, GT, GE, MASKED_EQ)", quote(name));
}

static int read_comparisons(const struct json_value *rule, struct comparison out[MAX_COMPARISONS],
			    int *count, struct error *err)
{
	static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
	const struct json_value *args = NULL;
	int got = json_get_array(rule, "args", &args, err);

	*count = 0;
	if (got == -1)
		return -1;
	if (got == 1)
		return 0;
	if (args->count > MAX_COMPARISONS)
		return json_errorf(err, args, "at most %d comparisons in one rule", MAX_COMPARISONS);
	for (size_t i = 0; i < args->count; i++) {
		const struct json_value *arg = &args->items[i];
		struct comparison *c = &out[i];
		uint64_t index;

		*c = (struct comparison){ 0 };   /* valueTwo may be absent: 0 */

		if (json_expect(arg, JSON_OBJECT, err) == -1 || only_members(arg, known, err) == -1 ||
		    json_get_uint64(arg, "index", &index, err) != 0 ||
		    json_get_uint64(arg, "value", &c->value, err) != 0 ||
		    json_get_uint64(arg, "valueTwo", &c->value_two, err) == -1 ||
		    read_op(arg, &c->op, err) == -1)
			return -1;
		/* A system call has six arguments (struct seccomp_data's args[6]). */
		if (index > 5)
			return json_errorf(err, json_get(arg, "index"),
					   "%llu is not an argument (0-5)", (unsigned long long)index);
		c->index = index;
		(*count)++;
	}
	return 0;
}

/* The kernel minKernel is compared with: the running one, or (at build
 * time, seccomp_profile_assume_kernel()) the one the program is made for. */
static const char *assumed_release;

void seccomp_profile_assume_kernel(const char *release)
{
	assumed_release = release;
}

/* A kernel release ("6.1.0-18-amd64") at least MAJOR.MINOR? */
static bool release_at_least(const char *release, int major, int minor)
{
	int have_major = 0, have_minor = 0;

	sscanf(release, "%d.%d", &have_major, &have_minor);
	return have_major > major || (have_major == major && have_minor >= minor);
}

bool seccomp_kernel_at_least(const int version[2])
{
	struct utsname u;

	return uname(&u) == 0 && release_at_least(u.release, version[0], version[1]);
}

/* "4.8" against the kernel's release: true if it is at least that. The
 * newest version a rule asks for goes into the filter: the program is the
 * same on every kernel from there on. */
static int kernel_at_least(const struct json_value *v, bool *yes,
			   struct seccomp_filter *compiled, struct error *err)
{
	struct utsname u;
	const char *want, *release = assumed_release;
	int major, minor;

	if (json_as_string(v, &want, err) == -1)
		return -1;
	if (sscanf(want, "%d.%d", &major, &minor) != 2)
		return json_errorf(err, v, "expected a kernel version like \"4.8\"");
	if (release == NULL) {
		if (uname(&u) == -1)
			return error_errno(err, "uname()");
		release = u.release;
	}
	*yes = release_at_least(release, major, minor);
	if (major > compiled->min_kernel[0] ||
	    (major == compiled->min_kernel[0] && minor > compiled->min_kernel[1])) {
		compiled->min_kernel[0] = major;
		compiled->min_kernel[1] = minor;
	}
	return 0;
}

/*
 * Docker's "includes" and "excludes" of a rule, against CAPS, this
 * architecture and the running kernel. A rule applies when everything its
 * includes lists holds (every capability held, our architecture listed, the
 * kernel at least minKernel) and nothing its excludes lists does (no
 * capability held, our architecture not listed, the kernel older).
 */
static int rule_applies(const struct json_value *rule, capset_t caps, bool *applies,
			struct seccomp_filter *compiled, struct error *err)
{
	static const char *const known[] = { "caps", "arches", "minKernel", NULL };

	*applies = true;
	for (int includes = 1; includes >= 0; includes--) {
		const struct json_value *filter = json_get(rule, includes ? "includes" : "excludes");
		const struct json_value *list, *min;
		bool all = true, any = false; /* of its conditions: all hold, any holds */
		int got;

		if (filter == NULL || filter->type == JSON_NULL)
			continue;
		if (json_expect(filter, JSON_OBJECT, err) == -1 ||
		    only_members(filter, known, err) == -1)
			return -1;
		if ((got = json_get_array(filter, "caps", &list, err)) == -1)
			return -1;
		for (size_t i = 0; got == 0 && i < list->count; i++) {
			const char *name;
			capset_t cap;

			if (json_as_string(&list->items[i], &name, err) == -1)
				return -1;
			if (!caps_parse(name, &cap, err))
				return json_errorf(err, &list->items[i], "%s", err->msg);
			all = all && (caps & cap) == cap;
			any = any || (caps & cap) != 0;
		}
		/* arches, in Go's names (amd64, arm64), as Docker writes them. */
		if ((got = json_get_array(filter, "arches", &list, err)) == -1)
			return -1;
		if (got == 0) {
			bool listed = false;

			for (size_t i = 0; i < list->count; i++) {
				const char *name;

				if (json_as_string(&list->items[i], &name, err) == -1)
					return -1;
				listed = listed || strcmp(name, GO_ARCH) == 0;
			}
			all = all && listed;
			any = any || listed;
		}
		if ((min = json_get(filter, "minKernel")) && min->type != JSON_NULL) {
			bool newer = false;

			if (kernel_at_least(min, &newer, compiled, err) == -1)
				return -1;
			all = all && newer;
			any = any || newer;
		}
		if (includes ? !all : any)
			*applies = false;
	}
	return 0;
}

static int add_rule(struct rules *rules, const struct rule *rule, struct error *err)
{
	if (rules->count == rules->room) {
		size_t room = rules->room ? 2 * rules->room : 256;
		struct rule *more = realloc(rules->items, room * sizeof(*more));

		if (more == NULL)
			return error_errno(err, "seccomp profile: the rules");
		rules->items = more;
		rules->room = room;
	}
	rules->items[rules->count++] = *rule;
	return 0;
}

/* A copy of one profile rule's comparisons, freed with the rules. */
static int keep_comparisons(struct rules *rules, const struct comparison *comparisons, int n,
			    const struct comparison **kept, struct error *err)
{
	struct comparison **more = realloc(rules->kept, (rules->nkept + 1) * sizeof(*more));
	struct comparison *copy = malloc(n * sizeof(*copy));

	if (more != NULL)
		rules->kept = more;
	if (more == NULL || copy == NULL) {
		free(copy);
		return error_errno(err, "seccomp profile: the comparisons");
	}
	memcpy(copy, comparisons, n * sizeof(*copy));
	rules->kept[rules->nkept++] = copy;
	*kept = copy;
	return 0;
}

/* One member of "syscalls": a rule for each of its names this architecture has. */
static int read_rule(const struct json_value *v, int order, capset_t caps, struct rules *rules,
		     struct seccomp_filter *filter, struct error *err)
{
	static const char *const known[] = { "names", "action", "errnoRet", "args", "comment",
					     "includes", "excludes", NULL };
	const struct json_value *names;
	struct rule rule = { .order = order, .where = v };
	struct comparison comparisons[MAX_COMPARISONS];
	bool applies;

	if (json_expect(v, JSON_OBJECT, err) == -1 || only_members(v, known, err) == -1 ||
	    json_get_array(v, "names", &names, err) != 0 ||
	    read_action(v, "action", "errnoRet", &rule.action, err) == -1 ||
	    read_comparisons(v, comparisons, &rule.ncomparisons, err) == -1 ||
	    rule_applies(v, caps, &applies, filter, err) == -1)
		return -1;
	if (applies && rule.ncomparisons > 0 &&
	    keep_comparisons(rules, comparisons, rule.ncomparisons, &rule.comparisons, err) == -1)
		return -1;
	for (size_t i = 0; i < names->count; i++) {
		const char *name;

		if (json_as_string(&names->items[i], &name, err) == -1)
			return -1;
		rule.nr = seccomp_syscall_number(name);
		if (rule.nr == -1) {
			/* Not on this architecture (chown32 on x86_64, open on aarch64). */
			size_t used = strlen(filter->skipped_names);

			if (applies && !strstr(filter->skipped_names, name))
				snprintf(filter->skipped_names + used, sizeof(filter->skipped_names) - used,
					 "%s%s", used ? " " : "", name);
			filter->skipped += applies;
			continue;
		}
		if (applies && add_rule(rules, &rule, err) == -1)
			return -1;
	}
	return 0;
}

/* The architecture names of libseccomp (and so of the OCI spec). */
static int check_architectures(const struct json_value *profile, struct error *err)
{
	static const char *const arches[] = {
		"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
		"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
		"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
		"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
		"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", NULL,
	};
	const struct json_value *list;
	int got = json_get_array(profile, "architectures", &list, err);

	for (size_t i = 0; got == 0 && i < list->count; i++) {
		const char *name;
		int k = 0;

		if (json_as_string(&list->items[i], &name, err) == -1)
			return -1;
		while (arches[k] && strcmp(arches[k], name) != 0)
			k++;
		if (arches[k] == NULL)
			return json_errorf(err, &list->items[i], "unknown architecture %s", quote(name));
	}
	return got == -1 ? -1 : 0;
}

/* "flags": the kernel's SECCOMP_FILTER_FLAG_*. None widens what the filter
 * lets through; stepbox honours none (TSYNC: one thread anyway; LOG: fewer
 * audit lines; SPEC_ALLOW: keeps the speculation mitigations, stricter). */
static int check_flags(const struct json_value *profile, struct error *err)
{
	static const char *const flags[] = {
		"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
	};
	const struct json_value *list;
	int got = json_get_array(profile, "flags", &list, err);

	for (size_t i = 0; got == 0 && i < list->count; i++) {
		const char *name;
		int k = 0;

		if (json_as_string(&list->items[i], &name, err) == -1)
			return -1;
		while (flags[k] && strcmp(flags[k], name) != 0)
			k++;
		if (flags[k] == NULL)
			return json_errorf(err, &list->items[i], "unknown flag %s", quote(name));
	}
	return got == -1 ? -1 : 0;
}

/* ---- writing the program ---------------------------------------------------- */

struct program {
	struct sock_filter *insns;
	size_t len, room;
	bool failed;           /* out of memory */
	bool too_far;          /* a jump beyond 255: a bug of this compiler */
};

static void emit(struct program *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->len == p->room) {
		size_t room = p->room ? 2 * p->room : 512;
		struct sock_filter *more = realloc(p->insns, room * sizeof(*more));

		if (more == NULL) {
			p->failed = true;
			return;
		}
		p->insns = more;
		p->room = room;
	}
	p->insns[p->len++] = (struct sock_filter){ code, jt, jf, k };
}

static void load(struct program *p, uint32_t offset)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, offset, 0, 0);
}

static void ret(struct program *p, uint32_t action)
{
	emit(p, BPF_RET | BPF_K, action, 0, 0);
}

/*
 * A conditional jump to absolute targets. Classic BPF jumps only forward,
 * at most 255 instructions; the callers' targets are never farther (a
 * comparison is at most 6 instructions, a rule at most 16 of them).
 */
static void jump(struct program *p, uint16_t op, uint32_t k, size_t if_true, size_t if_false)
{
	size_t next = p->len + 1;

	if (if_true < next || if_false < next || if_true - next > 255 || if_false - next > 255)
		p->too_far = true;
	emit(p, BPF_JMP | op | BPF_K, k, (uint8_t)(if_true - next), (uint8_t)(if_false - next));
}

/*
 * One 64-bit comparison of an argument, 32 bits at a time: A holds the high
 * half, then the low one. On little-endian x86_64 and aarch64 the low half
 * is the first word of args[i]. Falls through (to PASS, the instruction
 * after these) when it holds, jumps to FAIL when not.
 */
static void emit_comparison(struct program *p, const struct comparison *c, size_t fail)
{
	const uint32_t low = offsetof(struct seccomp_data, args) + 8 * c->index, high = low + 4;
	const uint32_t v_high = c->value >> 32, v_low = (uint32_t)c->value;
	const size_t pass = p->len + op_length[c->op];

	switch (c->op) {
	case OP_EQ:  /* both halves equal */
		load(p, high);
		jump(p, BPF_JEQ, v_high, p->len + 1, fail);
		load(p, low);
		jump(p, BPF_JEQ, v_low, pass, fail);
		break;
	case OP_NE:  /* either half differs */
		load(p, high);
		jump(p, BPF_JEQ, v_high, p->len + 1, pass);
		load(p, low);
		jump(p, BPF_JEQ, v_low, fail, pass);
		break;
	case OP_GT:  /* high greater, or high equal and low greater */
	case OP_GE:
		load(p, high);
		jump(p, BPF_JGT, v_high, pass, p->len + 1);
		jump(p, BPF_JEQ, v_high, p->len + 1, fail);
		load(p, low);
		jump(p, c->op == OP_GT ? BPF_JGT : BPF_JGE, v_low, pass, fail);
		break;
	case OP_LT:  /* high less, or high equal and low less: "not (low >= v)" */
	case OP_LE:
		load(p, high);
		jump(p, BPF_JGT, v_high, fail, p->len + 1);
		jump(p, BPF_JEQ, v_high, p->len + 1, pass);
		load(p, low);
		jump(p, c->op == OP_LT ? BPF_JGE : BPF_JGT, v_low, fail, pass);
		break;
	case OP_MASKED_EQ:  /* (arg & value) == valueTwo, half by half */
		load(p, high);
		emit(p, BPF_ALU | BPF_AND | BPF_K, v_high, 0, 0);
		jump(p, BPF_JEQ, (uint32_t)(c->value_two >> 32), p->len + 1, fail);
		load(p, low);
		emit(p, BPF_ALU | BPF_AND | BPF_K, v_low, 0, 0);
		jump(p, BPF_JEQ, (uint32_t)c->value_two, pass, fail);
		break;
	}
}

static size_t rule_length(const struct rule *r)
{
	size_t n = 1; /* its return */

	for (int i = 0; i < r->ncomparisons; i++)
		n += op_length[r->comparisons[i].op];
	return n;
}

/*
 * One call whose arguments decide: if nr is this call, its rules in order
 * (each: comparisons, then its action), then FALLBACK. Every way through
 * ends in a return, so A may hold an argument afterwards.
 */
static void emit_call_block(struct program *p, const struct rule *rules, size_t n,
			    uint32_t fallback)
{
	size_t length = 1;

	for (size_t i = 0; i < n; i++)
		length += rule_length(&rules[i]);
	if (length <= 255) {
		jump(p, BPF_JEQ, rules[0].nr, p->len + 1, p->len + 1 + length);
	} else {
		/* Too far for a conditional jump: over an unconditional one (32 bits). */
		jump(p, BPF_JEQ, rules[0].nr, p->len + 2, p->len + 1);
		emit(p, BPF_JMP | BPF_JA, length, 0, 0);
	}
	for (size_t i = 0; i < n; i++) {
		size_t fail = p->len + rule_length(&rules[i]);

		for (int c = 0; c < rules[i].ncomparisons; c++)
			emit_comparison(p, &rules[i].comparisons[c], fail);
		ret(p, rules[i].action);
	}
	ret(p, fallback);
}

/* Calls LOW..HIGH, all with the same action whatever their arguments. */
static void emit_run(struct program *p, int low, int high, uint32_t action)
{
	if (low == high) {
		jump(p, BPF_JEQ, low, p->len + 1, p->len + 2);
	} else {
		jump(p, BPF_JGE, low, p->len + 1, p->len + 3);
		jump(p, BPF_JGT, high, p->len + 2, p->len + 1);
	}
	ret(p, action);
}

static int by_number(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	return x->nr != y->nr ? (x->nr > y->nr) - (x->nr < y->nr) : x->order - y->order;
}

static bool refuses(uint32_t action)
{
	uint32_t kind = action & SECCOMP_RET_ACTION_FULL;

	return kind != SECCOMP_RET_ALLOW && kind != SECCOMP_RET_LOG;
}

/* The rules of one call number, together (the rules sorted by number). */
struct call {
	int nr;
	const struct rule *rules;      /* in document order */
	size_t count;
	bool conditional;              /* some rule compares arguments */
	uint32_t action;               /* its rule without comparisons, or the default */
};

/*
 * Group the sorted rules by call. Two rules without comparisons that say
 * different things about one call: the first one in the document decides,
 * as the runtime-spec says and runc does (podman's profile allows setns in
 * its long list, then refuses it in a later rule: the allow stands).
 */
static void group_calls(const struct rules *rules, uint32_t default_action, struct call *calls,
			size_t *ncalls)
{
	size_t n = 0;

	for (size_t i = 0, j; i < rules->count; i = j) {
		struct call *c = &calls[n++];
		const struct rule *plain = NULL;

		*c = (struct call){ .nr = rules->items[i].nr, .rules = &rules->items[i],
				    .action = default_action };
		for (j = i; j < rules->count && rules->items[j].nr == c->nr; j++) {
			const struct rule *r = &rules->items[j];
			char a[32], b[32], where[128];

			c->count++;
			if (r->ncomparisons > 0) {
				c->conditional = true;
			} else if (plain == NULL) {
				plain = r;
				c->action = r->action;
			} else if (r->action != plain->action) {
				trace("seccomp: %s: %s in %s is overruled by %s, the first rule",
				      seccomp_syscall_name(c->nr),
				      seccomp_action_name(r->action, a, sizeof(a)),
				      json_path(r->where, where, sizeof(where)),
				      seccomp_action_name(plain->action, b, sizeof(b)));
			}
		}
	}
	*ncalls = n;
}

/*
 * The program, in the order the kernel walks it:
 *   1. the architecture: ours, or the process is killed;
 *   2. (x86_64) an x32 call: ENOSYS;
 *   3. the calls whose action does not depend on their arguments, by
 *      number, neighbours with the same action as one range;
 *   4. the calls whose arguments decide, one block each;
 *   5. a number newer than this build: ENOSYS (when the default refuses);
 *   6. the default action.
 */
static int write_program(struct rules *rules, uint32_t default_action,
			 struct seccomp_filter *filter, struct error *err)
{
	struct program p = { 0 };
	struct call *calls;
	size_t ncalls = 0, i, j;

	/* A profile with no rules (only a default) has no array to sort. */
	if (rules->count > 0)
		qsort(rules->items, rules->count, sizeof(rules->items[0]), by_number);
	if ((calls = calloc(rules->count + 1, sizeof(*calls))) == NULL)
		return error_errno(err, "seccomp profile: the calls");
	group_calls(rules, default_action, calls, &ncalls);

	/* 1, 2 */
	load(&p, offsetof(struct seccomp_data, arch));
	jump(&p, BPF_JEQ, SECCOMP_AUDIT_ARCH, p.len + 2, p.len + 1);
	ret(&p, SECCOMP_RET_KILL_PROCESS);
	load(&p, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	/* x32: the same architecture, numbers with bit 30 set — the same
	 * kernel code by other numbers, a way around any list. */
	jump(&p, BPF_JGE, 0x40000000, p.len + 1, p.len + 2);
	ret(&p, SECCOMP_RET_ERRNO | ENOSYS);
#endif

	/* 3. A call that only says the default needs no instruction at all. */
	for (i = 0; i < ncalls; i = j) {
		const struct call *c = &calls[i];

		j = i + 1;
		if (c->conditional) {
			filter->conditional++;
			continue;
		}
		if (c->action == default_action)
			continue;
		while (j < ncalls && calls[j].nr == calls[j - 1].nr + 1 && !calls[j].conditional &&
		       calls[j].action == c->action)
			j++;
		if (refuses(c->action))
			filter->refused += j - i;
		else
			filter->allowed += j - i;
		emit_run(&p, c->nr, calls[j - 1].nr, c->action);
	}

	/* 4. Each block's rules in document order, then the call's plain action. */
	for (i = 0; i < ncalls; i++) {
		const struct call *c = &calls[i];
		struct rule conditional[64];
		size_t n = 0;

		for (j = 0; j < c->count; j++) {
			if (c->rules[j].ncomparisons == 0)
				continue;
			if (n == sizeof(conditional) / sizeof(conditional[0])) {
				free(calls);
				free(p.insns);
				return json_errorf(err, c->rules[j].where,
						   "%s: more than 64 rules with comparisons",
						   seccomp_syscall_name(c->nr));
			}
			conditional[n++] = c->rules[j];
		}
		if (n > 0)
			emit_call_block(&p, conditional, n, c->action);
	}
	free(calls);

	/* 5, 6. A is nr again here: every block above ends in a return. */
	if (refuses(default_action)) {
		jump(&p, BPF_JGT, seccomp_syscall_max(), p.len + 1, p.len + 2);
		ret(&p, SECCOMP_RET_ERRNO | ENOSYS);
	}
	ret(&p, default_action);

	if (p.failed || p.too_far) {
		free(p.insns);
		if (p.too_far)
			return error_set(err, "seccomp profile: a jump too far (a bug of stepbox)");
		return error_errno(err, "seccomp profile: the program");
	}
	if (p.len > BPF_MAXINSNS) {
		free(p.insns);
		return error_set(err, "seccomp profile: %zu instructions, more than the kernel takes "
				      "(BPF_MAXINSNS, %d)", p.len, BPF_MAXINSNS);
	}
	filter->insns = p.insns;
	filter->len = p.len;
	filter->default_action = default_action;
	return 0;
}

/* ---- the entry points ------------------------------------------------------- */

int seccomp_profile_compile(const struct json_value *profile, capset_t caps,
			    struct seccomp_filter *filter, struct error *err)
{
	static const char *const known[] = { "defaultAction", "defaultErrnoRet", "architectures",
					     "archMap", "flags", "listenerPath", "listenerMetadata",
					     "syscalls", "comment", NULL };
	const struct json_value *syscalls = NULL, *arch_map;
	struct rules rules = { 0 };
	const char *listener = NULL;
	uint32_t default_action;
	int got, result = -1;

	memset(filter, 0, sizeof(*filter));
	if (json_expect(profile, JSON_OBJECT, err) == -1 || only_members(profile, known, err) == -1 ||
	    read_action(profile, "defaultAction", "defaultErrnoRet", &default_action, err) == -1 ||
	    check_architectures(profile, err) == -1 || check_flags(profile, err) == -1 ||
	    json_get_string(profile, "listenerPath", &listener, err) == -1 ||
	    (got = json_get_array(profile, "syscalls", &syscalls, err)) == -1)
		return -1;
	/* archMap (Docker's): which architectures go together; only ours is compiled. */
	if (json_get_array(profile, "archMap", &arch_map, err) == -1)
		return -1;
	if (listener && *listener)
		return json_errorf(err, json_get(profile, "listenerPath"),
				   "a seccomp listener (SCMP_ACT_NOTIFY) is not supported");
	for (size_t i = 0; got == 0 && i < syscalls->count; i++)
		if (read_rule(&syscalls->items[i], (int)i, caps, &rules, filter, err) == -1)
			goto out;
	result = write_program(&rules, default_action, filter, err);
out:
	for (size_t i = 0; i < rules.nkept; i++)
		free(rules.kept[i]);
	free(rules.kept);
	free(rules.items);
	return result;
}

int seccomp_profile_compile_text(const char *text, size_t len, const char *name, capset_t caps,
				 struct seccomp_filter *filter, struct error *err)
{
	const struct json_limits limits = { .max_size = SECCOMP_PROFILE_MAX_SIZE };
	const struct json_value *root = json_parse(text, len, name, &limits, err);
	int result;

	if (root == NULL)
		return -1;
	result = seccomp_profile_compile(root, caps, filter, err);
	json_free(root);
	return result;
}

const char *seccomp_profile_default(void)
{
	return seccomp_default_json;
}

int seccomp_profile_read(const char *path, char **text, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *buf;

	if (fd == -1)
		return error_errno(err, "open(%s)", quote(path));
	/* A regular file, not a FIFO or a device that never ends. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size > SECCOMP_PROFILE_MAX_SIZE) {
		int e = errno;

		close(fd);
		if (st.st_size > SECCOMP_PROFILE_MAX_SIZE)
			return error_set(err, "%s: larger than %u bytes", quote(path),
					 SECCOMP_PROFILE_MAX_SIZE);
		errno = S_ISREG(st.st_mode) ? e : EINVAL;
		return error_errno(err, "%s: not a regular file", quote(path));
	}
	if ((buf = malloc(st.st_size + 1)) == NULL) {
		close(fd);
		return error_errno(err, "read(%s)", quote(path));
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, st.st_size - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			close(fd);
			return error_errno(err, "read(%s)", quote(path));
		}
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	return 0;
}
