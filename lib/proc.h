/*
 * proc — the container's first process: start it in new namespaces, hold it
 * until the parent is ready, forward signals to it, wait for it, and turn how
 * it ended into the exit status docker would report.
 *
 * Every function here dies (exit 125) when a call fails.
 */
#ifndef STEPBOX_PROC_H
#define STEPBOX_PROC_H

#include <sys/types.h>

/* After a forwarded SIGINT/SIGTERM, how long the container may take to exit. */
#define STOP_GRACE_SECONDS 3

/*
 * Parent: clone() a child into the namespaces in `ns_flags` (CLONE_NEW*)
 * running fn(arg), and return its PID as the host sees it. The child is held
 * on a sync pipe: it must call proc_wait_for_parent() before it goes on, and
 * the parent lets it go with proc_release_child(). From here on, the signals
 * proc_wait() lists are forwarded to the child.
 */
pid_t proc_clone(int ns_flags, int (*fn)(void *), void *arg);
void proc_release_child(void);

/* Child: block until the parent calls proc_release_child(). */
void proc_wait_for_parent(void);

/*
 * Child: (again) ask the kernel to SIGKILL us when the runtime dies. The
 * child starts with this set, but any change of its user or group IDs
 * (setresuid in step 06) clears it.
 */
void proc_die_with_parent(void);

/*
 * Parent: wait for the child to end, while SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1 and SIGUSR2 are forwarded to it. Returns the docker-style exit status:
 * the child's own status, or 128+N if signal N killed it.
 */
int proc_wait(pid_t pid);

/*
 * Child: replace this process with argv[0] (searched in the container's PATH)
 * with a minimal environment. Never returns: on failure it exits 127 when the
 * command does not exist and 126 when it cannot be executed.
 */
void proc_exec_command(char **argv) __attribute__((noreturn));

#endif
