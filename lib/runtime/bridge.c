#define _GNU_SOURCE
#include "runtime/bridge.h"
#include "base/cleanup.h"
#include "base/fault.h"
#include "base/lock.h"
#include "base/log.h"
#include "kernel/netlink.h"
#include "kernel/rundir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- the bridge's ports, read with an RTM_GETLINK dump ------------------- */

#define MAX_PORTS 1024

struct bridge_ports {
	int bridge;                    /* the bridge's interface index */
	int count;                     /* ports plugged into it */
	struct in_addr used[MAX_PORTS];  /* the addresses their aliases name */
	int nused;
};

/* One link of the dump: count it if it is a port of ours, and note its address. */
static void collect_port(struct nlmsghdr *msg, void *arg)
{
	struct bridge_ports *ports = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(msg);
	int len = IFLA_PAYLOAD(msg), master = 0;
	const char *alias = NULL;

	if (msg->nlmsg_type != RTM_NEWLINK)
		return;
	for (struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_MASTER)
			memcpy(&master, RTA_DATA(rta), sizeof(master));
		else if (rta->rta_type == IFLA_IFALIAS)
			alias = RTA_DATA(rta);
	}
	if (master != ports->bridge || master == 0)
		return;
	ports->count++;
	if (alias && strrchr(alias, ' ') && ports->nused < MAX_PORTS &&
	    inet_pton(AF_INET, strrchr(alias, ' ') + 1, &ports->used[ports->nused]) == 1)
		ports->nused++;
}

/* The ports of the bridge now; -1 and errno if the kernel would not say. */
static int read_ports(struct bridge_ports *ports)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	ports->bridge = if_nametoindex(BRIDGE_NAME);
	ports->count = ports->nused = 0;
	if (ports->bridge == 0)
		return 0;
	nl_begin(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	return nl_dump(&req, collect_port, ports);
}

/* Under the lock: delete the bridge if nothing is plugged into it any more. */
static void remove_if_unused_locked(void)
{
	struct bridge_ports ports;

	if (read_ports(&ports) == -1) {
		warn_errno("netlink RTM_GETLINK (the ports of %s)", BRIDGE_NAME);
		return;
	}
	if (ports.bridge == 0 || ports.count > 0)
		return;
	if (net_link_delete(BRIDGE_NAME) == -1 && errno != ENODEV)
		warn_errno("netlink RTM_DELLINK %s", BRIDGE_NAME);
	else
		trace("%s: its last port is gone, and so is the bridge", BRIDGE_NAME);
}

/* The host lock (the one ipam's choices are made under), or -1 if there is no root. */
static int take_lock(void)
{
	int lock = lock_take(rundir_root());

	if (lock == -1 && errno != ENOENT)
		warn_errno("lock %s", quote(rundir_root()));
	return lock;
}

/* ---- the story: plug a container in, unplug it ------------------------------- */

/* A start that dies half-way: the veth goes now (the container may not be dying yet). */
static void undo_connect(void *arg)
{
	struct net_link *link = arg;
	int lock = take_lock();

	if (link->connected) {
		link->connected = false;
		if (net_link_delete(link->host_if) == -1 && errno != ENODEV)
			warn_errno("netlink RTM_DELLINK %s", link->host_if);
	}
	remove_if_unused_locked();
	if (lock != -1)
		lock_release(lock);
}

/* Make the bridge, with the gateway's address: the subnet was chosen free. */
static int make_bridge(const struct ipam_lease *subnet)
{
	if (net_bridge_create(BRIDGE_NAME) == -1)
		return -1;
	if (net_addr_add(BRIDGE_NAME, subnet->gateway, subnet->prefix) == -1)
		return -1;
	trace("%s: a new bridge, the gateway of %s/%d", BRIDGE_NAME, inet_ntoa(subnet->gateway),
	      subnet->prefix);
	return net_link_up(BRIDGE_NAME);
}

/* Under the lock: the bridge, the lease, the veth plugged in. -1 and why. */
static int plug_in(struct net_link *link, const char *id, pid_t pid, const char *name,
		   struct error *err)
{
	struct ipam_lease subnet;
	static struct bridge_ports ports;
	char alias[192];
	int have;

	if ((have = ipam_bridge_subnet(BRIDGE_NAME, &subnet, err)) == -1)
		return -1;
	if (have == 0 && make_bridge(&subnet) == -1) {
		error_set(err, "netlink: make the bridge %s with %s/%d: %s%s", BRIDGE_NAME,
			 inet_ntoa(subnet.gateway), subnet.prefix, strerror(errno),
			 errno == EOPNOTSUPP ? " — try: modprobe bridge" : "");
		return -1;
	}
	if (read_ports(&ports) == -1) {
		error_set(err, "netlink RTM_GETLINK (the ports of %s): %s", BRIDGE_NAME,
			 strerror(errno));
		return -1;
	}
	if (ipam_choose_on_bridge(&subnet, ports.used, ports.nused, &link->lease, err) == -1)
		return -1;
	if (net_veth_create(link->host_if, "eth0", pid) == -1) {
		error_set(err, "netlink: veth %s <-> the container's eth0: %s%s",
			 link->host_if, strerror(errno),
			 errno == EOPNOTSUPP ? " — try: modprobe veth" : "");
		return -1;
	}
	link->connected = true;
	/* The alias is the registry entry: it must be there before the lock goes. */
	snprintf(alias, sizeof(alias), "stepbox container %.12s (%.64s) on %s", id, name,
		 inet_ntoa(link->lease.container));
	if (net_link_set_alias(link->host_if, alias) == -1 ||
	    net_link_set_master(link->host_if, BRIDGE_NAME) == -1 ||
	    net_link_up(link->host_if) == -1) {
		error_set(err, "netlink: plug %s into %s: %s", link->host_if, BRIDGE_NAME,
			 strerror(errno));
		return -1;
	}
	return 0;
}

void bridge_connect_container(struct net_link *link, const char *id, pid_t pid,
			      const char *name)
{
	struct error err;
	int lock, failed;

	link->connected = false;
	net_host_if_name(link->host_if, id);
	cleanup_on_exit(undo_connect, link);
	if ((lock = lock_take(rundir_root())) == -1)
		die_errno(NULL, "lock %s", quote(rundir_root()));
	failed = plug_in(link, id, pid, name, &err);
	lock_release(lock);
	if (failed)
		error_die(&err);
	fault_point("network");

	/* The container's end: its address and route, set from inside its namespace. */
	net_configure_eth0(pid, &link->lease);
}

void bridge_unplug(const char *id)
{
	char host_if[IF_NAMESIZE];
	int lock;

	net_host_if_name(host_if, id);
	if (if_nametoindex(host_if) == 0)
		return; /* gone with its namespace already, or never made (--net none) */
	/* Under the lock: the ports are what the last one out counts. ENODEV:
	 * the namespace went first and took the pair with it. */
	lock = take_lock();
	if (net_link_set_master(host_if, NULL) == -1 && errno != ENODEV)
		warn_errno("netlink: take %s out of %s", host_if, BRIDGE_NAME);
	if (lock != -1)
		lock_release(lock);
}

void bridge_remove_if_unused(void)
{
	int lock;

	if (if_nametoindex(BRIDGE_NAME) == 0)
		return;
	lock = take_lock();

	remove_if_unused_locked();
	if (lock != -1)
		lock_release(lock);
}
