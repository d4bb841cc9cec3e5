#!/usr/bin/env bats
# Lint: warnings are errors, for C and for shell.

load helpers

setup() {
	cd "$TOP" || exit 1
}

@test "lint: every shell script and suite passes shellcheck" {
	command -v shellcheck >/dev/null || skip "shellcheck is not installed (apt-get install shellcheck)"
	mapfile -t scripts < <(git ls-files '*.sh' '*.bash' .ci/run)
	run shellcheck "${scripts[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run shellcheck -s bash tests/*.bats tests/exercises/*.bats
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "lint: the C code builds with -Wall -Wextra -Werror from scratch" {
	tmp=$BATS_TEST_TMPDIR/build
	run make -s BUILD="$tmp" WERROR=1 steps "$tmp/probe" "$tmp/json-check" "$tmp/json-fuzz"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$tmp/04-mount-overlay" ]
}

@test "lint: make diff STEP=04 shows what step 04 adds to step 03" {
	run make -s diff STEP=04
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '--- steps/03-uts/main.c'* ]]
	[[ "$output" == *'+	fs_mount_overlay('* ]]
	[[ "$output" == *'-	fs_enter_chroot(c->opts.rootfs);'* ]]
	run make -s diff STEP=99
	[ "$status" -ne 0 ]
	[[ "$output" == *'no step 99 in steps/'* ]]
}

@test "lint: a student's build does not turn warnings into errors (a newer gcc must not break it)" {
	run env -u CI make -s -n -B BUILD="$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/b/lib/base/log.o"
	[ "$status" -eq 0 ]
	[[ "$output" == *'-Wall -Wextra'* ]]
	[[ "$output" != *'-Werror'* ]]
	run env CI=true make -s -n -B BUILD="$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/b/lib/base/log.o"
	[[ "$output" == *'-Werror'* ]]
}
