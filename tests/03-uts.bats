#!/usr/bin/env bats
# 03-uts: a hostname (and System V IPC) of its own.

load helpers
bats_require_minimum_version 1.5.0

STEP=build/03-uts

setup() {
	cd "$TOP" || exit 1
	HOST_NAME=$(hostname)
}

teardown() {
	stop_step
	# Whatever happened, the host must keep its name.
	[ "$(hostname)" = "$HOST_NAME" ]
}

@test "03-uts: the container renames itself, the host keeps its name" {
	run $STEP --hostname box "$ROOTFS" /bin/hostname
	[ "$status" -eq 0 ]
	[ "$output" = box ]
	[ "$(hostname)" = "$HOST_NAME" ]
}

@test "03-uts: without --hostname the container is called stepbox" {
	run $STEP "$ROOTFS" probe hostname
	[ "$status" -eq 0 ]
	[ "$output" = stepbox ]
}

@test "03-uts: hostname set inside the container stays inside" {
	run $STEP "$ROOTFS" /bin/sh -c 'hostname renamed-inside && hostname'
	[ "$status" -eq 0 ]
	[ "$output" = renamed-inside ]
	[ "$(hostname)" = "$HOST_NAME" ]
	[ "$(cat /proc/sys/kernel/hostname)" = "$HOST_NAME" ]
}

@test "03-uts: the container has its own UTS and IPC namespaces, and the host's network" {
	start_step $STEP "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	for ns in uts ipc pid; do
		[ "$(readlink "/proc/$CONTAINER_PID/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]
	done
	for ns in net mnt; do
		[ "$(readlink "/proc/$CONTAINER_PID/ns/$ns")" = "$(readlink "/proc/self/ns/$ns")" ]
	done
}

@test "03-uts: --trace shows sethostname in the new namespace" {
	run $STEP --trace --hostname box "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[[ "$output" == *'clone(CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWIPC) = '* ]]
	[[ "$output" == *'sethostname("box")'* ]]
}

@test "03-uts: the shell is still PID 1, and exit statuses pass through" {
	run $STEP "$ROOTFS" /bin/sh -c 'echo $$'
	[ "$output" = 1 ]
	run -7 $STEP "$ROOTFS" probe exit 7
	run -127 $STEP "$ROOTFS" no-such-command
}

@test "03-uts: the chroot escape still works (no mount namespace yet)" {
	run_escape $STEP
	[ "$status" -eq 0 ]
	[ "$output" = "ESCAPED: $MARKER is visible" ]
}

@test "03-uts: a file written inside lands in the image itself (no overlay yet)" {
	run $STEP "$ROOTFS" /bin/sh -c 'echo from-the-container > /tmp/written-by-03'
	[ "$status" -eq 0 ]
	[ "$(cat "$ROOTFS/tmp/written-by-03")" = from-the-container ]
	rm "$ROOTFS/tmp/written-by-03"
}
