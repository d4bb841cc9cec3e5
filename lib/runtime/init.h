/*
 * init — a tiny init for `run --init`: the duty of PID 1, done right.
 *
 * PID 1 of a namespace has two jobs that an ordinary program does not know
 * about. Signals: the kernel delivers to PID 1 only the signals it has a
 * handler for, so a program that never set one ignores `stop`'s SIGTERM.
 * Orphans: every process whose parent dies is handed to PID 1, which must
 * wait() for it, or it stays a zombie for ever. init_run() forks the
 * command, passes every signal it gets on to it, reaps whatever dies, and
 * exits with the command's status when the command exits.
 */
#ifndef STEPBOX_INIT_H
#define STEPBOX_INIT_H

/* Become that init for argv (with environment env). Never returns. */
void init_run(char **argv, char **env) __attribute__((noreturn));

#endif
