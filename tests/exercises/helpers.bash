# Shared by the checks of the exercises (make check STEP=NN [N=K]): the
# helpers of the suites, with the top of the tree two levels up.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the checks that load this file

# shellcheck source=tests/helpers.bash disable=SC1091
source "$BATS_TEST_DIRNAME/../helpers.bash"
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=$TOP/build
ROOTFS=$BUILD/rootfs
APP_LAYER=$BUILD/layers/app

# Step 08's checks name each container they start (NAME, set by the check)
# and remove that one only: a student's own containers stay as they are.
B=build/08-full-container

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	stop_step
	[ -z "${NAME:-}" ] || "$B" rm -f "$NAME" >/dev/null 2>&1 || true
}

# The host PID of PID 1 of step 08's container $1, from inspect.
pid1_of() {
	"$B" inspect "$1" | sed -n 's/^ *"Pid": \([0-9]*\),$/\1/p'
}

# The address of step 08's container $1 on the bridge, from inspect.
ip_of() {
	"$B" inspect "$1" | sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p'
}
