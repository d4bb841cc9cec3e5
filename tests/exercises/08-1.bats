#!/usr/bin/env bats
# Exercise 08-1: root inside gives up what docker's root gives up, last
# before the command runs: all but 14 capabilities, no_new_privs, seccomp.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
	NAME=exercise-08-1-$$
}

@test "exercise 08-1: the host sees PID 1 with docker's 14 capabilities, no_new_privs and a seccomp filter" {
	# A run -d that hangs is ended (124): the check fails, it does not wait.
	run timeout 20 "$B" run -d --name "$NAME" busybox sleep 60
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	pid=$(pid1_of "$NAME")
	[ -n "$pid" ]
	grep -E '^(Cap(Eff|Bnd)|NoNewPrivs|Seccomp):' "/proc/$pid/status"
	# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
	# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
	[ "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status")" = 00000000a80425fb ]
	[ "$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$pid/status")" = 00000000a80425fb ]
	[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$pid/status")" = 1 ]
	# 2: SECCOMP_MODE_FILTER
	[ "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$pid/status")" = 2 ]
}

@test "exercise 08-1: root inside cannot mount a filesystem" {
	run timeout 20 "$B" run --rm --name "$NAME" busybox mount -t tmpfs none /tmp
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[[ "$output" == *'mount: permission denied'* ]]
}

@test "exercise 08-1: with -u nobody too: no capability left, no_new_privs and seccomp" {
	# Leaving uid 0 (user_switch) clears the capabilities; dropping them
	# must come before it, while the child may still change its bounding set.
	run timeout 20 "$B" run --rm --name "$NAME" -u nobody busybox grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -s '\t ' ' ')" = "$(printf 'CapEff: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 2')" ]
}
