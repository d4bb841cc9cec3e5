#define _GNU_SOURCE
#include "kernel/userns.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

bool userns_parse_range(const char *text, struct id_range *range, struct error *err)
{
	char *end;

	errno = 0;
	range->start = strtoul(text, &end, 10);
	/* strtoul() would skip spaces and take "-1": only digits may start a number. */
	if (errno || end == text || *end != ':' || text[0] < '0' || text[0] > '9') {
		error_set(err, "expected START:COUNT, like 100000:65536");
		return false;
	}
	text = end + 1;
	range->count = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] < '0' || text[0] > '9') {
		error_set(err, "expected START:COUNT, like 100000:65536");
		return false;
	}
	if (range->start == 0) {
		error_set(err, "START 0 would make the container's root the host's root");
		return false;
	}
	if (range->count == 0) {
		error_set(err, "COUNT must be at least 1");
		return false;
	}
	/* IDs are 32-bit and (uid_t)-1 means "no ID". */
	if (range->start > 4294967294UL || range->count > 4294967295UL - range->start) {
		error_set(err, "the range goes past the largest ID, 4294967294");
		return false;
	}
	return true;
}

void userns_default_range(const char *file, struct id_range *range)
{
	FILE *f = fopen(file, "re");
	char line[256];
	struct error err;

	range->start = USERNS_DEFAULT_START;
	range->count = USERNS_DEFAULT_COUNT;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "stepbox:", 8) != 0)
			continue;
		if (!userns_parse_range(line + 8, range, &err))
			die("%s: bad \"stepbox\" entry \"%s\": %s", file, line, err.msg);
		break;
	}
	fclose(f);
}

static void write_proc_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		die_errno(NULL, "open(\"%s\")", path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die_errno(errno == EPERM && geteuid() != 0 ? userns_refusal_hint() : NULL,
			  "write(\"%s\", \"%.*s\")", path, (int)strcspn(text, "\n"), text);
	close(fd);
	trace("write(\"%s\", \"%.*s\")", path, (int)strcspn(text, "\n"), text);
}

void userns_write_maps(pid_t pid, const struct id_range *uids, const struct id_range *gids)
{
	char map[64];

	snprintf(map, sizeof(map), "0 %lu %lu\n", uids->start, uids->count);
	write_proc_file(pid, "uid_map", map);
	/* The kernel lets an unprivileged writer set gid_map only after this. */
	if (geteuid() != 0)
		write_proc_file(pid, "setgroups", "deny");
	snprintf(map, sizeof(map), "0 %lu %lu\n", gids->start, gids->count);
	write_proc_file(pid, "gid_map", map);
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	int value = -1;

	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

const char *userns_refusal_hint(void)
{
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return "user namespaces are off: sudo sysctl -w user.max_user_namespaces=15000";
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return "unprivileged user namespaces are off: "
		       "sudo sysctl -w kernel.unprivileged_userns_clone=1";
	if (geteuid() != 0 &&
	    read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return "Ubuntu's AppArmor denies capabilities in user namespaces made without "
		       "root (kernel.apparmor_restrict_unprivileged_userns=1): run with sudo, or load "
		       "stepbox's AppArmor profile (vagrant/provision.sh, see vagrant/README.md)";
	return "see make doctor";
}

void userns_become_root(void)
{
	if (setresgid(0, 0, 0) == -1)
		die_errno(userns_refusal_hint(), "setresgid(0, 0, 0) in the user namespace");
	if (setresuid(0, 0, 0) == -1)
		die_errno(userns_refusal_hint(), "setresuid(0, 0, 0) in the user namespace");
	trace("setresgid(0, 0, 0), setresuid(0, 0, 0)");
}

void userns_drop_groups(void)
{
	char policy[16] = "";
	FILE *f;

	if (setgroups(0, NULL) == 0) {
		trace("setgroups(0, NULL): no supplementary group of the host's");
		return;
	}
	/* Rootless, setgroups is "deny": the kernel keeps the user's groups. */
	if (errno == EPERM && (f = fopen("/proc/self/setgroups", "re"))) {
		if (fgets(policy, sizeof(policy), f) == NULL)
			policy[0] = '\0';
		fclose(f);
		if (strncmp(policy, "deny", 4) == 0) {
			trace("setgroups() denied (rootless): the caller's groups stay");
			return;
		}
	}
	die_errno(NULL, "setgroups(0, NULL)");
}

int userns_open_with_maps(const struct id_range *uids, const struct id_range *gids)
{
	int ready[2], fd;
	char path[64], byte;
	pid_t helper, runtime = getpid();

	if (pipe2(ready, O_CLOEXEC) == -1)
		die_errno(NULL, "pipe2()");
	helper = fork();
	if (helper == -1)
		die_errno(NULL, "fork()");
	if (helper == 0) {
		/*
		 * The helper only has to exist in a new user namespace, and must
		 * never outlive the runtime: it dies with its parent (checked
		 * against a parent that is already gone), and holds nothing of
		 * ours — no lock, no terminal, no caller's pipe.
		 */
		int to_parent = fcntl(ready[1], F_DUPFD, 10);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != runtime ||
		    to_parent == -1)
			_exit(1);
		close_range(0, to_parent - 1, 0);
		close_range(to_parent + 1, ~0U, 0);
		if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
			_exit(1);
		if (unshare(CLONE_NEWUSER) == -1)
			_exit(1);
		if (write(to_parent, "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1)
		die("a helper process could not create a user namespace");
	close(ready[0]);
	trace("fork() = %d: a helper in a user namespace of its own, to carry the maps", helper);

	userns_write_maps(helper, uids, gids);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", helper);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		die_errno(NULL, "open(\"%s\")", path);
	kill(helper, SIGKILL);
	waitpid(helper, NULL, 0);
	return fd;
}
