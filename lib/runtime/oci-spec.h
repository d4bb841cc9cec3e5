/*
 * oci-spec — an OCI bundle's config.json, read into C.
 *
 * What docker, podman and containerd hand a runtime is a directory (the
 * bundle) with the container's root filesystem and one JSON file that says
 * everything else: the process to run, the namespaces, the mounts, the
 * limits, the hooks (the runtime-spec, config.md and config-linux.md).
 * This module reads that file with lib/base/json and checks every field it
 * uses, so the runtime that follows works with plain C values.
 *
 * The rule for what it cannot do: a field stepbox does not know is ignored
 * (as runc, whose Go reader ignores unknown fields), but a field it knows
 * and cannot honour — one whose loss would weaken the isolation the caller
 * asked for (a device rule it cannot apply, a namespace it cannot join, a
 * limit it cannot set) — is an error, one line naming the place in the
 * file, and nothing is created.
 *
 * The strings point into the parsed document: keep the spec until the end,
 * then oci_spec_free().
 */
#ifndef STEPBOX_OCI_SPEC_H
#define STEPBOX_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/json.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"

#define OCI_MAX_LIST 256   /* args, env, mounts, devices, paths, hooks... each */

struct oci_id_map { uint32_t container_id, host_id, size; };

struct oci_mount {
	const char *destination, *type, *source;
	unsigned long flags;           /* MS_* from the options */
	unsigned long propagation;     /* MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE | MS_REC */
	bool bind, recursive_ro;
	char data[1024];               /* the options the kernel takes as text: "mode=755,size=65536k" */
};

struct oci_device {
	const char *path;
	char type;                     /* 'c', 'b', 'u' (= c) or 'p' */
	int64_t major, minor;
	uint32_t mode, uid, gid;
	bool has_mode, has_uid, has_gid;
};

struct oci_hook {
	const char *path;
	const char *args[OCI_MAX_LIST + 1];
	const char *env[OCI_MAX_LIST + 1];
	int64_t timeout;               /* seconds; 0: none */
};

enum oci_hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER,
	HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KINDS
};

struct oci_rlimit { int resource; uint64_t soft, hard; };

struct oci_namespace {
	int type;                      /* CLONE_NEW* */
	const char *name;              /* "pid", "network", ... as the spec spells it */
	const char *path;              /* join this one; NULL: a new one */
};

/* The process: config.json's "process", and exec's --process file. */
struct oci_process {
	bool terminal;
	const char *args[OCI_MAX_LIST + 1];
	const char *env[OCI_MAX_LIST + 1];
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t additional_gids[64];
	int ngids;
	int64_t umask;                 /* -1: leave it */
	struct capsets caps;
	struct oci_rlimit rlimits[16];
	int nrlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
};

struct oci_spec {
	const struct json_value *doc;  /* the parsed file: the strings live here */
	char bundle[4096];             /* as the caller named it, made absolute */
	char root[4096 + 256];         /* bundle + root.path, or root.path if absolute */
	bool root_readonly;
	const char *hostname, *domainname;
	struct oci_process process;
	bool has_process;

	struct oci_mount mounts[OCI_MAX_LIST];
	int nmounts;

	struct oci_namespace namespaces[8];
	int nnamespaces;
	int clone_flags;               /* the new ones, CLONE_NEW* */
	struct oci_id_map uid_maps[5], gid_maps[5];
	int nuid_maps, ngid_maps;

	struct oci_device devices[OCI_MAX_LIST];
	int ndevices;
	const char *cgroups_path;      /* NULL: the runtime picks one */
	struct cg_limits limits;       /* memory, cpu, pids, the device rules: */
	struct cg_device_rule device_rules[OCI_MAX_LIST];
	const char *sysctl_keys[OCI_MAX_LIST], *sysctl_values[OCI_MAX_LIST];
	int nsysctl;
	const char *masked[OCI_MAX_LIST], *readonly[OCI_MAX_LIST];
	int nmasked, nreadonly;
	unsigned long rootfs_propagation;   /* 0: rslave of the host, as runc */
	const struct json_value *seccomp;   /* linux.seccomp, compiled by the runtime */

	struct oci_hook hooks[HOOK_KINDS][16];
	int nhooks[HOOK_KINDS];
	const struct json_value *annotations;
};

/* Read BUNDLE/config.json: 0, or -1 and one line in *err. */
int oci_spec_read(const char *bundle, struct oci_spec *spec, struct error *err);

/* Read a process object from file PATH (exec --process): 0 or -1 and *err.
 * The document is put in *doc: json_free() it at the end. */
int oci_process_read(const char *path, struct oci_process *process,
		     const struct json_value **doc, struct error *err);

void oci_spec_free(struct oci_spec *spec);

/* A config.json to start from (08-runtime spec): runc spec's defaults. */
const char *oci_spec_default(void);

/* What `features` prints: the OCI features document (JSON) of this reader. */
const char *oci_features(void);

/* The hook kinds as config.json names them: "prestart", "createRuntime"... */
const char *oci_hook_name(enum oci_hook_kind kind);

#endif
