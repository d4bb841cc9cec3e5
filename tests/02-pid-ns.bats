#!/usr/bin/env bats
# 02-pid-ns: the container's first process is PID 1 of a process tree of its own.

load helpers
bats_require_minimum_version 1.5.0

STEP=build/02-pid-ns

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	stop_step
}

@test "02-pid-ns: the shell inside is PID 1" {
	run $STEP "$ROOTFS" /bin/sh -c 'echo $$'
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "02-pid-ns: ps inside lists only the container's processes" {
	run $STEP "$ROOTFS" ps -o pid,comm
	[ "$status" -eq 0 ]
	# A header and ps itself, as PID 1: nothing of the host.
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^\ *1\ ps$ ]]
}

@test "02-pid-ns: the host sees the container's PID 1 under another PID" {
	start_step $STEP "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	# NSpid: the PID in each namespace, outermost first.
	nspid=$(awk '/^NSpid:/ { print $2, $3 }' "/proc/$CONTAINER_PID/status")
	[ "$nspid" = "$CONTAINER_PID 1" ]
	[ "$(readlink "/proc/$CONTAINER_PID/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
}

@test "02-pid-ns: --trace prints the container's host PID" {
	run $STEP --trace "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[[ "$output" =~ clone\(CLONE_NEWPID\)\ =\ [0-9]+\ \(host\ pid\) ]]
	[[ "$output" == *'mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)'* ]]
}

@test "02-pid-ns: the /proc mount is in the host's table while it runs, gone after" {
	# No mount namespace yet: this is the leak step 04 closes.
	start_step $STEP "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	host_mounts | grep -qx "$ROOTFS/proc"
	kill -TERM "$RUNTIME_PID"
	wait_for_runtime
	run host_mounts
	[[ "$output" != *"$ROOTFS/proc"* ]]
}

@test "02-pid-ns: SIGTERM to the runtime is passed on to the container" {
	start_step $STEP "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	kill -TERM "$RUNTIME_PID"
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 0 ]
	grep -qx 'caught SIGTERM' "$BATS_TEST_TMPDIR/out"
}

@test "02-pid-ns: a PID 1 that ignores SIGTERM is killed after the grace period (137)" {
	# busybox sleep has no SIGTERM handler, and PID 1 ignores such signals.
	start_step $STEP "$ROOTFS" /bin/sleep 30
	wait_for_container
	sleep 0.2
	kill -TERM "$RUNTIME_PID"
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 137 ]
	grep -q 'ignored the stop signal' "$BATS_TEST_TMPDIR/out"
	is_gone "$CONTAINER_PID"
}

@test "02-pid-ns: a container killed from the host reports 128+9" {
	start_step $STEP "$ROOTFS" /bin/sleep 30
	wait_for_container
	kill -KILL "$CONTAINER_PID"
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 137 ]
}

@test "02-pid-ns: when PID 1 exits, the kernel kills the rest of the namespace" {
	start_step $STEP "$ROOTFS" /bin/sh -c 'sleep 30 & echo "bg=$!"; exit 5'
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 5 ]
	[ -z "$(pgrep -f '^sleep 30$' || true)" ]
}

@test "02-pid-ns: exit statuses 0, N, 126 and 127 pass through" {
	run $STEP "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	run -9 $STEP "$ROOTFS" probe exit 9
	run -126 $STEP "$ROOTFS" /etc/passwd
	run -127 $STEP "$ROOTFS" no-such-command
}

@test "02-pid-ns: the hostname is still the host's (no UTS namespace yet)" {
	run $STEP "$ROOTFS" /bin/hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$(hostname)" ]
}

@test "02-pid-ns: the chroot escape still works" {
	run_escape $STEP
	[ "$status" -eq 0 ]
	[ "$output" = "ESCAPED: $MARKER is visible" ]
}

@test "02-pid-ns: a /proc left by a SIGKILLed runtime is removed by the next run" {
	start_step $STEP "$ROOTFS" /bin/sleep 30
	wait_for_container
	sleep 0.2
	kill -KILL "$RUNTIME_PID"
	wait_for_runtime
	# PDEATHSIG: the container dies with its runtime.
	wait_until_gone "$CONTAINER_PID"
	host_mounts | grep -qx "$ROOTFS/proc"
	run $STEP "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	run host_mounts
	[[ "$output" != *"$ROOTFS/proc"* ]]
}
