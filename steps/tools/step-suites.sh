#!/bin/sh
# The bats suites of one step, for make test STEP=NN (and make check):
#
#   steps/tools/step-suites.sh 05     tests/05-netns.bats
#   steps/tools/step-suites.sh 8      tests/08-full-container.bats tests/08-network.bats ...
#
# Exit 0 with the suites on one line, or 2 with a one-line message.
set -eu
cd "$(dirname "$0")/../.."

fail() {
	echo "$1"
	exit 2
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	fail "usage: make test STEP=NN, e.g. make test STEP=05"
fi
case "$1" in *[!0-9]*) fail "STEP must be a step number from 01 to 08, not '$1'" ;; esac
nn=$(printf '%02d' "$(echo "$1" | sed 's/^0*\(.\)/\1/')")
set -- tests/"$nn"-*.bats
[ -e "$1" ] || fail "no suite for step $nn: steps with suites are 01 to 08"
echo "$@"
