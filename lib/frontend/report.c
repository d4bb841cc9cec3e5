#define _GNU_SOURCE
#include "frontend/report.h"
#include "base/json.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void report_row(struct report_table *table, const char *const *cells)
{
	if (table->nrows == table->capacity) {
		int capacity = table->capacity ? 2 * table->capacity : 64;
		void *grown = realloc(table->cells, capacity * sizeof(table->cells[0]));

		if (grown == NULL) {
			/* A table without this row, said, beats no table: ps goes on. */
			warn_errno("realloc() for row %d of the table: it is left out", table->nrows + 1);
			return;
		}
		table->cells = grown;
		table->capacity = capacity;
	}
	for (int i = 0; i < table->ncolumns; i++)
		snprintf(table->cells[table->nrows][i], sizeof(table->cells[0][0]), "%s",
			 cells[i] ? cells[i] : "");
	table->nrows++;
}

/* How many columns a UTF-8 string takes: its bytes but the continuation ones ("…"). */
static size_t columns_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void report_print(const struct report_table *table, FILE *out)
{
	size_t width[REPORT_MAX_COLUMNS] = { 0 };

	for (int r = 0; r < table->nrows; r++)
		for (int i = 0; i < table->ncolumns; i++)
			if (columns_of(table->cells[r][i]) > width[i])
				width[i] = columns_of(table->cells[r][i]);
	/* Three spaces between columns, none after the last: docker's tabwriter. */
	for (int r = 0; r < table->nrows; r++) {
		for (int i = 0; i < table->ncolumns; i++) {
			const char *cell = table->cells[r][i];

			if (i == table->ncolumns - 1)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%s%*s   ", cell, (int)(width[i] - columns_of(cell)), "");
		}
	}
}

void report_duration(long long ns, char *out, size_t size)
{
	long long seconds = ns / 1000000000LL, minutes = seconds / 60, hours = minutes / 60;

	if (seconds < 1)
		snprintf(out, size, "Less than a second");
	else if (seconds == 1)
		snprintf(out, size, "1 second");
	else if (seconds < 60)
		snprintf(out, size, "%lld seconds", seconds);
	else if (minutes == 1)
		snprintf(out, size, "About a minute");
	else if (minutes < 60)
		snprintf(out, size, "%lld minutes", minutes);
	else if (hours == 1)
		snprintf(out, size, "About an hour");
	else if (hours < 48)
		snprintf(out, size, "%lld hours", hours);
	else
		snprintf(out, size, "%lld days", hours / 24);
}

void report_status(const struct container_state *state, char *out, size_t size)
{
	char ago[64];

	switch (state->status) {
	case STATUS_CREATED:
		snprintf(out, size, "Created");
		break;
	case STATUS_RUNNING:
		report_duration(state_now() - state->started, ago, sizeof(ago));
		snprintf(out, size, "Up %s", ago);
		break;
	case STATUS_EXITED:
		report_duration(state_now() - state->finished, ago, sizeof(ago));
		snprintf(out, size, "Exited (%d) %s ago", state->exit_code, ago);
		break;
	case STATUS_DEAD:
		snprintf(out, size, "Dead");
		break;
	}
}

void report_command(const struct container_config *config, char *out, size_t size)
{
	char joined[512] = "";
	size_t len = 0;

	for (int i = 0; i < config->nargs && len < sizeof(joined) - 1; i++)
		len += snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? " " : "",
				config->args[i]);
	if (len > sizeof(joined) - 1)
		len = sizeof(joined) - 1;
	/* docker cuts at 20 characters and ends with an ellipsis. */
	if (len > 20)
		snprintf(out, size, "\"%.19s…\"", joined);
	else
		snprintf(out, size, "\"%s\"", joined);
}

void report_ports(const struct container_config *config, const struct container_state *state,
		  char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	/* docker shows the published ports of a running container only. */
	for (int i = 0; state->status == STATUS_RUNNING && i < config->nports && len < size; i++) {
		char one[64];

		ports_format(&config->ports[i], one, sizeof(one));
		len += snprintf(out + len, size - len, "%s%s", i ? ", " : "", one);
	}
}

/* ---- inspect ---------------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_time(FILE *out, long long ns)
{
	char text[64] = "0001-01-01T00:00:00Z";

	if (ns > 0)
		state_format_time(ns, text, sizeof(text));
	json_string(out, text);
}

static void json_strings(FILE *out, char *const *list, int from, int count)
{
	fputc('[', out);
	for (int i = from; i < count; i++) {
		if (i > from)
			fputs(", ", out);
		json_string(out, list[i]);
	}
	fputc(']', out);
}

/* "A,B,C" as ["A", "B", "C"]; "" as null, as docker shows an empty list. */
static void json_list(FILE *out, const char *commas)
{
	if (commas[0] == '\0') {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	for (const char *p = commas; *p;) {
		size_t len = strcspn(p, ",");

		fprintf(out, "%s\"%.*s\"", p == commas ? "" : ", ", (int)len, p);
		p += len + (p[len] == ',');
	}
	fputc(']', out);
}

/* The inode of PID 1's namespace `name`, as lsns shows it, or 0. */
static unsigned long namespace_inode(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	return pid > 0 && stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

void report_inspect(FILE *out, const char *id, const struct container_config *c,
		    const struct container_state *s)
{
	static const char *namespaces[] = { "cgroup", "ipc", "mnt", "net", "pid", "user", "uts" };
	bool running = s->status == STATUS_RUNNING;

	fprintf(out, "    {\n        \"Id\": \"%s\",\n        \"Name\": ", id);
	{
		char name[STATE_NAME_LEN + 2];

		snprintf(name, sizeof(name), "/%s", c->name);
		json_string(out, name);
	}
	fputs(",\n        \"Created\": ", out);
	json_time(out, c->created);
	fputs(",\n        \"Path\": ", out);
	json_string(out, c->args[0]);
	fputs(",\n        \"Args\": ", out);
	json_strings(out, c->args, 1, c->nargs);
	fputs(",\n        \"Image\": ", out);
	json_string(out, c->image);
	fprintf(out, ",\n        \"State\": {\n            \"Status\": \"%s\",\n"
		     "            \"Running\": %s,\n            \"Pid\": %d,\n"
		     "            \"ExitCode\": %d,\n            \"OOMKilled\": %s,\n"
		     "            \"Dead\": %s,\n            \"Error\": ",
		state_status_name(s->status), running ? "true" : "false", running ? s->pid : 0,
		s->exit_code, s->oom_killed ? "true" : "false",
		s->status == STATUS_DEAD ? "true" : "false");
	json_string(out, s->error);
	fputs(",\n            \"StartedAt\": ", out);
	json_time(out, s->started);
	fputs(",\n            \"FinishedAt\": ", out);
	json_time(out, s->finished);
	fputs("\n        },\n        \"Config\": {\n            \"Hostname\": ", out);
	json_string(out, c->hostname);
	fputs(",\n            \"Env\": ", out);
	json_strings(out, c->env, 0, c->nenv);
	fputs(",\n            \"Cmd\": ", out);
	json_strings(out, c->args, 0, c->nargs);
	fputs(",\n            \"WorkingDir\": ", out);
	json_string(out, c->workdir);
	fputs(",\n            \"User\": ", out);
	json_string(out, c->user ? c->user : "");
	/* docker's shape: an object whose keys are the ports, each {}. */
	fputs(",\n            \"ExposedPorts\": {", out);
	for (int i = 0; i < c->nexpose; i++) {
		fputs(i ? ", " : "", out);
		json_string(out, c->expose[i]);
		fputs(": {}", out);
	}
	fprintf(out, "},\n            \"Tty\": %s,\n            \"OpenStdin\": %s\n        },\n",
		c->tty ? "true" : "false", c->interactive ? "true" : "false");
	fprintf(out, "        \"HostConfig\": {\n            \"Memory\": %lld,\n"
		     "            \"NanoCpus\": %lld,\n            \"PidsLimit\": %ld,\n"
		     "            \"AutoRemove\": %s,\n            \"NetworkMode\": \"%s\",\n",
		c->limits.memory, (long long)(c->limits.cpus * 1e9 + 0.5), c->limits.pids,
		c->autoremove ? "true" : "false", state_network_name(c->network));
	{
		char add[1024], drop[1024];

		caps_format(c->cap_add, add, sizeof(add));
		caps_format(c->cap_drop, drop, sizeof(drop));
		fprintf(out, "            \"Privileged\": %s,\n            \"CapAdd\": ",
			c->privileged ? "true" : "false");
		json_list(out, add);
		fputs(",\n            \"CapDrop\": ", out);
		json_list(out, drop);
		/* docker's form: the profile's own text after "seccomp=". */
		fputs(",\n            \"SecurityOpt\": ", out);
		if (c->privileged || (c->seccomp && c->seccomp_profile == NULL)) {
			fputs("null", out);
		} else if (!c->seccomp) {
			fputs("[\"seccomp=unconfined\"]", out);
		} else {
			char *opt = NULL;

			if (asprintf(&opt, "seccomp=%s", c->seccomp_profile) == -1)
				opt = NULL;
			fputc('[', out);
			json_write_string(out, opt ? opt : "seccomp=?");
			fputc(']', out);
			free(opt);
		}
		fputs("\n        },\n", out);
	}
	fputs("        \"NetworkSettings\": {\n            \"IPAddress\": ", out);
	json_string(out, s->ip);
	fputs(",\n            \"Gateway\": ", out);
	json_string(out, s->gateway);
	fputs(",\n            \"Ports\": {", out);
	for (int i = 0; i < c->nports; i++)
		fprintf(out, "%s\n                \"%d/tcp\": [{\"HostIp\": \"%s\", "
			"\"HostPort\": \"%d\"}]", i ? "," : "", c->ports[i].container_port,
			c->ports[i].host_ip, c->ports[i].host_port);
	fputs(c->nports ? "\n            }\n        },\n        \"Mounts\": ["
		       : "}\n        },\n        \"Mounts\": [", out);
	for (int i = 0; i < c->nvolumes; i++) {
		const struct volume *v = &c->volumes[i];

		fprintf(out, "%s\n            {\"Type\": \"%s\", \"Name\": ", i ? "," : "",
			volume_kind_name(v->kind));
		json_string(out, v->name);
		fputs(", \"Source\": ", out);
		json_string(out, v->source);
		fputs(", \"Destination\": ", out);
		json_string(out, v->target);
		fprintf(out, ", \"RW\": %s}", v->readonly ? "false" : "true");
	}
	fputs(c->nvolumes ? "\n        ],\n" : "],\n", out);
	fputs("        \"Namespaces\": {", out);
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
		fprintf(out, "%s\n            \"%s\": %lu", i ? "," : "", namespaces[i],
			running ? namespace_inode(s->pid, namespaces[i]) : 0);
	fputs("\n        },\n        \"CgroupPaths\": [", out);
	for (int i = 0; i < s->ncgroups; i++) {
		fputs(i ? ", " : "", out);
		json_string(out, s->cgroups[i]);
	}
	fputs("]\n    }", out);
}
