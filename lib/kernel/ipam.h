/*
 * ipam — which IPv4 addresses a container and its host side get.
 *
 * Each container gets a point-to-point subnet of its own: by default the
 * first free /30 of the pool STEPBOX_SUBNET (10.123.0.0/16 unless set; it
 * stays clear of Docker's 172.17.0.0/16 and Podman's 10.88.0.0/16). In a /30
 * the host side takes .1 (the container's gateway) and the container .2.
 *
 * There is no allocation file to go stale: a subnet is taken while some
 * interface of the host has an address in it, so the kernel's own address
 * table is the registry. A killed container's veth disappears with its
 * network namespace, and its subnet is free again.
 */
#ifndef STEPBOX_IPAM_H
#define STEPBOX_IPAM_H

#include "base/error.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define IPAM_DEFAULT_POOL "10.123.0.0/16"

struct ipam_lease {
	struct in_addr container;  /* eth0 inside */
	struct in_addr gateway;    /* the host side of the veth */
	int prefix;
};

/* Parse "A.B.C.D/N"; false (and a reason in `why`) if it is not one. */
bool ipam_parse_cidr(const char *text, struct in_addr *addr, int *prefix,
		     struct error *err);

/*
 * Check a requested "--ip A.B.C.D/N" for a container: inside the pool
 * (STEPBOX_SUBNET) with a prefix no wider than the pool's, room for two
 * hosts (N <= 30), A neither its network nor its broadcast address. Dies
 * (exit 125) with the reason: it runs while the options are parsed.
 */
void ipam_check_request(const char *text);

/*
 * Choose the lease: the requested address (text, may be NULL) if its subnet
 * is free on this host, else the first free /30 of the pool. The caller holds
 * the lock that serialises allocations, until the gateway address is
 * assigned — so this does not die: -1 and the reason in `why`.
 */
int ipam_choose(const char *requested, struct ipam_lease *lease, struct error *err);

/*
 * Step 08's bridge (lib/runtime/bridge) puts every container on one subnet. Its
 * gateway (in subnet->gateway, with its prefix) is the address the bridge
 * `bridge` has: 1; or, when it has none, the first /22 of the pool (the
 * whole pool if smaller) that no host interface overlaps: 0. -1 and why.
 */
int ipam_bridge_subnet(const char *bridge, struct ipam_lease *subnet, struct error *err);

/*
 * A container's lease on that subnet: the lowest address that is neither
 * the gateway nor one of the `nused` in `used`. -1 and why when it is full.
 */
int ipam_choose_on_bridge(const struct ipam_lease *subnet, const struct in_addr *used,
			  int nused, struct ipam_lease *lease, struct error *err);

#endif
