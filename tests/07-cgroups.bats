#!/usr/bin/env bats
# 07-cgroups: memory, CPU and process limits, checked in the cgroup files and
# in what the container could do. Runs unchanged on cgroup v2 and v1.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

STEP=build/07-cgroups

setup() {
	cd "$TOP" || exit 1
	# v2 (unified) has cgroup.controllers at the top of /sys/fs/cgroup.
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		CG_V2=1
	else
		CG_V2=
	fi
}

DELEGATED=/sys/fs/cgroup/stepbox-delegated

teardown() {
	stop_step
	# The subtree the delegation test made (and the runtime's leaf in it).
	if [ -d "$DELEGATED" ]; then
		find "$DELEGATED" -mindepth 1 -depth -type d -exec rmdir {} \;
		rmdir "$DELEGATED"
	fi
	# No group is left behind, in any tree.
	[ -z "$(stepbox_cgroups)" ]
}

# The container's group for runtime PID $1 in controller tree $2 (v1) — one
# directory on v2.
group_of() {
	local id
	id=$(container_id_of "$1") || return 1
	if [ -n "$CG_V2" ]; then
		echo "/sys/fs/cgroup/stepbox/$id"
	else
		echo "/sys/fs/cgroup/$2/stepbox/$id"
	fi
}

@test "07-cgroups: -m 32m and 100 MB allocated: OOM-killed, exit 137, and the runtime says why" {
	run -137 $STEP -m 32m "$ROOTFS" probe alloc 100
	[[ "$output" == *'OOM-killed: yes'* ]]
	[[ "$output" == *"the container went over its memory limit (32 MB) and the kernel's OOM killer ended it"* ]]
	[[ "$output" != *allocated* ]]
}

@test "07-cgroups: -m 64m and 16 MB allocated: fine" {
	run $STEP -m 64m "$ROOTFS" probe alloc 16
	[ "$status" -eq 0 ]
	[[ "$output" == *'allocated 16 MB'* ]]
	[[ "$output" == *'OOM-killed: no'* ]]
}

@test "07-cgroups: the group has the limits while the container runs, and is gone after" {
	start_step $STEP -m 48m --cpus 0.5 --pids-limit 20 "$ROOTFS" /bin/sh -c 'echo ready; sleep 30'
	wait_for_container
	wait_for_output ready
	if [ -n "$CG_V2" ]; then
		dir=$(group_of "$RUNTIME_PID")
		[ "$(cat "$dir/memory.max")" = $((48 * 1024 * 1024)) ]
		[ "$(cat "$dir/cpu.max")" = "50000 100000" ]
		[ "$(cat "$dir/pids.max")" = 20 ]
		! [ -e "$dir/memory.swap.max" ] || [ "$(cat "$dir/memory.swap.max")" = 0 ]
		grep -qx "$CONTAINER_PID" "$dir/cgroup.procs"
	else
		mem=$(group_of "$RUNTIME_PID" memory)
		[ "$(cat "$mem/memory.limit_in_bytes")" = $((48 * 1024 * 1024)) ]
		! [ -e "$mem/memory.memsw.limit_in_bytes" ] ||
			[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = $((48 * 1024 * 1024)) ]
		[ "$(cat "$(group_of "$RUNTIME_PID" cpu)/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$(group_of "$RUNTIME_PID" cpu)/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "$(group_of "$RUNTIME_PID" pids)/pids.max")" = 20 ]
		grep -qx "$CONTAINER_PID" "$mem/cgroup.procs"
	fi
	stop_step
	[ ! -e "$(group_of "$RUNTIME_PID" memory)" ]
}

@test "07-cgroups: --pids-limit 16 stops a fork bomb inside; the host's process count recovers" {
	before=$(ps -e --no-headers | wc -l)
	run $STEP --pids-limit 16 "$ROOTFS" probe forkbomb
	[ "$status" -eq 0 ]
	[[ "$output" =~ forked\ 1[0-5]\ processes,\ then\ fork\ failed ]]
	[[ "$output" =~ [1-9][0-9]*\ forks\ refused ]]
	after=$(ps -e --no-headers | wc -l)
	[ "$after" -le $((before + 5)) ]
}

@test "07-cgroups: --cpus 0.25 for 2 s of spinning uses about 0.5 s of CPU, throttled" {
	run $STEP --cpus 0.25 "$ROOTFS" probe spin 2
	[ "$status" -eq 0 ]
	cpu=$(echo "$output" | sed -n 's/^cpu \([0-9.]*\) s$/\1/p')
	echo "CPU time used: $cpu s" >&3
	# 2 s at a quarter of a CPU is 0.5 s; margins for a noisy 2-core machine.
	awk -v c="$cpu" 'BEGIN { exit !(c > 0.25 && c < 0.9) }'
	[[ "$output" =~ throttled\ [1-9][0-9]*\ times ]]
}

@test "07-cgroups: inside, /proc/self/cgroup shows the container's group as /" {
	run $STEP "$ROOTFS" /bin/cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[[ "$output" == *'0::/'* ]]
	[[ "$output" != *stepbox* ]]
	if [ -z "$CG_V2" ]; then
		[[ "$output" == *':memory:/'$'\n'* ]]
	fi
}

@test "07-cgroups: on v2 the container reads its own limits from a read-only /sys/fs/cgroup" {
	run $STEP -m 40m "$ROOTFS" /bin/sh -c \
		'cat /sys/fs/cgroup/memory.max 2>&1; echo 1 > /sys/fs/cgroup/memory.max 2>&1 || echo read-only'
	if [ -n "$CG_V2" ]; then
		[ "${lines[0]}" = $((40 * 1024 * 1024)) ]
		[[ "$output" == *read-only* ]]
	else
		# v1 hosts get no cgroup filesystem inside.
		[[ "$output" == *'No such file'* ]]
	fi
}

@test "07-cgroups: without limits the group still counts, and reports" {
	run $STEP "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[[ "$output" =~ used:\ memory\ peak\ [0-9.]+\ MB,\ CPU\ [0-9.]+\ s ]]
}

@test "07-cgroups: after SIGKILL of the runtime, the next run removes the group" {
	start_step $STEP -m 64m "$ROOTFS" /bin/sh -c 'echo ready; sleep 30'
	wait_for_container
	wait_for_output ready
	kill -KILL "$RUNTIME_PID"
	wait_for_runtime
	wait_until_gone "$CONTAINER_PID"
	[ -d "$(group_of "$RUNTIME_PID" memory)" ]
	run $STEP "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$(group_of "$RUNTIME_PID" memory)" ]
}

@test "07-cgroups: the namespaces of the steps before are all there" {
	run $STEP --hostname box "$ROOTFS" /bin/sh -c 'echo $$; hostname; id -u; echo $(ls /sys/class/net)'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = box ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = "eth0 lo" ]
}

@test "07-cgroups: without root and no delegated subtree, limits are refused; without limits it runs" {
	run -125 setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
		$STEP -m 32m "$ROOTFS" /bin/true
	[[ "$output" == '07-cgroups: --memory, --cpus and --pids-limit need root, or a cgroup v2 subtree delegated to you'* ]]
	run setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
		$STEP "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
}

@test "07-cgroups: without root, limits work in a delegated cgroup v2 subtree" {
	[ -n "$CG_V2" ] || skip "cgroup v1 has no delegation to users (make test-vm runs this on v2)"
	# Delegate a subtree to UID 65534 the way systemd's Delegate=yes does:
	# the directory and its cgroup.procs, cgroup.subtree_control, cgroup.threads.
	echo "+memory +cpu +pids" >/sys/fs/cgroup/cgroup.subtree_control
	mkdir "$DELEGATED"
	chown 65534:65534 "$DELEGATED" "$DELEGATED/cgroup.procs" \
		"$DELEGATED/cgroup.subtree_control" "$DELEGATED/cgroup.threads"
	run bash -c "echo \$\$ > $DELEGATED/cgroup.procs && exec setpriv --reuid=65534 \
		--regid=65534 --clear-groups env -i PATH=/usr/bin:/bin $STEP -m 32m $ROOTFS probe alloc 100"
	[ "$status" -eq 137 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *'OOM-killed: yes'* ]]
	# The container's group is gone; only the runtime's (now empty) leaf is left.
	[ -z "$(find "$DELEGATED" -mindepth 1 -type d -name 'stepbox-[0-9a-f]*')" ]
}
