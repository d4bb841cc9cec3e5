#!/usr/bin/env bats
# Exercise 07-1: the container is in its group, with its limits, before it
# runs: a memory hog over -m 32m is killed by the OOM killer.

load helpers

@test "exercise 07-1: -m 32m OOM-kills a process that wants 100 MB (exit 137)" {
	run build/07-cgroups --net none -m 32m "$ROOTFS" probe alloc 100
	[ "$status" -eq 137 ]
}
