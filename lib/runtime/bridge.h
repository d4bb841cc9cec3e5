/*
 * bridge — step 08's network: one virtual switch, stepbox0, for all the
 * containers of the host (docker's default "bridge" network, docker0).
 *
 * Step 05 gave each container a cable of its own (a veth pair) to the host,
 * on a /30 of its own. Here every cable ends in the same switch: the host end
 * of each container's veth is plugged into a Linux bridge (it becomes the
 * bridge's port: its "master" is stepbox0), and the bridge holds the gateway
 * address of one subnet. So the containers are on one segment, and reach
 * each other directly and the host through the gateway:
 *
 *     [container A] eth0 10.123.0.2 ── sb-A ─┐
 *                                            ├─ stepbox0 10.123.0.1/22 ── host
 *     [container B] eth0 10.123.0.3 ── sb-B ─┘
 *
 * The first container to need the bridge makes it, on the first free /22 of
 * STEPBOX_SUBNET (lib/kernel/ipam); the last one out deletes it, so once every
 * container is gone the host is as it was. Both happen under the host lock.
 * Which addresses are in use is, again, in the kernel: each port's alias
 * reads "stepbox container <id> (<name>) on <address>".
 *
 * Nothing leaves the machine: there is no NAT and no forwarding to the
 * outside world (see the 08 README).
 */
#ifndef STEPBOX_BRIDGE_H
#define STEPBOX_BRIDGE_H

#include <sys/types.h>

#include "kernel/net.h"

#define BRIDGE_NAME "stepbox0"

/*
 * Plug container `id` (its first process `pid`, already in a network
 * namespace of its own) into the bridge, making the bridge if it is not
 * there, and give its eth0 the next free address. `name` labels the port.
 * Dies (exit 125) when the kernel refuses; what was made goes on exit.
 */
void bridge_connect_container(struct net_link *link, const char *id, pid_t pid,
			      const char *name);

/*
 * The container has exited: take its port out of the bridge (at once; the
 * veth itself is the kernel's to delete with the container's network
 * namespace, as in step 05). Warns only.
 */
void bridge_unplug(const char *id);

/*
 * Delete the bridge if no port is left: after the last container's unplug,
 * or a sweep. The shim does it once `run` has its answer, since deleting
 * a bridge takes the kernel tens of milliseconds. Warns only.
 */
void bridge_remove_if_unused(void);

#endif
