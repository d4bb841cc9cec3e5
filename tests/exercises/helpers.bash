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

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	stop_step
}
