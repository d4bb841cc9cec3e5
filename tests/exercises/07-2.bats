#!/usr/bin/env bats
# Exercise 07-2: a cgroup namespace: inside, the container's own group is "/".

load helpers

@test "exercise 07-2: /proc/self/cgroup inside shows the container's group as /" {
	run build/07-cgroups --net none "$ROOTFS" /bin/cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[[ "$output" == *'0::/'* ]]
	[[ "$output" != *stepbox* ]]
}
