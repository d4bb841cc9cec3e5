#define _GNU_SOURCE
#include "runtime/oci-process.h"
#include "base/log.h"
#include "kernel/caps.h"
#include "kernel/fs.h"
#include "kernel/seccomp-profile.h"
#include "kernel/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void install_seccomp(const struct json_value *seccomp, const struct capsets *caps)
{
	struct seccomp_filter filter;
	struct error err;

	if (seccomp_profile_compile(seccomp, caps->effective, &filter, &err) == -1)
		error_die(&err);
	seccomp_install(&filter, "linux.seccomp of config.json");
	seccomp_filter_free(&filter);
}

/* The effective set := the permitted set. */
static void raise_permitted(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &header, data) == -1)
		die_errno(NULL, "capget()");
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &header, data) == -1)
		die_errno(NULL, "capset()");
}

/* PATH as the process's own environment says, the way execvp would use ours. */
static const char *env_path(const struct oci_process *process)
{
	for (int i = 0; process->env[i]; i++)
		if (strncmp(process->env[i], "PATH=", 5) == 0)
			return process->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

void oci_process_exec(const struct oci_process *process, const struct json_value *seccomp,
		      int preserve_fds, int exec_report)
{
	const char *program = process->args[0];
	char found[PATH_MAX];
	int err;

	for (int i = 0; i < process->nrlimits; i++) {
		struct rlimit rl = { process->rlimits[i].soft, process->rlimits[i].hard };

		if (setrlimit(process->rlimits[i].resource, &rl) == -1)
			die_errno(NULL, "setrlimit(%d, %llu, %llu)", process->rlimits[i].resource,
				  (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
	if (seccomp && !process->no_new_privileges)
		install_seccomp(seccomp, &process->caps);

	/* The user: keep the capabilities over the switch, then set them exactly. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_KEEPCAPS)");
	if (setgroups(process->ngids, process->additional_gids) == -1 && errno != EPERM)
		die_errno(NULL, "setgroups(%d groups)", process->ngids);
	if (setresgid(process->gid, process->gid, process->gid) == -1)
		die_errno("is the gid mapped in the user namespace?", "setresgid(%u)",
			  (unsigned)process->gid);
	if (setresuid(process->uid, process->uid, process->uid) == -1)
		die_errno("is the uid mapped in the user namespace?", "setresuid(%u)",
			  (unsigned)process->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		die_errno(NULL, "prctl(PR_SET_KEEPCAPS, 0)");
	/* A uid other than 0 kept the permitted set, not the effective one:
	 * switch it on again, for dropping from the bounding set takes CAP_SETPCAP. */
	if (process->uid != 0)
		raise_permitted();
	caps_apply_sets(&process->caps);
	if (process->no_new_privileges) {
		seccomp_no_new_privs();
		if (seccomp)
			install_seccomp(seccomp, &process->caps);
	}
	if (process->umask >= 0)
		umask(process->umask);
	fs_enter_workdir(process->cwd);

	/* Only the fds the caller passed on (--preserve-fds) stay open. */
	if (close_range(3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		die_errno(NULL, "close_range(%d, ~0)", 3 + preserve_fds);
	signal(SIGPIPE, SIG_DFL);

	/* Search the program in the process's PATH (not the runtime's). */
	if (strchr(program, '/') == NULL) {
		char *dirs = strdup(env_path(process)), *save = NULL;

		found[0] = '\0';
		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(found, sizeof(found), "%s/%s", d, program);
			if (access(found, X_OK) == 0)
				break;
			found[0] = '\0';
		}
		free(dirs);
		if (found[0])
			program = found;
	}
	trace("execve(\"%s\")", program);
	execve(program, (char *const *)process->args, (char *const *)process->env);
	err = errno;
	{
		unsigned char status = err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND
									: EXIT_CANNOT_EXEC;

		fprintf(stderr, "%s: exec: %s: %s%s\n", log_progname(), quote(process->args[0]),
			strerror(err), status == EXIT_NOT_FOUND ? " — is it in the image's PATH?" : "");
		if (exec_report != -1 && write(exec_report, &status, 1) != 1) {
			/* the runtime has gone: our exit status says it */
		}
		_exit(status);
	}
}

static int run_hook(const struct oci_hook *hook, const char *kind, const char *state_json,
		    struct error *err)
{
	int in[2], status;
	pid_t pid, runtime = getpid();
	struct timespec start, now;

	if (pipe2(in, O_CLOEXEC) == -1)
		return error_errno(err, "pipe2() for the %s hook", kind);
	pid = fork();
	if (pid == -1) {
		close(in[0]);
		close(in[1]);
		return error_errno(err, "fork() for the %s hook %s", kind, hook->path);
	}
	if (pid == 0) {
		const char *argv0[] = { hook->path, NULL };

		/* A group of its own, so a timeout kills what the hook started
		 * too; and it dies with the runtime, as PID 1 does. */
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != runtime)
			_exit(127);
		dup2(in[0], STDIN_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execve(hook->path, (char *const *)(hook->args[0] ? hook->args : argv0),
		       (char *const *)hook->env);
		fprintf(stderr, "%s: %s hook %s: %s\n", log_progname(), kind, hook->path,
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);   /* whichever of us is first */
	close(in[0]);
	/* The state on its stdin; a hook that reads none of it is fine. */
	if (write(in[1], state_json, strlen(state_json)) < 0 && errno != EPIPE)
		warn_errno("write the state to the %s hook %s", kind, hook->path);
	close(in[1]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			break;
		if (got == -1 && errno != EINTR)
			return error_errno(err, "waitpid() for the %s hook %s", kind, hook->path);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (hook->timeout > 0 && now.tv_sec - start.tv_sec >= hook->timeout) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return error_set(err, "%s hook %s: still running after its timeout of %llds: "
					 "killed", kind, hook->path, (long long)hook->timeout);
		}
		usleep(2000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error_set(err, "%s hook %s failed: %s %d", kind, hook->path,
				 WIFEXITED(status) ? "exit status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	trace("%s hook %s: done", kind, hook->path);
	return 0;
}

int oci_run_hooks(const struct oci_spec *spec, enum oci_hook_kind kind, const char *state_json,
		  struct error *err)
{
	for (int i = 0; i < spec->nhooks[kind]; i++)
		if (run_hook(&spec->hooks[kind][i], oci_hook_name(kind), state_json, err) == -1)
			return -1;
	return 0;
}
