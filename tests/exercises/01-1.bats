#!/usr/bin/env bats
# Exercise 01-1: the command runs with the image as its / — and as its
# working directory, or a relative path walks out of it.

load helpers

@test "exercise 01-1: / inside is the image, not the host's /" {
	run build/01-chroot "$ROOTFS" /bin/ls /
	[ "$status" -eq 0 ]
	[ "$output" = "$(ls "$ROOTFS")" ]
}

@test "exercise 01-1: the working directory is the image's / too" {
	run build/01-chroot "$ROOTFS" /bin/ls .
	[ "$status" -eq 0 ]
	[ "$output" = "$(ls "$ROOTFS")" ]
}
