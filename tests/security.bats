#!/usr/bin/env bats
# The security table, measured: which attack of a root inside works in which
# step. Some must still work in the early steps — that is their lesson — and
# step 08 must stop all of them but a raw socket (docker keeps CAP_NET_RAW);
# io_uring only seccomp's allow-list stops (tests/seccomp.bats has the rest).
# The attacks are harmless (steps/00-rootfs/probe.c says how each one is).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	local ids
	ids=$(build/08-full-container ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || build/08-full-container rm -f $ids >/dev/null 2>&1 || true
}

@test "security: the measured table is the expected one, step by step" {
	table=$(tests/security-table.sh)
	echo "$table" >"$BUILD/security-table.txt"
	echo "$table"
	fail=0
	while read -r attack expected; do
		[ "$attack" = attack ] && continue
		row=$(echo "$table" | awk -v a="$attack" '$1 == a')
		[ -n "$row" ] || { echo "no row for $attack"; fail=1; continue; }
		host=$(echo "$row" | awk '{ print $2 }')
		[ "$host" = works ] || { echo "$attack: blocked on the host itself: not compared"; continue; }
		read -r -a want <<<"$expected"
		read -r -a cols <<<"$row"
		got=("${cols[@]:2}")
		for i in "${!want[@]}"; do
			[ "${want[$i]}" = - ] && continue
			if [ "${want[$i]}" != "${got[$i]}" ]; then
				echo "$attack, column $((i + 1)): expected ${want[$i]}, measured ${got[$i]}"
				fail=1
			fi
		done
	done < <(grep -v '^#' tests/security.expected)
	[ "$fail" -eq 0 ]
}

@test "security: 08's root keeps docker's 14 capabilities (none inheritable), no_new_privs, a seccomp filter" {
	run build/08-full-container run --rm busybox sh -c 'grep -E "^(CapBnd|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'CapBnd:\t00000000a80425fb'* ]]
	[[ "$output" == *$'CapEff:\t00000000a80425fb'* ]]
	[[ "$output" == *$'CapPrm:\t00000000a80425fb'* ]]
	# Inheritable empty, as runc's since CVE-2022-24769.
	[[ "$output" == *$'CapInh:\t0000000000000000'* ]]
	[[ "$output" == *$'CapAmb:\t0000000000000000'* ]]
	[[ "$output" == *$'NoNewPrivs:\t1'* ]]
	[[ "$output" == *$'Seccomp:\t2'* ]]
	# exec gets the same.
	build/08-full-container run -d --name hardened busybox sleep 60
	run build/08-full-container exec hardened grep -E '^(CapEff|Seccomp):' /proc/self/status
	build/08-full-container rm -f hardened
	[[ "$output" == *$'CapEff:\t00000000a80425fb'* ]]
	[[ "$output" == *$'Seccomp:\t2'* ]]
}

@test "security: --cap-add, --cap-drop, --privileged and seccomp=unconfined change it, and inspect says so" {
	eff() { build/08-full-container run --rm "$@" busybox grep CapEff /proc/self/status | cut -f2; }
	[ "$(eff --cap-drop ALL)" = 0000000000000000 ]
	[ "$(eff --cap-drop ALL --cap-add NET_BIND_SERVICE)" = 0000000000000400 ]
	[ "$(eff --cap-add sys_admin)" = 00000000a82425fb ]
	[ "$(eff --cap-drop CAP_CHOWN)" = 00000000a80425fa ]
	[ "$(eff --privileged)" = "$(grep CapEff /proc/self/status | cut -f2)" ]
	run build/08-full-container run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
	[[ "$output" == *$'Seccomp:\t0'* ]]
	build/08-full-container run -d --name opts --cap-add NET_ADMIN --cap-drop MKNOD busybox sleep 60
	run build/08-full-container inspect opts
	build/08-full-container rm -f opts
	[[ "$output" == *'"CapAdd": ["NET_ADMIN"]'* ]]
	[[ "$output" == *'"CapDrop": ["MKNOD"]'* ]]
	[[ "$output" == *'"Privileged": false'* ]]
	run -125 build/08-full-container run --cap-add NOPE busybox true
	[ "$output" = '08-full-container: --cap-add: invalid capability "NOPE": see capabilities(7), like NET_ADMIN or ALL' ]
	run -125 build/08-full-container run --security-opt apparmor=x busybox true
	[ "${#lines[@]}" -eq 1 ]
}

@test "security: 08 masks /proc and /sys paths and makes /proc/sys read-only" {
	# shellcheck disable=SC2016  # for the container's shell
	run build/08-full-container run --rm busybox sh -c 'cat /proc/keys /proc/timer_list 2>/dev/null | wc -c'
	[ "$output" = 0 ]
	run build/08-full-container run --rm busybox ls -A /sys/firmware
	[ -z "$output" ]
	run build/08-full-container run --rm busybox sh -c 'grep -E " /proc/(sys|sysrq-trigger|bus|fs|irq) " /proc/mounts'
	[ -n "$output" ]
	[[ "$output" != *' rw,'* ]]
	run build/08-full-container run --rm busybox sh -c 'echo x > /proc/sys/kernel/domainname'
	[[ "$output" == *'Read-only file system'* ]]
	# --privileged: the host's view again.
	run build/08-full-container run --rm --privileged busybox grep -c ' /proc/sys ' /proc/mounts
	[ "$output" = 0 ]
}

@test "security: the working directory cannot lead out through /proc/self/fd (CVE-2024-21626)" {
	for n in 3 4 5 6 7 8 9; do
		run build/08-full-container run --rm -w "/proc/self/fd/$n" busybox pwd
		[[ "$output" != /run/* && "$output" != /work/* && "$output" != /sys/* ]]
	done
	# run -d says so too: the container never started (125), no ID.
	run -125 build/08-full-container run -d --rm -w /proc/self/fd/7 busybox true
	[[ "$output" != *[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]* ]]
	build/08-full-container run -d --name cwd busybox sleep 60
	for n in 3 4 5 6 7 8 9; do
		run build/08-full-container exec -w "/proc/self/fd/$n" cwd pwd
		[[ "$output" != /run/* && "$output" != /work/* && "$output" != /sys/* ]]
	done
	build/08-full-container rm -f cwd
}

@test "security: no process in the container reaches the runtime's binary through /proc/PID/exe (CVE-2019-5736)" {
	build/08-full-container run -d --name target busybox sleep 120
	# Inside: read every other process's exe as fast as it can, while exec
	# starts 40 commands, each the runtime's binary until its execve().
	# (A target the image does not have is a host file: the runtime.)
	build/08-full-container exec target probe watchexe 15 >"$BATS_TEST_TMPDIR/seen" &
	watcher=$!
	sleep 0.5
	for _ in $(seq 40); do
		build/08-full-container exec target true
	done
	wait "$watcher"
	build/08-full-container rm -f target
	cat "$BATS_TEST_TMPDIR/seen"
	[ ! -s "$BATS_TEST_TMPDIR/seen" ]
}

@test "security: with --init, PID 1 is the runtime's binary, and still out of reach" {
	build/08-full-container run -d --init --name initd busybox sleep 60
	run build/08-full-container exec initd readlink /proc/1/exe
	build/08-full-container rm -f initd
	[ -z "$output" ] || [[ "$output" != *08-full-container* ]]
}
