#!/usr/bin/env bats
# The exercises grade themselves: for every step with exercises, in a copy of
# the tree (the real steps/ is never touched), make exercise changes the
# step's main.c, make check fails on it, make solution puts the original
# back, and make check passes again.

load helpers
bats_require_minimum_version 1.5.0

# The copy, built once: the sources, the image and the probe of this tree.
setup_file() {
	local copy=$BATS_FILE_TMPDIR/tree
	mkdir -p "$copy/build"
	tar -C "$TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$copy" -xf -
	# The image as it is (mtimes kept, so make does not rebuild it), and
	# step 08's built-in images of it.
	cp -a "$BUILD/rootfs" "$BUILD/layers" "$BUILD/images" "$BUILD/.rootfs-stamp" "$BUILD/probe" \
		"$copy/build/"
	make -s -C "$copy" all >/dev/null
}

# Whatever a red exercise left mounted in the copy goes before bats deletes it.
teardown_file() {
	awk -v copy="$BATS_FILE_TMPDIR/tree/" 'index($5, copy) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mnt; do
			umount -l "$mnt" 2>/dev/null || true
		done
}

setup() {
	COPY=$BATS_FILE_TMPDIR/tree
	cd "$COPY" || exit 1
}

# A step a failed test left in an exercise is put back for the next test.
teardown() {
	local k
	for k in build/exercise/*.k; do
		[ ! -e "$k" ] || make -s solution STEP="$(basename "$k" | cut -c1-2)" >/dev/null
	done
}

# make in a clean environment: make check runs a bats of its own, which
# would take this run's variables and exported functions for its own.
make() {
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" make "$@"
}

# The exercise numbers marked in step NN's main.c.
exercises_of() {
	sed -n 's|^[[:space:]]*/\* exercise \([0-9][0-9]*\)[ :].*|\1|p' steps/"$1"-*/main.c | sort -un
}

# Every exercise of step NN: red on the exercise, the original restored, green.
exercise_cycle() {
	local nn=$1 main k
	main=$(echo steps/"$nn"-*/main.c)
	cp "$main" "$BATS_TEST_TMPDIR/original.c"
	[ -n "$(exercises_of "$nn")" ]
	for k in $(exercises_of "$nn"); do
		[ -f "tests/exercises/$nn-$k.bats" ]
		run make -s exercise STEP="$nn" N="$k"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		! cmp -s "$main" "$BATS_TEST_TMPDIR/original.c"
		grep -q "TODO(exercise $k)" "$main"
		run make -s check STEP="$nn"
		[ "$status" -ne 0 ] || { echo "exercise $nn-$k passes its check unsolved: $output"; false; }
		[[ "$output" =~ [0-9]+\ passed,\ [1-9][0-9]*\ failed ]] || { echo "$output"; false; }
		run make -s solution STEP="$nn"
		[ "$status" -eq 0 ]
		cmp "$main" "$BATS_TEST_TMPDIR/original.c"
	done
	# The original passes every check of the step.
	run make -s check STEP="$nn"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" =~ [1-9][0-9]*\ passed,\ 0\ failed ]]
}

@test "exercises: 01 — each exercise fails its check, the solution passes" {
	exercise_cycle 01
}

@test "exercises: 02 — each exercise fails its check, the solution passes" {
	exercise_cycle 02
}

@test "exercises: 03 — each exercise fails its check, the solution passes" {
	exercise_cycle 03
}

@test "exercises: 04 — each exercise fails its check, the solution passes" {
	exercise_cycle 04
}

@test "exercises: 05 — each exercise fails its check, the solution passes" {
	exercise_cycle 05
}

@test "exercises: 06 — each exercise fails its check, the solution passes" {
	exercise_cycle 06
}

@test "exercises: 07 — each exercise fails its check, the solution passes" {
	exercise_cycle 07
}

@test "exercises: 08 — each exercise fails its check, the solution passes" {
	exercise_cycle 08
}

@test "exercises: a second exercise before the solution, an unknown one, or a step without any are refused" {
	run -0 make -s exercise STEP=02 N=1
	run -2 make -s exercise STEP=02 N=2
	[[ "$output" == *'step 02 is already in exercise 1: make solution STEP=02 first'* ]]
	run -0 make -s solution STEP=02
	run -2 make -s exercise STEP=02 N=9
	[[ "$output" == *'step 02 has no exercise 9; it has: 1 2'* ]]
	run -2 make -s exercise STEP=08 N=4
	[[ "$output" == *'step 08 has no exercise 4; it has: 1 2 3'* ]]
	# A step with a main.c and no exercise in it (in the copy, for this test).
	mkdir steps/09-no-exercises
	echo 'int main(void) { return 0; }' >steps/09-no-exercises/main.c
	run -2 make -s exercise STEP=09
	rm -r steps/09-no-exercises
	[[ "$output" == *'step 09 has no exercises (steps 01 to 08 have them)'* ]]
	run -2 make -s exercise STEP=10
	[[ "$output" == *'no step 10 with a main.c in steps/'* ]]
	cmp steps/02-pid-ns/main.c "$TOP/steps/02-pid-ns/main.c"
}
