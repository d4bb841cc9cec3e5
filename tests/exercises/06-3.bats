#!/usr/bin/env bats
# Exercise 06-3: the container runs in a session of its own, without the
# caller's terminal: nothing inside can type into the caller's shell.

load helpers

@test "exercise 06-3: started from a terminal, the container has no controlling terminal" {
	run script -qec "build/06-userns --net none $ROOTFS probe ctty" /dev/null </dev/null
	[[ "$output" == *'ctty: none'* ]]
	# PID 1 leads its own session.
	[[ "$output" == *'sid=1 '* ]]
}

@test "exercise 06-3: TIOCSTI into the caller's terminal is refused" {
	run script -qec "build/06-userns --net none $ROOTFS probe tiocsti 'echo INJECTED'" /dev/null </dev/null
	[[ "$output" == *'TIOCSTI: refused'* ]]
}
