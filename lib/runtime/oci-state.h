/*
 * oci-state — what the OCI runtime keeps of a container between commands.
 *
 * runc's callers run it once per step — create, start, state, kill,
 * delete — and each run is a new process. What one run learns, the next
 * reads from <root>/<id>/:
 *
 *     state.json    id, PID 1 and its start time, bundle, rootfs, cgroup,
 *                   created (RFC 3339): written whole (a temporary file,
 *                   then rename())
 *     config.json   the bundle's, as create read it: exec, delete and
 *                   state use this copy, not the bundle (which may change)
 *     exec.fifo     exists from create to start: PID 1 is blocked opening
 *                   it, start opens it and lets PID 1 go on to execve()
 *
 * The status is not written down, it is read off the kernel every time:
 * PID 1 gone (or its PID reused: the start time differs) → "stopped";
 * the fifo still there → "created"; the freezer on → "paused"; else
 * "running". So a container that dies is "stopped" without anyone
 * writing it, and no file can lie about it.
 */
#ifndef STEPBOX_OCI_STATE_H
#define STEPBOX_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/error.h"

#define OCI_ID_MAX 1024

struct oci_state {
	char id[OCI_ID_MAX + 1];
	pid_t pid;
	unsigned long long pid_start;   /* /proc/PID/stat field 22 */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char cgroup[PATH_MAX];          /* the cgroupsPath used */
	char created[40];               /* RFC 3339, UTC */
	long long created_ns;
};

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

const char *oci_status_name(enum oci_status status);

/* An id docker and runc would take: letters, digits, and _ + - . ; no "." or "..". */
int oci_check_id(const char *id, struct error *err);

/* <root>/<id> into DIR. */
void oci_state_dir(const char *root, const char *id, char *dir, size_t size);

int oci_state_write(const char *dir, const struct oci_state *st, struct error *err);
/* -1 with "container does not exist" when there is no such container. */
int oci_state_read(const char *dir, struct oci_state *st, struct error *err);

/* What the kernel says now (see above). */
enum oci_status oci_status_of(const char *dir, const struct oci_state *st);

/*
 * The state as the runtime-spec prints it (runc state, and the hooks'
 * stdin): ociVersion, id, status, pid, bundle, rootfs, created, owner,
 * annotations (from the saved config). One object, indented when `pretty`.
 */
void oci_state_print(FILE *out, const char *dir, const struct oci_state *st,
		     enum oci_status status, bool pretty);

#endif
