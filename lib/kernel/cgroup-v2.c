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
	.read_usage = read_usage,
	.leftover_paths = leftover_paths,
};
