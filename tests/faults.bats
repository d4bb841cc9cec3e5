#!/usr/bin/env bats
# Faults and load: a runtime, a shim or a container's PID 1 killed at each
# moment of a start-up, and many containers started at once. After the next
# run (04-07) or `rm -f` (08), nothing may be left: mounts, cgroups, veths,
# the bridge, run directories, state, processes.
#
# The moments come from lib/base/fault.h: with STEPBOX_FAULT=PHASE, the process
# that reaches that phase renames itself "fault:PHASE" and waits for SIGUSR2.
# The test kills one process (SIGKILL, which nothing can catch), releases
# the waiting one if it is still there, and looks at what is left.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

B=build/08-full-container

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	# A failed test must not leave a process waiting at a fault point.
	pkill -KILL '^fault:' 2>/dev/null || true
	[ -z "${RUNTIME_PID:-}" ] || kill -KILL "$RUNTIME_PID" 2>/dev/null || true
	local ids
	ids=$($B ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || $B rm -f $ids >/dev/null 2>&1 || true
}

# Start "$@" in the background with STEPBOX_FAULT=PHASE ("running": none) and
# wait until it is there: sets RUNTIME_PID and PAUSED_PID (the process at the
# fault point; for "running", the container's PID 1 running `sleep 30`).
start_until() {
	local phase=$1
	shift
	if [ "$phase" = running ]; then
		"$@" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	else
		STEPBOX_FAULT=$phase "$@" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	fi
	RUNTIME_PID=$!
	for _ in $(seq 150); do
		if [ "$phase" = running ]; then
			PAUSED_PID=$(sleeping_pid_1 || true)
		else
			PAUSED_PID=$(pgrep -x "fault:$phase" | head -n1 || true)
		fi
		[ -z "$PAUSED_PID" ] || return 0
		sleep 0.1
	done
	echo "never reached $phase:" >&2
	cat "$BATS_TEST_TMPDIR/out" >&2
	return 1
}

# The first of PIDS... that is the first process of a PID namespace of its own.
first_pid_1() {
	local pid
	for pid in "$@"; do
		awk '/^NSpid:/ { exit !(NF > 2 && $NF == 1) }' "/proc/$pid/status" 2>/dev/null &&
			{ echo "$pid"; return 0; }
	done
	return 1
}

# The host PID of a container's PID 1 running `sleep 30` (any step).
sleeping_pid_1() {
	# shellcheck disable=SC2046  # one PID a word
	first_pid_1 $(pgrep -f '^/bin/sleep 30$')
}

# The child of PARENT that is a container's PID 1.
pid_1_under() {
	# shellcheck disable=SC2046
	first_pid_1 $(pgrep -P "$1")
}

# Kill the victim, let the process at the fault point go on (if it is still
# there), and wait (at most 15 s) until the runtime has ended.
kill_and_release() {
	local victim=$1 phase=$2
	[ -z "$victim" ] || kill -KILL "$victim" 2>/dev/null || true
	pkill -USR2 -x "fault:$phase" 2>/dev/null || true
	for _ in $(seq 150); do
		is_gone "$RUNTIME_PID" && { wait "$RUNTIME_PID" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	echo "the runtime did not end after the kill" >&2
	return 1
}

# One case of 04-07: STEP PHASE VICTIM (runtime or init). Fails with the case's
# name and what was left.
fault_case_step() {
	local step=$1 phase=$2 victim=$3 pid left out cmd=(/bin/sleep 30)
	[ "$phase" != teardown ] || cmd=(/bin/true)
	start_until "$phase" "build/$step" "$ROOTFS" "${cmd[@]}" ||
		{ echo "case: $step $phase $victim"; return 1; }
	case "$victim" in
	runtime) pid=$RUNTIME_PID ;;
	init) pid=$(pid_1_under "$RUNTIME_PID" || true) ;;
	esac
	[ -n "$pid" ] || { echo "case: $step $phase $victim: no $victim to kill"; return 1; }
	kill_and_release "$pid" "$phase" || { echo "case: $step $phase $victim"; return 1; }

	# The next run sweeps what the killed one left, and works.
	out=$("build/$step" "$ROOTFS" /bin/true 2>&1) ||
		{ echo "case: $step $phase $victim: next run: $out"; return 1; }
	left=$(leftovers)
	[ -z "$left" ] || { echo "case: $step $phase $victim left: $left"; return 1; }
}

# Every phase this step passes through, and who can be killed there.
fault_cases() {
	local step=$1
	fault_case_step "$step" create runtime
	fault_case_step "$step" clone runtime
	fault_case_step "$step" mounts runtime
	fault_case_step "$step" mounts init
	if [ "$step" = 07-cgroups ]; then
		fault_case_step "$step" cgroup runtime
		fault_case_step "$step" cgroup init
	fi
	if [ "$step" != 04-mount-overlay ]; then
		fault_case_step "$step" network runtime
		fault_case_step "$step" network init
	fi
	fault_case_step "$step" running runtime
	fault_case_step "$step" running init
	fault_case_step "$step" teardown runtime
}

@test "faults: SIGKILL of 04's runtime or PID 1 at each phase; the next run leaves nothing" {
	fault_cases 04-mount-overlay
}

@test "faults: SIGKILL of 05's runtime or PID 1 at each phase; the next run leaves nothing" {
	fault_cases 05-netns
}

@test "faults: SIGKILL of 06's runtime or PID 1 at each phase; the next run leaves nothing" {
	fault_cases 06-userns
}

@test "faults: SIGKILL of 07's runtime or PID 1 at each phase; the next run leaves nothing" {
	fault_cases 07-cgroups
}

# One case of 08: PHASE VICTIM (cli, shim or init), a foreground `run` with a
# published port; then `rm -f`, and the same port is free for the next one.
fault_case_08() {
	local phase=$1 victim=$2 pid='' shim init left out port=$((20000 + RANDOM % 20000))
	local name="fault-$phase-$victim" cmd=(/bin/sleep 30)
	[ "$phase" != teardown ] || cmd=(/bin/true)
	start_until "$phase" $B run --name "$name" -p "127.0.0.1:$port:80" "$ROOTFS" "${cmd[@]}" ||
		{ echo "case: 08 $phase $victim"; return 1; }
	# Who is who: the shim is PID 1's parent, or itself at the fault point.
	case "$phase" in
	mounts | running) init=$PAUSED_PID; shim=$(ps -o ppid= -p "$init" | tr -d ' ') ;;
	*) shim=$PAUSED_PID; init=$(pid_1_under "$shim" || true) ;;
	esac
	case "$victim" in
	cli) pid=$RUNTIME_PID ;;
	shim) pid=$shim ;;
	init) pid=$init ;;
	esac
	[ -n "$pid" ] || { echo "case: 08 $phase $victim: no $victim to kill"; return 1; }
	kill -KILL "$pid" 2>/dev/null || true
	pkill -USR2 -x "fault:$phase" 2>/dev/null || true
	# The killed CLI's container may still run (as with docker): rm -f ends it.
	$B rm -f "$name" >/dev/null 2>&1 || true
	kill_and_release "" "$phase" || { echo "case: 08 $phase $victim"; return 1; }

	out=$($B run --rm -p "127.0.0.1:$port:80" "$ROOTFS" /bin/true 2>&1) ||
		{ echo "case: 08 $phase $victim: next run: $out"; return 1; }
	left=$(leftovers; $B ps -aq)
	[ -z "$left" ] || { echo "case: 08 $phase $victim left: $left"; return 1; }
}

@test "faults: SIGKILL of 08's CLI, shim or PID 1 at each phase; rm -f leaves nothing" {
	fault_case_08 create cli
	for phase in clone mounts cgroup network running teardown; do
		fault_case_08 "$phase" cli
		fault_case_08 "$phase" shim
	done
	for phase in mounts cgroup network running; do
		fault_case_08 "$phase" init
	done
}

@test "faults: a --rm shim SIGKILLed after run returned: the next run sweeps its directory and cgroup" {
	start_until retired $B run --rm --name swept "$ROOTFS" /bin/true
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 0 ]
	kill -KILL "$PAUSED_PID"
	wait_until_gone "$PAUSED_PID"
	# Left: the retired directory (its record names the dead shim), the cgroup.
	compgen -G "$RUNDIR/containers/*.removing" >/dev/null
	[ -n "$(stepbox_cgroups)" ]
	[ -z "$($B ps -aq)" ]
	run $B run --rm --name swept "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ -z "$(leftovers)" ]
}

# ---- load -----------------------------------------------------------------------

# Start N copies of STEP at once, each printing its eth0 address and staying
# until told to stop: while all of them live, every one must have an address
# of its own; then each ends well, and nothing may be left.
many_at_once() {
	local step=$1 n=$2 i failed=0 addrs pids=()
	for i in $(seq "$n"); do
		# The trap first: the address says "ready", and a TERM that came
		# before the trap would be ignored (PID 1) until the grace's SIGKILL.
		"build/$step" "$ROOTFS" /bin/sh -c 'trap "exit 0" TERM
			ip -4 -o addr show eth0 | awk "{ print \$4 }"; while :; do sleep 0.2; done' \
			>"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	for _ in $(seq 600); do
		addrs=$(cat "$BATS_TEST_TMPDIR"/out.* | grep -E '^[0-9.]+/[0-9]+$' | sort)
		[ "$(echo "$addrs" | grep -c .)" -lt "$n" ] || break
		sleep 0.1
	done
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for i in "${pids[@]}"; do
		wait "$i" || failed=$((failed + 1))
	done
	echo "$failed failed; $(echo "$addrs" | grep -c .) addresses, $(echo "$addrs" | uniq -d | grep -c .) twice"
	[ "$failed" -eq 0 ] || { grep -hv '^[0-9.]*/' "$BATS_TEST_TMPDIR"/out.* | sort | uniq -c; return 1; }
	[ "$(echo "$addrs" | grep -c .)" -eq "$n" ]
	[ -z "$(echo "$addrs" | uniq -d)" ]
	[ -z "$(leftovers)" ]
}

@test "faults: 50 containers of 05 at once: each gets an address of its own, nothing left" {
	many_at_once 05-netns 50
}

@test "faults: 50 containers of 07 at once: each gets an address of its own, nothing left" {
	many_at_once 07-cgroups 50
}

@test "faults: ${LOAD_08:-200} containers of 08 run -d at once: no failure, no address twice, nothing left after rm" {
	local n=${LOAD_08:-200} i failed=0 ids addrs
	for i in $(seq "$n"); do
		$B run -d "$ROOTFS" /bin/sleep 60 >"$BATS_TEST_TMPDIR/id.$i" 2>&1 &
	done
	for i in $(seq "$n"); do
		wait -n || failed=$((failed + 1))
	done
	[ "$failed" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/id.* | grep -v '^[0-9a-f]\{64\}$' | sort | uniq -c; false; }
	ids=$($B ps -q)
	[ "$(echo "$ids" | grep -c .)" -eq "$n" ]
	# shellcheck disable=SC2086  # one ID a word
	addrs=$($B inspect $ids | sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p' | sort)
	[ "$(echo "$addrs" | grep -c .)" -eq "$n" ]
	[ -z "$(echo "$addrs" | uniq -d)" ]
	# shellcheck disable=SC2086
	$B rm -f $ids >/dev/null
	[ -z "$($B ps -aq)" ]
	[ -z "$(leftovers)" ]
}

@test "faults: ${SCALE_08:-600} containers of 08, 50 at a time: ps lists each one, one address each (a /22), all removed" {
	local n=${SCALE_08:-600} i j failed=0 ids addrs
	for ((i = 1; i <= n; i += 50)); do
		for ((j = i; j < i + 50 && j <= n; j++)); do
			$B run -d "$ROOTFS" /bin/sleep 300 >"$BATS_TEST_TMPDIR/id.$j" 2>&1 &
		done
		for ((j = i; j < i + 50 && j <= n; j++)); do
			wait -n || failed=$((failed + 1))
		done
	done
	[ "$failed" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/id.* | grep -v '^[0-9a-f]\{64\}$' | sort | uniq -c; false; }
	# The table once had room for 511 rows and dropped the rest without a word.
	[ "$($B ps | tail -n +2 | grep -c ' Up ')" -eq "$n" ]
	ids=$($B ps -q)
	[ "$(echo "$ids" | grep -c .)" -eq "$n" ]
	# shellcheck disable=SC2086  # one ID a word
	addrs=$($B inspect $ids | sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p' | sort)
	[ "$(echo "$addrs" | grep -c .)" -eq "$n" ]
	[ -z "$(echo "$addrs" | uniq -d)" ]
	# shellcheck disable=SC2086
	echo "$ids" | xargs -P 4 -n 50 $B rm -f >/dev/null
	[ -z "$($B ps -aq)" ]
	[ -z "$(leftovers)" ]
}
