#!/usr/bin/env bash
# Run every bats suite (or the ones named) and end with the line CI reads:
#   N passed, N failed, N skipped
# Exits non-zero when a test failed or none ran.
set -u
cd "$(dirname "$0")/.." || exit 2

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: the suites create namespaces and mounts: run as root (sudo make test)" >&2
	exit 2
fi
if ! command -v bats >/dev/null; then
	echo "tests/run.sh: bats is not installed — try: apt-get install bats" >&2
	exit 2
fi

# Ubuntu 23.10+ takes every capability from user namespaces made without
# root; the rootless tests of 06-userns would fail, unless the AppArmor
# profile stepbox (vagrant/provision.sh) allows them. Say so up front.
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ] &&
	! grep -q '^stepbox (' /sys/kernel/security/apparmor/profiles 2>/dev/null; then
	echo "tests/run.sh: warning: kernel.apparmor_restrict_unprivileged_userns=1 — the tests of" \
	     "step 06 without sudo will fail; load the AppArmor profile of vagrant/provision.sh" \
	     "(the Vagrant VM has it; see vagrant/README.md), or: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" >&2
fi

# The suites run make as a student does, from a shell: not as a sub-make of
# `make test`, whose MAKELEVEL would add "Entering directory" lines.
unset MAKELEVEL MAKEFLAGS MFLAGS

if [ $# -eq 0 ]; then
	set -- tests/*.bats
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bats --tap "$@" | tee "$log"

passed=$(grep -E '^ok ' "$log" | grep -cv '# skip')
skipped=$(grep -cE '^ok .*# skip' "$log")
failed=$(grep -cE '^not ok ' "$log")
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n1)

echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
if [ -n "$planned" ] && [ $((passed + skipped)) -ne "$planned" ]; then
	echo "tests/run.sh: bats planned $planned tests but reported $((passed + failed + skipped))" >&2
	exit 1
fi
