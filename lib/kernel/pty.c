#define _GNU_SOURCE
#include "kernel/pty.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int pty_open(int *master, char *slave_path, size_t size)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	if (grantpt(fd) == -1 || unlockpt(fd) == -1 || ptsname_r(fd, slave_path, size) != 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	*master = fd;
	trace("posix_openpt() = fd %d, the other end %s", fd, slave_path);
	return 0;
}

int pty_become_controlling(int slave)
{
	if (ioctl(slave, TIOCSCTTY, 0) == -1)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) == -1)
			return -1;
	if (slave > 2)
		close(slave);
	trace("ioctl(TIOCSCTTY): the pty is our controlling terminal, fds 0-2");
	return 0;
}

int pty_send_fd(int sock, int fd)
{
	return pty_send_fd_named(sock, fd, "m");
}

int pty_send_fd_named(int sock, int fd, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))];
	size_t len = strlen(name);
	struct iovec iov = { .iov_base = (void *)name, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg;

	memset(control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

int pty_receive_fd(int sock)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

int pty_make_raw(int fd, struct termios *saved)
{
	struct termios raw;

	if (tcgetattr(fd, saved) == -1)
		return -1;
	raw = *saved;
	cfmakeraw(&raw);
	return tcsetattr(fd, TCSANOW, &raw);
}

void pty_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}

int pty_copy_size(int from, int to)
{
	struct winsize size;

	if (ioctl(from, TIOCGWINSZ, &size) == -1)
		return -1;
	return ioctl(to, TIOCSWINSZ, &size);
}

int pty_relay(int master, int in, int out)
{
	char buffer[4096];

	pty_copy_size(in, master);
	for (;;) {
		struct pollfd fds[2] = { { .fd = master, .events = POLLIN },
					 { .fd = in, .events = POLLIN } };
		ssize_t n;

		if (poll(fds, in == -1 ? 1 : 2, -1) == -1) {
			if (errno == EINTR) {
				pty_copy_size(in, master); /* SIGWINCH, most likely */
				continue;
			}
			return -1;
		}
		if (fds[0].revents) {
			n = read(master, buffer, sizeof(buffer));
			if (n <= 0)
				return 0; /* EIO: the command and all it started closed it */
			if (write(out, buffer, n) != n)
				return -1;
		}
		if (in != -1 && fds[1].revents) {
			n = read(in, buffer, sizeof(buffer));
			if (n <= 0)
				in = -1;
			else if (write(master, buffer, n) != n)
				return -1;
		}
	}
}

static struct termios saved_terminal;
static int raw_fd = -1;

static void restore_at_exit(void)
{
	if (raw_fd != -1)
		pty_restore(raw_fd, &saved_terminal);
}

void pty_make_raw_until_exit(int fd)
{
	if (raw_fd != -1 || !isatty(fd) || pty_make_raw(fd, &saved_terminal) == -1)
		return;
	raw_fd = fd;
	atexit(restore_at_exit);
}
