#define _GNU_SOURCE
#include "kernel/net.h"
#include "base/cleanup.h"
#include "base/fault.h"
#include "base/log.h"
#include "kernel/netlink.h"
#include "base/lock.h"
#include "kernel/rundir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The index of link `name`, or 0 (and errno) if there is none. */
static int link_index(const char *name)
{
	return if_nametoindex(name);
}

/* What to tell the user when the kernel refused a network change. */
static const char *hint_for(int err)
{
	return err == EOPNOTSUPP ? "is the veth module loaded? try: modprobe veth"
	       : err == EPERM ? "changing the network needs root (CAP_NET_ADMIN)"
	       : err == EEXIST ? "a link or address of that name exists already"
	       : NULL;
}

/* Send the request: 0, or -1 with errno and what was asked in `what`. */
static int talk(struct nl_request *req, const char *what)
{
	if (nl_talk(req) == -1)
		return -1;
	trace("netlink %s", what);
	return 0;
}

/*
 * One request makes both ends: `name` here, and `peer` created directly in
 * the network namespace of process `peer_netns_pid` — so there is never a
 * moment when both ends sit on the host.
 */
int net_veth_create(const char *name, const char *peer, pid_t peer_netns_pid)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo, *data, *peer_info;
	char what[128];

	nl_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_add_string(&req, IFLA_IFNAME, name);
	linkinfo = nl_begin_nest(&req, IFLA_LINKINFO);
	nl_add_string(&req, IFLA_INFO_KIND, "veth");
	data = nl_begin_nest(&req, IFLA_INFO_DATA);
	peer_info = nl_begin_nest(&req, VETH_INFO_PEER);
	/* The peer's own ifinfomsg, then its attributes. */
	req.hdr.nlmsg_len += NLMSG_ALIGN(sizeof(ifi));
	nl_add_string(&req, IFLA_IFNAME, peer);
	nl_add_attr(&req, IFLA_NET_NS_PID, &peer_netns_pid, sizeof(peer_netns_pid));
	nl_end_nest(&req, peer_info);
	nl_end_nest(&req, data);
	nl_end_nest(&req, linkinfo);

	snprintf(what, sizeof(what), "RTM_NEWLINK veth %s <-> %s (in the netns of pid %d)",
		 name, peer, peer_netns_pid);
	return talk(&req, what);
}

int net_link_set_alias(const char *name, const char *alias)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = link_index(name) };
	char what[128];

	if (ifi.ifi_index == 0)
		return -1;
	nl_begin(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_add_string(&req, IFLA_IFALIAS, alias);
	snprintf(what, sizeof(what), "RTM_NEWLINK %s alias \"%s\"", name, alias);
	return talk(&req, what);
}

int net_link_up(const char *name)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = link_index(name),
				 .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	char what[64];

	if (ifi.ifi_index == 0)
		return -1;
	nl_begin(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	snprintf(what, sizeof(what), "RTM_NEWLINK %s up", name);
	return talk(&req, what);
}

void net_link_set_up(const char *name)
{
	if (net_link_up(name) == -1)
		die_errno(hint_for(errno), "netlink: bring %s up", name);
}

/* A bridge: a switch in the kernel, with no port yet. */
int net_bridge_create(const char *name)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo;
	char what[64];

	nl_begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_add_string(&req, IFLA_IFNAME, name);
	linkinfo = nl_begin_nest(&req, IFLA_LINKINFO);
	nl_add_string(&req, IFLA_INFO_KIND, "bridge");
	nl_end_nest(&req, linkinfo);
	snprintf(what, sizeof(what), "RTM_NEWLINK bridge %s", name);
	return talk(&req, what);
}

/* Plug link `name` into the bridge `master` (ip link set NAME master MASTER),
 * or with `master` NULL, out of its bridge (ip link set NAME nomaster). */
int net_link_set_master(const char *name, const char *master)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = link_index(name) };
	int master_index = master ? link_index(master) : 0;
	char what[96];

	if (ifi.ifi_index == 0 || (master && master_index == 0))
		return -1;
	nl_begin(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	nl_add_attr(&req, IFLA_MASTER, &master_index, sizeof(master_index));
	snprintf(what, sizeof(what), "RTM_NEWLINK %s %s%s", name, master ? "master " : "nomaster",
		 master ? master : "");
	return talk(&req, what);
}

int net_addr_add(const char *name, struct in_addr addr, int prefix)
{
	struct nl_request req;
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = prefix,
				 .ifa_index = link_index(name) };
	char what[96];

	if (ifa.ifa_index == 0)
		return -1;
	nl_begin(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_add_attr(&req, IFA_LOCAL, &addr, sizeof(addr));
	nl_add_attr(&req, IFA_ADDRESS, &addr, sizeof(addr));
	snprintf(what, sizeof(what), "RTM_NEWADDR %s/%d on %s", inet_ntoa(addr), prefix, name);
	return talk(&req, what);
}

int net_route_add_default(struct in_addr gateway)
{
	struct nl_request req;
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN,
			     .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = RTN_UNICAST };
	char what[64];

	nl_begin(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm));
	nl_add_attr(&req, RTA_GATEWAY, &gateway, sizeof(gateway));
	snprintf(what, sizeof(what), "RTM_NEWROUTE default via %s", inet_ntoa(gateway));
	return talk(&req, what);
}

int net_link_delete(const char *name)
{
	struct nl_request req;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	nl_begin(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_add_string(&req, IFLA_IFNAME, name);
	if (nl_talk(&req) == -1)
		return -1;
	trace("netlink RTM_DELLINK %s", name);
	return 0;
}

/* ---- the story: connect a container, disconnect it ---------------------- */

static int open_netns(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		die_errno(NULL, "open(\"%s\")", path);
	return fd;
}

static void enter_netns(int fd, const char *whose)
{
	if (setns(fd, CLONE_NEWNET) == -1)
		die_errno(NULL, "setns(%s network namespace)", whose);
	trace("setns(%s network namespace)", whose);
}

/* A run that dies half-way deletes its veth itself: the container may not be dying yet. */
static void undo_link(void *arg)
{
	struct net_link *link = arg;

	if (!link->connected)
		return;
	link->connected = false;
	if (net_link_delete(link->host_if) == -1 && errno != ENODEV)
		warn_errno("netlink RTM_DELLINK %s", link->host_if);
}

void net_host_if_name(char name[IF_NAMESIZE], const char *id)
{
	snprintf(name, IF_NAMESIZE, "sb-%.12s", id);
}

void net_connect_container(struct net_link *link, const char *id, pid_t pid, bool veth,
			   const char *requested_ip, const char *name)
{
	int lock, err = 0;
	char alias[128];
	struct error why;

	link->connected = false;
	if (!veth)
		return;

	/*
	 * Choose a free subnet and take it by putting the gateway address on
	 * the host end, under the host lock, so two runtimes starting at once
	 * never pick the same one. Nothing in here dies: the lock goes first.
	 */
	net_host_if_name(link->host_if, id);
	if ((lock = lock_take(rundir_root())) == -1)
		die_errno(NULL, "lock %s", quote(rundir_root()));
	if (ipam_choose(requested_ip, &link->lease, &why) == -1) {
		lock_release(lock);
		error_die(&why);
	}
	if (net_veth_create(link->host_if, "eth0", pid) == 0) {
		link->connected = true;
		cleanup_on_exit(undo_link, link);
		if (net_addr_add(link->host_if, link->lease.gateway, link->lease.prefix) == -1)
			err = errno;
	} else {
		err = errno;
	}
	lock_release(lock);
	if (err) {
		errno = err;
		die_errno(hint_for(err), "netlink: wire %s to the container's eth0 (%s)",
			  link->host_if, inet_ntoa(link->lease.gateway));
	}

	snprintf(alias, sizeof(alias), "stepbox container %.12s (%s)", id, name);
	if (net_link_set_alias(link->host_if, alias) == -1)
		die_errno(hint_for(errno), "netlink: alias of %s", link->host_if);
	net_link_set_up(link->host_if);

	fault_point("network");
	net_configure_eth0(pid, &link->lease);
}

void net_configure_eth0(pid_t pid, const struct ipam_lease *lease)
{
	/* The container's end is configured from inside its namespace. */
	int host_ns = open_netns(getpid()), container_ns = open_netns(pid);

	enter_netns(container_ns, "the container's");
	if (net_addr_add("eth0", lease->container, lease->prefix) == -1)
		die_errno(hint_for(errno), "netlink: address %s on eth0", inet_ntoa(lease->container));
	net_link_set_up("eth0");
	if (net_route_add_default(lease->gateway) == -1)
		die_errno(hint_for(errno), "netlink: default route via %s", inet_ntoa(lease->gateway));
	enter_netns(host_ns, "the host's");
	close(container_ns);
	close(host_ns);
}

void net_disconnect_container(struct net_link *link)
{
	if (!link->connected)
		return;
	link->connected = false;
	/*
	 * Nothing to do, and nothing to wait for. A veth pair lives as long as
	 * both its ends: when the container's last process is gone, its network
	 * namespace dies, and the kernel deletes eth0 and, with it, the host
	 * end — in the background, 10-40 ms later. An RTM_DELLINK here would
	 * make the runtime wait that long for the same result. The subnet stays
	 * taken until then (the host end holds its gateway address), so ipam
	 * never hands it out too early.
	 */
	trace("veth %s: left to the kernel, which deletes the pair with the container's network "
	      "namespace", link->host_if);
}

void net_remove_leftovers(const char *id)
{
	char host_if[IF_NAMESIZE];

	net_host_if_name(host_if, id);
	if (net_link_delete(host_if) == 0)
		trace("veth %s was left by a run that was killed", host_if);
}
