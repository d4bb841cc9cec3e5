/*
 * ports — publish a container's TCP port on the host (step 08's -p).
 *
 * A container on the bridge has an address only the host can reach. `-p
 * 8080:80` makes its port 80 reachable as the host's port 8080, as docker's
 * docker-proxy does it: a program on the host listens on 8080 and, for each
 * connection, connects to the container's port 80 and copies the bytes
 * both ways. (docker adds NAT rules in front of it; stepbox keeps only the
 * proxy, which is the part that shows what publishing is.)
 *
 *   client ──> host 127.0.0.1:8080 ─ proxy ─> 10.123.0.2:80 in the container
 *
 * The host port is bound by `run` before anything of the container exists,
 * so a port that is taken — by another container or any program — fails the
 * run with docker's words and leaves nothing behind. The shim inherits the
 * listening sockets and starts the proxy once the container has its
 * address; the proxy forks a relay per connection, which copies with
 * splice() (socket → pipe → socket: the bytes stay in the kernel) and
 * honours half-close (a client's shutdown(SHUT_WR) reaches the container
 * as end of file, and the reply still comes back). When the container
 * ends, the shim kills the proxy, and every relay dies with it.
 */
#ifndef STEPBOX_PORTS_H
#define STEPBOX_PORTS_H

#include "base/error.h"

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#define PORTS_MAX 16

struct port_mapping {
	char host_ip[16];      /* "0.0.0.0" (every host address) unless given */
	int host_port;
	int container_port;
};

/* "-p [IP:]HOSTPORT:CONTAINERPORT[/tcp]": -1 and why, if it is not that. */
int ports_parse(const char *spec, struct port_mapping *p, struct error *err);

/* "127.0.0.1:8080->80/tcp", as docker's PORTS column shows it. */
void ports_format(const struct port_mapping *p, char *out, size_t size);

/*
 * CLI: bind and listen on the host port (close-on-exec). The socket, or -1
 * and why ("Bind for 0.0.0.0:8080 failed: port is already allocated").
 */
int ports_listen(const struct port_mapping *p, struct error *err);

/*
 * Shim: fork the proxy for the `n` listening sockets `listeners` (for the
 * mappings `p`), relaying to the container at `container`. Its PID, or -1
 * (warned). It dies with the shim.
 */
pid_t ports_start_proxy(const int *listeners, const struct port_mapping *p, int n,
			struct in_addr container);

/* Shim: end the proxy and every connection it relays. */
void ports_stop_proxy(pid_t proxy);

#endif
