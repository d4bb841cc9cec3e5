/*
 * report — what `ps`, `inspect` and `images` print, in docker's shapes: a
 * table whose columns are as wide as their widest cell, durations in words
 * ("Up 3 seconds", "Exited (0) 5 seconds ago"), and inspect's JSON with
 * docker's key names, plus what `lsns` would show (the inode of each of PID
 * 1's namespaces) and the cgroup path.
 */
#ifndef STEPBOX_REPORT_H
#define STEPBOX_REPORT_H

#include <stdio.h>

#include "runtime/state.h"

/* A table: add rows of cells, then print it with every column aligned. */
#define REPORT_MAX_COLUMNS 8
#define REPORT_CELL 160

/* The rows grow on the heap as they come: a host may run a thousand containers. */
struct report_table {
	int ncolumns, nrows, capacity;
	char (*cells)[REPORT_MAX_COLUMNS][REPORT_CELL];
};

void report_row(struct report_table *table, const char *const *cells);
void report_print(const struct report_table *table, FILE *out);

/* docker's words for a duration: "Less than a second", "3 seconds", "About a minute"... */
void report_duration(long long ns, char *out, size_t size);

/* The STATUS column of `ps`. */
void report_status(const struct container_state *state, char *out, size_t size);

/* The COMMAND column: the command, quoted, cut to 20 characters as docker does. */
void report_command(const struct container_config *config, char *out, size_t size);

/* The PORTS column: "127.0.0.1:8080->80/tcp, ...", while it runs. */
void report_ports(const struct container_config *config, const struct container_state *state,
		  char *out, size_t size);

/* inspect: one container as a JSON object (the caller prints the array around it). */
void report_inspect(FILE *out, const char *id, const struct container_config *config,
		    const struct container_state *state);

#endif
