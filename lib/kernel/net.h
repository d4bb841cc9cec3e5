/*
 * net — the container's network: a veth pair, a cable with one end on the
 * host and the other end (eth0) in the container's network namespace, with
 * addresses on both ends and a default route through the host.
 *
 * Everything goes through rtnetlink (lib/kernel/netlink), as `ip` would do it.
 * The runtime plumbs both ends while the container waits on its sync pipe:
 * the host end in the host's namespace, the container's end after setns()
 * into the container's network namespace. (The container brings up its own
 * lo: that needs no help from the host.)
 *
 * net_connect_container() and net_link_set_up() die (exit 125) when the
 * kernel refuses; the other building blocks return -1 with errno, and
 * net_disconnect_container() leaves the pair to the kernel.
 */
#ifndef STEPBOX_NET_H
#define STEPBOX_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kernel/ipam.h"

struct net_link {
	bool connected;               /* false: --net none, only lo */
	char host_if[IF_NAMESIZE];    /* the host end, "sb-<first 12 digits of the id>" */
	struct ipam_lease lease;
};

/* The host end's name for container `id`: sb-<first 12 hex digits>. */
void net_host_if_name(char name[IF_NAMESIZE], const char *id);

/*
 * Wire container `id` (its first process `pid`, already in its own network
 * namespace) to the host. With `veth` false (--net none) there is nothing to
 * do: the container brings up its own lo. `requested_ip` is --ip or NULL;
 * `name` (the hostname) labels the host end.
 */
void net_connect_container(struct net_link *link, const char *id, pid_t pid, bool veth,
			   const char *requested_ip, const char *name);

/*
 * The container's eth0, from inside its network namespace (process `pid`'s):
 * the lease's address, up, and a default route through the gateway. Dies.
 */
void net_configure_eth0(pid_t pid, const struct ipam_lease *lease);

/*
 * The container has exited: its veth is the kernel's to delete, with the
 * container's network namespace (net.c says why we do not wait for it).
 */
void net_disconnect_container(struct net_link *link);

/* The sweep: delete the host end that container `id` may have left. */
void net_remove_leftovers(const char *id);

/* The building blocks, one rtnetlink request each: 0, or -1 and errno. */
int net_veth_create(const char *name, const char *peer, pid_t peer_netns_pid);
int net_link_set_alias(const char *name, const char *alias);
int net_addr_add(const char *name, struct in_addr addr, int prefix);
int net_route_add_default(struct in_addr gateway);
int net_link_delete(const char *name);
int net_link_up(const char *name);
int net_bridge_create(const char *name);
int net_link_set_master(const char *name, const char *master);
/* ... but this one dies: the steps call it to bring up their lo. */
void net_link_set_up(const char *name);

#endif
