#!/usr/bin/env bats
# Exercise 06-2: the caller's supplementary groups stay outside: started by
# a root that is in groups 4 and 27, the container is in none.

load helpers

@test "exercise 06-2: the container holds none of the caller's supplementary groups" {
	run setpriv --groups 4,27 build/06-userns --net none "$ROOTFS" /bin/sh -c 'grep "^Groups:" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -d '[:space:]')" = Groups: ]
}
