/*
 * cgroup v2: one tree, a group per container at /sys/fs/cgroup/stepbox/<id>.
 */
#define _GNU_SOURCE
#include "kernel/cgroup-driver.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The controllers a group can use are those its parent lists in
 * cgroup.subtree_control. The root may hold processes and still delegate;
 * below it, "stepbox" holds none, so it can delegate to the containers
 * (the "no internal processes" rule of v2).
 */
static void enable_controllers(const char *dir, const struct cg_limits *limits)
{
	static const char *needed[] = { "memory", "cpu", "pids" };
	bool wanted[] = { limits->memory > 0, limits->cpus > 0, limits->pids > 0 };

	for (int i = 0; i < 3; i++) {
		char change[16];

		snprintf(change, sizeof(change), "+%s", needed[i]);
		if (cg_write(dir, "cgroup.subtree_control", change) == -1 && wanted[i])
			die_errno(errno == ENOENT || errno == EINVAL
				  ? "the kernel has no such controller here: see make doctor" : NULL,
				  "write(\"%s/cgroup.subtree_control\", \"%s\")", dir, change);
	}
}

/* The group's limits, in v2's files. */
static void set_limits(const char *path, const struct cg_limits *limits)
{
	char value[64];

	if (limits->memory > 0) {
		snprintf(value, sizeof(value), "%lld", limits->memory);
		cg_write_or_die(path, "memory.max", value);
		/* Without this, an over-limit process would swap instead of being OOM-killed. */
		if (cg_has_file(path, "memory.swap.max"))
			cg_write_or_die(path, "memory.swap.max", "0");
	}
	if (limits->cpus > 0) {
		snprintf(value, sizeof(value), "%ld %d", (long)(limits->cpus * CPU_PERIOD_US),
			 CPU_PERIOD_US);
		cg_write_or_die(path, "cpu.max", value);
	}
	if (limits->pids > 0) {
		snprintf(value, sizeof(value), "%ld", limits->pids);
		cg_write_or_die(path, "pids.max", value);
	}
}

/*
 * v2 has no devices.deny file: the rule is a small eBPF program the kernel
 * runs on every open() or mknod() of a device by a process of the group.
 * Ours reads the device's type and answers 0 (EPERM) for a block device,
 * 1 (allowed) for the rest.
 */
static void deny_block_devices(const char *path)
{
	struct bpf_insn program[] = {
		/* r0 = ctx->access_type & 0xffff: the device's type */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_0, .src_reg = BPF_REG_1 },
		{ .code = BPF_ALU | BPF_AND | BPF_K, .dst_reg = BPF_REG_0, .imm = 0xffff },
		/* a block device: return 0 */
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_0, .off = 2,
		  .imm = BPF_DEVCG_DEV_BLOCK },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
		/* anything else: return 1 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr load = {
		.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
		.insns = (unsigned long)program,
		.insn_cnt = sizeof(program) / sizeof(program[0]),
		.license = (unsigned long)"GPL",
	};
	union bpf_attr attach = { .attach_type = BPF_CGROUP_DEVICE };
	int prog, group;

	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	if (prog == -1)
		die_errno(NULL, "bpf(BPF_PROG_LOAD) of the device rule for %s", path);
	group = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (group == -1)
		die_errno(NULL, "open(\"%s\")", path);
	attach.target_fd = group;
	attach.attach_bpf_fd = prog;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) == -1)
		die_errno(NULL, "bpf(BPF_PROG_ATTACH) of the device rule to %s", path);
	/* The group holds the program now; it goes with the group. */
	close(group);
	close(prog);
	trace("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE): no block device in %s", path);
}

/* ---- the OCI runtime's device rules, as one BPF program ---------------------
 *
 * v1 keeps the rules in the kernel's own list; v2 runs a program on every
 * access. So the rules become code: the last rule first, each a block that
 * jumps to the next block when the device does not match, and returns its
 * answer when it does. No rule matches: allowed, as in a new v1 group — a
 * list that means to deny starts with "deny everything" (docker's does),
 * and that rule matches every device.
 */
#define DEV_RULE_MAX_INSNS 12

static int rule_block(const struct cg_device_rule *r, struct bpf_insn *out)
{
	struct bpf_insn *start = out, *jumps[4];
	int njumps = 0;
	int access = 0;

	for (const char *a = r->access; *a; a++)
		access |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
							: BPF_DEVCG_ACC_MKNOD;
	if (r->type != 'a') {
		jumps[njumps++] = out;
		*out++ = (struct bpf_insn){ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_2,
					    .imm = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK
								  : BPF_DEVCG_DEV_CHAR };
	}
	if (access != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
		/* r1 = asked & ~allowed: anything left is not covered by this rule */
		*out++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1,
					    .src_reg = BPF_REG_3 };
		*out++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_AND | BPF_K, .dst_reg = BPF_REG_1,
					    .imm = ~access & 7 };
		jumps[njumps++] = out;
		*out++ = (struct bpf_insn){ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_1,
					    .imm = 0 };
	}
	if (r->major >= 0) {
		jumps[njumps++] = out;
		*out++ = (struct bpf_insn){ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_4,
					    .imm = (int)r->major };
	}
	if (r->minor >= 0) {
		jumps[njumps++] = out;
		*out++ = (struct bpf_insn){ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_5,
					    .imm = (int)r->minor };
	}
	*out++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
				    .imm = r->allow };
	*out++ = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	/* A mismatch jumps past the end of this block: to the next rule. */
	for (int i = 0; i < njumps; i++)
		jumps[i]->off = (short)(out - jumps[i] - 1);
	return out - start;
}

static int attach_device_rules(const char *path, const struct cg_limits *limits,
			       struct error *err)
{
	size_t max = 6 + (size_t)limits->ndevices * DEV_RULE_MAX_INSNS;
	struct bpf_insn *program = calloc(max, sizeof(*program)), *p = program;
	union bpf_attr load = { .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE };
	union bpf_attr attach = { .attach_type = BPF_CGROUP_DEVICE };
	int prog, group, i;

	if (program == NULL)
		return error_errno(err, "calloc() for the device program");
	/* r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx) */
	*p++ = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2,
				  .src_reg = BPF_REG_1 };
	*p++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_AND | BPF_K, .dst_reg = BPF_REG_2,
				  .imm = 0xffff };
	*p++ = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_3,
				  .src_reg = BPF_REG_1 };
	*p++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = BPF_REG_3,
				  .imm = 16 };
	*p++ = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_4,
				  .src_reg = BPF_REG_1, .off = 4 };
	*p++ = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_5,
				  .src_reg = BPF_REG_1, .off = 8 };
	for (i = limits->ndevices - 1; i >= 0; i--) {
		const struct cg_device_rule *r = &limits->devices[i];

		p += rule_block(r, p);
		/* A rule for every device ends the program: the verifier refuses
		 * code that cannot be reached (EINVAL), such as what would follow. */
		if (r->type == 'a' && r->major < 0 && r->minor < 0 && strchr(r->access, 'r') &&
		    strchr(r->access, 'w') && strchr(r->access, 'm'))
			break;
	}
	if (i < 0) {
		*p++ = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
					  .imm = 1 };
		*p++ = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	}

	load.insns = (unsigned long)program;
	load.insn_cnt = p - program;
	load.license = (unsigned long)"GPL";
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	free(program);
	if (prog == -1)
		return error_errno(err, "bpf(BPF_PROG_LOAD) of %d device rules for %s",
				   limits->ndevices, path);
	group = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (group == -1) {
		close(prog);
		return error_errno(err, "open(\"%s\")", path);
	}
	attach.target_fd = group;
	attach.attach_bpf_fd = prog;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) == -1) {
		error_errno(err, "bpf(BPF_PROG_ATTACH) of the device rules to %s", path);
		close(group);
		close(prog);
		return -1;
	}
	close(group);
	close(prog);
	trace("bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE): %d device rules on %s",
	      limits->ndevices, path);
	return 0;
}

static int create_at(struct cgroup *cg, const char *path, const struct cg_limits *limits,
		     bool open_only, struct error *err)
{
	char *group = cg->paths[0], value[64];

	cg->npaths = 0;
	cg->remove_parent = false;
	if (snprintf(group, PATH_MAX, CGROUP_ROOT "/%s", path) >= PATH_MAX)
		return error_set(err, "cgroup path too long: %s", path);
	if (open_only) {
		if (access(group, F_OK) == -1)
			return error_errno(err, "%s", group);
		cg->npaths = 1;
		return 0;
	}
	/* Each parent hands the controllers down (cgroup.subtree_control). */
	for (char *slash = group + strlen(CGROUP_ROOT); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(group, 0755) == -1 && errno != EEXIST) {
			error_errno(err, "mkdir(\"%s\")", group);
			*slash = '/';
			return -1;
		}
		enable_controllers(group, limits);
		*slash = '/';
	}
	if (mkdir(group, 0755) == -1 && errno != EEXIST)
		return error_errno(err, "mkdir(\"%s\")", group);
	cg->npaths = 1;
	trace("mkdir(\"%s\")", group);
	if (limits->memory > 0) {
		snprintf(value, sizeof(value), "%lld", limits->memory);
		if (cg_write(group, "memory.max", value) == -1)
			return error_errno(err, "write(\"%s/memory.max\", %s)", group, value);
	}
	if (limits->cpus > 0) {
		snprintf(value, sizeof(value), "%ld %d", (long)(limits->cpus * CPU_PERIOD_US),
			 CPU_PERIOD_US);
		if (cg_write(group, "cpu.max", value) == -1)
			return error_errno(err, "write(\"%s/cpu.max\", %s)", group, value);
	}
	if (limits->cpu_shares > 0) {
		/* v1's shares (2..262144) on v2's weight (1..10000), as runc maps them. */
		unsigned long long shares = limits->cpu_shares < 2 ? 2 : limits->cpu_shares;

		snprintf(value, sizeof(value), "%llu", 1 + ((shares - 2) * 9999) / 262142);
		if (cg_write(group, "cpu.weight", value) == -1)
			return error_errno(err, "write(\"%s/cpu.weight\", %s)", group, value);
	}
	if (limits->pids > 0) {
		snprintf(value, sizeof(value), "%ld", limits->pids);
		if (cg_write(group, "pids.max", value) == -1)
			return error_errno(err, "write(\"%s/pids.max\", %s)", group, value);
	}
	if (limits->ndevices > 0 && attach_device_rules(group, limits, err) == -1)
		return -1;
	return 0;
}

/* The group this process is in, as a path under /sys/fs/cgroup; false if unknown. */
static bool own_group(char *out, size_t size)
{
	char line[PATH_MAX];
	bool found = false;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = snprintf(out, size, CGROUP_ROOT "%s", line + 3) < (int)size;
		}
	fclose(f);
	return found;
}

/*
 * Without root, a group is possible only in a v2 subtree that belongs to us:
 * one systemd delegated (systemd-run --user --scope -p Delegate=yes ...).
 * The runtime first moves itself into a leaf of its own (a group that hands
 * out controllers may hold no process), then makes the container's group
 * beside it. The runtime's leaf stays until the delegated scope ends.
 */
static bool create_delegated(struct cgroup *cg, const char *id, const struct cg_limits *limits)
{
	char own[PATH_MAX], leaf[PATH_MAX + 96], pid[32];

	if (!own_group(own, sizeof(own)) || access(own, W_OK) == -1 ||
	    !cg_has_file(own, "cgroup.subtree_control"))
		return false;
	snprintf(leaf, sizeof(leaf), "%s/cgroup.subtree_control", own);
	if (access(leaf, W_OK) == -1)
		return false;

	snprintf(leaf, sizeof(leaf), "%s/stepbox-runtime-%.12s", own, id);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mkdir(leaf, 0755) == -1 && errno != EEXIST)
		die_errno(NULL, "mkdir(\"%s\")", leaf);
	cg_write_or_die(leaf, "cgroup.procs", pid);
	enable_controllers(own, limits);

	cg->npaths = 1;
	cg->remove_parent = false;
	if (snprintf(cg->paths[0], PATH_MAX, "%.3900s/stepbox-%s", own, id) >= PATH_MAX)
		die("cgroup path too long: %s", own);
	if (mkdir(cg->paths[0], 0755) == -1)
		die_errno(NULL, "mkdir(\"%s\")", cg->paths[0]);
	trace("mkdir(\"%s\") in a cgroup delegated to us", cg->paths[0]);
	set_limits(cg->paths[0], limits);
	return true;
}

static bool create(struct cgroup *cg, const char *id, const struct cg_limits *limits)
{
	char *path = cg->paths[0];

	if (geteuid() != 0)
		return create_delegated(cg, id, limits);
	cg->remove_parent = true;
	snprintf(path, PATH_MAX, CGROUP_ROOT "/stepbox/%s", id);
	/* Another run may remove an empty "stepbox" between our two mkdirs: retry. */
	for (int tries = 0;; tries++) {
		enable_controllers(CGROUP_ROOT, limits);
		if (mkdir(CGROUP_ROOT "/stepbox", 0755) == -1 && errno != EEXIST)
			die_errno("cgroups need root", "mkdir(\"" CGROUP_ROOT "/stepbox\")");
		enable_controllers(CGROUP_ROOT "/stepbox", limits);
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != ENOENT || tries == 5)
			die_errno(NULL, "mkdir(\"%s\")", path);
	}
	cg->npaths = 1;
	trace("mkdir(\"%s\")", path);
	set_limits(path, limits);
	if (limits->no_block_devices)
		deny_block_devices(path);
	return true;
}

static void read_usage(const struct cgroup *cg, struct cg_usage *usage)
{
	const char *dir = cg->paths[0];
	long long n;

	usage->memory_peak = cg_read_number(dir, "memory.peak");
	n = cg_read_key(dir, "cpu.stat", "usage_usec");
	usage->cpu_seconds = n < 0 ? -1 : n / 1e6;
	usage->throttled = cg_read_key(dir, "cpu.stat", "nr_throttled");
	usage->pids_refused = cg_read_key(dir, "pids.events", "max");
	usage->oom_killed = cg_read_key(dir, "memory.events", "oom_kill") > 0;
}

static int leftover_paths(const char *id, char paths[][PATH_MAX], int max)
{
	char own[PATH_MAX];
	int n = 0;

	if (max < 3)
		return 0;
	snprintf(paths[n++], PATH_MAX, CGROUP_ROOT "/stepbox/%s", id);
	/* Without root: beside us, in the subtree delegated to us. */
	if (geteuid() != 0 && own_group(own, sizeof(own))) {
		char *slash = strrchr(own, '/');

		/* We may be in a runtime leaf of our own already: its parent is the subtree. */
		if (slash && strncmp(slash + 1, "stepbox-runtime-", 16) == 0)
			*slash = '\0';
		snprintf(paths[n++], PATH_MAX, "%.3900s/stepbox-%s", own, id);
		snprintf(paths[n++], PATH_MAX, "%.3900s/stepbox-runtime-%.12s", own, id);
	}
	return n;
}

const struct cg_driver cg_v2_driver = {
	.name = "v2",
	.has_kill_file = true,
	.mountable = true,
	.create = create,
	.create_at = create_at,
	.read_usage = read_usage,
	.leftover_paths = leftover_paths,
};
