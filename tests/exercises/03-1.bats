#!/usr/bin/env bats
# Exercise 03-1: the container names itself; the host keeps its name.

load helpers

@test "exercise 03-1: --hostname box renames the container, not the host" {
	before=$(hostname)
	run build/03-uts --hostname box "$ROOTFS" /bin/hostname
	[ "$status" -eq 0 ]
	[ "$output" = box ]
	[ "$(hostname)" = "$before" ]
}
