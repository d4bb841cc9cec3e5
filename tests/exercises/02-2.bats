#!/usr/bin/env bats
# Exercise 02-2: a proc filesystem mounted from inside shows the container's
# processes, and only those.

load helpers

@test "exercise 02-2: ps inside lists only the container's processes" {
	run build/02-pid-ns "$ROOTFS" ps -o pid,comm
	[ "$status" -eq 0 ]
	# A header and ps itself, as PID 1.
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^\ *1\ ps$ ]]
}

@test "exercise 02-2: /proc inside is a proc filesystem" {
	run build/02-pid-ns "$ROOTFS" stat -f -c %T /proc
	[ "$status" -eq 0 ]
	[ "$output" = proc ]
}
