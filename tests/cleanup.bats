#!/usr/bin/env bats
# Cleanup: however a run ends — normal exit, error, SIGINT, SIGTERM, or SIGKILL
# of the runtime — no mount, run directory or process is left behind
# (after SIGKILL, the next run cleans up what the killed one could not).

load helpers
bats_require_minimum_version 1.5.0

NS_STEPS="02-pid-ns 03-uts 04-mount-overlay 05-netns 06-userns 07-cgroups"

setup() {
	cd "$TOP" || exit 1
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	stop_step
}

no_leftovers() {
	[ "$(host_mounts)" = "$MOUNTS_BEFORE" ]
	run leftovers
	[ -z "$output" ]
}

@test "cleanup: a normal exit leaves nothing behind" {
	for step in $NS_STEPS; do
		run "build/$step" "$ROOTFS" /bin/sh -c 'sleep 0.1 & exit 0'
		[ "$status" -eq 0 ]
		no_leftovers
	done
}

@test "cleanup: a failing command leaves nothing behind" {
	for step in $NS_STEPS; do
		run -127 "build/$step" "$ROOTFS" /no/such/command
		no_leftovers
	done
}

@test "cleanup: SIGINT (Ctrl-C) to the runtime leaves nothing behind" {
	for step in $NS_STEPS; do
		start_step "build/$step" "$ROOTFS" probe sleep 30
		wait_for_container
		wait_for_output sleeping
		kill -INT "$RUNTIME_PID"
		wait_for_runtime
		wait_until_gone "$CONTAINER_PID"
		no_leftovers
	done
}

@test "cleanup: SIGTERM to the runtime mid-run leaves nothing behind" {
	for step in $NS_STEPS; do
		start_sleeping_container "build/$step"
		kill -TERM "$RUNTIME_PID"
		wait_for_runtime
		# sh as PID 1 ignores SIGTERM: the runtime kills it after the grace period.
		[ "$RUNTIME_STATUS" -eq 137 ]
		wait_until_gone "$CONTAINER_PID"
		no_leftovers
	done
}

@test "cleanup: SIGKILL of the runtime kills the container; the next run removes the rest" {
	for step in $NS_STEPS; do
		start_sleeping_container "build/$step"
		kill -KILL "$RUNTIME_PID"
		wait_for_runtime
		# PR_SET_PDEATHSIG: the container does not outlive its runtime.
		wait_until_gone "$CONTAINER_PID"
		run "build/$step" "$ROOTFS" /bin/true
		[ "$status" -eq 0 ]
		no_leftovers
	done
}

@test "cleanup: 04's mounts vanish with the killed runtime's namespace, even before the next run" {
	start_sleeping_container build/04-mount-overlay
	kill -KILL "$RUNTIME_PID"
	wait_for_runtime
	wait_until_gone "$CONTAINER_PID"
	[ "$(host_mounts)" = "$MOUNTS_BEFORE" ]
	# Only the killed run's directory is left, and it is unlocked: stale.
	[ -d "$(run_dir_of "$RUNTIME_PID")/upper" ]
	run build/04-mount-overlay "$ROOTFS" /bin/true
	[ ! -e "$RUNDIR" ]
}

@test "cleanup: a container's background processes die with its PID 1" {
	for step in $NS_STEPS; do
		run "build/$step" "$ROOTFS" /bin/sh -c 'sleep 31 & sleep 32 & echo started'
		[ "$status" -eq 0 ]
		sleep 0.1
		[ -z "$(pgrep -x -f 'sleep 3[12]' || true)" ]
	done
}

@test "cleanup: a reader that goes away (| head) does not stop the cleanup; the command still gets SIGPIPE" {
	for step in $NS_STEPS; do
		# The runtime writes its last lines into a closed pipe: EPIPE, not death.
		run bash -c '"$1" "$2" /bin/sleep 0.3 2>&1 | head -c 0; echo "${PIPESTATUS[0]}"' \
			_ "build/$step" "$ROOTFS"
		[ "$output" = 0 ]
		no_leftovers
	done
	# Inside, SIGPIPE has its default action again: nothing in SigIgn's bit 13.
	for step in $NS_STEPS; do   # (01 has no /proc)
		run --separate-stderr "build/$step" "$ROOTFS" /bin/sh -c 'grep SigIgn /proc/self/status'
		[ "$status" -eq 0 ]
		[ $(( 0x${output##*[[:space:]]} & 0x1000 )) -eq 0 ]
	done
}
