/*
 * net — the container's network: a veth pair, a cable with one end on the
 * host and the other end (eth0) in the container's network namespace, with
 * addresses on both ends and a default route through the host.
 *
 * Everything goes through rtnetlink (lib/netlink), as `ip` would do it.
 * The runtime plumbs both ends while the container waits on its sync pipe:
 * the host end in the host's namespace, the container's end after setns()
 * into the container's network namespace.
 *
 * The operations die (exit 125) when the kernel refuses, except
 * net_disconnect_container(), which only warns.
 */
#ifndef STEPBOX_NET_H
#define STEPBOX_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ipam.h"

struct net_link {
	bool connected;               /* false: --net none, only lo */
	char host_if[IF_NAMESIZE];    /* the host end, "sb-<runtime pid>" */
	struct ipam_lease lease;
};

/*
 * Wire the container (`pid`, already in its own network namespace) to the
 * host. With `veth` false (--net none) there is nothing to do: the container
 * brings up its own lo. `requested_ip` is --ip or NULL; `name` (the hostname)
 * labels the host end.
 */
void net_connect_container(struct net_link *link, pid_t pid, bool veth,
			   const char *requested_ip, const char *name);

/* Remove the host end (the container's end goes with it). Safe to call twice. */
void net_disconnect_container(struct net_link *link);

/* The building blocks, one rtnetlink request each. */
void net_veth_create(const char *name, const char *peer, pid_t peer_netns_pid);
void net_link_set_alias(const char *name, const char *alias);
void net_link_set_up(const char *name);
void net_addr_add(const char *name, struct in_addr addr, int prefix);
void net_route_add_default(struct in_addr gateway);
int net_link_delete(const char *name);   /* -1 and errno, for cleanups */

#endif
