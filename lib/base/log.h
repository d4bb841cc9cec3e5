/*
 * log — how every step talks: errors that name the call, the path, errno and a
 * hint, and the --trace lines that make each kernel call visible with its time.
 *
 * die() and die_errno() never return: they print one line to stderr and exit
 * 125, the status docker uses for "the runtime itself failed". A process that
 * was cloned from the runtime uses them too, so its parent reports the same 125.
 */
#ifndef STEPBOX_LOG_H
#define STEPBOX_LOG_H

#include <stdbool.h>

#define EXIT_RUNTIME_ERROR 125 /* the runtime failed, not the container */
#define EXIT_CANNOT_EXEC   126 /* CMD exists but cannot be executed */
#define EXIT_NOT_FOUND     127 /* CMD does not exist in the container */

/* Remember the program name (for messages) and the start time (for --trace). */
void log_init(const char *argv0);
const char *log_progname(void);

/* --trace: print each kernel call to stderr as "[  0.123 ms] call(args)". */
void trace_enable(void);
bool trace_enabled(void);
/* The two fds --trace needs (its copy of stderr, and the lock that keeps
 * the lines of several processes in time order): a process that closes
 * what it inherited keeps these. */
void trace_keep_fds(int fds[2]);
/* No more lines from this process (a detached shim: nobody is watching). */
void trace_stop(void);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A user's string made safe for a one-line message, the way docker's %q
 * does it: in double quotes, with newlines, tabs, quotes and every other
 * control character escaped (\n, \t, \", \x1b), cut at 200 bytes.
 * The result lives in one of 4 rotating buffers: use it in the message at
 * hand (up to 4 quoted strings in one message), do not keep it.
 */
const char *quote(const char *s);

/* "prog: <message>" and exit 125. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * "prog: <operation>: <strerror(errno)> — <hint>" and exit 125.
 * The hint may be NULL when errno says it all.
 */
void die_errno(const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * The OCI runtime's --log FILE: every message of die() and warn() is also
 * written to FD, one line each — "TIME LEVEL MESSAGE", or with `json` one
 * object a line, {"level":"error","msg":"...","time":"2026-12-06T20:00:00.123456789Z"},
 * which is how containerd reads a runtime's errors.
 */
void log_to_file(int fd, bool json);

/* The same two, without exiting: for cleanup paths that must go on. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
