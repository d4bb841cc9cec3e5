#!/usr/bin/env bats
# Exercise 04-1: the container's mounts stay in its mount namespace even when
# "/" is shared, as systemd mounts it (on such a host pivot_root refuses a
# shared root: EINVAL).

# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
load helpers

@test "exercise 04-1: under a shared /, the container runs and no mount of it reaches outside" {
	# A mount namespace of the test's own, with / shared like a systemd host's.
	run unshare --mount sh -c '
		mount --make-rshared /
		before=$(wc -l </proc/self/mountinfo)
		build/04-mount-overlay "$1" /bin/sh -c "echo inside" || exit
		after=$(wc -l </proc/self/mountinfo)
		echo "mounts $before $after"' _ "$ROOTFS"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = inside ]
	[[ "${lines[1]}" =~ ^mounts\ ([0-9]+)\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}
