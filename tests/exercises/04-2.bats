#!/usr/bin/env bats
# Exercise 04-2: after pivot_root the host's old root is cut out of the
# container's mount tree: nothing of the host is left to reach.

# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
load helpers
bats_require_minimum_version 1.5.0

@test "exercise 04-2: /.oldroot is gone and no mount inside shows the host's files" {
	marker=$BATS_TEST_TMPDIR/host-only-marker
	touch "$marker"
	run build/04-mount-overlay "$ROOTFS" /bin/sh -c \
		'ls -d /.oldroot 2>&1; awk "{ print \$5 }" /proc/self/mountinfo; test -e "/.oldroot$1" && echo HOST; true' _ "$marker"
	[ "$status" -eq 0 ]
	[[ "$output" == *'/.oldroot'*'No such file'* ]]
	[[ "$output" != *HOST* ]]
	run ! grep -q '^/\.oldroot' <<<"$output"
}
