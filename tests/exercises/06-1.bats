#!/usr/bin/env bats
# Exercise 06-1: the runtime writes the child's ID maps before it goes on:
# root inside, an ordinary UID (100000) outside.

load helpers

@test "exercise 06-1: the container's user is 0, mapped to 100000 on the host" {
	run build/06-userns --net none "$ROOTFS" /bin/sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "$(echo "${lines[2]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
}

@test "exercise 06-1: the host sees the container's PID 1 as UID 100000" {
	start_step build/06-userns --net none "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$CONTAINER_PID/status")" = 100000 ]
}
