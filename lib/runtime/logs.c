#define _GNU_SOURCE
#include "runtime/logs.h"
#include "runtime/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* write() it all, or -1. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

int logs_append(int fd, const char *stream, const char *data, size_t len)
{
	char stamp[64];

	state_format_time(state_now(), stamp, sizeof(stamp));
	while (len > 0) {
		const char *newline = memchr(data, '\n', len);
		size_t line = newline ? (size_t)(newline - data) : len;
		char head[128];
		int head_len = snprintf(head, sizeof(head), "%s %s %c ", stamp, stream,
					newline ? 'F' : 'P');

		/* The record's own newline ends it: the text never holds one. */
		if (write_all(fd, head, head_len) == -1 || write_all(fd, data, line) == -1 ||
		    write_all(fd, "\n", 1) == -1)
			return -1;
		data += line + (newline ? 1 : 0);
		len -= line + (newline ? 1 : 0);
	}
	return 0;
}

/* One record, split into its parts: false if the line is not one. */
static bool parse_record(char *line, char **stamp, char **stream, char *kind, char **text)
{
	char *space1 = strchr(line, ' '), *space2, *space3;

	if (space1 == NULL || (space2 = strchr(space1 + 1, ' ')) == NULL ||
	    (space3 = strchr(space2 + 1, ' ')) == NULL || space3 != space2 + 2)
		return false;
	*space1 = *space2 = '\0';
	*stamp = line;
	*stream = space1 + 1;
	*kind = space2[1];
	*text = space3 + 1;
	return *kind == 'F' || *kind == 'P';
}

int logs_print(const char *path, long *offset, const struct logs_options *options,
	       FILE *out, FILE *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t room = 0;
	long skip = 0;
	ssize_t len;

	if (f == NULL)
		return -1;
	/* --tail: count the full lines first, to know how many to skip. */
	if (options->tail >= 0) {
		long lines = 0;

		fseek(f, *offset, SEEK_SET);
		while ((len = getline(&line, &room, f)) > 0) {
			char *stamp, *stream, *text, kind;

			if (line[len - 1] == '\n' && parse_record(line, &stamp, &stream, &kind, &text) &&
			    kind == 'F')
				lines++;
		}
		skip = lines > options->tail ? lines - options->tail : 0;
	}
	fseek(f, *offset, SEEK_SET);
	while ((len = getline(&line, &room, f)) > 0) {
		char *stamp, *stream, *text, kind;
		FILE *to;

		if (line[len - 1] != '\n')
			break; /* the shim is still writing this one: next time */
		*offset += len;
		line[len - 1] = '\0';
		if (!parse_record(line, &stamp, &stream, &kind, &text))
			continue;
		if (skip > 0) {
			if (kind == 'F')
				skip--;
			continue;
		}
		to = strcmp(stream, "stderr") == 0 ? err : out;
		if (options->timestamps)
			fprintf(to, "%s ", stamp);
		fprintf(to, "%s%s", text, kind == 'F' ? "\n" : "");
		/* Two streams to two fds: each line out before the next, in order. */
		fflush(to);
	}
	free(line);
	fclose(f);
	fflush(out);
	fflush(err);
	return 0;
}
