#!/usr/bin/env bats
# 01-chroot: a different "/", and nothing else.

load helpers
bats_require_minimum_version 1.5.0

STEP=build/01-chroot

setup() {
	cd "$TOP" || exit 1
}

@test "01-chroot: the command sees the image as /" {
	run $STEP "$ROOTFS" /bin/cat /etc/os-release
	[ "$status" -eq 0 ]
	[[ "$output" == *'ID=stepbox'* ]]
	[[ "$(cat /etc/os-release)" != *'ID=stepbox'* ]]
}

@test "01-chroot: with no CMD it runs /bin/sh" {
	run $STEP "$ROOTFS" <<<'echo shell here; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "shell here" ]
}

@test "01-chroot: the command's exit status is the step's" {
	run $STEP "$ROOTFS" probe exit 42
	[ "$status" -eq 42 ]
}

@test "01-chroot: a command killed by signal N exits 128+N" {
	run $STEP "$ROOTFS" probe kill 15
	[ "$status" -eq 143 ]
}

@test "01-chroot: a command that is not in the image exits 127" {
	run -127 $STEP "$ROOTFS" /bin/no-such-command
	[[ "$output" == *'execve("/bin/no-such-command"): No such file or directory'* ]]
}

@test "01-chroot: a file that cannot be executed exits 126" {
	run -126 $STEP "$ROOTFS" /etc/passwd
	[[ "$output" == *'Permission denied'* ]]
}

@test "01-chroot: the host's environment does not leak in" {
	SECRET_OF_THE_HOST=1 run $STEP "$ROOTFS" env
	[ "$status" -eq 0 ]
	[[ "$output" == *'PATH=/usr/local/sbin:'* ]]
	[[ "$output" != *SECRET_OF_THE_HOST* ]]
}

@test "01-chroot: the command keeps its host PID (no PID namespace yet)" {
	# No fork here: the step becomes the command, so $$ inside is the PID
	# the host gave the step.
	start_step $STEP "$ROOTFS" /bin/sh -c 'echo $$'
	wait_for_runtime
	[ "$RUNTIME_STATUS" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$RUNTIME_PID" ]
}

@test "01-chroot: the hostname is still the host's (no UTS namespace yet)" {
	run $STEP "$ROOTFS" /bin/hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$(hostname)" ]
}

@test "01-chroot: root inside can climb out of a chroot (the escape works)" {
	run_escape $STEP
	[ "$status" -eq 0 ]
	[ "$output" = "ESCAPED: $MARKER is visible" ]
	# The escape leaves no directory behind in the image.
	[ -z "$(ls -A "$ROOTFS/tmp")" ]
}

@test "01-chroot: --trace shows chroot, chdir and execve with times" {
	run $STEP --trace "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\[\ +[0-9]+\.[0-9]{3}\ ms\]\ chroot\(\"$ROOTFS\"\)$ ]]
	[[ "${lines[1]}" == *'] chdir("/")' ]]
	[[ "${lines[2]}" == *'] close_range(3, ~0, CLOSE_RANGE_CLOEXEC)' ]]
	[[ "${lines[3]}" == *'] execve("/bin/true")' ]]
}

@test "01-chroot: --help describes the step and its options" {
	run $STEP --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == 'usage: 01-chroot [OPTION]... ROOTFS [CMD [ARG...]]' ]]
	[[ "$output" == *'--trace'* ]]
	[[ "$output" != *'--hostname'* ]]
}
