/*
 * probe — a small static program that lives in the image at /usr/local/bin/probe
 * and reports what the container sees, so tests and demos do not depend on
 * which applets a busybox happens to have. (crun's tests/init.c does the same.)
 *
 *   probe pid | ppid | uid | hostname | mounts | fds | caps | cgroup
 *   probe escape MARKER     the classic chroot escape; ESCAPED if MARKER (a host
 *                           path) is visible afterwards, CONTAINED if not
 *   probe alloc MB          allocate and touch MB megabytes, then print "allocated"
 *   probe forkbomb          fork until the kernel refuses; print how many
 *   probe spin SECONDS      burn CPU for SECONDS of wall time, print CPU seconds used
 *   probe sleep SECONDS     sleep; exits 0 on SIGTERM after saying "caught SIGTERM"
 *   probe exit N            exit with status N
 *   probe kill SIGNAL       kill itself with SIGNAL (a number)
 *   probe write PATH TEXT   write TEXT to PATH (creating it)
 *   probe insmod            ask the kernel to load an empty module: prints why
 *                           it refused — EPERM without CAP_SYS_MODULE in the
 *                           host's user namespace, another error (nothing to
 *                           load) with it. Harmless either way.
 *
 * Exit status 2 and a usage line for anything else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int print_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd == -1) {
		perror(path);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) != n)
			return 1;
	close(fd);
	return n == 0 ? 0 : 1;
}

/*
 * The chroot escape. chroot() does not change the working directory, and a
 * process whose cwd is outside its root can walk up with "..": the kernel
 * stops ".." only at the process's root, and we are no longer below it.
 * 1. keep a handle on the current root,
 * 2. chroot into a subdirectory (our root is now deeper than our cwd...),
 * 3. fchdir back to the old root: cwd is now outside the new root,
 * 4. climb, then chroot(".") wherever we end up.
 * With pivot_root and a mount namespace (step 04) the climb ends at the
 * container's own root, because that is the top of its mount tree.
 */
static int escape(const char *marker)
{
	char dir[] = "/tmp/escape.XXXXXX";
	int old_root = open("/", O_RDONLY | O_DIRECTORY);

	if (old_root == -1 || mkdtemp(dir) == NULL) {
		perror("escape: setup");
		return 1;
	}
	if (chroot(dir) == -1) {
		perror("escape: chroot (needs root)");
		rmdir(dir);
		return 1;
	}
	if (fchdir(old_root) == -1) {
		perror("escape: fchdir");
		return 1;
	}
	rmdir(dir + 1); /* relative to the old root, where we now stand */
	for (int i = 0; i < 256; i++)
		if (chdir("..") == -1)
			break;
	if (chroot(".") == -1) {
		perror("escape: chroot(\".\")");
		return 1;
	}
	if (access(marker, F_OK) == 0)
		printf("ESCAPED: %s is visible\n", marker);
	else
		printf("CONTAINED\n");
	return 0;
}

static int alloc(long mb)
{
	size_t size = (size_t)mb << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("alloc: mmap");
		return 1;
	}
	/* Touch every page: memory is charged when used, not when mapped. */
	for (size_t off = 0; off < size; off += 4096)
		p[off] = 1;
	printf("allocated %ld MB\n", mb);
	return 0;
}

static int forkbomb(void)
{
	int made = 0;
	pid_t pid;

	/* Children just wait; stop at the first refusal and report it. */
	while ((pid = fork()) != -1) {
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (++made == 100000)
			break;
	}
	printf("forked %d processes, then fork failed: %s\n", made,
	       pid == -1 ? strerror(errno) : "no (stopped at 100000)");
	fflush(stdout);
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int spin(double seconds)
{
	struct timespec start, now;
	struct rusage ru;
	volatile unsigned long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu %.3f s\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
				    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}

static void on_sigterm(int sig)
{
	(void)sig;
	static const char msg[] = "caught SIGTERM\n";
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(0);
}

static int list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self;

	if (d == NULL) {
		perror("/proc/self/fd");
		return 1;
	}
	self = dirfd(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) != self)
			printf("%s\n", e->d_name);
	closedir(d);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe pid|ppid|uid|hostname|mounts|fds|caps|cgroup|"
			"escape MARKER|alloc MB|forkbomb|spin SECONDS|sleep SECONDS|"
			"exit N|kill SIGNAL|write PATH TEXT|insmod\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "pid") == 0)
		return printf("%d\n", getpid()) < 0;
	if (strcmp(cmd, "ppid") == 0)
		return printf("%d\n", getppid()) < 0;
	if (strcmp(cmd, "uid") == 0)
		return printf("uid=%d gid=%d\n", getuid(), getgid()) < 0;
	if (strcmp(cmd, "hostname") == 0) {
		char name[256];
		return gethostname(name, sizeof(name)) == -1 || printf("%s\n", name) < 0;
	}
	if (strcmp(cmd, "mounts") == 0)
		return print_file("/proc/self/mountinfo");
	if (strcmp(cmd, "cgroup") == 0)
		return print_file("/proc/self/cgroup");
	if (strcmp(cmd, "fds") == 0)
		return list_fds();
	if (strcmp(cmd, "caps") == 0) {
		char line[256];
		FILE *f = fopen("/proc/self/status", "r");
		if (f == NULL)
			return perror("/proc/self/status"), 1;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "Cap", 3) == 0)
				fputs(line, stdout);
		fclose(f);
		return 0;
	}
	if (strcmp(cmd, "escape") == 0 && arg)
		return escape(arg);
	if (strcmp(cmd, "alloc") == 0 && arg)
		return alloc(atol(arg));
	if (strcmp(cmd, "forkbomb") == 0)
		return forkbomb();
	if (strcmp(cmd, "spin") == 0 && arg)
		return spin(atof(arg));
	if (strcmp(cmd, "sleep") == 0 && arg) {
		signal(SIGTERM, on_sigterm);
		printf("sleeping\n");
		sleep(atoi(arg));
		return 0;
	}
	if (strcmp(cmd, "exit") == 0 && arg)
		return atoi(arg);
	if (strcmp(cmd, "kill") == 0 && arg) {
		signal(atoi(arg), SIG_DFL);
		kill(getpid(), atoi(arg));
		return 1;
	}
	if (strcmp(cmd, "insmod") == 0) {
		/* An empty image: the kernel checks the capability, then finds nothing. */
		long r = syscall(SYS_init_module, NULL, 0UL, "");
		printf("init_module: %s\n", r == 0 ? "loaded?!" : strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "write") == 0 && arg && argc > 3) {
		FILE *f = fopen(arg, "w");
		if (f == NULL)
			return perror(arg), 1;
		fprintf(f, "%s\n", argv[3]);
		return fclose(f) != 0;
	}
	return usage();
}
