#!/usr/bin/env bats
# Exercise 01-2: the step becomes the command, so the command's output and
# exit status are the step's.

load helpers

@test "exercise 01-2: the command runs, and its exit status is the step's" {
	run build/01-chroot "$ROOTFS" /bin/sh -c 'echo inside; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = inside ]
}
