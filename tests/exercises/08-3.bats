#!/usr/bin/env bats
# Exercise 08-3: run -d is the front of the chain: it returns as soon as the
# command runs, and the container lives on under its shim.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
	NAME=exercise-08-3-$$
}

@test "exercise 08-3: run -d prints the ID at once and returns; the container runs on under its shim" {
	# A run -d that waits for its container is ended here (124).
	run --separate-stderr timeout 10 "$B" run -d --name "$NAME" busybox sleep 60
	# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
	[ "$status" -eq 0 ] || { echo "status $status: $output $stderr"; false; }
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	id=$output
	run "$B" ps
	[[ "$output" == *"${id:0:12}   busybox   \"sleep 60\"   "*"   Up "*"$NAME"* ]]
	pid=$(pid1_of "$NAME")
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 60 " ]
	# Its parent is the shim, a process of its own that outlived run.
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	[[ "$(tr '\0' ' ' <"/proc/$shim/cmdline")" == *"08-full-container run -d --name $NAME"* ]]
}

@test "exercise 08-3: run -d of a command that cannot run returns 127 and prints no ID" {
	run -127 --separate-stderr timeout 10 "$B" run -d --name "$NAME" busybox no-such-command
	[ "$output" = "" ]
	[[ "$stderr" == *'execve("no-such-command"): No such file or directory'* ]]
}
