#include "kernel/ipam.h"
#include "base/log.h"
#include "kernel/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mask_of(int prefix)
{
	return prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
}

bool ipam_parse_cidr(const char *text, struct in_addr *addr, int *prefix,
		     struct error *err)
{
	char copy[32], *slash, *end;
	long n;

	if (strlen(text) >= sizeof(copy) || (slash = strchr(strcpy(copy, text), '/')) == NULL) {
		error_set(err, "expected ADDRESS/PREFIX, like 10.50.0.2/24");
		return false;
	}
	*slash = '\0';
	if (inet_pton(AF_INET, copy, addr) != 1) {
		error_set(err, "\"%s\" is not an IPv4 address", copy);
		return false;
	}
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || n < 0 || n > 32) {
		error_set(err, "prefix \"%s\" is not a number from 0 to 32", slash + 1);
		return false;
	}
	*prefix = n;
	return true;
}

/* The pool, STEPBOX_SUBNET or the default; false and a reason if it is no pool. */
static bool read_pool(struct in_addr *pool, int *prefix, struct error *err)
{
	const char *text = getenv("STEPBOX_SUBNET");
	struct error reason;

	if (text == NULL || text[0] == '\0')
		text = IPAM_DEFAULT_POOL;
	if (!ipam_parse_cidr(text, pool, prefix, &reason)) {
		error_set(err, "STEPBOX_SUBNET=%s: %s", quote(text), reason.msg);
		return false;
	}
	if (*prefix > 30 || *prefix < 8) {
		error_set(err, "STEPBOX_SUBNET=%s: the pool must be a /8 to a /30",
			 quote(text));
		return false;
	}
	pool->s_addr &= mask_of(*prefix);
	return true;
}

void ipam_check_request(const char *text)
{
	struct in_addr addr, pool;
	uint32_t host_part;
	int prefix, pool_prefix;
	char pool_text[INET_ADDRSTRLEN];
	struct error err;

	if (!ipam_parse_cidr(text, &addr, &prefix, &err))
		die("--ip %s: %s", quote(text), err.msg);
	if (prefix > 30)
		die("--ip %s: a /%d has no room for the container and its gateway; use /30 or shorter",
		    quote(text), prefix);
	if (!read_pool(&pool, &pool_prefix, &err))
		error_die(&err);
	/*
	 * The host routes the container's whole subnet into it while it runs:
	 * only stepbox's own private range may be handed out, never a piece
	 * of someone else's network.
	 */
	inet_ntop(AF_INET, &pool, pool_text, sizeof(pool_text));
	if (prefix < pool_prefix || ((addr.s_addr ^ pool.s_addr) & mask_of(pool_prefix)) != 0)
		die("--ip %s: not inside stepbox's subnet %s/%d (set STEPBOX_SUBNET to use "
		    "another private range)", quote(text), pool_text, pool_prefix);
	host_part = ntohl(addr.s_addr & ~mask_of(prefix));
	if (host_part == 0 || host_part == ntohl(~mask_of(prefix)))
		die("--ip %s: that is the %s address of the subnet", quote(text),
		    host_part == 0 ? "network" : "broadcast");
}

/* ---- the host's addresses, read with an RTM_GETADDR dump --------------- */

struct host_addresses {
	int count;
	struct { struct in_addr addr; int prefix; char ifname[IF_NAMESIZE]; } list[256];
};

static void collect_address(struct nlmsghdr *msg, void *arg)
{
	struct host_addresses *found = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(msg);
	int len = IFA_PAYLOAD(msg);

	if (msg->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    found->count == (int)(sizeof(found->list) / sizeof(found->list[0])))
		return;
	for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFA_LOCAL)
			continue;
		memcpy(&found->list[found->count].addr, RTA_DATA(rta), sizeof(struct in_addr));
		found->list[found->count].prefix = ifa->ifa_prefixlen;
		if (if_indextoname(ifa->ifa_index, found->list[found->count].ifname) == NULL)
			strcpy(found->list[found->count].ifname, "?");
		found->count++;
	}
}

static int read_host_addresses(struct host_addresses *found)
{
	struct nl_request req;
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };

	found->count = 0;
	nl_begin(&req, RTM_GETADDR, 0, &ifa, sizeof(ifa));
	return nl_dump(&req, collect_address, found);
}

/* Two subnets overlap when they agree on the bits of the shorter prefix. */
static int overlapping(const struct host_addresses *host, struct in_addr net, int prefix)
{
	for (int i = 0; i < host->count; i++) {
		int shorter = prefix < host->list[i].prefix ? prefix : host->list[i].prefix;

		if (((net.s_addr ^ host->list[i].addr.s_addr) & mask_of(shorter)) == 0)
			return i;
	}
	return -1;
}

/* The first address of the subnet that is not the container's. */
static struct in_addr gateway_for(struct in_addr container, int prefix)
{
	struct in_addr net = { container.s_addr & mask_of(prefix) };
	struct in_addr first = { htonl(ntohl(net.s_addr) + 1) };

	if (first.s_addr == container.s_addr)
		first.s_addr = htonl(ntohl(net.s_addr) + 2);
	return first;
}

int ipam_choose(const char *requested, struct ipam_lease *lease, struct error *err)
{
	struct host_addresses host;
	struct in_addr pool;
	int pool_prefix, i;

	if (read_host_addresses(&host) == -1) {
		error_set(err, "netlink RTM_GETADDR (list the host's addresses): %s",
			 strerror(errno));
		return -1;
	}

	if (requested) {
		ipam_parse_cidr(requested, &lease->container, &lease->prefix, err);
		struct in_addr net = { lease->container.s_addr & mask_of(lease->prefix) };
		if ((i = overlapping(&host, net, lease->prefix)) >= 0) {
			error_set(err, "--ip %s: the subnet is in use on this host (%s has %s/%d)",
				 quote(requested), host.list[i].ifname, inet_ntoa(host.list[i].addr),
				 host.list[i].prefix);
			return -1;
		}
		lease->gateway = gateway_for(lease->container, lease->prefix);
		return 0;
	}

	if (!read_pool(&pool, &pool_prefix, err))
		return -1;
	/* Walk the pool in /30 steps: network, gateway (.1), container (.2), broadcast. */
	for (uint32_t block = 0; block < (1u << (30 - pool_prefix)); block++) {
		struct in_addr net = { htonl(ntohl(pool.s_addr) + block * 4) };

		if (overlapping(&host, net, 30) >= 0)
			continue;
		lease->prefix = 30;
		lease->gateway.s_addr = htonl(ntohl(net.s_addr) + 1);
		lease->container.s_addr = htonl(ntohl(net.s_addr) + 2);
		return 0;
	}
	error_set(err, "no free /30 left in stepbox's subnet — stop some containers, "
		 "or set STEPBOX_SUBNET to a larger pool");
	return -1;
}

/* ---- step 08's bridge: one subnet for all containers ---------------------- */

int ipam_bridge_subnet(const char *bridge, struct ipam_lease *subnet, struct error *err)
{
	struct host_addresses host;
	struct in_addr pool;
	int pool_prefix, prefix;

	if (read_host_addresses(&host) == -1) {
		error_set(err, "netlink RTM_GETADDR (list the host's addresses): %s",
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < host.count; i++)
		if (strcmp(host.list[i].ifname, bridge) == 0) {
			subnet->gateway = host.list[i].addr;
			subnet->prefix = host.list[i].prefix;
			subnet->container.s_addr = 0;
			return 1;
		}

	if (!read_pool(&pool, &pool_prefix, err))
		return -1;
	/*
	 * A /22: 1,021 containers, just under the 1,024 ports a Linux bridge
	 * takes (BR_MAX_PORTS), so the addresses run out first, with a clear
	 * error, not the kernel's EXFULL. Or the whole pool if that is smaller.
	 */
	prefix = pool_prefix > 22 ? pool_prefix : 22;
	for (uint32_t block = 0; block < (1u << (prefix - pool_prefix)); block++) {
		struct in_addr net = { htonl(ntohl(pool.s_addr) + (block << (32 - prefix))) };

		if (overlapping(&host, net, prefix) >= 0)
			continue;
		subnet->prefix = prefix;
		subnet->gateway.s_addr = htonl(ntohl(net.s_addr) + 1);
		subnet->container.s_addr = 0;
		return 0;
	}
	error_set(err, "no free /%d left in stepbox's subnet for the bridge %s — set "
		 "STEPBOX_SUBNET to a larger pool", prefix, bridge);
	return -1;
}

int ipam_choose_on_bridge(const struct ipam_lease *subnet, const struct in_addr *used,
			  int nused, struct ipam_lease *lease, struct error *err)
{
	uint32_t net = ntohl(subnet->gateway.s_addr & mask_of(subnet->prefix));
	uint32_t hosts = ~ntohl(mask_of(subnet->prefix));   /* the broadcast's host part */

	for (uint32_t host = 1; host < hosts; host++) {
		struct in_addr candidate = { htonl(net + host) };
		bool taken = candidate.s_addr == subnet->gateway.s_addr;

		for (int i = 0; i < nused && !taken; i++)
			taken = used[i].s_addr == candidate.s_addr;
		if (taken)
			continue;
		*lease = *subnet;
		lease->container = candidate;
		return 0;
	}
	error_set(err, "no free address left on the bridge's subnet %s/%d: stop some "
		 "containers", inet_ntoa(subnet->gateway), subnet->prefix);
	return -1;
}
