#define _GNU_SOURCE
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "stepbox";
static struct timespec started;
static bool tracing;

void log_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
	clock_gettime(CLOCK_MONOTONIC, &started);
}

const char *log_progname(void)
{
	return progname;
}

/*
 * The lines of several processes (the runtime, the shim, the container's
 * child) go to one stderr. Each takes its time and writes its line while
 * holding a lock on one shared file, so the lines come out in the order of
 * their times. A POSIX record lock (fcntl) belongs to a process, not to the
 * open file, so forked processes exclude each other though they share it.
 */
static int trace_lock_fd = -1;

/*
 * The lines go to a copy of the stderr we started with: the container's
 * child goes on tracing after its own stderr became the container's pipe,
 * and its last lines must not wait in that pipe for the shim to relay them.
 */
static int trace_fd = STDERR_FILENO;

void trace_enable(void)
{
	tracing = true;
	trace_lock_fd = memfd_create("stepbox-trace-order", MFD_CLOEXEC);
	trace_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (trace_fd == -1)
		trace_fd = STDERR_FILENO;
}

bool trace_enabled(void)
{
	return tracing;
}

void trace_stop(void)
{
	tracing = false;
	if (trace_fd > STDERR_FILENO)
		close(trace_fd);
	if (trace_lock_fd != -1)
		close(trace_lock_fd);
	trace_fd = STDERR_FILENO;
	trace_lock_fd = -1;
}

void trace_keep_fds(int fds[2])
{
	fds[0] = trace_fd;
	fds[1] = trace_lock_fd;
}

static void trace_order(short type)
{
	struct flock lock = { .l_type = type, .l_whence = SEEK_SET };

	if (trace_lock_fd != -1)
		while (fcntl(trace_lock_fd, F_SETLKW, &lock) == -1 && errno == EINTR)
			;
}

const char *quote(const char *s)
{
	static char buffers[4][256 * 4 + 8];
	static int next;
	char *out = buffers[next++ % 4], *p = out;
	size_t n;

	*p++ = '"';
	for (n = 0; s[n] && n < 200; n++) {
		unsigned char c = s[n];

		if (c == '\n')
			p += sprintf(p, "\\n");
		else if (c == '\t')
			p += sprintf(p, "\\t");
		else if (c == '"' || c == '\\')
			p += sprintf(p, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			p += sprintf(p, "\\x%02x", c);
		else
			*p++ = c;
	}
	if (s[n])
		p += sprintf(p, "...");
	*p++ = '"';
	*p = '\0';
	return out;
}

static double ms_since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - started.tv_sec) * 1e3 +
	       (now.tv_nsec - started.tv_nsec) / 1e6;
}

/*
 * One write() per line: the runtime and the container's first process both
 * trace to the same stderr, and a single write keeps their lines whole; the
 * lock keeps them in time order.
 */
void trace(const char *fmt, ...)
{
	char body[1008], line[1024];
	int len;
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	len = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	trace_order(F_WRLCK);
	len = snprintf(line, sizeof(line), "[%8.3f ms] %s", ms_since_start(), body);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(trace_fd, line, len) < 0) {
		/* nowhere left to report it */
	}
	trace_order(F_UNLCK);
}

static const char *reporting_level = "error";

/* --log FILE: a copy of every message, for the caller that reads it (containerd). */
static int log_file_fd = -1;
static bool log_file_json;

void log_to_file(int fd, bool json)
{
	log_file_fd = fd;
	log_file_json = json;
}

/* One line to the --log file: "time level msg", or one JSON object. */
static void log_file_line(const char *level, const char *msg, size_t len)
{
	char out[2600], stamp[64];
	struct timespec now;
	struct tm tm;
	size_t n = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%09ldZ", now.tv_nsec);
	if (!log_file_json) {
		n = snprintf(out, sizeof(out), "%s %s %.*s\n", stamp, level, (int)len, msg);
	} else {
		/* JSON by hand (lib/base/json is above us): escape quotes, backslashes
		 * and control bytes; the message is UTF-8 already. */
		n = snprintf(out, sizeof(out), "{\"level\":\"%s\",\"msg\":\"", level);
		for (size_t i = 0; i < len && n < sizeof(out) - 64; i++) {
			unsigned char c = msg[i];

			if (c == '"' || c == '\\')
				n += snprintf(out + n, sizeof(out) - n, "\\%c", c);
			else if (c < 0x20)
				n += snprintf(out + n, sizeof(out) - n, "\\u%04x", c);
			else
				out[n++] = c;
		}
		n += snprintf(out + n, sizeof(out) - n, "\",\"time\":\"%s\"}\n", stamp);
	}
	if (n > sizeof(out))
		n = sizeof(out);
	if (write(log_file_fd, out, n) < 0) {
		/* nowhere left to report it */
	}
}

static void vreport(const char *fmt, va_list ap, int err, const char *hint)
{
	char line[1024];
	int len;

	len = snprintf(line, sizeof(line), "%s: ", progname);
	len += vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (err && len < (int)sizeof(line))
		len += snprintf(line + len, sizeof(line) - len, ": %s", strerror(err));
	if (hint && len < (int)sizeof(line))
		len += snprintf(line + len, sizeof(line) - len, " — %s", hint);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to report it */
	}
	if (log_file_fd != -1) {
		size_t skip = strlen(progname) + 2;   /* the file has no "prog: " */

		log_file_line(reporting_level, line + skip, len - 1 - skip);
	}
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0, NULL);
	va_end(ap);
	exit(EXIT_RUNTIME_ERROR);
}

void die_errno(const char *hint, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, err, hint);
	va_end(ap);
	exit(EXIT_RUNTIME_ERROR);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reporting_level = "warning";
	vreport(fmt, ap, 0, NULL);
	reporting_level = "error";
	va_end(ap);
}

void warn_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	reporting_level = "warning";
	vreport(fmt, ap, err, NULL);
	reporting_level = "error";
	va_end(ap);
}
