#define _GNU_SOURCE
#include "runtime/oci-spec.h"
#include "base/log.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- small readers: each returns 0 or -1 with *err naming the place ------- */

/* An optional array of strings into OUT (NULL-terminated), at most MAX. */
static int string_list(const struct json_value *obj, const char *key, const char **out, int max,
		       int *count, struct error *err)
{
	const struct json_value *list;
	int got = json_get_array(obj, key, &list, err);

	if (count)
		*count = 0;
	out[0] = NULL;
	if (got < 0)
		return -1;
	if (got == 1)
		return 0;
	if ((int)list->count > max)
		return json_errorf(err, list, "more than %d entries", max);
	for (size_t i = 0; i < list->count; i++)
		if (json_as_string(&list->items[i], &out[i], err) == -1)
			return -1;
	out[list->count] = NULL;
	if (count)
		*count = list->count;
	return 0;
}

static int uint32_member(const struct json_value *obj, const char *key, uint32_t *out,
			 bool *present, struct error *err)
{
	uint64_t v;
	int got = json_get_uint64(obj, key, &v, err);

	if (present)
		*present = got == 0;
	if (got < 0)
		return -1;
	if (got == 0 && v > UINT32_MAX)
		return json_errorf(err, json_get(obj, key), "%llu is more than 32 bits",
				   (unsigned long long)v);
	if (got == 0)
		*out = v;
	return 0;
}

/* ---- process ---------------------------------------------------------------- */

static int read_caps(const struct json_value *process, struct capsets *caps, struct error *err)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable",
					    "ambient" };
	capset_t *out[] = { &caps->bounding, &caps->effective, &caps->permitted,
			    &caps->inheritable, &caps->ambient };
	const struct json_value *obj = NULL;

	memset(caps, 0, sizeof(*caps));
	if (json_get_object(process, "capabilities", &obj, err) < 0)
		return -1;
	if (obj == NULL)
		return 0;   /* none at all, as the spec says of a missing object */
	for (int i = 0; i < 5; i++) {
		const struct json_value *list;
		int got = json_get_array(obj, sets[i], &list, err);

		if (got < 0)
			return -1;
		for (size_t k = 0; got == 0 && k < list->count; k++) {
			const char *name;
			capset_t one;
			struct error why;

			if (json_as_string(&list->items[k], &name, err) == -1)
				return -1;
			/* A name this kernel does not know: runc warns and skips it. */
			if (!caps_parse(name, &one, &why)) {
				warn("%s: %s: skipped (this kernel has no such capability)",
				     sets[i], name);
				continue;
			}
			*out[i] |= one;
		}
	}
	return 0;
}

static int rlimit_number(const char *name)
{
	static const struct { const char *name; int resource; } names[] = {
		{ "RLIMIT_AS", RLIMIT_AS },         { "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_CPU", RLIMIT_CPU },       { "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },   { "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].resource;
	return -1;
}

static int read_process(const struct json_value *p, struct oci_process *out, struct error *err)
{
	const struct json_value *user, *list;
	int64_t adj;
	int got;

	memset(out, 0, sizeof(*out));
	out->umask = -1;
	if (json_get_bool(p, "terminal", &out->terminal, err) < 0 ||
	    string_list(p, "args", out->args, OCI_MAX_LIST, NULL, err) == -1 ||
	    string_list(p, "env", out->env, OCI_MAX_LIST, NULL, err) == -1 ||
	    json_get_string(p, "cwd", &out->cwd, err) != 0 ||
	    json_get_bool(p, "noNewPrivileges", &out->no_new_privileges, err) < 0 ||
	    read_caps(p, &out->caps, err) == -1)
		return -1;
	if (out->args[0] == NULL)
		return json_errorf(err, p, "args: at least the program is needed");
	if (out->cwd[0] != '/')
		return json_errorf(err, json_get(p, "cwd"), "%s is not an absolute path",
				   quote(out->cwd));

	if (json_get_object(p, "user", &user, err) != 0)
		return -1;
	if (uint32_member(user, "uid", &out->uid, NULL, err) == -1 ||
	    uint32_member(user, "gid", &out->gid, NULL, err) == -1 ||
	    json_get_int64(user, "umask", &out->umask, err) < 0)
		return -1;
	if ((got = json_get_array(user, "additionalGids", &list, err)) < 0)
		return -1;
	for (size_t i = 0; got == 0 && i < list->count; i++) {
		uint64_t gid;

		if (i >= sizeof(out->additional_gids) / sizeof(out->additional_gids[0]))
			return json_errorf(err, list, "more than 64 groups");
		if (json_as_uint64(&list->items[i], &gid, err) == -1)
			return -1;
		out->additional_gids[out->ngids++] = gid;
	}

	if ((got = json_get_array(p, "rlimits", &list, err)) < 0)
		return -1;
	for (size_t i = 0; got == 0 && i < list->count; i++) {
		const struct json_value *r = &list->items[i];
		struct oci_rlimit *rl = &out->rlimits[out->nrlimits];
		const char *type;

		if (out->nrlimits == 16)
			return json_errorf(err, list, "more than 16 rlimits");
		if (json_get_string(r, "type", &type, err) != 0 ||
		    json_get_uint64(r, "soft", &rl->soft, err) != 0 ||
		    json_get_uint64(r, "hard", &rl->hard, err) != 0)
			return -1;
		if ((rl->resource = rlimit_number(type)) == -1)
			return json_errorf(err, r, "unknown rlimit %s", quote(type));
		out->nrlimits++;
	}
	if ((got = json_get_int64(p, "oomScoreAdj", &adj, err)) < 0)
		return -1;
	if (got == 0) {
		if (adj < -1000 || adj > 1000)
			return json_errorf(err, json_get(p, "oomScoreAdj"),
					   "%lld is not in -1000..1000", (long long)adj);
		out->has_oom_score_adj = true;
		out->oom_score_adj = adj;
	}
	return 0;
}

/* ---- mounts --------------------------------------------------------------------- */

static int mount_option(struct oci_mount *m, const char *opt)
{
	static const struct { const char *name; unsigned long set, clear; } flags[] = {
		{ "ro", MS_RDONLY, 0 },          { "rw", 0, MS_RDONLY },
		{ "nosuid", MS_NOSUID, 0 },      { "suid", 0, MS_NOSUID },
		{ "nodev", MS_NODEV, 0 },        { "dev", 0, MS_NODEV },
		{ "noexec", MS_NOEXEC, 0 },      { "exec", 0, MS_NOEXEC },
		{ "sync", MS_SYNCHRONOUS, 0 },   { "async", 0, MS_SYNCHRONOUS },
		{ "dirsync", MS_DIRSYNC, 0 },    { "remount", MS_REMOUNT, 0 },
		{ "mand", MS_MANDLOCK, 0 },      { "nomand", 0, MS_MANDLOCK },
		{ "atime", 0, MS_NOATIME },      { "noatime", MS_NOATIME, 0 },
		{ "diratime", 0, MS_NODIRATIME }, { "nodiratime", MS_NODIRATIME, 0 },
		{ "relatime", MS_RELATIME, 0 },  { "norelatime", 0, MS_RELATIME },
		{ "strictatime", MS_STRICTATIME, 0 }, { "nostrictatime", 0, MS_STRICTATIME },
	};
	static const struct { const char *name; unsigned long flags; } propagation[] = {
		{ "private", MS_PRIVATE },   { "rprivate", MS_PRIVATE | MS_REC },
		{ "shared", MS_SHARED },     { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },       { "rslave", MS_SLAVE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	size_t len;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(opt, flags[i].name) == 0) {
			m->flags = (m->flags | flags[i].set) & ~flags[i].clear;
			return 0;
		}
	for (size_t i = 0; i < sizeof(propagation) / sizeof(propagation[0]); i++)
		if (strcmp(opt, propagation[i].name) == 0) {
			m->propagation = propagation[i].flags;
			return 0;
		}
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		m->bind = true;
		m->flags |= MS_BIND | (opt[0] == 'r' ? MS_REC : 0);
		return 0;
	}
	if (strcmp(opt, "rro") == 0) {
		m->recursive_ro = true;
		m->flags |= MS_RDONLY;
		return 0;
	}
	/* Options the runtime acts on itself, or only Go's runtimes know: */
	if (strcmp(opt, "tmpcopyup") == 0 || strncmp(opt, "idmap", 5) == 0 ||
	    strncmp(opt, "ridmap", 6) == 0 || strcmp(opt, "copy-symlink") == 0)
		return -1;
	/* Everything else is for the filesystem: "mode=755", "size=65536k", "newinstance". */
	len = strlen(m->data);
	if (len + strlen(opt) + 2 > sizeof(m->data))
		return -1;
	snprintf(m->data + len, sizeof(m->data) - len, "%s%s", len ? "," : "", opt);
	return 0;
}

static int read_mounts(const struct json_value *doc, struct oci_spec *spec, struct error *err)
{
	const struct json_value *list;
	int got = json_get_array(doc, "mounts", &list, err);

	if (got < 0)
		return -1;
	if (got == 1)
		return 0;
	if (list->count > OCI_MAX_LIST)
		return json_errorf(err, list, "more than %d mounts", OCI_MAX_LIST);
	for (size_t i = 0; i < list->count; i++) {
		const struct json_value *mv = &list->items[i], *opts;
		struct oci_mount *m = &spec->mounts[spec->nmounts];

		memset(m, 0, sizeof(*m));
		m->type = m->source = "";
		if (json_get_string(mv, "destination", &m->destination, err) != 0 ||
		    json_get_string(mv, "type", &m->type, err) < 0 ||
		    json_get_string(mv, "source", &m->source, err) < 0 ||
		    (got = json_get_array(mv, "options", &opts, err)) < 0)
			return -1;
		if (m->destination[0] != '/')
			return json_errorf(err, json_get(mv, "destination"),
					   "%s is not an absolute path", quote(m->destination));
		if (strcmp(m->type, "bind") == 0) {
			m->bind = true;
			m->flags |= MS_BIND;
		}
		for (size_t k = 0; got == 0 && k < opts->count; k++) {
			const char *opt;

			if (json_as_string(&opts->items[k], &opt, err) == -1)
				return -1;
			if (mount_option(m, opt) == -1)
				return json_errorf(err, &opts->items[k],
						   "option %s is not supported by stepbox", quote(opt));
		}
		if (m->bind && m->source[0] == '\0')
			return json_errorf(err, mv, "a bind mount needs a source");
		spec->nmounts++;
	}
	return 0;
}

/* ---- lnx ---------------------------------------------------------------------- */

static int read_namespaces(const struct json_value *lnx, struct oci_spec *spec,
			   struct error *err)
{
	static const struct { const char *name; int type; } known[] = {
		{ "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
		{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
		{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
	};
	const struct json_value *list;
	int got = json_get_array(lnx, "namespaces", &list, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	for (size_t i = 0; i < list->count; i++) {
		const struct json_value *nv = &list->items[i];
		struct oci_namespace *ns = &spec->namespaces[spec->nnamespaces];
		const char *type;
		size_t k = 0;

		if (json_get_string(nv, "type", &type, err) != 0)
			return -1;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k].name, type) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0]))
			return json_errorf(err, nv, "unknown namespace type %s", quote(type));
		for (int j = 0; j < spec->nnamespaces; j++)
			if (spec->namespaces[j].type == known[k].type)
				return json_errorf(err, nv, "the %s namespace is listed twice", type);
		ns->type = known[k].type;
		ns->name = known[k].name;
		ns->path = NULL;
		if (json_get_string(nv, "path", &ns->path, err) < 0)
			return -1;
		if (ns->path && ns->path[0] == '\0')
			ns->path = NULL;
		/* Joining them by path would move the runtime itself: say so. */
		if (ns->path && (ns->type == CLONE_NEWNS || ns->type == CLONE_NEWUSER ||
				 ns->type == CLONE_NEWTIME))
			return json_errorf(err, nv, "joining an existing %s namespace by path is not "
					   "supported by stepbox", type);
		if (ns->path == NULL)
			spec->clone_flags |= ns->type;
		spec->nnamespaces++;
	}
	if (!(spec->clone_flags & CLONE_NEWNS))
		return json_errorf(err, list, "stepbox needs a new mount namespace "
				   "(a container without one would change the host's mounts)");
	return 0;
}

static int read_id_maps(const struct json_value *lnx, const char *key, struct oci_id_map *maps,
			int *count, struct error *err)
{
	const struct json_value *list;
	int got = json_get_array(lnx, key, &list, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (list->count > 5)
		return json_errorf(err, list, "more than 5 ranges (the kernel's limit here)");
	for (size_t i = 0; i < list->count; i++) {
		const struct json_value *m = &list->items[i];

		if (uint32_member(m, "containerID", &maps[i].container_id, NULL, err) == -1 ||
		    uint32_member(m, "hostID", &maps[i].host_id, NULL, err) == -1 ||
		    uint32_member(m, "size", &maps[i].size, NULL, err) == -1)
			return -1;
	}
	*count = list->count;
	return 0;
}

static int read_devices(const struct json_value *lnx, struct oci_spec *spec, struct error *err)
{
	const struct json_value *list;
	int got = json_get_array(lnx, "devices", &list, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (list->count > OCI_MAX_LIST)
		return json_errorf(err, list, "more than %d devices", OCI_MAX_LIST);
	for (size_t i = 0; i < list->count; i++) {
		const struct json_value *dv = &list->items[i];
		struct oci_device *d = &spec->devices[spec->ndevices];
		const char *type;

		memset(d, 0, sizeof(*d));
		if (json_get_string(dv, "path", &d->path, err) != 0 ||
		    json_get_string(dv, "type", &type, err) != 0 ||
		    json_get_int64(dv, "major", &d->major, err) < 0 ||
		    json_get_int64(dv, "minor", &d->minor, err) < 0 ||
		    uint32_member(dv, "fileMode", &d->mode, &d->has_mode, err) == -1 ||
		    uint32_member(dv, "uid", &d->uid, &d->has_uid, err) == -1 ||
		    uint32_member(dv, "gid", &d->gid, &d->has_gid, err) == -1)
			return -1;
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return json_errorf(err, dv, "device type %s is not c, b, u or p", quote(type));
		if (d->path[0] != '/')
			return json_errorf(err, dv, "%s is not an absolute path", quote(d->path));
		d->type = type[0] == 'u' ? 'c' : type[0];
		spec->ndevices++;
	}
	return 0;
}

static int read_device_rules(const struct json_value *resources, struct oci_spec *spec,
			     struct error *err)
{
	const struct json_value *list;
	int got = json_get_array(resources, "devices", &list, err);

	/*
	 * After the caller's rules, the devices every container needs, as runc
	 * appends them (podman's config denies everything and counts on it):
	 * mknod of any node (opening it is what the rules decide), null, zero,
	 * full, random, urandom, tty, the ptmx and the pseudo-terminals.
	 */
	static const struct cg_device_rule needed[] = {
		{ true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },
		{ true, 'c', 1, 3, "rwm" },  { true, 'c', 1, 8, "rwm" }, { true, 'c', 1, 7, "rwm" },
		{ true, 'c', 5, 0, "rwm" },  { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 9, "rwm" },
		{ true, 'c', 136, -1, "rwm" }, { true, 'c', 5, 2, "rwm" },
	};
	const int nneeded = sizeof(needed) / sizeof(needed[0]);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (list->count + nneeded > OCI_MAX_LIST)
		return json_errorf(err, list, "more than %d device rules", OCI_MAX_LIST - nneeded);
	for (size_t i = 0; i < list->count; i++) {
		const struct json_value *rv = &list->items[i];
		struct cg_device_rule *r = &spec->device_rules[i];
		const char *type = "a", *access = "rwm";
		int64_t major = -1, minor = -1;

		if (json_get_bool(rv, "allow", &r->allow, err) != 0 ||
		    json_get_string(rv, "type", &type, err) < 0 ||
		    json_get_int64(rv, "major", &major, err) < 0 ||
		    json_get_int64(rv, "minor", &minor, err) < 0 ||
		    json_get_string(rv, "access", &access, err) < 0)
			return -1;
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return json_errorf(err, rv, "device rule type %s is not a, c or b", quote(type));
		if (access[0] == '\0' || strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return json_errorf(err, rv, "access %s is not made of r, w and m",
					   quote(access));
		r->type = type[0];
		r->major = major;
		r->minor = minor;
		snprintf(r->access, sizeof(r->access), "%s", access);
	}
	for (int i = 0; i < nneeded; i++)
		spec->device_rules[list->count + i] = needed[i];
	spec->limits.devices = spec->device_rules;
	spec->limits.ndevices = list->count + nneeded;
	return 0;
}

/* A non-zero value of a resource stepbox has no code for: refuse, do not ignore. */
static int refuse_unsupported(const struct json_value *obj, const char *const keys[],
			      struct error *err)
{
	for (int i = 0; keys[i]; i++) {
		const struct json_value *v = json_get(obj, keys[i]);

		if (v == NULL || v->type == JSON_NULL)
			continue;
		if (v->type == JSON_NUMBER && v->number == 0)
			continue;
		if ((v->type == JSON_ARRAY || v->type == JSON_OBJECT) && v->count == 0)
			continue;
		if (v->type == JSON_STRING && v->string[0] == '\0')
			continue;
		if (v->type == JSON_BOOL && !v->boolean)
			continue;
		return json_errorf(err, v, "stepbox cannot set this limit (it would be ignored)");
	}
	return 0;
}

static int read_resources(const struct json_value *lnx, struct oci_spec *spec,
			  struct error *err)
{
	static const char *const memory_unsupported[] = { "kernel", "kernelTCP", NULL };
	static const char *const cpu_unsupported[] = { "realtimeRuntime", "realtimePeriod",
						       "cpus", "mems", "idle", NULL };
	static const char *const top_unsupported[] = { "hugepageLimits", "rdma", "unified",
						       NULL };
	const struct json_value *res, *mem, *cpu, *pids;
	int64_t limit = 0, quota = 0;
	uint64_t period = 0;
	int got = json_get_object(lnx, "resources", &res, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	static const char *const block_io_unsupported[] = { "weight", "leafWeight", "weightDevice",
		"throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
		"throttleWriteIOPSDevice", NULL };
	static const char *const network_unsupported[] = { "classID", "priorities", NULL };
	const struct json_value *block_io = NULL, *network = NULL;

	if (refuse_unsupported(res, top_unsupported, err) == -1 ||
	    read_device_rules(res, spec, err) == -1)
		return -1;
	/* No block-I/O or network-class code here: any value but docker's zeros is refused. */
	if (json_get_object(res, "blockIO", &block_io, err) < 0 ||
	    (block_io && refuse_unsupported(block_io, block_io_unsupported, err) == -1) ||
	    json_get_object(res, "network", &network, err) < 0 ||
	    (network && refuse_unsupported(network, network_unsupported, err) == -1))
		return -1;
	if ((got = json_get_object(res, "memory", &mem, err)) < 0)
		return -1;
	if (got == 0) {
		if (json_get_int64(mem, "limit", &limit, err) < 0 ||
		    refuse_unsupported(mem, memory_unsupported, err) == -1)
			return -1;
		if (limit > 0)
			spec->limits.memory = limit;
	}
	if ((got = json_get_object(res, "cpu", &cpu, err)) < 0)
		return -1;
	if (got == 0) {
		if (json_get_int64(cpu, "quota", &quota, err) < 0 ||
		    json_get_uint64(cpu, "period", &period, err) < 0 ||
		    refuse_unsupported(cpu, cpu_unsupported, err) == -1)
			return -1;
		if (json_get_uint64(cpu, "shares", &spec->limits.cpu_shares, err) < 0)
			return -1;
		if (quota > 0)
			spec->limits.cpus = (double)quota / (period ? period : 100000);
	}
	if ((got = json_get_object(res, "pids", &pids, err)) < 0)
		return -1;
	if (got == 0) {
		int64_t max = 0;

		if (json_get_int64(pids, "limit", &max, err) < 0)
			return -1;
		if (max > 0)
			spec->limits.pids = max;
	}
	return 0;
}

static int read_sysctl(const struct json_value *lnx, struct oci_spec *spec, struct error *err)
{
	const struct json_value *obj;
	int got = json_get_object(lnx, "sysctl", &obj, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	if (obj->count > OCI_MAX_LIST)
		return json_errorf(err, obj, "more than %d entries", OCI_MAX_LIST);
	for (size_t i = 0; i < obj->count; i++) {
		const char *key = obj->items[i].key;

		if (json_as_string(&obj->items[i], &spec->sysctl_values[i], err) == -1)
			return -1;
		if (key[0] == '\0' || strstr(key, "..") || key[0] == '/' || key[0] == '.')
			return json_errorf(err, &obj->items[i], "%s is not a sysctl name", quote(key));
		spec->sysctl_keys[i] = key;
	}
	spec->nsysctl = obj->count;
	return 0;
}

static int read_linux(const struct json_value *doc, struct oci_spec *spec, struct error *err)
{
	static const char *const unsupported[] = { "intelRdt", "personality", "memoryPolicy",
						   "netDevices", NULL };
	const struct json_value *lnx;
	const char *prop = NULL;
	int got = json_get_object(doc, "linux", &lnx, err);

	if (got != 0)
		return got < 0 ? -1 : json_errorf(err, doc, "linux: missing (stepbox runs Linux "
						  "containers only)");
	if (refuse_unsupported(lnx, unsupported, err) == -1 ||
	    read_namespaces(lnx, spec, err) == -1 ||
	    read_id_maps(lnx, "uidMappings", spec->uid_maps, &spec->nuid_maps, err) == -1 ||
	    read_id_maps(lnx, "gidMappings", spec->gid_maps, &spec->ngid_maps, err) == -1 ||
	    read_devices(lnx, spec, err) == -1 ||
	    json_get_string(lnx, "cgroupsPath", &spec->cgroups_path, err) < 0 ||
	    read_resources(lnx, spec, err) == -1 || read_sysctl(lnx, spec, err) == -1 ||
	    string_list(lnx, "maskedPaths", spec->masked, OCI_MAX_LIST, &spec->nmasked, err) == -1 ||
	    string_list(lnx, "readonlyPaths", spec->readonly, OCI_MAX_LIST, &spec->nreadonly,
			err) == -1 ||
	    json_get_string(lnx, "rootfsPropagation", &prop, err) < 0 ||
	    json_get_object(lnx, "seccomp", &spec->seccomp, err) < 0)
		return -1;
	if ((spec->clone_flags & CLONE_NEWUSER) && (spec->nuid_maps == 0 || spec->ngid_maps == 0))
		return json_errorf(err, lnx, "a new user namespace needs uidMappings and "
				   "gidMappings");
	if (prop && prop[0]) {
		struct oci_mount m = { 0 };

		if (mount_option(&m, prop) == -1 || m.propagation == 0)
			return json_errorf(err, json_get(lnx, "rootfsPropagation"),
					   "%s is not a propagation", quote(prop));
		spec->rootfs_propagation = m.propagation;
	}
	return 0;
}

/* ---- hooks ----------------------------------------------------------------------- */

static const char *const hook_names[HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

const char *oci_hook_name(enum oci_hook_kind kind)
{
	return hook_names[kind];
}

static int read_hooks(const struct json_value *doc, struct oci_spec *spec, struct error *err)
{
	const struct json_value *hooks;
	int got = json_get_object(doc, "hooks", &hooks, err);

	if (got != 0)
		return got < 0 ? -1 : 0;
	for (int kind = 0; kind < HOOK_KINDS; kind++) {
		const struct json_value *list;

		if ((got = json_get_array(hooks, hook_names[kind], &list, err)) < 0)
			return -1;
		if (got == 1)
			continue;
		if (list->count > 16)
			return json_errorf(err, list, "more than 16 hooks");
		for (size_t i = 0; i < list->count; i++) {
			struct oci_hook *h = &spec->hooks[kind][i];

			h->timeout = 0;
			if (json_get_string(&list->items[i], "path", &h->path, err) != 0 ||
			    string_list(&list->items[i], "args", h->args, OCI_MAX_LIST, NULL, err) ||
			    string_list(&list->items[i], "env", h->env, OCI_MAX_LIST, NULL, err) ||
			    json_get_int64(&list->items[i], "timeout", &h->timeout, err) < 0)
				return -1;
			if (h->path[0] != '/')
				return json_errorf(err, &list->items[i], "path %s is not absolute",
						   quote(h->path));
			if (h->timeout < 0)
				return json_errorf(err, &list->items[i], "timeout must be positive");
		}
		spec->nhooks[kind] = list->count;
	}
	return 0;
}

/* ---- the whole file ---------------------------------------------------------------- */

int oci_spec_read(const char *bundle, struct oci_spec *spec, struct error *err)
{
	const struct json_value *doc, *root, *process;
	const char *version, *root_path;
	char path[4096 + 32];
	int got;

	memset(spec, 0, sizeof(*spec));
	if (bundle[0] == '/') {
		if (snprintf(spec->bundle, sizeof(spec->bundle), "%s", bundle) >=
		    (int)sizeof(spec->bundle))
			return error_set(err, "bundle path too long");
	} else {
		char cwd[2048];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return error_errno(err, "getcwd()");
		if (snprintf(spec->bundle, sizeof(spec->bundle), "%s/%s", cwd, bundle) >=
		    (int)sizeof(spec->bundle))
			return error_set(err, "bundle path too long");
	}
	snprintf(path, sizeof(path), "%s/config.json", spec->bundle);
	if (access(path, F_OK) == -1)
		return error_errno(err, "%s", path);
	if ((doc = json_parse_file(path, NULL, err)) == NULL)
		return -1;
	spec->doc = doc;
	if (json_expect(doc, JSON_OBJECT, err) == -1 ||
	    json_get_string(doc, "ociVersion", &version, err) != 0)
		goto fail;
	if (strncmp(version, "1.", 2) != 0) {
		json_errorf(err, json_get(doc, "ociVersion"), "version %s: stepbox reads 1.x",
			    quote(version));
		goto fail;
	}
	if (json_get_object(doc, "root", &root, err) != 0 ||
	    json_get_string(root, "path", &root_path, err) != 0 ||
	    json_get_bool(root, "readonly", &spec->root_readonly, err) < 0)
		goto fail;
	if (root_path[0] == '/')
		snprintf(spec->root, sizeof(spec->root), "%s", root_path);
	else
		snprintf(spec->root, sizeof(spec->root), "%s/%s", spec->bundle, root_path);
	if ((got = json_get_object(doc, "process", &process, err)) < 0)
		goto fail;
	if (got == 0) {
		if (read_process(process, &spec->process, err) == -1)
			goto fail;
		spec->has_process = true;
	}
	if (json_get_string(doc, "hostname", &spec->hostname, err) < 0 ||
	    json_get_string(doc, "domainname", &spec->domainname, err) < 0 ||
	    json_get_object(doc, "annotations", &spec->annotations, err) < 0 ||
	    read_mounts(doc, spec, err) == -1 || read_linux(doc, spec, err) == -1 ||
	    read_hooks(doc, spec, err) == -1)
		goto fail;
	if ((spec->hostname || spec->domainname) && !(spec->clone_flags & CLONE_NEWUTS)) {
		json_errorf(err, json_get(doc, spec->hostname ? "hostname" : "domainname"),
			    "setting it needs a new uts namespace");
		goto fail;
	}
	return 0;
fail:
	json_free(doc);
	spec->doc = NULL;
	return -1;
}

int oci_process_read(const char *path, struct oci_process *process,
		     const struct json_value **doc, struct error *err)
{
	*doc = json_parse_file(path, NULL, err);
	if (*doc == NULL)
		return -1;
	if (json_expect(*doc, JSON_OBJECT, err) == -1 || read_process(*doc, process, err) == -1) {
		json_free(*doc);
		*doc = NULL;
		return -1;
	}
	return 0;
}

void oci_spec_free(struct oci_spec *spec)
{
	json_free(spec->doc);
	spec->doc = NULL;
}

/* ---- what we write and what we say we can read ------------------------------------- */

/* runc spec's defaults: rootfs "rootfs", sh on a terminal, the usual mounts,
 * new namespaces, 3 capabilities, masked paths. */
static const char default_spec[] =
	"{\n"
	"  \"ociVersion\": \"1.2.0\",\n"
	"  \"process\": {\n"
	"    \"terminal\": true,\n"
	"    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
	"    \"args\": [\"sh\"],\n"
	"    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "
	"\"TERM=xterm\"],\n"
	"    \"cwd\": \"/\",\n"
	"    \"capabilities\": {\n"
	"      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
	"    },\n"
	"    \"rlimits\": [{ \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 }],\n"
	"    \"noNewPrivileges\": true\n"
	"  },\n"
	"  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
	"  \"hostname\": \"stepbox\",\n"
	"  \"mounts\": [\n"
	"    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
	"    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"      \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"] },\n"
	"    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
	"      \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
	"\"mode=0620\"] },\n"
	"    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
	"      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"] },\n"
	"    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
	"      \"options\": [\"nosuid\", \"noexec\", \"nodev\"] },\n"
	"    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
	"      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"] },\n"
	"    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
	"      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"] },\n"
	"    { \"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	"      \"options\": [\"nosuid\", \"nodev\", \"mode=1777\"] }\n"
	"  ],\n"
	"  \"linux\": {\n"
	"    \"resources\": { \"devices\": [{ \"allow\": false, \"access\": \"rwm\" }] },\n"
	"    \"namespaces\": [{ \"type\": \"pid\" }, { \"type\": \"network\" }, "
	"{ \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": \"mount\" }, "
	"{ \"type\": \"cgroup\" }],\n"
	"    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", "
	"\"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\", "
	"\"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", "
	"\"/proc/scsi\"],\n"
	"    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", "
	"\"/proc/sys\", \"/proc/sysrq-trigger\"]\n"
	"  }\n"
	"}\n";

const char *oci_spec_default(void)
{
	return default_spec;
}

const char *oci_features(void)
{
	return "{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"1.2.0\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	       "\"startContainer\", \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"dev\", \"diratime\", "
	       "\"dirsync\", \"exec\", \"mand\", \"noatime\", \"nodev\", \"nodiratime\", "
	       "\"noexec\", \"nomand\", \"norelatime\", \"nostrictatime\", \"nosuid\", "
	       "\"private\", \"rbind\", \"relatime\", \"remount\", \"ro\", \"rprivate\", "
	       "\"rro\", \"rshared\", \"rslave\", \"runbindable\", \"rw\", \"shared\", "
	       "\"slave\", \"strictatime\", \"suid\", \"sync\", \"unbindable\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", "
	       "\"user\", \"uts\"],\n"
	       "    \"capabilities\": [\"all known to this kernel\"],\n"
	       "    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": false, "
	       "\"systemdUser\": false },\n"
	       "    \"seccomp\": { \"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
	       "\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
	       "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRACE\", "
	       "\"SCMP_ACT_TRAP\"], \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", "
	       "\"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", "
	       "\"SCMP_CMP_NE\"] },\n"
	       "    \"apparmor\": { \"enabled\": false },\n"
	       "    \"selinux\": { \"enabled\": false }\n"
	       "  }\n"
	       "}\n";
}
