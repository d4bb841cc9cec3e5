#!/usr/bin/env bats
# Exercise 05-1: the container's loopback is up: it can talk to itself.

load helpers

@test "exercise 05-1: lo is up inside and 127.0.0.1 answers" {
	run build/05-netns --net none "$ROOTFS" /bin/sh -c 'cat /sys/class/net/lo/operstate /sys/class/net/lo/flags; ping -c1 -W1 127.0.0.1 >/dev/null && echo pong'
	[ "$status" -eq 0 ]
	# lo's operstate is "unknown" even when up; flags bit 0 (IFF_UP) says it.
	[ $((lines[1] & 1)) -eq 1 ]
	[ "${lines[2]}" = pong ]
}
