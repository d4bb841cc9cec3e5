#define _GNU_SOURCE
#include "runtime/state.h"
#include "base/keyvalue.h"
#include "kernel/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *state_status_name(enum container_status status)
{
	static const char *names[] = { "created", "running", "exited", "dead" };

	return names[status];
}

const char *state_root(void)
{
	static char root[PATH_MAX];

	snprintf(root, sizeof(root), "%.4000s/containers", rundir_root());
	return root;
}

long long state_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec;
}

void state_format_time(long long ns, char *out, size_t size)
{
	time_t seconds = ns / 1000000000LL;
	struct tm tm;
	char day[32];

	gmtime_r(&seconds, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%09lldZ", day, ns % 1000000000LL);
}

bool state_valid_name(const char *name)
{
	size_t len = strlen(name);
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	return len > 0 && len < STATE_NAME_LEN && strchr(ok, name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len;
}

/* ---- "key value" files --------------------------------------------------- */

static void put_number(FILE *f, const char *key, long long value)
{
	fprintf(f, "%s %lld\n", key, value);
}

/* Open <dir>/<name>.tmp for a new version of the file. */
static FILE *begin_file(const char *dir, const char *name, char *tmp, size_t size)
{
	snprintf(tmp, size, "%s/%s.tmp", dir, name);
	unlink(tmp);
	return fopen(tmp, "wxe");
}

/* Close it and put it in place of <dir>/<name>, whole. */
static int end_file(FILE *f, const char *dir, const char *name, const char *tmp)
{
	char path[PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	bool failed = ferror(f);

	if (fclose(f) != 0)
		failed = true;
	if (failed || rename(tmp, path) == -1) {
		err = errno ? errno : EIO;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * Call line(key, value, arg) for each line of <dir>/<name>. A line without
 * a space, or a file that does not end in a newline, is damage: EINVAL.
 */
static int read_lines(const char *dir, const char *name,
		      int (*line)(const char *key, char *value, void *arg), void *arg)
{
	char path[PATH_MAX + 32], *text = NULL;
	size_t room = 0;
	ssize_t len;
	int result = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while ((len = getline(&text, &room, f)) > 0) {
		char *space = strchr(text, ' ');

		if (text[len - 1] != '\n' || space == NULL) {
			result = -1;
			break;
		}
		text[len - 1] = '\0';
		*space = '\0';
		kv_unescape(space + 1);
		if (line(text, space + 1, arg) == -1) {
			result = -1;
			break;
		}
	}
	free(text);
	fclose(f);
	if (result == -1)
		errno = EINVAL;
	return result;
}

/* Copy `value` into a field of `size` bytes; a value that does not fit is damage. */
static int copy(char *field, size_t size, const char *value)
{
	if (strlen(value) >= size)
		return -1;
	memcpy(field, value, strlen(value) + 1);
	return 0;
}

/* ---- the config's strings ----------------------------------------------- */

int config_set(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

int config_append(char **list, int *count, int max, const char *value)
{
	if (*count == max) {
		errno = E2BIG;
		return -1;
	}
	if ((list[*count] = strdup(value)) == NULL)
		return -1;
	list[++*count] = NULL;
	return 0;
}

void config_free(struct container_config *config)
{
	free(config->image);
	free(config->workdir);
	free(config->user);
	for (int i = 0; i < config->nexpose; i++)
		free(config->expose[i]);
	free(config->seccomp_profile);
	for (int i = 0; i < config->nlayers; i++)
		free(config->layers[i]);
	for (int i = 0; i < config->nargs; i++)
		free(config->args[i]);
	for (int i = 0; i < config->nenv; i++)
		free(config->env[i]);
	for (int i = 0; i < config->nvolumes; i++) {
		free(config->volumes[i].source);
		free(config->volumes[i].target);
	}
	memset(config, 0, sizeof(*config));
}

/* ---- config ---------------------------------------------------------------- */

static const char *const network_names[] = { "bridge", "none", "host" };

const char *state_network_name(enum container_network network)
{
	return network_names[network];
}

int state_network_of(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, network_names[i]) == 0)
			return i;
	return -1;
}

static int write_config(const char *dir, const struct container_config *c)
{
	char tmp[PATH_MAX + 32], number[64];
	FILE *f = begin_file(dir, "config", tmp, sizeof(tmp));

	if (f == NULL)
		return -1;
	fprintf(f, "# stepbox container config: what `run` was asked for\n");
	kv_put(f, "name", c->name);
	kv_put(f, "image", c->image);
	for (int i = 0; i < c->nlayers; i++)
		kv_put(f, "layer", c->layers[i]);
	for (int i = 0; i < c->nargs; i++)
		kv_put(f, "arg", c->args[i]);
	for (int i = 0; i < c->nenv; i++)
		kv_put(f, "env", c->env[i]);
	kv_put(f, "workdir", c->workdir);
	if (c->user)
		kv_put(f, "user", c->user);
	for (int i = 0; i < c->nexpose; i++)
		kv_put(f, "expose", c->expose[i]);
	kv_put(f, "hostname", c->hostname);
	put_number(f, "memory", c->limits.memory);
	snprintf(number, sizeof(number), "%.3f", c->limits.cpus);
	kv_put(f, "cpus", number);
	put_number(f, "pids", c->limits.pids);
	kv_put(f, "net", state_network_name(c->network));
	for (int i = 0; i < c->nports; i++)
		fprintf(f, "port %s %d %d\n", c->ports[i].host_ip, c->ports[i].host_port,
			c->ports[i].container_port);
	put_number(f, "tty", c->tty);
	put_number(f, "interactive", c->interactive);
	put_number(f, "rm", c->autoremove);
	put_number(f, "init", c->init);
	put_number(f, "userns", c->userns);
	fprintf(f, "cap_add %llx\ncap_drop %llx\n", (unsigned long long)c->cap_add,
		(unsigned long long)c->cap_drop);
	put_number(f, "seccomp", c->seccomp);
	if (c->seccomp_profile)
		kv_put(f, "seccomp_profile", c->seccomp_profile);
	put_number(f, "privileged", c->privileged);
	fprintf(f, "uids %lu %lu\ngids %lu %lu\n", c->uids.start, c->uids.count, c->gids.start,
		c->gids.count);
	for (int i = 0; i < c->nvolumes; i++) {
		const struct volume *v = &c->volumes[i];

		/* One volume: its kind first, then its parts. */
		kv_put(f, "volume", volume_kind_name(v->kind));
		kv_put(f, "volume_name", v->name);
		kv_put(f, "volume_source", v->source);
		kv_put(f, "volume_target", v->target);
		put_number(f, "volume_readonly", v->readonly);
	}
	put_number(f, "created", c->created);
	return end_file(f, dir, "config", tmp);
}

static int config_line(const char *key, char *value, void *arg)
{
	struct container_config *c = arg;
	long long n = atoll(value);

	if (strcmp(key, "name") == 0)
		return copy(c->name, sizeof(c->name), value);
	if (strcmp(key, "image") == 0)
		return config_set(&c->image, value);
	if (strcmp(key, "layer") == 0)
		return config_append(c->layers, &c->nlayers, MAX_LAYERS + 1, value);
	if (strcmp(key, "arg") == 0)
		return config_append(c->args, &c->nargs, STATE_MAX_ARGS, value);
	if (strcmp(key, "env") == 0)
		return config_append(c->env, &c->nenv, STATE_MAX_ENV, value);
	if (strcmp(key, "workdir") == 0)
		return config_set(&c->workdir, value);
	if (strcmp(key, "user") == 0)
		return config_set(&c->user, value);
	if (strcmp(key, "expose") == 0)
		return config_append(c->expose, &c->nexpose, STATE_MAX_ARGS, value);
	if (strcmp(key, "seccomp_profile") == 0)
		return config_set(&c->seccomp_profile, value);
	if (strcmp(key, "hostname") == 0)
		return copy(c->hostname, sizeof(c->hostname), value);
	if (strcmp(key, "memory") == 0)
		c->limits.memory = n;
	else if (strcmp(key, "cpus") == 0)
		c->limits.cpus = atof(value);
	else if (strcmp(key, "pids") == 0)
		c->limits.pids = n;
	else if (strcmp(key, "net") == 0)
		c->network = state_network_of(value) == -1 ? NETWORK_NONE : state_network_of(value);
	else if (strcmp(key, "port") == 0) {
		struct port_mapping *p = &c->ports[c->nports];

		if (c->nports == PORTS_MAX ||
		    sscanf(value, "%15s %d %d", p->host_ip, &p->host_port, &p->container_port) != 3)
			return -1;
		c->nports++;
	}
	else if (strcmp(key, "tty") == 0)
		c->tty = n;
	else if (strcmp(key, "interactive") == 0)
		c->interactive = n;
	else if (strcmp(key, "rm") == 0)
		c->autoremove = n;
	else if (strcmp(key, "init") == 0)
		c->init = n;
	else if (strcmp(key, "userns") == 0)
		c->userns = n;
	else if (strcmp(key, "cap_add") == 0 || strcmp(key, "cap_drop") == 0) {
		unsigned long long set;

		if (sscanf(value, "%llx", &set) != 1)
			return -1;
		*(key[4] == 'a' ? &c->cap_add : &c->cap_drop) = set;
	} else if (strcmp(key, "seccomp") == 0)
		c->seccomp = n;
	else if (strcmp(key, "privileged") == 0)
		c->privileged = n;
	else if (strcmp(key, "uids") == 0)
		return sscanf(value, "%lu %lu", &c->uids.start, &c->uids.count) == 2 ? 0 : -1;
	else if (strcmp(key, "gids") == 0)
		return sscanf(value, "%lu %lu", &c->gids.start, &c->gids.count) == 2 ? 0 : -1;
	else if (strcmp(key, "created") == 0)
		c->created = n;
	else if (strcmp(key, "volume") == 0) {
		if (c->nvolumes == VOLUME_MAX)
			return -1;
		c->nvolumes++;
		for (int kind = VOLUME_BIND; kind <= VOLUME_TMPFS; kind++)
			if (strcmp(value, volume_kind_name(kind)) == 0)
				c->volumes[c->nvolumes - 1].kind = kind;
	} else if (strncmp(key, "volume_", 7) == 0) {
		struct volume *v;

		if (c->nvolumes == 0)
			return -1;
		v = &c->volumes[c->nvolumes - 1];
		if (strcmp(key, "volume_name") == 0)
			return copy(v->name, sizeof(v->name), value);
		if (strcmp(key, "volume_source") == 0)
			return config_set(&v->source, value);
		if (strcmp(key, "volume_target") == 0)
			return config_set(&v->target, value);
		if (strcmp(key, "volume_readonly") == 0)
			v->readonly = n;
	}
	return 0; /* a key from a newer stepbox: not ours to judge */
}

struct name_search {
	char *name;
	size_t size;
	bool found;
};

static int name_line(const char *key, char *value, void *arg)
{
	struct name_search *search = arg;

	if (strcmp(key, "name") != 0 || search->found)
		return 0;
	search->found = true;
	return copy(search->name, search->size, value);
}

static int read_name(const char *dir, char *name, size_t size)
{
	struct name_search search = { name, size, false };

	if (read_lines(dir, "config", name_line, &search) == -1)
		return -1;
	if (!search.found) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int read_config(const char *dir, struct container_config *config)
{
	config_free(config);
	if (read_lines(dir, "config", config_line, config) == -1)
		return -1;
	if (config->name[0] == '\0' || config->nargs == 0 || config->nlayers == 0 ||
	    config->image == NULL || config->workdir == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < config->nvolumes; i++)
		if (config->volumes[i].source == NULL || config->volumes[i].target == NULL) {
			errno = EINVAL;
			return -1;
		}
	return 0;
}

/* ---- state ----------------------------------------------------------------- */

static int write_state(const char *dir, const struct container_state *s)
{
	char tmp[PATH_MAX + 32];
	FILE *f = begin_file(dir, "state", tmp, sizeof(tmp));

	if (f == NULL)
		return -1;
	fprintf(f, "# stepbox container state: what has happened to it\n");
	kv_put(f, "status", state_status_name(s->status));
	put_number(f, "pid", s->pid);
	fprintf(f, "pid_start %llu\n", s->pid_start);
	put_number(f, "exit_code", s->exit_code);
	put_number(f, "oom_killed", s->oom_killed);
	put_number(f, "started", s->started);
	put_number(f, "finished", s->finished);
	for (int i = 0; i < s->ncgroups; i++)
		kv_put(f, "cgroup", s->cgroups[i]);
	if (s->error[0])
		kv_put(f, "error", s->error);
	if (s->ip[0]) {
		kv_put(f, "ip", s->ip);
		kv_put(f, "gateway", s->gateway);
	}
	return end_file(f, dir, "state", tmp);
}

static int parse_status(const char *value, enum container_status *status)
{
	for (int i = STATUS_CREATED; i <= STATUS_DEAD; i++)
		if (strcmp(value, state_status_name(i)) == 0) {
			*status = i;
			return 0;
		}
	return -1;
}

static int state_line(const char *key, char *value, void *arg)
{
	struct container_state *s = arg;
	long long n = atoll(value);

	if (strcmp(key, "status") == 0)
		return parse_status(value, &s->status);
	if (strcmp(key, "pid") == 0)
		s->pid = n;
	else if (strcmp(key, "pid_start") == 0)
		s->pid_start = strtoull(value, NULL, 10);
	else if (strcmp(key, "exit_code") == 0)
		s->exit_code = n;
	else if (strcmp(key, "oom_killed") == 0)
		s->oom_killed = n;
	else if (strcmp(key, "started") == 0)
		s->started = n;
	else if (strcmp(key, "finished") == 0)
		s->finished = n;
	else if (strcmp(key, "cgroup") == 0)
		return s->ncgroups == CG_MAX_HIERARCHIES ? -1
		       : copy(s->cgroups[s->ncgroups++], PATH_MAX, value);
	else if (strcmp(key, "error") == 0)
		return copy(s->error, sizeof(s->error), value);
	else if (strcmp(key, "ip") == 0)
		return copy(s->ip, sizeof(s->ip), value);
	else if (strcmp(key, "gateway") == 0)
		return copy(s->gateway, sizeof(s->gateway), value);
	return 0;
}

static int read_state(const char *dir, struct container_state *state)
{
	memset(state, 0, sizeof(*state));
	return read_lines(dir, "state", state_line, state);
}

static int status_line(const char *key, char *value, void *arg)
{
	return strcmp(key, "status") == 0 ? parse_status(value, arg) : 0;
}

/* ---- the public face: errors name the file ------------------------------- */

/* errno EINVAL from the readers means a damaged file, not a failed call. */
static int file_error(struct error *err, const char *what, const char *dir, const char *name)
{
	if (errno == EINVAL)
		return error_set(err, "%s %s/%s: the file is damaged", what, dir, name);
	return error_errno(err, "%s %s/%s", what, dir, name);
}

int state_write_config(const char *dir, const struct container_config *config, struct error *err)
{
	return write_config(dir, config) == -1 ? file_error(err, "write", dir, "config") : 0;
}

int state_read_config(const char *dir, struct container_config *config, struct error *err)
{
	return read_config(dir, config) == -1 ? file_error(err, "read", dir, "config") : 0;
}

int state_read_name(const char *dir, char *name, size_t size, struct error *err)
{
	return read_name(dir, name, size) == -1 ? file_error(err, "read", dir, "config") : 0;
}

int state_write(const char *dir, const struct container_state *state, struct error *err)
{
	return write_state(dir, state) == -1 ? file_error(err, "write", dir, "state") : 0;
}

int state_read(const char *dir, struct container_state *state, struct error *err)
{
	return read_state(dir, state) == -1 ? file_error(err, "read", dir, "state") : 0;
}

int state_read_status(const char *dir, enum container_status *status, struct error *err)
{
	*status = STATUS_CREATED;
	return read_lines(dir, "state", status_line, status) == -1
		       ? file_error(err, "read", dir, "state") : 0;
}
