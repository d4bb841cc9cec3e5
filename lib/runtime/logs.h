/*
 * logs — what a container wrote, kept by its shim in <dir>/log in the
 * format containerd's shims write for Kubernetes (the CRI log format), one
 * line per line the container wrote:
 *
 *     2026-11-26T01:02:03.123456789Z stdout F hello
 *     2026-11-26T01:02:03.123501234Z stderr P a line without its newline (yet)
 *
 * time, stream, F (a full line: it ended with a newline) or P (a partial
 * one: the newline, if any, is still to come), the text. Because the shim
 * writes it, `logs` works while the container runs, after it exited, and
 * after the `run` that started it was killed.
 *
 * Errors are values here.
 */
#ifndef STEPBOX_LOGS_H
#define STEPBOX_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Append what the container wrote on `stream` ("stdout"/"stderr") to log fd `fd`. */
int logs_append(int fd, const char *stream, const char *data, size_t len);

struct logs_options {
	bool timestamps;   /* -t: each line starts with its time */
	long tail;         /* --tail N: only the last N lines; -1: all */
};

/*
 * Print the log file at `path` from byte `*offset` on: stdout lines to `out`,
 * stderr lines to `err`. Leaves *offset after the last whole record, so a
 * follower can call it again. With a tail, only the last lines.
 */
int logs_print(const char *path, long *offset, const struct logs_options *options,
	       FILE *out, FILE *err);

#endif
