#define _GNU_SOURCE
#include "runtime/oci-state.h"
#include "base/json.h"
#include "base/log.h"
#include "kernel/cgroup.h"
#include "kernel/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *oci_status_name(enum oci_status status)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };

	return names[status];
}

int oci_check_id(const char *id, struct error *err)
{
	size_t len = strlen(id);

	if (len == 0)
		return error_set(err, "the container id is empty");
	if (len > OCI_ID_MAX)
		return error_set(err, "the container id is longer than %d bytes", OCI_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") != len)
		return error_set(err, "invalid container id %s: letters, digits, _ + - . only",
				 quote(id));
	return 0;
}

void oci_state_dir(const char *root, const char *id, char *dir, size_t size)
{
	snprintf(dir, size, "%s/%s", root, id);
}

int oci_state_write(const char *dir, const struct oci_state *st, struct error *err)
{
	char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
	FILE *f;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s/.state.json.tmp", dir);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if ((f = fopen(tmp, "we")) == NULL)
		return error_errno(err, "create %s", tmp);
	fprintf(f, "{\"id\":");
	json_write_string(f, st->id);
	fprintf(f, ",\"pid\":%d,\"pidStart\":%llu,\"bundle\":", st->pid, st->pid_start);
	json_write_string(f, st->bundle);
	fprintf(f, ",\"rootfs\":");
	json_write_string(f, st->rootfs);
	fprintf(f, ",\"cgroup\":");
	json_write_string(f, st->cgroup);
	fprintf(f, ",\"created\":\"%s\",\"createdNs\":%lld}\n", st->created, st->created_ns);
	bad = ferror(f) | fflush(f) | fsync(fileno(f));
	if (fclose(f) != 0 || bad) {
		unlink(tmp);
		return error_errno(err, "write %s", tmp);
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return error_errno(err, "rename(%s, %s)", tmp, path);
	}
	return 0;
}

static int copy_string(const struct json_value *doc, const char *key, char *out, size_t size,
		       struct error *err)
{
	const char *s;

	if (json_get_string(doc, key, &s, err) != 0)
		return -1;
	if (snprintf(out, size, "%s", s) >= (int)size)
		return json_errorf(err, json_get(doc, key), "too long");
	return 0;
}

int oci_state_read(const char *dir, struct oci_state *st, struct error *err)
{
	char path[PATH_MAX + 32];
	const struct json_value *doc;
	int64_t pid, created_ns;
	uint64_t start;
	const char *slash = strrchr(dir, '/');
	int result = -1;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if (access(dir, F_OK) == -1 && errno == ENOENT)
		return error_set(err, "container %s does not exist", slash ? slash + 1 : dir);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return error_set(err, "container %s does not exist (it is being created, or "
				 "its create failed)", slash ? slash + 1 : dir);
	if ((doc = json_parse_file(path, NULL, err)) == NULL)
		return -1;
	if (copy_string(doc, "id", st->id, sizeof(st->id), err) == 0 &&
	    json_get_int64(doc, "pid", &pid, err) == 0 &&
	    json_get_uint64(doc, "pidStart", &start, err) == 0 &&
	    copy_string(doc, "bundle", st->bundle, sizeof(st->bundle), err) == 0 &&
	    copy_string(doc, "rootfs", st->rootfs, sizeof(st->rootfs), err) == 0 &&
	    copy_string(doc, "cgroup", st->cgroup, sizeof(st->cgroup), err) == 0 &&
	    copy_string(doc, "created", st->created, sizeof(st->created), err) == 0 &&
	    json_get_int64(doc, "createdNs", &created_ns, err) == 0) {
		st->pid = pid;
		st->pid_start = start;
		st->created_ns = created_ns;
		result = 0;
	}
	json_free(doc);
	return result;
}

enum oci_status oci_status_of(const char *dir, const struct oci_state *st)
{
	char fifo[PATH_MAX + 32];
	struct cgroup cg;
	bool frozen;

	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	/* No PID yet, the fifo there: create is still at work (or was killed). */
	if (st->pid <= 0)
		return access(fifo, F_OK) == 0 ? OCI_CREATING : OCI_STOPPED;
	if (kill(st->pid, 0) == -1 || proc_start_time(st->pid) != st->pid_start)
		return OCI_STOPPED;
	/* A zombie has not been reaped by its parent (the shim): it is stopped. */
	{
		char stat[64], line[512], state = '?';
		FILE *f;

		snprintf(stat, sizeof(stat), "/proc/%d/stat", st->pid);
		if ((f = fopen(stat, "re")) != NULL) {
			if (fgets(line, sizeof(line), f)) {
				char *close = strrchr(line, ')');

				if (close && close[1] == ' ')
					state = close[2];
			}
			fclose(f);
		}
		if (state == 'Z' || state == 'X')
			return OCI_STOPPED;
	}
	if (access(fifo, F_OK) == 0)
		return OCI_CREATED;
	frozen = cg_open_at(&cg, st->cgroup) && cg_is_frozen(&cg);
	return frozen ? OCI_PAUSED : OCI_RUNNING;
}

void oci_state_print(FILE *out, const char *dir, const struct oci_state *st,
		     enum oci_status status, bool pretty)
{
	const char *nl = pretty ? "\n  " : "", *sp = pretty ? " " : "";
	char path[PATH_MAX + 32];
	const struct json_value *config, *annotations = NULL;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	config = json_parse_file(path, NULL, NULL);
	if (config)
		annotations = json_get(config, "annotations");
	fprintf(out, "{%s\"ociVersion\":%s\"1.2.0\",%s\"id\":%s", nl, sp, nl, sp);
	json_write_string(out, st->id);
	fprintf(out, ",%s\"pid\":%s%d,%s\"status\":%s\"%s\",%s\"bundle\":%s", nl, sp,
		status == OCI_STOPPED ? 0 : st->pid, nl, sp, oci_status_name(status), nl, sp);
	json_write_string(out, st->bundle);
	fprintf(out, ",%s\"rootfs\":%s", nl, sp);
	json_write_string(out, st->rootfs);
	fprintf(out, ",%s\"created\":%s\"%s\",%s\"owner\":%s\"%s\"", nl, sp, st->created, nl, sp,
		stat(dir, &sb) == 0 && sb.st_uid == 0 ? "root" : "");
	if (annotations && annotations->type == JSON_OBJECT && annotations->count > 0) {
		fprintf(out, ",%s\"annotations\":%s{", nl, sp);
		for (size_t i = 0; i < annotations->count; i++) {
			if (annotations->items[i].type != JSON_STRING)
				continue;
			fprintf(out, "%s%s", i ? "," : "", pretty ? "\n    " : "");
			json_write_string(out, annotations->items[i].key);
			fprintf(out, ":%s", sp);
			json_write_string(out, annotations->items[i].string);
		}
		fprintf(out, "%s}", pretty ? "\n  " : "");
	}
	fprintf(out, "%s}\n", pretty ? "\n" : "");
	json_free(config);
}
