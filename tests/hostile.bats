#!/usr/bin/env bats
# Steps 01–07 tried as a curious or hostile student would: fds left open in
# the calling shell, a terminal, a run directory that is not stepbox's, a
# container that digs deep, a runtime killed at random moments, odd values.
# Each test is one attack and what the step must (or, as a lesson, may not)
# let through.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

ALL_STEPS="01-chroot 02-pid-ns 03-uts 04-mount-overlay 05-netns 06-userns 07-cgroups"

setup() {
	cd "$TOP" || exit 1
	MARKER=$BATS_TEST_TMPDIR/host-only-marker
	touch "$MARKER"
}

teardown() {
	stop_step
	if [ -n "${OTHER_RUNTIME:-}" ]; then
		kill -TERM "$OTHER_RUNTIME" 2>/dev/null || true
		wait "$OTHER_RUNTIME" 2>/dev/null || true
	fi
	if [ -n "${MOUNTED:-}" ]; then
		umount "$MOUNTED" 2>/dev/null || true
	fi
}

# ---- 1. inherited file descriptors -------------------------------------------

@test "hostile: an fd on the host's / left open by the caller does not reach the command (every step)" {
	for step in $ALL_STEPS; do
		run --separate-stderr bash -c 'exec 9</; exec "$@"' _ "build/$step" "$ROOTFS" \
			probe fdescape 9 "$MARKER"
		[ "$status" -eq 0 ] || { echo "$step: $output"; false; }
		[ "$output" = "CONTAINED: fd 9 is not open" ] || { echo "$step: $output"; false; }
	done
}

@test "hostile: an fd on the host's mount namespace does not reach 04 or 05 (setns back out)" {
	for step in 04-mount-overlay 05-netns; do
		run bash -c 'exec 8</proc/self/ns/mnt; exec "$@"' _ "build/$step" "$ROOTFS" \
			probe fdescape 8 "$MARKER"
		[ "$output" = "CONTAINED: fd 8 is not open" ] || { echo "$step: $output"; false; }
	done
}

@test "hostile: the command starts with only fds 0, 1 and 2 (every step)" {
	for step in $ALL_STEPS; do
		[ "$step" != 01-chroot ] || continue # no /proc inside a bare chroot
		run --separate-stderr bash -c 'exec 5</dev/null 7>/dev/null; exec "$@"' _ \
			"build/$step" "$ROOTFS" probe fds
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 " ] || { echo "$step: $output"; false; }
	done
}

# ---- 2. the caller's terminal -------------------------------------------------

# Run a step on a real pseudo-terminal (script(1) makes one and runs the
# command as its session leader's child, the way a login shell would).
on_a_terminal() {
	script -qec "$*" /dev/null </dev/null
}

@test "hostile: 06 and 07 do not make the caller's terminal the container's (no TIOCSTI)" {
	for step in 06-userns 07-cgroups; do
		run on_a_terminal "build/$step --net none $ROOTFS probe ctty"
		[[ "$output" == *'ctty: none'* ]] || { echo "$step: $output"; false; }
		run on_a_terminal "build/$step --net none $ROOTFS probe tiocsti 'echo INJECTED'"
		[[ "$output" == *'TIOCSTI: refused'* ]] || { echo "$step: $output"; false; }
	done
}

@test "hostile: an interactive shell in 06 still works on a terminal" {
	run script -qec "build/06-userns --net none $ROOTFS /bin/sh -i" /dev/null \
		< <(printf 'echo hello-$((6*7))\nexit 3\n')
	[ "$status" -eq 3 ]
	[[ "$output" == *'hello-42'* ]]
}

@test "hostile: 01-05 still let root inside type into the caller's terminal (a lesson: see the security table)" {
	# Root with CAP_SYS_ADMIN may TIOCSTI into any terminal; only a pty of
	# the runtime's own would help (step 08's run -t).
	for step in 01-chroot 04-mount-overlay; do
		run on_a_terminal "build/$step $ROOTFS probe tiocsti ' '"
		[[ "$output" == *'TIOCSTI: injected 1 bytes'* ]] || { echo "$step: $output"; false; }
	done
}

# ---- 3. the run directory is stepbox's, and only what carries its record ------

@test "hostile: the sweep never touches what has no stepbox record" {
	dir=$BATS_TEST_TMPDIR/rundir
	fake=$dir/$(printf '%064d' 0 | tr 0 a)
	mkdir -p "$dir/4567/sub" "$fake/upper"
	echo keep >"$fake/upper/data"
	# A record that is not a record: no owner line.
	echo "id ${fake##*/}" >"$fake/record"
	STEPBOX_RUNDIR=$dir run build/04-mount-overlay "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ -d "$dir/4567/sub" ]
	[ "$(cat "$fake/upper/data")" = keep ]
	[ "$(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')" = "4567 ${fake##*/} " ]
}

@test "hostile: a run directory writable by others, or not the caller's, is refused" {
	dir=$BATS_TEST_TMPDIR/open-rundir
	mkdir -p "$dir/4567"
	chmod 0777 "$dir"
	STEPBOX_RUNDIR=$dir run -125 build/04-mount-overlay "$ROOTFS" /bin/true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"run directory \"$dir\" is writable by others (mode 777)"* ]]
	chmod 0755 "$dir"
	chown 65534 "$dir"
	STEPBOX_RUNDIR=$dir run -125 build/04-mount-overlay "$ROOTFS" /bin/true
	[[ "$output" == *"run directory \"$dir\" is not a directory of yours"* ]]
	[ -d "$dir/4567" ]
}

@test "hostile: a killed run's leftovers are swept by their record, a live run's are not" {
	start_sleeping_container build/04-mount-overlay
	OTHER_RUNTIME=$RUNTIME_PID
	live=$(run_dir_of "$RUNTIME_PID")
	# A run killed for real: its record names a process that is gone.
	start_step build/04-mount-overlay "$ROOTFS" /bin/sh -c 'echo ready; sleep 30'
	killed_runtime=$RUNTIME_PID
	wait_for_output ready
	dead=$(run_dir_of "$killed_runtime")
	kill -KILL "$killed_runtime"
	wait "$killed_runtime" || true
	[ -d "$dead/upper" ]
	run build/04-mount-overlay "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$dead" ]
	[ -d "$live/upper" ]
}

@test "hostile: a recycled PID does not keep a dead run's leftovers alive (the record has its start time)" {
	dir=$BATS_TEST_TMPDIR/rundir
	id=$(printf '%064d' 7 | tr 0 b)
	mkdir -p "$dir/$id/upper"
	# The owner is this very shell (alive), but with another start time: not the owner.
	printf 'id %s\nowner %d 1\ncreated 0\n' "$id" "$$" >"$dir/$id/record"
	STEPBOX_RUNDIR=$dir run build/04-mount-overlay "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$dir/$id" ]
}

# ---- 4. a container that digs deeper than the runtime can open ----------------

@test "hostile: a writable layer deeper than the fd limit is removed, and the next run is fine" {
	run bash -c 'ulimit -n 64; exec "$@"' _ build/04-mount-overlay "$ROOTFS" \
		/bin/sh -c 'cd /tmp/.. && probe mkdeep 1100'
	[ "$status" -eq 0 ]
	[ "$output" = "deep: 1100 levels" ]
	[ ! -e "$RUNDIR" ]
	run build/04-mount-overlay "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "hostile: a leftover that cannot be removed costs one warning, never a container" {
	dir=$BATS_TEST_TMPDIR/rundir
	id=$(printf '%064d' 9 | tr 0 c)
	mkdir -p "$dir/$id/upper/mnt"
	printf 'id %s\nowner 999999999 1\ncreated 0\n' "$id" >"$dir/$id/record"
	# A mount point inside: the sweep never crosses one, so it cannot remove it.
	mount -t tmpfs none "$dir/$id/upper/mnt"
	MOUNTED=$dir/$id/upper/mnt
	STEPBOX_RUNDIR=$dir run build/04-mount-overlay "$ROOTFS" /bin/echo ran
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "04-mount-overlay: could not remove all of \"$dir/$id\""*"sudo rm -rf $dir/$id" ]]
	[ "${lines[1]}" = ran ]
	# The record stays, so a later sweep tries again once the mount is gone.
	[ -f "$dir/$id/record" ]
	umount "$MOUNTED"
	MOUNTED=
	STEPBOX_RUNDIR=$dir run build/04-mount-overlay "$ROOTFS" /bin/echo ran
	[ "$output" = ran ]
	[ ! -e "$dir/$id" ]
}

# ---- 5. no helper outlives a killed runtime -------------------------------------

@test "hostile: SIGKILL of 07 at any moment of its start leaves no process behind" {
	for delay in 0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.015 \
		     0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.015; do
		build/07-cgroups --net none "$ROOTFS" /bin/sleep 5 >/dev/null 2>&1 &
		sleep "$delay"
		kill -KILL $! 2>/dev/null || true
		wait $! 2>/dev/null || true
	done
	sleep 0.5
	left=$(pgrep -f "build/07-cgroups --net none" || true)
	[ -z "$left" ] || { ps -o pid,ppid,args -p "$left"; false; }
	# The next run sweeps what the killed ones left.
	run build/07-cgroups --net none "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$RUNDIR" ]
	[ -z "$(stepbox_cgroups)" ]
}

@test "hostile: a command substitution around a killed 07 returns (no helper holds its pipe)" {
	run timeout 20 bash -c '
		for i in $(seq 20); do
			x=$( { "$1" --net none "$2" /bin/sleep 5 & pid=$!; sleep 0.00$((i % 7)); kill -KILL $pid; } 2>&1 )
		done; echo returned' _ build/07-cgroups "$ROOTFS"
	[ "$status" -eq 0 ]
	[[ "$output" == *returned ]]
}

# ---- 7. supplementary groups ----------------------------------------------------

@test "hostile: 06 and 07 started by root in extra groups hold no host group inside" {
	for step in 06-userns 07-cgroups; do
		run --separate-stderr setpriv --groups 4,42 "build/$step" --net none "$ROOTFS" probe groups
		[ "$status" -eq 0 ]
		[ "$output" = "groups: none" ] || { echo "$step: $output"; false; }
	done
	start_step setpriv --groups 4,42 build/06-userns --net none "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	# From the host: the container's PID 1 is in no group at all.
	[ "$(awk '/^Groups:/ { print $2 }' "/proc/$CONTAINER_PID/status")" = "" ]
}

@test "hostile: 04 (no user namespace) keeps root's groups: the lesson of 06" {
	run setpriv --groups 4,42 build/04-mount-overlay "$ROOTFS" probe groups
	[ "$output" = "groups: 4 42" ]
}

# ---- 8. one line per error, whatever the user typed --------------------------

@test "hostile: a newline in a user's string still gives a one-line error" {
	run -125 build/04-mount-overlay --hostname $'a\nb' "$ROOTFS" /bin/true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'--hostname: "a\nb" is not a hostname'* ]]
	run -125 build/04-mount-overlay $'/no/such\nrootfs' /bin/true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'ROOTFS "/no/such\nrootfs": No such file or directory'* ]]
	run -125 build/04-mount-overlay --layer $'/x\x1b[31m' "$ROOTFS" /bin/true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'--layer "/x\x1b[31m"'* ]]
	run -127 build/04-mount-overlay "$ROOTFS" $'no\nsuch'
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'execve("no\nsuch")'* ]]
	run -125 build/07-cgroups --pids-limit 4194305 "$ROOTFS" /bin/true
	[[ "$output" == *'at most 4194304'* ]]
	run -125 build/06-userns --userns-remap ' 1:1' "$ROOTFS" /bin/true
	[[ "$output" == *'expected START:COUNT'* ]]
	run -125 build/06-userns --userns-remap '100000: 5' "$ROOTFS" /bin/true
	[ -z "$(stepbox_cgroups)" ]
	[ ! -e "$RUNDIR" ]
}

# ---- 10. what 04 and 05 leave open (their lesson), and 06 closes -------------

@test "hostile: root in 04 can remount /sys read-write and make a disk's device node; in 06 it cannot" {
	run build/04-mount-overlay "$ROOTFS" /bin/sh -c \
		'mount -o remount,rw /sys && echo sys-rw; mknod /tmp/disk b 8 0 && echo mknod-ok'
	[ "$output" = "$(printf 'sys-rw\nmknod-ok')" ]
	run build/06-userns --net none "$ROOTFS" /bin/sh -c \
		'mount -o remount,rw /sys 2>/dev/null && echo sys-rw; mknod /tmp/disk b 8 0 2>/dev/null && echo mknod-ok; echo end'
	[ "$output" = end ]
}
