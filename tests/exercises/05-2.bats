#!/usr/bin/env bats
# Exercise 05-2: the runtime wires the container before it runs: eth0 with
# an address, a default route via the host end, and the host answers.

# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
load helpers

@test "exercise 05-2: eth0 has its address and route, and the host answers a ping" {
	run build/05-netns "$ROOTFS" /bin/sh -c 'ip -o -4 addr show eth0; ip route; gw=$(ip route | awk "/^default/ { print \$3 }"); ping -c1 -W2 "$gw" >/dev/null && echo pong'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ eth0\ +inet\ 10\.123\.[0-9]+\.[0-9]+/30 ]]
	[[ "$output" == *'default via 10.123.'* ]]
	[[ "$output" == *pong* ]]
}

@test "exercise 05-2: while it runs, the host has the other end of its cable" {
	start_sleeping_container build/05-netns
	id=$(container_id_of "$RUNTIME_PID")
	ip -o link show "sb-${id:0:12}" | grep -q 'state UP'
}
