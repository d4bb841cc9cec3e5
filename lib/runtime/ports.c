#define _GNU_SOURCE
#include "runtime/ports.h"
#include "base/log.h"
#include "kernel/proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- -p -------------------------------------------------------------------- */

/* A port number, 1-65535: -1 if `text` is not one. */
static int port_number(const char *text)
{
	char *end;
	long n;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	n = strtol(text, &end, 10);
	return errno || *end || n < 1 || n > 65535 ? -1 : (int)n;
}

int ports_parse(const char *spec, struct port_mapping *p, struct error *err)
{
	char copy[128], *proto, *container, *host, *ip = NULL;
	struct in_addr addr;

	if (strlen(spec) >= sizeof(copy)) {
		error_set(err, "-p: the mapping is too long");
		return -1;
	}
	strcpy(copy, spec);
	if ((proto = strchr(copy, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") != 0) {
			error_set(err, "-p %s: invalid proto: %s (stepbox publishes tcp only)",
				 quote(spec), quote(proto));
			return -1;
		}
	}
	if ((container = strrchr(copy, ':')) == NULL) {
		error_set(err, "-p %s: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp], "
			 "like 127.0.0.1:8080:80", quote(spec));
		return -1;
	}
	*container++ = '\0';
	host = copy;
	if (strchr(copy, ':')) {
		ip = copy;
		host = strrchr(copy, ':');
		*host++ = '\0';
		if (inet_pton(AF_INET, ip, &addr) != 1) {
			error_set(err, "-p %s: invalid IP address: %s (an IPv4 address of "
				 "this host)", quote(spec), quote(ip));
			return -1;
		}
	}
	if ((p->host_port = port_number(host)) == -1) {
		error_set(err, "-p %s: invalid hostPort: %s (1 to 65535)", quote(spec),
			 quote(host));
		return -1;
	}
	if ((p->container_port = port_number(container)) == -1) {
		error_set(err, "-p %s: invalid containerPort: %s (1 to 65535)",
			 quote(spec), quote(container));
		return -1;
	}
	snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip ? ip : "0.0.0.0");
	return 0;
}

void ports_format(const struct port_mapping *p, char *out, size_t size)
{
	snprintf(out, size, "%s:%d->%d/tcp", p->host_ip, p->host_port, p->container_port);
}

int ports_listen(const struct port_mapping *p, struct error *err)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(p->host_port) };
	int fd, on = 1;

	inet_pton(AF_INET, p->host_ip, &addr.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		error_set(err, "socket(AF_INET): %s", strerror(errno));
		return -1;
	}
	/* A port that only has connections of an earlier run in TIME_WAIT is free. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 || listen(fd, 128) == -1) {
		int saved = errno;

		close(fd);
		if (saved == EADDRINUSE)
			return error_set(err, "Bind for %s:%d failed: port is already allocated",
					 p->host_ip, p->host_port);
		return error_set(err, "Bind for %s:%d failed: %s%s", p->host_ip, p->host_port,
				 strerror(saved),
				 saved == EADDRNOTAVAIL ? " (no interface of this host has that address)"
				 : saved == EACCES ? " (ports below 1024 need root)" : "");
	}
	trace("bind(%s:%d) and listen(): the host end of -p %s:%d:%d", p->host_ip, p->host_port,
	      p->host_ip, p->host_port, p->container_port);
	return fd;
}

/* ---- a relay: one connection, both directions ------------------------------ */

/* One way of the connection: from a socket, through a pipe, to the other socket. */
struct direction {
	int from, to;
	int pipe[2];
	size_t pending;   /* in the pipe, not yet written to `to` */
	bool ended;       /* `from` said end-of-file; `to` was shut for writing */
};

/* Move what can be moved without blocking; false when the connection is broken. */
static bool pump(struct direction *d, short readable, short writable)
{
	ssize_t n;

	if (readable && !d->ended && d->pending == 0) {
		n = splice(d->from, NULL, d->pipe[1], NULL, 1 << 16,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == 0)
			d->ended = true;
		else if (n > 0)
			d->pending = n;
		else if (errno != EAGAIN && errno != EINTR)
			return false;
	}
	if (writable && d->pending > 0) {
		n = splice(d->pipe[0], NULL, d->to, NULL, d->pending,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			d->pending -= n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			return false;
	}
	/* Half-close: the end of one direction reaches the other side, the rest goes on. */
	if (d->ended && d->pending == 0 && d->to != -1) {
		shutdown(d->to, SHUT_WR);
		d->to = -1;
	}
	return true;
}

static void relay(int client, int server)
{
	struct direction way[2] = { { .from = client, .to = server },
				    { .from = server, .to = client } };

	for (int i = 0; i < 2; i++)
		if (pipe2(way[i].pipe, O_CLOEXEC) == -1)
			return;
	fcntl(client, F_SETFL, O_NONBLOCK);
	fcntl(server, F_SETFL, O_NONBLOCK);
	while (!(way[0].ended && way[0].to == -1 && way[1].ended && way[1].to == -1)) {
		struct pollfd fds[4];

		/* Read where the pipe is empty, write where it is not; ignore the rest. */
		for (int i = 0; i < 2; i++) {
			bool reading = !way[i].ended && way[i].pending == 0;

			fds[2 * i] = (struct pollfd){ .fd = reading ? way[i].from : -1,
						      .events = POLLIN };
			fds[2 * i + 1] = (struct pollfd){ .fd = way[i].pending ? way[i].to : -1,
							  .events = POLLOUT };
		}
		if (poll(fds, 4, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++)
			if (!pump(&way[i], fds[2 * i].revents, fds[2 * i + 1].revents))
				return; /* reset or error: closing both ends tells both sides */
	}
}

/* The relay process for one accepted connection: connect, copy, exit. */
static void serve_connection(int client, struct in_addr container, int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
				    .sin_addr = container };
	int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (server == -1 || connect(server, (struct sockaddr *)&addr, sizeof(addr)) == -1)
		_exit(1); /* the client sees its connection closed, as with docker-proxy */
	relay(client, server);
	_exit(0);
}

/* ---- the proxy: accept on every published port, a relay per connection ----- */

static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
}

static void run_proxy(const int *listeners, const struct port_mapping *p, int n,
		      struct in_addr container, pid_t shim)
{
	struct pollfd fds[PORTS_MAX];
	pid_t proxy = getpid();
	sigset_t none;

	die_with_parent(shim);
	prctl(PR_SET_NAME, "stepbox-proxy");
	/* Nothing of the shim's: its pipes to the container (and to the CLI's
	 * terminal) must end when the container ends, not when the proxy does. */
	proc_close_fds_except(listeners, n);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd < 3 && null != -1; fd++)
		dup2(null, fd);
	/* The shim holds its signals for its signalfd; the proxy wants none of that. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_IGN);  /* relays are reaped by the kernel */
	for (int i = 0; i < n; i++)
		fds[i] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };

	for (;;) {
		if (poll(fds, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			int client;
			pid_t relay_pid;

			if (!fds[i].revents)
				continue;
			client = accept4(listeners[i], NULL, NULL, SOCK_CLOEXEC);
			if (client == -1)
				continue;
			relay_pid = fork();
			if (relay_pid == 0) {
				die_with_parent(proxy);
				for (int j = 0; j < n; j++)
					close(listeners[j]);
				serve_connection(client, container, p[i].container_port);
			}
			close(client);
		}
	}
}

pid_t ports_start_proxy(const int *listeners, const struct port_mapping *p, int n,
			struct in_addr container)
{
	pid_t shim = getpid(), pid;

	if (n == 0)
		return 0;
	pid = fork();
	if (pid == -1) {
		warn_errno("fork() the port proxy");
		return -1;
	}
	if (pid == 0)
		run_proxy(listeners, p, n, container, shim);
	trace("fork() = %d: the proxy of %d published port%s to %s", pid, n, n > 1 ? "s" : "",
	      inet_ntoa(container));
	return pid;
}

void ports_stop_proxy(pid_t proxy)
{
	if (proxy <= 0)
		return;
	/* Its relays have PR_SET_PDEATHSIG: they end with it, and their connections. */
	if (kill(proxy, SIGKILL) == -1 && errno != ESRCH)
		warn_errno("kill(the port proxy %d)", proxy);
	waitpid(proxy, NULL, 0);
}
