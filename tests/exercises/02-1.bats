#!/usr/bin/env bats
# Exercise 02-1: the child starts a PID numbering of its own.

load helpers

# Unsolved, the step mounts the host's own proc on the image's /proc, and
# rightly leaves it there at exit (a proc whose PID 1 lives may be in use):
# take it away, so the image is as it was.
teardown() {
	stop_step
	while mountpoint -q "$ROOTFS/proc"; do
		umount -l "$ROOTFS/proc"
	done
}

@test "exercise 02-1: the shell inside is PID 1" {
	run build/02-pid-ns "$ROOTFS" /bin/sh -c 'echo $$'
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "exercise 02-1: the host sees the container in another PID namespace" {
	start_step build/02-pid-ns "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	[ "$(readlink "/proc/$CONTAINER_PID/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
}
