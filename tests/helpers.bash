# Shared by every suite: where things are, and how to look at the host from outside.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the suites that load this file

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD=$TOP/build
ROOTFS=$BUILD/rootfs
APP_LAYER=$BUILD/layers/app
RUNDIR=${STEPBOX_RUNDIR:-/run/stepbox}

# The mount points of the host, one per line, sorted: what a leak would change.
host_mounts() {
	awk '{ print $5 }' /proc/self/mountinfo | sort
}

# 08's `run --rm` returns once the container is out of ps and its name is
# free; its shim removes the rest (cgroup, layer, record) right after. Wait
# (up to 5 s) until no process of 08 is left, before looking for leftovers.
shims_settle() {
	local pid busy
	for _ in $(seq 50); do
		busy=''
		for pid in $(pgrep -f '^([^ ]*/)?build/08-(full-container|runtime)'); do
			is_gone "$pid" || busy=1
		done
		[ -n "$busy" ] || return 0
		sleep 0.1
	done
	return 1
}

# Everything that could be a leftover of a run: mounts that name the build or
# an overlay, the run directory, and processes of a step.
leftovers() {
	shims_settle || true
	# The kernel deletes veths (and 08's shim the last bridge) in the background.
	veths_settle ""
	grep -E 'overlay|/build/' /proc/self/mountinfo | grep -v ' / / ' || true
	[ ! -e "$RUNDIR" ] || echo "run dir: $(ls -A "$RUNDIR")"
	ls -d /tmp/stepbox-[0-9]* 2>/dev/null || true
	stepbox_cgroups
	ip -o link show type veth | grep ' sb-' || true
	ip -o link show stepbox0 2>/dev/null || true
	local pid
	for pid in $(pgrep -f '^([^ ]*/)?build/0[0-9]-') $(pgrep -x stepbox-proxy); do
		is_gone "$pid" || echo "process: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
	done
}

# Start a step in the background with its output in $BATS_TEST_TMPDIR/out;
# sets RUNTIME_PID. Closing fd 3 keeps bats from waiting on it.
start_step() {
	"$@" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	RUNTIME_PID=$!
}

# Wait (up to 5 s) for the runtime's child, the container's first process;
# sets CONTAINER_PID (as the host numbers it).
wait_for_container() {
	for _ in $(seq 50); do
		CONTAINER_PID=$(pgrep -P "$RUNTIME_PID" | head -n1)
		[ -z "$CONTAINER_PID" ] || return 0
		sleep 0.1
	done
	echo "no container process under runtime $RUNTIME_PID" >&2
	return 1
}

# Wait (up to 5 s) until the container's output contains TEXT.
wait_for_output() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$BATS_TEST_TMPDIR/out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "output never said '$1':" >&2
	cat "$BATS_TEST_TMPDIR/out" >&2
	return 1
}

# Wait for the background runtime and put its exit status in RUNTIME_STATUS.
wait_for_runtime() {
	RUNTIME_STATUS=0
	wait "$RUNTIME_PID" || RUNTIME_STATUS=$?
}

# Is PID gone? A zombie counts as gone: it has exited, only its reaping is
# left, and a host's init may do that late.
is_gone() {
	local state
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || true
	[ -z "$state" ] || [ "$state" = Z ]
}

# Wait (up to 5 s) until PID is gone.
wait_until_gone() {
	for _ in $(seq 50); do
		is_gone "$1" && return 0
		sleep 0.1
	done
	echo "process $1 is still there" >&2
	return 1
}

# Teardown: a step a test left running is stopped the way a user would
# (SIGTERM, which the runtime forwards and escalates), then waited for.
stop_step() {
	if [ -n "${RUNTIME_PID:-}" ] && kill -0 "$RUNTIME_PID" 2>/dev/null; then
		kill -TERM "$RUNTIME_PID" 2>/dev/null || true
		wait "$RUNTIME_PID" 2>/dev/null || true
	fi
}

# Run the chroot escape (probe escape) in STEP, with a marker file that only
# the host has: "ESCAPED: $MARKER is visible" or "CONTAINED" in $output.
run_escape() {
	MARKER=$BATS_TEST_TMPDIR/host-only-marker
	touch "$MARKER"
	run "$1" "$ROOTFS" probe escape "$MARKER"
}

# Start STEP with a shell that says "ready" and sleeps, and wait until it has.
start_sleeping_container() {
	start_step "$1" "$ROOTFS" /bin/sh -c 'echo ready; sleep 30'
	wait_for_container
	wait_for_output ready
}

# The host's veth interfaces, one name per line.
host_veths() {
	ip -o link show type veth | awk -F': ' '{ print $2 }' | sort
}

# The kernel deletes a container's veth pair with its network namespace, in
# the background: the runtimes do not wait for it (lecture note 05). Wait up
# to 5 s until the host's stepbox veths are $1 again ("": none) and, with
# none, until 08's bridge is gone too.
veths_settle() {
	for _ in $(seq 50); do
		if [ "$(host_veths | grep '^sb-' || true)" = "$(echo "$1" | grep '^sb-' || true)" ] &&
			{ [ -n "$1" ] || ! ip link show stepbox0 >/dev/null 2>&1; }; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# GET http://HOST:PORT/ with bash's /dev/tcp: no client to install, and it
# reaches only the address it is given. Prints the response (headers and body);
# gives up after HTTP_TIMEOUT seconds (5).
http_get() {
	# shellcheck disable=SC2016  # expanded by the inner bash
	timeout "${HTTP_TIMEOUT:-5}" bash -c '
		exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3
		cat <&3' _ "$1" "$2"
}

# Every stepbox cgroup on the host, in any tree (v2 or v1).
stepbox_cgroups() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name 'stepbox*' 2>/dev/null || true
}

# The run directory of the container whose runtime is PID (in DIR, default
# $RUNDIR): its record names the runtime as owner. Waits up to 5 s for it.
run_dir_of() {
	local record
	for _ in $(seq 50); do
		record=$(grep -l "^owner $1 " "${2:-$RUNDIR}"/*/record 2>/dev/null | head -n1)
		[ -z "$record" ] || { dirname "$record"; return 0; }
		sleep 0.1
	done
	echo "no run directory owned by $1 in ${2:-$RUNDIR}" >&2
	return 1
}

# The container id of the runtime PID: the name of its run directory.
container_id_of() {
	basename "$(run_dir_of "$@")"
}

# The host end of the veth of the container whose runtime is PID: sb-<12 hex>.
veth_of() {
	local id
	id=$(container_id_of "$1") || return 1
	echo "sb-${id:0:12}"
}
