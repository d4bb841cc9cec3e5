/*
 * pty — pseudo-terminals for `run -t` and `exec -t`.
 *
 * A terminal the container may type into must be its own: never the
 * caller's (steps 01-05 show why: TIOCSTI). The container's first process
 * opens /dev/ptmx *inside* the container, after its /dev/pts is mounted, so
 * the terminal belongs to the container's own devpts (`tty` inside names a
 * file that exists there), makes the other end its controlling terminal,
 * and hands the master end to the shim through a unix socket — runc's
 * "console socket". The shim relays between the master and the user.
 *
 * Errors are values here: -1 and errno.
 */
#ifndef STEPBOX_PTY_H
#define STEPBOX_PTY_H

#include <stddef.h>
#include <termios.h>

/* A new pty from /dev/ptmx: the master fd, and the slave's path. */
int pty_open(int *master, char *slave_path, size_t size);

/* Make the terminal `slave` our controlling terminal and our fds 0, 1 and 2
 * (call it in a new session). */
int pty_become_controlling(int slave);

/* Pass an fd over a unix socket, and take it at the other end. */
int pty_send_fd(int sock, int fd);
/* The same, with the pty's NAME as the message (runc's console socket: the
 * caller reads the name and exactly one fd from one message). */
int pty_send_fd_named(int sock, int fd, const char *name);
int pty_receive_fd(int sock);

/* The user's terminal in raw mode (every key goes through as is), and back. */
int pty_make_raw(int fd, struct termios *saved);
void pty_restore(int fd, const struct termios *saved);

/* The user's terminal on `fd` (if it is one) raw until this process exits:
 * the container's terminal does the echo and the line editing. */
void pty_make_raw_until_exit(int fd);

/*
 * Copy the user's input (`in`) to the master and the master's output to
 * `out`, until the last user of the terminal closes it (EIO) — the window
 * size follows `in`'s, checked on every pass.
 */
int pty_relay(int master, int in, int out);

/* Give terminal `to` the window size of terminal `from`. */
int pty_copy_size(int from, int to);

#endif
