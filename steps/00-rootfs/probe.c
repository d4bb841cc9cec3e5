/*
 * probe — a small static program that lives in the image at /usr/local/bin/probe
 * and reports what the container sees, so tests and demos do not depend on
 * which applets a busybox happens to have. (crun's tests/init.c does the same.)
 *
 *   probe pid | ppid | uid | hostname | mounts | fds | caps | cgroup
 *   probe escape MARKER     the classic chroot escape; ESCAPED if MARKER (a host
 *                           path) is visible afterwards, CONTAINED if not
 *   probe fdescape N MARKER reach the host through an inherited fd N: climb
 *                           out of it if it is a directory, setns() into it
 *                           if it is a namespace; ESCAPED or CONTAINED as above
 *   probe tiocsti TEXT      push TEXT into the terminal on fd 0 (TIOCSTI)
 *   probe ctty              is there a controlling terminal? plus sid and pgid
 *   probe groups            the supplementary group IDs, or "none"
 *   probe mkdeep N          create N nested directories "d" below the cwd
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
 *   probe syscall NR [ARG...]  make system call NR (a number: decimal or 0x...)
 *                           with up to 6 numeric arguments; prints "= RESULT"
 *                           or the errno's name (EPERM), and exits 0 either way
 *   probe io_uring          set up an io_uring of one entry (and close it): "works",
 *                           or the errno's name
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
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
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

/* A decimal count in [min, max], or -1: "12abc" and "" are usage errors. */
static long parse_count(const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

/*
 * The escape through a leaked file descriptor. A runtime that opens a host
 * directory or a namespace file and forgets O_CLOEXEC hands it to the
 * container. Both kinds point at the host, whatever our root is:
 * - a directory: fchdir() puts our cwd outside our root, and ".." is stopped
 *   only at the root, which we are no longer below (as in escape() above);
 * - a namespace: setns() on a mount namespace moves us into the host's mount
 *   tree, root and cwd included. The kernel allows it only with CAP_SYS_ADMIN
 *   over that namespace and CAP_SYS_CHROOT, so a dropped capability or a user
 *   namespace turns it into EPERM.
 * MARKER is a host path; what we print is the result, so we exit 0 either way.
 */
static int fdescape(int fd, const char *marker)
{
	struct stat st;
	struct statfs sfs;

	if (fstat(fd, &st) == -1) {
		printf("CONTAINED: fd %d is not open\n", fd);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		/* The marker relative to wherever the climb ends: "/etc/x" -> "etc/x". */
		const char *rel = marker + strspn(marker, "/");

		if (fchdir(fd) == -1) {
			printf("CONTAINED: fchdir(%d): %s\n", fd, strerror(errno));
			return 0;
		}
		for (int i = 0; i < 64; i++)
			if (chdir("..") == -1)
				break;
		if (access(*rel ? rel : ".", F_OK) == 0)
			printf("ESCAPED: %s is visible\n", marker);
		else
			printf("CONTAINED: %s is not visible from fd %d\n", marker, fd);
		return 0;
	}
	/* Namespace files (what /proc/self/ns/mnt opens) live on nsfs. */
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC) {
		if (setns(fd, 0) == -1) {
			printf("CONTAINED: setns: %s\n", strerror(errno));
			return 0;
		}
		/* After setns(CLONE_NEWNS) "/" is the root of that namespace's tree. */
		if (chdir("/") == -1) {
			printf("CONTAINED: chdir(\"/\"): %s\n", strerror(errno));
			return 0;
		}
		if (stat(marker, &st) == 0)
			printf("ESCAPED: %s is visible\n", marker);
		else
			printf("CONTAINED: %s is not visible after setns\n", marker);
		return 0;
	}
	printf("CONTAINED: fd %d is neither a directory nor a namespace\n", fd);
	return 0;
}

/*
 * TIOCSTI pushes a byte into a terminal's input queue as if it had been typed.
 * A container sharing the host's terminal could "type" commands into the
 * shell that started it once it exits; a runtime prevents that with a new
 * session (setsid, no controlling terminal) or a pty of its own. Kernels 6.2+
 * can also refuse TIOCSTI outright (dev.tty.legacy_tiocsti=0).
 */
static int tiocsti(const char *text)
{
	size_t n;

	for (n = 0; text[n] != '\0'; n++)
		if (ioctl(STDIN_FILENO, TIOCSTI, &text[n]) == -1) {
			printf("TIOCSTI: refused: %s\n", strerror(errno));
			return 0;
		}
	printf("TIOCSTI: injected %zu bytes\n", n);
	return 0;
}

/* /dev/tty is "my controlling terminal": ENXIO when the session has none. */
static int ctty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd == -1) {
		printf("ctty: none\n");
	} else {
		printf("ctty: yes\n");
		close(fd);
	}
	printf("sid=%d pgid=%d\n", getsid(0), getpgrp());
	return 0;
}

/* Supplementary groups survive setuid()/setgid() unless setgroups() clears them. */
static int groups(void)
{
	int n = getgroups(0, NULL);
	gid_t *list;

	if (n == -1) {
		perror("getgroups");
		return 1;
	}
	if (n == 0) {
		printf("groups: none\n");
		return 0;
	}
	list = calloc(n, sizeof(*list));
	if (list == NULL || (n = getgroups(n, list)) == -1) {
		perror("getgroups");
		return 1;
	}
	printf("groups:");
	for (int i = 0; i < n; i++)
		printf(" %u", (unsigned)list[i]);
	printf("\n");
	free(list);
	return 0;
}

/*
 * A tree deeper than any path a runtime can spell (PATH_MAX is 4096) and than
 * the number of fds it may hold open: a runtime that walks a layer by opening
 * every level must stop somewhere, and this is what it meets. Relative
 * mkdir/chdir one level at a time never builds a long path, so any depth works.
 */
static int mkdeep(long levels)
{
	for (long i = 1; i <= levels; i++) {
		if (mkdir("d", 0755) == -1 && errno != EEXIST) {
			printf("deep: level %ld: mkdir: %s\n", i, strerror(errno));
			return 1;
		}
		if (chdir("d") == -1) {
			printf("deep: level %ld: chdir: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("deep: %ld levels\n", levels);
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

/* ---- the attack table ----------------------------------------------------- */

/*
 * Each attack runs in a child of its own (a chroot or unshare stays there)
 * and answers 0 when it worked, or an errno: what the kernel said.
 */
static int attack_chroot(const char *marker)
{
	char dir[] = "/tmp/escape.XXXXXX";
	int old_root = open("/", O_RDONLY | O_DIRECTORY);

	if (old_root == -1 || mkdtemp(dir) == NULL)
		return errno;
	if (chroot(dir) == -1) {
		int err = errno;

		rmdir(dir);
		return err;
	}
	if (fchdir(old_root) == -1)
		return errno;
	rmdir(dir + 1);
	for (int i = 0; i < 256; i++)
		if (chdir("..") == -1)
			break;
	if (chroot(".") == -1)
		return errno;
	return access(marker, F_OK) == 0 ? 0 : ENOENT;
}

/* Walk out through PID 1's root: the host's init, where there is no PID namespace. */
static int attack_proc1_root(const char *marker)
{
	char path[4096 + 32];

	if (access("/proc/1/root", F_OK) == -1)
		return errno;
	snprintf(path, sizeof(path), "/proc/1/root%s", marker);
	return access(path, F_OK) == 0 ? 0 : errno;
}

/* mknod the host's disk at our root (/tmp may be nodev) and read its first sector. */
static int attack_disk(const char *disk)
{
	unsigned int major, minor;
	char node[] = "/.probe-disk", sector[512];
	int fd, err = 0;

	if (sscanf(disk, "%u:%u", &major, &minor) != 2)
		return EINVAL;
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, makedev(major, minor)) == -1)
		return errno;
	fd = open(node, O_RDONLY);
	if (fd == -1 || read(fd, sector, sizeof(sector)) != (ssize_t)sizeof(sector))
		err = errno ? errno : EIO;
	if (fd != -1)
		close(fd);
	unlink(node);
	return err;
}

/* Open for writing, and close without writing a byte. */
static int attack_open_write(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

static int attack_kcore(void)
{
	char header[16];
	int fd = open("/proc/kcore", O_RDONLY);

	if (fd == -1)
		return errno;
	if (read(fd, header, sizeof(header)) != (ssize_t)sizeof(header) ||
	    memcmp(header, "\177ELF", 4) != 0) {
		close(fd);
		return errno ? errno : ENODATA; /* masked: /dev/null has nothing */
	}
	close(fd);
	return 0;
}

/*
 * For the calls that are asked something harmless or invalid: EPERM or
 * EACCES (a capability or seccomp said no) or ENOSYS (no such call here)
 * block; any other answer means the kernel let us past its checks.
 */
static int refused(long result)
{
	if (result >= 0 || (errno != EPERM && errno != EACCES && errno != ENOSYS))
		return 0;
	return errno;
}

/* An empty module: EPERM before the capability check passes, another error after. */
static int attack_insmod(void)
{
	return refused(syscall(SYS_init_module, NULL, 0UL, ""));
}

/* The "Shocker" escape: open a file by handle, outside any path check. */
static int attack_shocker(void)
{
	struct { unsigned int bytes; int type; unsigned char data[8]; } handle = { 8, 1, { 0 } };
	int root = open("/", O_RDONLY | O_DIRECTORY), fd;

	fd = syscall(SYS_open_by_handle_at, root, &handle, O_RDONLY);
	if (fd >= 0)
		close(fd);
	/* ESTALE: the handle named nothing, but the kernel let us ask. */
	return refused(fd);
}

static int attack_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID of our process keyring: reads, changes nothing. */
	return refused(syscall(SYS_keyctl, 0, -2, 0));
}

static int attack_bpf(void)
{
	/* BPF_MAP_CREATE of an array of one int: EPERM without CAP_BPF (or seccomp). */
	struct { unsigned int type, key_size, value_size, max_entries; } attr = { 2, 4, 4, 1 };
	long fd = syscall(SYS_bpf, 0, &attr, sizeof(attr));

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static int attack_perf(void)
{
	/* A software clock on CPU 0, for every process: the whole machine. */
	struct { unsigned int type, size; unsigned long long config, rest[13]; } attr = {
		.type = 1 /* PERF_TYPE_SOFTWARE */, .size = sizeof(attr), .config = 0 };
	long fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static int attack_raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd == -1)
		return errno;
	close(fd);
	return 0;
}

static int attack_unshare(void)
{
	return unshare(CLONE_NEWUTS) == -1 ? errno : 0;
}

static int attack_mount(void)
{
	char dir[] = "/tmp/probe-mount.XXXXXX";
	int err = 0;

	if (mkdtemp(dir) == NULL)
		return errno;
	if (mount("probe", dir, "tmpfs", 0, "size=4k") == -1)
		err = errno;
	else
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	return err;
}

static int attack_clock(void)
{
	/* settimeofday(NULL, NULL) sets nothing, after the check for CAP_SYS_TIME. */
	return syscall(SYS_settimeofday, NULL, NULL) == -1 ? errno : 0;
}

/*
 * io_uring: a ring of requests the kernel works through on its own, a large
 * and young part of it that Docker's profile stopped allowing in 2023. One
 * entry, zeroed parameters (struct io_uring_params is 120 bytes), closed.
 */
static int attack_io_uring(void)
{
	unsigned char params[120] = { 0 };
	long fd = syscall(SYS_io_uring_setup, 1, params);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static int attack_sysfs_rw(void)
{
	char dir[] = "/tmp/probe-sys.XXXXXX";
	int err = 0;

	/* A sysfs of our own, read-write: its attributes are the host's devices. */
	if (mkdtemp(dir) == NULL)
		return errno;
	if (mount("sysfs", dir, "sysfs", 0, NULL) == -1)
		err = errno;
	else {
		char path[64];

		snprintf(path, sizeof(path), "%s/class/mem/null/uevent", dir);
		err = attack_open_write(path);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
	return err;
}

static void report(const char *name, int (*fn)(const char *), const char *arg)
{
	int pipefd[2], err = EIO;
	pid_t pid;

	fflush(stdout);
	if (pipe(pipefd) == -1 || (pid = fork()) == -1) {
		printf("%s blocked (%s)\n", name, strerror(errno));
		return;
	}
	if (pid == 0) {
		err = fn(arg);
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err))
		err = EIO;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	if (err == 0)
		printf("%-12s works\n", name);
	else
		printf("%-12s blocked (%s)\n", name, strerrorname_np(err) ? strerrorname_np(err) : "?");
}

/* Adapters: the attacks that take no argument. */
#define NOARG(fn) static int fn##_(const char *unused) { (void)unused; return fn(); }
NOARG(attack_kcore)
NOARG(attack_insmod)
NOARG(attack_shocker)
NOARG(attack_keyctl)
NOARG(attack_bpf)
NOARG(attack_perf)
NOARG(attack_raw_socket)
NOARG(attack_unshare)
NOARG(attack_mount)
NOARG(attack_clock)
NOARG(attack_sysfs_rw)
NOARG(attack_io_uring)

static int attacks(const char *marker, const char *disk)
{
	report("chroot", attack_chroot, marker);
	report("proc1-root", attack_proc1_root, marker);
	report("disk", attack_disk, disk);
	report("sysrq", attack_open_write, "/proc/sysrq-trigger");
	report("core_pattern", attack_open_write, "/proc/sys/kernel/core_pattern");
	report("kcore", attack_kcore_, NULL);
	report("sysfs-rw", attack_sysfs_rw_, NULL);
	report("insmod", attack_insmod_, NULL);
	report("shocker", attack_shocker_, NULL);
	report("keyctl", attack_keyctl_, NULL);
	report("bpf", attack_bpf_, NULL);
	report("perf", attack_perf_, NULL);
	report("raw-socket", attack_raw_socket_, NULL);
	report("unshare", attack_unshare_, NULL);
	report("mount", attack_mount_, NULL);
	report("clock", attack_clock_, NULL);
	report("io_uring", attack_io_uring_, NULL);
	return 0;
}

/* Whatever /proc/PID/exe names that the image does not have: the host's files. */
static int watchexe(double seconds)
{
	struct timespec start, now;
	int reached = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		DIR *proc = opendir("/proc");
		struct dirent *entry;

		if (proc == NULL)
			return perror("/proc"), 1;
		while ((entry = readdir(proc)) != NULL) {
			char path[64], target[4096];
			ssize_t n;

			if (entry->d_name[0] < '1' || entry->d_name[0] > '9' ||
			    atoi(entry->d_name) == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/exe", entry->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (access(target, F_OK) == -1 && reached < 20) {
				printf("REACHED %s %s\n", entry->d_name, target);
				reached++;
			}
		}
		closedir(proc);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	return 0;
}

/* probe syscall NR [ARG...]: one system call by number, its answer in words. */
static int raw_syscall(int argc, char **argv)
{
	unsigned long n[7] = { 0 };
	long result;

	for (int i = 0; i < argc; i++) {
		char *end;

		errno = 0;
		n[i] = strtoul(argv[i], &end, 0);
		if (!*argv[i] || *end || errno)
			return fprintf(stderr, "probe syscall: %s is not a number\n", argv[i]), 2;
	}
	result = syscall((long)n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
	if (result == -1)
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("= %ld\n", result);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe pid|ppid|uid|hostname|mounts|fds|caps|cgroup|"
			"escape MARKER|fdescape N MARKER|tiocsti TEXT|ctty|groups|"
			"mkdeep N|alloc MB|forkbomb|spin SECONDS|sleep SECONDS|"
			"exit N|kill SIGNAL|write PATH TEXT|insmod|attacks MARKER MAJ:MIN|watchexe SECONDS|"
			"syscall NR [ARG...]|io_uring\n");
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
	if (strcmp(cmd, "fdescape") == 0 && arg && argc > 3) {
		long fd = parse_count(arg, 0, 1 << 20);
		return fd == -1 ? usage() : fdescape((int)fd, argv[3]);
	}
	if (strcmp(cmd, "tiocsti") == 0 && arg)
		return tiocsti(arg);
	if (strcmp(cmd, "ctty") == 0)
		return ctty();
	if (strcmp(cmd, "groups") == 0)
		return groups();
	if (strcmp(cmd, "mkdeep") == 0 && arg) {
		long n = parse_count(arg, 0, 100000);
		return n == -1 ? usage() : mkdeep(n);
	}
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
	if (strcmp(cmd, "watchexe") == 0 && arg)
		return watchexe(atof(arg));
	if (strcmp(cmd, "attacks") == 0 && arg && argc > 3)
		return attacks(arg, argv[3]);
	if (strcmp(cmd, "insmod") == 0) {
		/* An empty image: the kernel checks the capability, then finds nothing. */
		long r = syscall(SYS_init_module, NULL, 0UL, "");
		printf("init_module: %s\n", r == 0 ? "loaded?!" : strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "syscall") == 0 && arg && argc <= 9)
		return raw_syscall(argc - 2, argv + 2);
	if (strcmp(cmd, "io_uring") == 0) {
		int err = attack_io_uring();
		return printf("%s\n", err == 0 ? "works" : strerrorname_np(err)) < 0;
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
