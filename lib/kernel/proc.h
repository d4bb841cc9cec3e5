/*
 * proc — the container's first process: start it in new namespaces, hold it
 * until the parent is ready, forward signals to it, wait for it, and turn how
 * it ended into the exit status docker would report.
 *
 * Everything about one child lives in its struct proc_child, which the
 * caller owns (in step 04 and later, inside struct container): nothing here
 * is kept in globals. Every function dies (exit 125) when a call fails.
 */
#ifndef STEPBOX_PROC_H
#define STEPBOX_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* After a forwarded SIGINT/SIGTERM, how long the container may take to exit. */
#define STOP_GRACE_SECONDS 3

struct proc_child {
	pid_t pid;            /* as the host numbers it */
	int sync[2];          /* the sync pipe: the child reads, the parent writes "go" */
	sigset_t saved_mask;  /* the parent's signal mask before proc_clone() */
};

/*
 * Parent: clone() a child into the namespaces in `ns_flags` (CLONE_NEW*)
 * running fn(arg), and return its PID as the host sees it (also in
 * child->pid). The child is held on the sync pipe: it must call
 * proc_wait_for_parent() before it goes on, and the parent lets it go with
 * proc_release_child(). From the clone on, the signals proc_wait() forwards
 * are held for the child, so none is lost while the parent sets things up.
 */
pid_t proc_clone(struct proc_child *child, int ns_flags, int (*fn)(void *), void *arg);

/*
 * proc_clone(), with the child born in a cgroup v2 group: cgroup_fd is the
 * group's directory (cg_open_for_clone()), and clone3() with
 * CLONE_INTO_CGROUP puts the child there as it is made. No one writes
 * cgroup.procs, and the kernel takes no lock over all of the cgroups for a
 * move (its first writer waits for an RCU grace period). True when the child
 * was born in the group; false when cgroup_fd is -1 or the kernel is older
 * than 5.7: then it was an ordinary proc_clone() and the caller moves it.
 */
bool proc_clone_into_cgroup(struct proc_child *child, int ns_flags, int cgroup_fd,
			    int (*fn)(void *), void *arg);
void proc_release_child(struct proc_child *child);

/*
 * exec: join every namespace of process PID — the user one first (it owns
 * the others), the mount one last; one we share already is skipped (a
 * container without a user namespace has the host's). All are opened
 * before the first setns(): after setns(mnt) the host's /proc is out of
 * sight. A fork() afterwards is in the PID namespace. Dies on failure.
 */
void proc_join_namespaces(pid_t pid);

/* Child: block until the parent calls proc_release_child(). */
void proc_wait_for_parent(struct proc_child *child);

/*
 * Child: (again) ask the kernel to SIGKILL us when the runtime dies. The
 * child starts with this set, but any change of its user or group IDs
 * (setresuid in step 06) clears it.
 */
void proc_die_with_parent(struct proc_child *child);

/*
 * Child: a session of its own, so the caller's terminal is no longer its
 * controlling terminal: nothing inside can push keystrokes into the
 * caller's shell with ioctl(TIOCSTI) without CAP_SYS_ADMIN on the host.
 */
void proc_new_session(void);

/*
 * Parent: wait for the child to end, while SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1 and SIGUSR2 are forwarded to it. Returns the docker-style exit status:
 * the child's own status, or 128+N if signal N killed it.
 */
int proc_wait(struct proc_child *child);

/*
 * Child: replace this process with argv[0] (searched in the container's PATH)
 * with a minimal environment and no file descriptor but 0, 1 and 2. Never
 * returns: on failure it exits 127 when the command does not exist and 126
 * when it cannot be executed.
 */
void proc_exec_command(char **argv) __attribute__((noreturn));

/*
 * The same, with exactly the environment `env` (NULL-terminated "K=V"), plus
 * PATH and HOME when it has none. If execve() fails and `report_fd` is not
 * -1, the exit status (126 or 127) is written to it as one byte first: the
 * shim learns that the command never ran (step 08's run -d returns it).
 */
void proc_exec_with_env(char **argv, char **env, int report_fd) __attribute__((noreturn));

/*
 * PR_SET_DUMPABLE: a process that is not dumpable has its /proc/PID (exe,
 * mem, fd, ...) out of reach of everyone without CAP_SYS_PTRACE. execve()
 * of an ordinary file makes it dumpable again. Dies on failure.
 */
void proc_set_dumpable(bool dumpable);

/*
 * Ignore SIGPIPE in the runtime: a reader that went away (`| head`, a
 * closed terminal) must not kill it half-way through its cleanup — a
 * write then fails with EPIPE instead. Every step's main() calls it first;
 * proc_exec_with_env() gives the command the default back.
 */
void proc_ignore_sigpipe(void);

/*
 * Close every fd but 0-2 and the `nkeep` in `keep`: a process that stays
 * (08's shim, its port proxy) holds nothing of the process it came from.
 */
void proc_close_fds_except(const int *keep, int nkeep);

#define PROC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The start time of process `pid` (field 22 of /proc/PID/stat, in clock
 * ticks since boot): with the PID it names one process for as long as the
 * machine is up, so a recycled PID is never taken for it. 0 if the process
 * is gone or a zombie (it has exited; only its reaping is left).
 */
unsigned long long proc_start_time(pid_t pid);

/* The shell's rule, as docker reports it: the exit code, or 128+N for signal N. */
int proc_exit_status(int wstatus);

#endif
