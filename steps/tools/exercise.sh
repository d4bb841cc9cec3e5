#!/bin/sh
# Exercises that grade themselves (make exercise | check | solution).
#
#   steps/tools/exercise.sh exercise NN [K]   step NN becomes exercise K (1 if none)
#   steps/tools/exercise.sh check NN [K]      build step NN, run tests/exercises/NN-K.bats
#                                             (no K: the exercise it is in, else all of them)
#   steps/tools/exercise.sh solution NN       step NN's main.c as it was
#
# An exercise is marked in the step's own main.c by comment lines:
#
#   /* exercise K: HINT */            the lines up to "/* end exercise K */" are
#   ...                               taken out and a "TODO(exercise K): HINT"
#   /* end exercise K */              comment is left in their place
#
#   /* exercise K drops WORD: HINT */ on the next line WORD becomes 0, with
#                                     the TODO comment above it
#
# The original main.c is kept in $BUILD/exercise/ (git is not needed); the
# student's attempt is kept there too when make solution puts it back.
# Exit 0, 1 when the check fails, 2 with a one-line message on a usage error.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
saved=$BUILD/exercise

usage() {
	echo "$1" >&2
	exit 2
}

[ $# -ge 2 ] || usage "usage: make exercise|check|solution STEP=NN [N=K]"
action=$1
case "$2" in ""|*[!0-9]*) usage "STEP must be a step number from 01 to 08, e.g. make $action STEP=05" ;; esac
nn=$(printf '%02d' "$(echo "$2" | sed 's/^0*\(.\)/\1/')")
k=${3:-}
case "$k" in *[!0-9]*) usage "N must be an exercise number, e.g. make $action STEP=$nn N=2" ;; esac

step=
for d in steps/"$nn"-*; do
	[ -f "$d/main.c" ] && step=$(basename "$d")
done
[ -n "$step" ] || usage "no step $nn with a main.c in steps/"
main=steps/$step/main.c
original=$saved/$step.c    # main.c before the exercise
current=$saved/$step.k     # which exercise the step is in

# The exercise numbers marked in FILE, one per line.
exercises_in() {
	sed -n 's|^[[:space:]]*/\* exercise \([0-9][0-9]*\)[ :].*|\1|p' "$1" | sort -un
}

[ -n "$(exercises_in "$main")$( [ -f "$original" ] && exercises_in "$original")" ] ||
	usage "step $nn has no exercises (steps 01 to 08 have them)"

# Print FILE as exercise K: the marked lines out, a TODO with the hint in.
make_exercise() {
	awk -v k="$1" '
	function hint(line) {
		sub(/^[^:]*: */, "", line)
		sub(/ *\*\/[[:space:]]*$/, "", line)
		return line
	}
	function indent(line) {
		match(line, /^[[:space:]]*/)
		return substr(line, 1, RLENGTH)
	}
	skip && $0 ~ "^[[:space:]]*/\\* end exercise " k " \\*/" { skip = 0; next }
	skip { next }
	drop != "" {
		n = index($0, drop)
		if (n) $0 = substr($0, 1, n - 1) "0" substr($0, n + length(drop))
		drop = ""
		print
		next
	}
	$0 ~ "^[[:space:]]*/\\* exercise " k " drops [A-Za-z_0-9]+:" {
		drop = $0
		sub(/.* drops /, "", drop)
		sub(/:.*/, "", drop)
		print indent($0) "/* TODO(exercise " k "): " hint($0) " */"
		next
	}
	$0 ~ "^[[:space:]]*/\\* exercise " k ":" {
		print indent($0) "/* TODO(exercise " k "): " hint($0) " */"
		skip = 1
		next
	}
	{ print }
	' "$2"
}

case "$action" in
exercise)
	k=${k:-1}
	if [ -f "$current" ]; then
		usage "step $nn is already in exercise $(cat "$current"): make solution STEP=$nn first"
	fi
	exercises_in "$main" | grep -qx "$k" ||
		usage "step $nn has no exercise $k; it has: $(exercises_in "$main" | tr '\n' ' ')"
	mkdir -p "$saved"
	cp "$main" "$original"
	make_exercise "$k" "$original" >"$main.tmp"
	mv "$main.tmp" "$main"
	echo "$k" >"$current"
	echo "$main is now exercise $k:"
	grep -n "TODO(exercise $k)" "$main" | sed 's/^/  line /'
	echo "Fix it, then: make check STEP=$nn N=$k   (make solution STEP=$nn puts the original back)"
	;;
check)
	if [ -z "$k" ] && [ -f "$current" ]; then
		k=$(cat "$current")
	fi
	if [ -n "$k" ]; then
		suites=tests/exercises/$nn-$k.bats
		[ -f "$suites" ] || usage "no check for exercise $k of step $nn ($suites)"
	else
		suites=$(ls tests/exercises/"$nn"-*.bats)
	fi
	# The student's main.c, as it is now; then the image if missing.
	$MAKE -s "$BUILD/$step" all
	# shellcheck disable=SC2086  # the suites are paths without spaces
	exec tests/run.sh $suites
	;;
solution)
	if [ -f "$original" ]; then
		if ! cmp -s "$original" "$main"; then
			attempt=$saved/$step.attempt-$(cat "$current" 2>/dev/null || echo x).c
			cp "$main" "$attempt"
			echo "your attempt is kept in $attempt"
		fi
		# A plain cp: a new mtime, so make rebuilds the step.
		cp "$original" "$main"
		rm -f "$original" "$current"
		echo "$main is the original again"
	elif grep -q 'TODO(exercise' "$main" && git cat-file -e "HEAD:$main" 2>/dev/null; then
		# build/ was cleaned during an exercise: take the committed version.
		git show "HEAD:$main" >"$main"
		echo "$main is the committed version again"
	else
		echo "step $nn is not in an exercise: nothing to put back"
	fi
	;;
*)
	usage "usage: make exercise|check|solution STEP=NN [N=K]"
	;;
esac
