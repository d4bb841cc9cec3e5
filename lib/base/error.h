/*
 * error — how the runtime's code in lib/ says that something failed.
 *
 * The steps' mains are straight lines: when a call fails there, die() says
 * why and the program ends (lib/base/log.h). The runtime of step 08 is not a
 * straight line: `ps` reads fifty containers and must go on past a damaged
 * one, the shim must finish its teardown whatever fails, and `rm` of three
 * containers reports each. So the runtime's functions hand the failure back,
 * the way crun's libcrun does: they return -1 and fill a `struct error`
 * with one line that names the operation, the path and errno's text. The
 * caller decides: print it and go on, or die with it. Every function of
 * lib/ that can fail without dying says so this way (the parsers of the
 * kernel layer too: --ip, --userns-remap, capability names); the ones that
 * die are the steps' straight-line set-up calls, and say so in their header.
 *
 *     struct error err;
 *
 *     if (container_load(dir, &config, &state, &err) == -1)
 *             error_print(&err);      // "08-full-container: read ...: No such file"
 */
#ifndef STEPBOX_ERROR_H
#define STEPBOX_ERROR_H

struct error {
	int code;          /* errno of the failed call, or 0 when it was not a call */
	char msg[512];     /* one line: "operation(path): reason" */
};

/* Fill `err` with a message (no errno); returns -1, for `return error_set(...)`. */
int error_set(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fill `err` with "message: strerror(errno)" and errno; returns -1 with errno kept. */
int error_errno(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "prog: message" on stderr, the line die() would print, without exiting. */
void error_print(const struct error *err);

/* The same, then exit 125: a straight-line caller's way out. */
void error_die(const struct error *err) __attribute__((noreturn));

#endif
