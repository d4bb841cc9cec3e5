#!/usr/bin/env bats
# The lecture notes' v2 captures stay true. lecture-notes/captures/v2.txt is
# a run of tests/vm/capture-notes.sh in the v2 lane; the notes quote it
# (the blocks listed in lecture-notes/captures/quoted). Here: the quotes
# come from it, the check sees a changed shape, and — in the v2 lane only
# (make test-vm), whose machine took the reference — a fresh run of the
# script has the reference's shape (tests/vm/capture-shape.sh).

load helpers
bats_require_minimum_version 1.5.0

REFERENCE=lecture-notes/captures/v2.txt
QUOTED=lecture-notes/captures/quoted

setup() {
	cd "$TOP" || exit 1
}

@test "captures: every block the notes quote from the v2 capture is in the reference" {
	run tests/vm/capture-shape.sh notes "$REFERENCE" "$QUOTED"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'quoted blocks checked against'*': all from it' ]]
}

@test "captures: the check is red when one line changes its shape, or a command goes" {
	local copy=$BATS_TEST_TMPDIR/v2.txt
	# Step 07's OOM kill says "yes" no longer: one word of one line.
	sed 's/OOM-killed: yes$/OOM-killed: no/' "$REFERENCE" >"$copy"
	[ "$(md5sum <"$REFERENCE")" != "$(md5sum <"$copy")" ]
	run -1 tests/vm/capture-shape.sh compare "$REFERENCE" "$copy"
	[[ "$output" == *'section 07-trace, command 5, output of $ build/07-cgroups'*'only in the '*'OOM-killed: '* ]]
	[[ "$output" == *'1 difference(s)' ]]
	# The notes quote that line: their check is red against the copy too.
	run -1 tests/vm/capture-shape.sh notes "$copy" "$QUOTED"
	[[ "$output" == *'07-cgroups.md: block $ build/07-cgroups --trace'* ]]
	# Numbers, ids and times are not the shape: a copy with every digit of
	# the output but 0 (0x…, stepbox0) changed is the same.
	sed '/^\(\$ \|=== \)/!y/123456789/234567891/' "$REFERENCE" >"$copy"
	run -0 tests/vm/capture-shape.sh compare "$REFERENCE" "$copy"
	# A command left out is a difference.
	grep -v '^\$ cat /proc/self/cgroup$' "$REFERENCE" >"$copy"
	run -1 tests/vm/capture-shape.sh compare "$REFERENCE" "$copy"
	[[ "$output" == *'the commands differ'* ]]
}

@test "captures: a fresh run of capture-notes.sh has the reference's shape (v2 lane)" {
	[ "${STEPBOX_LANE:-}" = vm ] ||
		skip "the reference comes from the v2 lane's VM: make test-vm runs this"
	local fresh=$BATS_TEST_TMPDIR/fresh.txt
	SECONDS=0
	timeout 600 bash tests/vm/capture-notes.sh >"$fresh" 2>&1 </dev/null || true
	echo "# capture-notes.sh ran for $SECONDS s" >&3
	run tests/vm/capture-shape.sh compare "$REFERENCE" "$fresh"
	echo "$output"
	[ "$status" -eq 0 ]
}
