#!/usr/bin/env bats
# 08-runtime: the OCI runtime (runc's command line) from outside, as docker,
# containerd or a user sees it: the real binary, the real kernel, the host's
# /proc and cgroup trees.
#
# Each test has its own --root ($T/root) and bundles $T/<id> made by
# `08-runtime spec`, whose rootfs is a symlink to build/rootfs (read-only:
# the container writes only to $T/host, bound on /run), and each container
# its own cgroup, /stepbox-test/t<test number>-<id>. Teardown deletes what a
# test left with `delete --force` and fails if anything stays: state, a
# cgroup, a process, a mount, a change to build/rootfs.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
# shellcheck disable=SC2030,SC2031  # create() sets status, output and lines as run does

load helpers
bats_require_minimum_version 1.5.0

# make asan runs the refusals on the sanitizer build (STEPBOX_BIN=build/asan).
RT=$TOP/${STEPBOX_BIN:-build}/08-runtime
CGTEST=stepbox-test

setup_file() {
	# The image the bundles share must come out as it went in.
	ROOTFS_LISTING=$(rootfs_listing)
	# python3 itself, not a version manager's wrapper script (pyenv's costs
	# half a second a call).
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	export ROOTFS_LISTING PYTHON
}

setup() {
	cd "$TOP" || exit 1
	T=$BATS_TEST_TMPDIR
	export T
	ROOT=$T/root
	HOSTDIR=$T/host
	mkdir -p "$HOSTDIR"
	BG_PIDS=""
	TRACKED_PIDS=""
	# make asan: config.json's refusals only. LeakSanitizer's check at exit
	# cannot stop the threads of a process that joined a container's
	# namespaces (exec): its /proc is the container's, and it spins.
	if [ -n "${STEPBOX_BIN:-}" ] && [[ $BATS_TEST_DESCRIPTION != *refused* ]]; then
		skip "make asan runs only the refusals of bad input"
	fi
}

teardown() {
	local pid dir failed=0

	for pid in $BG_PIDS; do kill -KILL "$pid" 2>/dev/null || true; done
	for dir in "$ROOT"/*; do
		[ -e "$dir" ] || continue
		rt delete --force "${dir##*/}" >/dev/null 2>&1 || true
	done
	nothing_left || failed=1
	# A leftover must not spoil the tests after this one: the hard way.
	for pid in $(test_processes | cut -d' ' -f1); do kill -KILL "$pid" 2>/dev/null || true; done
	remove_test_cgroups
	return "$failed"
}

# ---- helpers ------------------------------------------------------------------

rt() {
	"$RT" --root "$ROOT" "$@"
}

rootfs_listing() {
	find "$ROOTFS" -printf '%p %y %m %s %T@\n' | sort | md5sum
}

cgroup_v2() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}

# The group of container ID as the bundle names it (cgroupsPath), and its
# directory on the host for CONTROLLER (v1; on v2 there is one tree).
cg_path() {
	echo "/$CGTEST/t$BATS_TEST_NUMBER-$1"
}
cg_dir() {
	if cgroup_v2; then
		echo "/sys/fs/cgroup$(cg_path "$1")"
	else
		echo "/sys/fs/cgroup/$2$(cg_path "$1")"
	fi
}

# Every group under /stepbox-test, in any tree.
test_cgroups() {
	find /sys/fs/cgroup/$CGTEST /sys/fs/cgroup/*/$CGTEST -mindepth 1 -type d 2>/dev/null || true
}

remove_test_cgroups() {
	local dir pid
	for dir in $(test_cgroups | sort -r); do
		[ ! -f "$dir/freezer.state" ] || echo THAWED >"$dir/freezer.state" 2>/dev/null || true
		[ ! -f "$dir/cgroup.freeze" ] || echo 0 >"$dir/cgroup.freeze" 2>/dev/null || true
		while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/cgroup.procs"
		for _ in $(seq 20); do rmdir "$dir" 2>/dev/null && break; sleep 0.05; done
	done
	rmdir /sys/fs/cgroup/*/$CGTEST /sys/fs/cgroup/$CGTEST 2>/dev/null || true
}

# Processes of this test: the runtime's (their command line names our
# --root, PID 1 too until it execs), the hooks' (they name $T), and the
# PIDs a test noted in TRACKED_PIDS.
test_processes() {
	local pid
	for pid in $(pgrep -f -- "$T" || true) $TRACKED_PIDS; do
		[ "$pid" != "$$" ] || continue
		is_gone "$pid" || echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
}

nothing_left() {
	local left
	if [ -e "$ROOT" ] && [ -n "$(ls -A "$ROOT")" ]; then
		echo "state left in $ROOT: $(ls -A "$ROOT")" >&2
		return 1
	fi
	left=$(test_cgroups)
	[ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
	for _ in $(seq 30); do
		left=$(test_processes)
		[ -n "$left" ] || break
		sleep 0.1
	done
	[ -z "$left" ] || { echo "processes left: $left" >&2; return 1; }
	left=$(grep -F -e "$T" -e "$ROOTFS" /proc/self/mountinfo || true)
	[ -z "$left" ] || { echo "mounts left on the host: $left" >&2; return 1; }
	[ "$(rootfs_listing)" = "$ROOTFS_LISTING" ] || { echo "build/rootfs was changed" >&2; return 1; }
}

# Python with json, re and os, and sys.argv[1:] as args: `py CODE ARGS...`.
py() {
	local code=$1
	shift
	"$PYTHON" -c "import json, os, re, sys
args = sys.argv[1:]
$code" "$@"
}

# Edit DIR/config.json: each CODE runs with the config as `c`, os.environ as
# env, and hook(KIND, SCRIPT, TIMEOUT) that makes a hook entry for $T/SCRIPT.
edit_config() {
	local dir=$1
	shift
	"$PYTHON" - "$dir/config.json" "$@" <<'EOF'
import json, os, sys
path = sys.argv[1]
with open(path) as f:
    c = json.load(f)
env = os.environ

def hook(kind, script='hook.sh', timeout=None):
    entry = {'path': env['T'] + '/' + script, 'args': [script, kind],
             'env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'DIR=' + env['T']]}
    if timeout is not None:
        entry['timeout'] = timeout
    return entry

for code in sys.argv[2:]:
    exec(code)
with open(path, 'w') as f:
    json.dump(c, f, indent=1)
EOF
}

# bundle ID [CODE...]: the bundle $T/ID, from `spec`: no terminal, `sleep 60`,
# the cgroup $(cg_path ID), $T/host on /run; then the edits CODE.
bundle() {
	local id=$1
	shift
	mkdir -p "$T/$id"
	ln -s "$ROOTFS" "$T/$id/rootfs"
	"$RT" spec --bundle "$T/$id"
	CGPATH=$(cg_path "$id") HOSTDIR=$HOSTDIR edit_config "$T/$id" "
c['process']['terminal'] = False
c['process']['args'] = ['sleep', '60']
c['linux']['cgroupsPath'] = env['CGPATH']
c['mounts'].append({'destination': '/run', 'type': 'bind', 'source': env['HOSTDIR'],
                    'options': ['rbind', 'rw']})" "$@"
}

# create_in BUNDLE ID [OPTION...]: create ID with stdin /dev/null and stdout
# and stderr (the container's too, after start) in BUNDLE.out and BUNDLE.err;
# sets status and output (stderr) as bats's run would — run would wait for
# PID 1's copy of its stdout to close.
create_in() {
	local bundle=$1 id=$2
	shift 2
	status=0
	rt create --bundle "$bundle" "$@" "$id" >"$bundle.out" 2>"$bundle.err" </dev/null 3>&- ||
		status=$?
	output=$(cat "$bundle.err")
	# Shown if the test fails.
	[ "$status" -eq 0 ] || echo "create $id: status $status: $output" >&2
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
}

# create ID [OPTION...]: create_in $T/ID ID.
create() {
	create_in "$T/$1" "$@"
}

# bundle + create + start, checked.
run_container() {
	local id=$1
	shift
	bundle "$id" "$@"
	create "$id"
	[ "$status" -eq 0 ] || { echo "create $id: $output" >&2; return 1; }
	rt start "$id"
}

# A field of `state ID`.
state_of() {
	rt state "$1" | py 'print(json.load(sys.stdin)[args[0]])' "$2"
}

# Wait (up to 5 s) until container ID is STATUS.
wait_status() {
	local now
	for _ in $(seq 50); do
		now=$(state_of "$1" status) || return 1
		[ "$now" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 is $now, not $2" >&2
	return 1
}

# Wait (up to 5 s) until FILE exists.
wait_file() {
	for _ in $(seq 50); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "no $1" >&2
	return 1
}

alive() {
	! is_gone "$1"
}

# The one-letter state of PID (R, S, D, T, Z...).
proc_state() {
	sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status"
}

# The namespaces of PID that differ from ours, by name.
new_namespaces() {
	local ns
	for ns in pid mnt uts ipc net cgroup; do
		[ "$(readlink "/proc/$1/ns/$ns")" = "$(readlink "/proc/self/ns/$ns")" ] || echo "$ns"
	done
}

# stderr must be one line, and nothing may exist of container ID.
one_line_and_nothing_of() {
	[ -n "$output" ] || { echo "no message on stderr" >&2; return 1; }
	[ "${#lines[@]}" -eq 1 ] || { echo "stderr is ${#lines[@]} lines: $output" >&2; return 1; }
	nothing_of "$1"
}

nothing_of() {
	[ ! -e "$ROOT/$1" ] || { echo "$ROOT/$1 exists" >&2; return 1; }
	[ -z "$(test_cgroups)" ] || { echo "a cgroup exists: $(test_cgroups)" >&2; return 1; }
}

# ---- lifecycle --------------------------------------------------------------------

@test "08-runtime: create makes PID 1 in new namespaces that has not exec'd; state says created" {
	bundle c1 "c['process']['args'] = ['sh', '-c', 'echo ran > /run/ran; while [ ! -e /run/go ]; do sleep 0.05; done']"
	create c1 --pid-file "$T/c1.pid"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run rt state c1
	[ "$status" -eq 0 ]
	py '
j = json.loads(args[0])
assert j["status"] == "created", j
assert j["id"] == "c1", j
assert isinstance(j["pid"], int) and j["pid"] > 0, j
assert j["bundle"] == args[1], j
assert j["rootfs"] == args[1] + "/rootfs", j
assert re.fullmatch(r"1\.\d+\.\d+(-\S+)?", j["ociVersion"]), j
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", j["created"]), j
' "$output" "$T/c1"
	pid=$(state_of c1 pid)
	[ -d "/proc/$pid" ]
	[ "$(new_namespaces "$pid" | sort | tr '\n' ' ')" = "cgroup ipc mnt net pid uts " ]
	# Still the runtime: the image's program has not run one instruction.
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$RT")" ]
	[ "$(cat "/proc/$pid/comm")" = 08-runtime ]
	[ ! -e "$HOSTDIR/ran" ]
	# In its cgroup already.
	grep -q "$(cg_path c1)\$" "/proc/$pid/cgroup"
}

@test "08-runtime: start runs the program; running, then stopped with pid 0; delete removes state and cgroup" {
	bundle c2 "c['process']['args'] = ['sh', '-c', 'echo ran > /run/ran; while [ ! -e /run/go ]; do sleep 0.05; done']"
	create c2
	[ "$status" -eq 0 ]
	pid=$(state_of c2 pid)
	run rt start c2
	[ "$status" -eq 0 ]
	wait_file "$HOSTDIR/ran"
	[ "$(state_of c2 status)" = running ]
	[ "$(state_of c2 pid)" = "$pid" ]
	[ "$(readlink "/proc/$pid/exe")" = /bin/busybox ]
	[ -d "$(cg_dir c2 memory)" ]
	touch "$HOSTDIR/go"
	wait_status c2 stopped
	[ "$(state_of c2 pid)" = 0 ]
	run rt delete c2
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/c2" ]
	[ ! -e "$(cg_dir c2 memory)" ]
	[ ! -e "$(cg_dir c2 pids)" ]
	[ -z "$(test_cgroups)" ]
	run rt state c2
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "08-runtime: the pid file holds only PID 1's digits, no newline (also a relative path)" {
	bundle p1
	create p1 --pid-file "$T/p1.pid"
	[ "$status" -eq 0 ]
	[[ "$(cat "$T/p1.pid")" =~ ^[0-9]+$ ]]
	[ "$(wc -c <"$T/p1.pid")" -eq "$(tr -d '\n' <"$T/p1.pid" | wc -c)" ]
	[ "$(cat "$T/p1.pid")" = "$(state_of p1 pid)" ]
	bundle p2
	(cd "$T" && rt create --bundle p2 --pid-file p2.pid p2 >/dev/null 2>&1 3>&-)
	[ "$(cat "$T/p2.pid")" = "$(state_of p2 pid)" ]
}

@test "08-runtime: with terminal false the program writes to create's stdout and stderr" {
	bundle io "c['process']['args'] = ['sh', '-c', 'echo to-stdout; echo to-stderr >&2']"
	create io
	[ "$status" -eq 0 ]
	[ ! -s "$T/io.out" ]
	run rt start io
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_status io stopped
	[ "$(cat "$T/io.out")" = to-stdout ]
	[ "$(cat "$T/io.err")" = to-stderr ]
}

@test "08-runtime: start of a running or a stopped container is a clear error" {
	bundle s1 "c['process']['args'] = ['sh', '-c', 'while [ ! -e /run/go ]; do sleep 0.05; done']"
	create s1
	rt start s1
	run rt start s1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"running"* ]]
	touch "$HOSTDIR/go"
	wait_status s1 stopped
	run rt start s1
	[ "$status" -ne 0 ]
	[[ "$output" == *"stopped"* ]]
}

@test "08-runtime: create of an existing id names it and changes nothing" {
	bundle dup
	create dup
	[ "$status" -eq 0 ]
	before=$(rt state dup)
	saved=$(md5sum <"$ROOT/dup/config.json")
	# Another bundle (another cgroup, another program), the same id.
	bundle dup2 "c['process']['args'] = ['sh', '-c', 'echo second > /run/second']"
	create_in "$T/dup2" dup
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *dup* ]]
	[ "$(rt state dup)" = "$before" ]
	[ "$(md5sum <"$ROOT/dup/config.json")" = "$saved" ]
	[ ! -e "$(cg_dir dup2 memory)" ]
	run rt start dup
	[ "$status" -eq 0 ]
	sleep 0.2
	[ ! -e "$HOSTDIR/second" ]
}

@test "08-runtime: state, start, kill, delete, exec, ps, pause of a missing id say it does not exist" {
	for command in state start kill delete ps pause resume; do
		run rt "$command" nosuch
		[ "$status" -ne 0 ] || { echo "$command: status 0"; false; }
		[[ "$output" == *"nosuch does not exist"* ]] || { echo "$command: $output"; false; }
	done
	run rt exec nosuch true
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuch does not exist"* ]]
	run rt delete --force nosuch
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "08-runtime: delete of a running container needs --force, which removes everything; a created one goes" {
	run_container del
	pid=$(state_of del pid)
	run rt delete del
	[ "$status" -ne 0 ]
	[[ "$output" == *"--force"* ]]
	[ "$(state_of del status)" = running ]
	run rt delete --force del
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/del" ]
	[ -z "$(test_cgroups)" ]
	wait_until_gone "$pid"
	# A created one (PID 1 waiting for start) goes without --force, as with runc.
	bundle del2
	create del2
	pid=$(state_of del2 pid)
	run rt delete del2
	[ "$status" -eq 0 ]
	wait_until_gone "$pid"
	[ ! -e "$ROOT/del2" ]
	[ -z "$(test_cgroups)" ]
}

# ---- kill -------------------------------------------------------------------------

@test "08-runtime: kill takes a number, a name and a SIG name; a stopped container is not running" {
	for sig in 9 KILL SIGKILL; do
		run_container "k$sig"
		run rt kill "k$sig" "$sig"
		[ "$status" -eq 0 ]
		wait_status "k$sig" stopped
	done
	run rt kill k9 KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run rt kill kKILL NOSUCHSIGNAL
	[ "$status" -ne 0 ]
	[[ "$output" == *NOSUCHSIGNAL* ]]
}

@test "08-runtime: kill signals PID 1 only; kill --all every process of the cgroup" {
	run_container ka
	pid=$(state_of ka pid)
	for n in 1 2; do
		rt exec --detach --pid-file "$T/x$n.pid" ka sleep 60 >/dev/null 2>&1 3>&-
		TRACKED_PIDS="$TRACKED_PIDS $(cat "$T/x$n.pid")"
	done
	# TERM: PID 1 of a PID namespace ignores it (sleep has no handler); the
	# others die of it — if it reaches them.
	run rt kill ka TERM
	[ "$status" -eq 0 ]
	sleep 0.3
	alive "$(cat "$T/x1.pid")"
	alive "$(cat "$T/x2.pid")"
	run rt kill --all ka TERM
	[ "$status" -eq 0 ]
	wait_until_gone "$(cat "$T/x1.pid")"
	wait_until_gone "$(cat "$T/x2.pid")"
	alive "$pid"
	[ "$(state_of ka status)" = running ]
}

# ---- exec, ps, pause ------------------------------------------------------------

@test "08-runtime: exec ID CMD runs in the container and returns the program's status and output" {
	run_container ex
	run rt exec ex sh -c 'echo "$(hostname) $(cat /proc/1/comm)"; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = "stepbox sleep" ]
	run rt exec ex true
	[ "$status" -eq 0 ]
	run -127 rt exec ex /no/such/program
}

@test "08-runtime: exec --process FILE runs process.json's args, env and cwd" {
	run_container ep
	py 'json.dump({"terminal": False, "user": {"uid": 0, "gid": 0}, "cwd": "/etc",
	               "env": ["PATH=/bin", "GREETING=hello"],
	               "args": ["sh", "-c", "echo $GREETING $(pwd); exit 4"]}, open(args[0], "w"))' "$T/process.json"
	run rt exec --process "$T/process.json" ep
	[ "$status" -eq 4 ]
	[ "$output" = "hello /etc" ]
}

@test "08-runtime: exec --detach --pid-file: the process is in the container's namespaces and cgroup" {
	run_container ed
	pid=$(state_of ed pid)
	rt exec --detach --pid-file "$T/ed.pid" ed sleep 60 >"$T/ed.exec" 2>&1 3>&-
	[ ! -s "$T/ed.exec" ]
	[[ "$(cat "$T/ed.pid")" =~ ^[0-9]+$ ]]
	xpid=$(cat "$T/ed.pid")
	TRACKED_PIDS=$xpid
	[ "$(cat "/proc/$xpid/comm")" = sleep ]
	for ns in pid mnt uts ipc net cgroup user; do
		[ "$(readlink "/proc/$xpid/ns/$ns")" = "$(readlink "/proc/$pid/ns/$ns")" ] ||
			{ echo "not in PID 1's $ns namespace"; false; }
	done
	[ "$(cat "/proc/$xpid/cgroup")" = "$(cat "/proc/$pid/cgroup")" ]
	grep -q "$(cg_path ed)\$" "/proc/$xpid/cgroup"
	# A PID in the host's namespace and one in the container's (not 1).
	[ "$(awk '/^NSpid:/ { print NF }' "/proc/$xpid/status")" -eq 3 ]
	[ "$(awk '/^NSpid:/ { print $3 }' "/proc/$xpid/status")" -gt 1 ]
}

@test "08-runtime: ps --format json lists PID 1 and the exec'd processes" {
	run_container ps1
	pid=$(state_of ps1 pid)
	rt exec --detach --pid-file "$T/ps.pid" ps1 sleep 60 >/dev/null 2>&1 3>&-
	xpid=$(cat "$T/ps.pid")
	run rt ps --format json ps1
	[ "$status" -eq 0 ]
	py '
j = json.loads(args[0])
assert isinstance(j, list), j
assert sorted(j) == sorted([int(args[1]), int(args[2])]), j
' "$output" "$pid" "$xpid"
	run rt ps ps1
	[ "$status" -eq 0 ]
	[[ "$output" == *"$pid"* ]]
}

@test "08-runtime: pause freezes every process (state paused, freezer on), resume thaws them" {
	# count.new, then mv: a reader never finds the file empty half-way.
	run_container pz "c['process']['args'] = ['sh', '-c', 'i=0; while :; do i=\$((i+1)); echo \$i > /run/count.new; mv /run/count.new /run/count; sleep 0.02; done']"
	pid=$(state_of pz pid)
	wait_file "$HOSTDIR/count"
	run rt pause pz
	[ "$status" -eq 0 ]
	[ "$(state_of pz status)" = paused ]
	if cgroup_v2; then
		grep -qx 'frozen 1' "$(cg_dir pz)/cgroup.events"
	else
		[ "$(cat "$(cg_dir pz freezer)/freezer.state")" = FROZEN ]
		[ "$(proc_state "$pid")" = D ]
	fi
	count=$(cat "$HOSTDIR/count")
	sleep 0.3
	[ "$(cat "$HOSTDIR/count")" = "$count" ]
	run rt pause pz
	[ "$status" -ne 0 ]
	run rt resume pz
	[ "$status" -eq 0 ]
	[ "$(state_of pz status)" = running ]
	if cgroup_v2; then
		grep -qx 'frozen 0' "$(cg_dir pz)/cgroup.events"
	else
		[ "$(cat "$(cg_dir pz freezer)/freezer.state")" = THAWED ]
	fi
	sleep 0.3
	[ "$(cat "$HOSTDIR/count")" -gt "$count" ]
	run rt resume pz
	[ "$status" -ne 0 ]
	# A paused container goes with delete --force too.
	rt pause pz
	run rt delete --force pz
	[ "$status" -eq 0 ]
	wait_until_gone "$pid"
}

@test "08-runtime: features prints valid JSON" {
	run rt features
	[ "$status" -eq 0 ]
	echo "$output" | "$PYTHON" -m json.tool >/dev/null
	py 'j = json.loads(args[0]); assert j["ociVersionMax"].startswith("1."), j; assert "namespaces" in j["linux"], j' "$output"
}

# ---- the process -------------------------------------------------------------------

@test "08-runtime: process.user other than root, for PID 1 and for exec; capabilities as config.json says" {
	chmod 777 "$HOSTDIR"
	run_container us "c['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [2000]}" \
		"c['process']['args'] = ['sh', '-c', 'id > /run/id; exec sleep 60']"
	wait_file "$HOSTDIR/id"
	pid=$(state_of us pid)
	for _ in $(seq 20); do [ "$(cat "/proc/$pid/comm")" = sleep ] && break; sleep 0.1; done
	[ "$(cat "$HOSTDIR/id")" = "uid=1000 gid=1000 groups=2000" ]
	grep -qx 'Uid:	1000	1000	1000	1000' "/proc/$pid/status"
	# spec's three: AUDIT_WRITE (29), KILL (5), NET_BIND_SERVICE (10) bound;
	# none effective for a user other than root.
	grep -qx 'CapBnd:	0000000020000420' "/proc/$pid/status"
	grep -qx 'CapEff:	0000000000000000' "/proc/$pid/status"
	py 'json.dump({"user": {"uid": 1001, "gid": 1001}, "cwd": "/", "args": ["id"]}, open(args[0], "w"))' "$T/user.json"
	run rt exec --process "$T/user.json" us
	[ "$status" -eq 0 ]
	[ "$output" = "uid=1001 gid=1001" ]
	# exec ID CMD runs as config.json's user.
	run rt exec us id -u
	[ "$output" = 1000 ]
	# Root, with the sets a process.json asks for: CHOWN (0) and KILL (5).
	# (Root's execve() makes the permitted and effective sets the bounding one.)
	py 'json.dump({"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
	               "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
	                                "permitted": ["CAP_CHOWN", "CAP_KILL"]},
	               "args": ["grep", "-E", "^Cap(Prm|Eff|Bnd)", "/proc/self/status"]}, open(args[0], "w"))' "$T/caps.json"
	run rt exec --process "$T/caps.json" us
	[ "$status" -eq 0 ]
	[ "$output" = "CapPrm:	0000000000000021"$'\n'"CapEff:	0000000000000021"$'\n'"CapBnd:	0000000000000021" ]
}

# ---- logs -------------------------------------------------------------------------

@test "08-runtime: --log FILE --log-format json writes an error as JSON lines, and one line on stderr" {
	bundle lg "c['process']['args'] = 'sh -c true'"
	run --separate-stderr rt --log "$T/log.json" --log-format json create --bundle "$T/lg" lg 3>&-
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[ -s "$T/log.json" ]
	py '
lines = open(args[0]).read().splitlines()
assert lines, "empty log"
for line in lines:
    j = json.loads(line)
    assert isinstance(j, dict), line
    assert j["level"] in ("error", "warning", "info", "debug"), line
    assert j["msg"], line
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", j["time"]), line
assert any(json.loads(l)["level"] == "error" and "args" in json.loads(l)["msg"] for l in lines), lines
' "$T/log.json"
	[ ! -e "$ROOT/lg" ]
}

# ---- the terminal -----------------------------------------------------------------

@test "08-runtime: --console-socket gets one fd, named /dev/pts/N; the master shows the program's output" {
	bundle tty "c['process']['terminal'] = True" "c['process']['args'] = ['sh', '-c', 'tty; echo on-the-terminal']"
	cat >"$T/recv.py" <<'EOF'
import os, select, socket, sys, time
path, log = sys.argv[1], open(sys.argv[2], 'w')
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(10)
conn, _ = srv.accept()
conn.settimeout(10)
msg, fds, _, _ = socket.recv_fds(conn, 1024, 8)
log.write('name %s\nfds %d\n' % (msg.decode(), len(fds)))
more, more_fds, _, _ = socket.recv_fds(conn, 1024, 8)   # the end: create closed it
log.write('more %d %d\n' % (len(more), len(more_fds)))
log.flush()
data, deadline = b'', time.time() + 10
while fds and time.time() < deadline:
    if select.select([fds[0]], [], [], 0.2)[0]:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:   # EIO: the container's end is closed
            break
        if not chunk:
            break
        data += chunk
log.write('output %s\n' % data.decode(errors='replace').replace('\r', '').replace('\n', '|'))
EOF
	"$PYTHON" "$T/recv.py" "$T/console.sock" "$T/console.log" 3>&- &
	BG_PIDS=$!
	wait_file "$T/console.sock"
	create tty --console-socket "$T/console.sock"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run rt start tty
	[ "$status" -eq 0 ]
	wait "$BG_PIDS"
	run cat "$T/console.log"
	[[ "${lines[0]}" =~ ^name\ /dev/pts/[0-9]+$ ]]
	[ "${lines[1]}" = "fds 1" ]
	[ "${lines[2]}" = "more 0 0" ]
	[ "${lines[3]}" = "output /dev/pts/0|on-the-terminal|" ]
}

@test "08-runtime: terminal true needs --console-socket, terminal false refuses one" {
	bundle t1 "c['process']['terminal'] = True"
	create t1
	[ "$status" -ne 0 ]
	[[ "$output" == *console-socket* ]]
	one_line_and_nothing_of t1
	bundle t2
	create t2 --console-socket "$T/nosuch.sock"
	[ "$status" -ne 0 ]
	one_line_and_nothing_of t2
}


# ---- hooks ------------------------------------------------------------------------

# A hook script of the host, hook.sh KIND: notes KIND in $T/order, keeps its
# stdin (the state) in $T/KIND.json, what PID 1 was then in $T/KIND.exe, and
# whether the program had run in $T/KIND.ran.
write_hook() {
	cat >"$T/hook.sh" <<'HOOK'
#!/bin/sh
kind=$1
cat >"$DIR/$kind.json"
echo "$kind" >>"$DIR/order"
pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$DIR/$kind.json")
readlink "/proc/$pid/exe" >"$DIR/$kind.exe" 2>/dev/null || echo gone >"$DIR/$kind.exe"
if [ -e "$DIR/host/ran" ]; then echo ran; else echo not-yet; fi >"$DIR/$kind.ran"
HOOK
	chmod +x "$T/hook.sh"
}

# The state a hook got: `hook_state KIND STATUS PID`.
hook_state() {
	py '
j = json.load(open(args[0]))
assert j["id"] == args[3] and j["status"] in args[1].split("|") and j["pid"] == int(args[2]), j
assert j["bundle"] == os.environ["T"] + "/" + args[3], j
' "$T/$1.json" "$2" "$3" "$4"
}

@test "08-runtime: prestart, createRuntime, poststart, poststop hooks get the state on stdin, each at its time" {
	write_hook
	bundle hk "c['process']['args'] = ['sh', '-c', 'echo > /run/ran; sleep 60']" \
		"c['hooks'] = {k: [hook(k)] for k in ('prestart', 'createRuntime', 'poststart', 'poststop')}"
	create hk
	[ "$status" -eq 0 ]
	pid=$(state_of hk pid)
	[ "$(tr '\n' ' ' <"$T/order")" = "prestart createRuntime " ]
	for kind in prestart createRuntime; do
		hook_state "$kind" 'creating|created' "$pid" hk
		# PID 1 was there, and had not exec'd the program yet.
		[ "$(cat "$T/$kind.exe")" = "$(readlink -f "$RT")" ]
		[ "$(cat "$T/$kind.ran")" = not-yet ]
	done
	run rt start hk
	[ "$status" -eq 0 ]
	# poststart has run when start returns.
	[ "$(tr '\n' ' ' <"$T/order")" = "prestart createRuntime poststart " ]
	hook_state poststart running "$pid" hk
	rt kill hk KILL
	wait_status hk stopped
	[ ! -e "$T/poststop.json" ]
	run rt delete hk
	[ "$status" -eq 0 ]
	[ "$(tr '\n' ' ' <"$T/order")" = "prestart createRuntime poststart poststop " ]
	py 'j = json.load(open(args[0])); assert j["id"] == "hk" and j["status"] == "stopped", j' "$T/poststop.json"
	[ "$(cat "$T/poststop.exe")" = gone ]
}

@test "08-runtime: a failing prestart hook fails create and leaves nothing" {
	printf '#!/bin/sh\ncat >/dev/null\nexit 3\n' >"$T/fail.sh"
	chmod +x "$T/fail.sh"
	bundle hf "c['process']['args'] = ['sh', '-c', 'echo > /run/ran']" \
		"c['hooks'] = {'prestart': [hook('prestart', 'fail.sh')]}"
	create hf
	[ "$status" -ne 0 ]
	[[ "$output" == *prestart*fail.sh* ]]
	one_line_and_nothing_of hf
	nothing_left
	[ ! -e "$HOSTDIR/ran" ]
}

@test "08-runtime: a hook that outlives its timeout is killed, with what it started, and create fails" {
	printf '#!/bin/sh\necho $$ >"$DIR/slow.pid"\nsleep 4.9731\n' >"$T/slow.sh"
	chmod +x "$T/slow.sh"
	bundle ht "c['hooks'] = {'prestart': [hook('prestart', 'slow.sh', 1)]}"
	SECONDS=0
	create ht
	[ "$status" -ne 0 ]
	[ "$SECONDS" -lt 4 ]
	[[ "$output" == *timeout* ]]
	TRACKED_PIDS=$(cat "$T/slow.pid")
	one_line_and_nothing_of ht
	wait_until_gone "$TRACKED_PIDS"
	for _ in $(seq 20); do
		[ -n "$(pgrep -f 'sleep 4.9731')" ] || break
		sleep 0.1
	done
	[ -z "$(pgrep -f 'sleep 4.9731')" ]
}

# ---- config.json and the command line: refused, and nothing made --------------------

# Create ID from its bundle: refused, one line on stderr, nothing made.
refused() {
	create "$1"
	[ "$status" -ne 0 ] || { echo "create $1 succeeded" >&2; return 1; }
	[ ! -s "$T/$1.out" ] || { echo "stdout: $(cat "$T/$1.out")" >&2; return 1; }
	one_line_and_nothing_of "$1"
}

@test "08-runtime: run is create, start, wait and delete: the program's status, nothing left" {
	bundle r "c['process']['args'] = ['sh', '-c', 'echo ran as \$\$; exit 7']"
	run rt run --bundle "$T/r" r
	[ "$status" -eq 7 ]
	[ "$output" = "ran as 1" ]
	[ ! -e "$ROOT/r" ]
	nothing_of r
	run rt run --bundle "$T/r" --preserve-fds nope r2
	[ "$status" -ne 0 ]
	[[ "$output" == *'--preserve-fds "nope"'* ]]
	[ ! -e "$ROOT/r2" ]
}

@test "08-runtime: refused: no config.json" {
	bundle nc
	rm "$T/nc/config.json"
	refused nc
	[[ "$output" == *config.json* ]]
}

@test "08-runtime: refused: config.json that is not JSON" {
	bundle bad
	printf '{"ociVersion": "1.2.0", "process": ' >"$T/bad/config.json"
	refused bad
	[[ "$output" == *config.json* ]]
}

@test "08-runtime: refused: config.json nested 1000 deep" {
	bundle deep
	py 'open(args[0], "w").write("{\"ociVersion\": \"1.2.0\", \"x\": " + "[" * 1000 + "]" * 1000 + "}")' "$T/deep/config.json"
	refused deep
	[[ "$output" == *nested* ]]
}

@test "08-runtime: refused: a 5 MB config.json" {
	bundle big "c['annotations'] = {'big': 'x' * (5 * 1024 * 1024)}"
	[ "$(stat -c %s "$T/big/config.json")" -gt 5000000 ]
	refused big
	[[ "$output" == *limit* ]]
}

@test "08-runtime: refused: process.args a string" {
	bundle ty "c['process']['args'] = 'sleep 60'"
	refused ty
	[[ "$output" == *args* ]]
}

@test "08-runtime: refused: a blockIO or network limit it cannot set; docker's zeros pass" {
	bundle bio "c['linux']['resources']['blockIO'] = {'weight': 500}"
	refused bio
	[[ "$output" == *blockIO.weight* ]]
	bundle net "c['linux']['resources']['network'] = {'classID': 7}"
	refused net
	[[ "$output" == *network.classID* ]]
	bundle zeros "c['linux']['resources']['blockIO'] = {'weight': 0}" \
		"c['linux']['resources']['cpu'] = {'shares': 0}" "c['process']['args'] = ['true']"
	create zeros
	[ "$status" -eq 0 ]
}

@test "08-runtime: refused: an unknown namespace type" {
	bundle ns "c['linux']['namespaces'].append({'type': 'bogus'})"
	refused ns
	[[ "$output" == *bogus* ]]
}

@test "08-runtime: refused: joining a mount or user namespace by path" {
	bundle nsm "[n.update(path='/proc/1/ns/mnt') for n in c['linux']['namespaces'] if n['type'] == 'mount']"
	refused nsm
	[[ "$output" == *mount* ]]
	bundle nsu "c['linux']['namespaces'].append({'type': 'user', 'path': '/proc/1/ns/user'})"
	refused nsu
	[[ "$output" == *user* ]]
}

@test "08-runtime: refused: no \"linux\" object" {
	bundle nl "del c['linux']"
	refused nl
	[[ "$output" == *linux* ]]
}

@test "08-runtime: refused: a systemd cgroupsPath, and --systemd-cgroup" {
	bundle sd "c['linux']['cgroupsPath'] = 'system.slice:stepbox-test:sd'"
	refused sd
	[[ "$output" == *systemd* ]]
	bundle sd2
	run rt --systemd-cgroup create --bundle "$T/sd2" sd2 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *systemd* ]]
	one_line_and_nothing_of sd2
}

@test "08-runtime: refused: unknown options, global and of each command" {
	bundle uo
	for words in "--bogus create --bundle $T/uo uo" "create --bogus --bundle $T/uo uo" \
		"state --bogus uo" "start --bogus uo" "kill --bogus uo" "delete --bogus uo" \
		"exec --bogus uo true" "ps --bogus uo" "nosuchcommand uo"; do
		# shellcheck disable=SC2086  # the words are the command line
		run rt $words 3>&-
		[ "$status" -ne 0 ] || { echo "$words: status 0"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$words: $output"; false; }
		[[ "$output" == *bogus* || "$output" == *nosuchcommand* ]] || { echo "$words: $output"; false; }
	done
	one_line_and_nothing_of uo
}

@test "08-runtime: refused: an id with '/' or '..'" {
	bundle good
	for id in a/b ../escape .. . '' "$(printf 'new\nline')"; do
		create_in "$T/good" "$id"
		[ "$status" -ne 0 ] || { echo "id '$id': status 0"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "id '$id': $output"; false; }
		[ ! -e "$T/escape" ]
		[ ! -e "$ROOT/a" ]
		[ -z "$(test_cgroups)" ]
		run rt state "$id"
		[ "$status" -ne 0 ]
	done
	[ ! -e "$ROOT" ] || [ -z "$(ls -A "$ROOT")" ]
}

# ---- limits, devices, masked paths ------------------------------------------------

@test "08-runtime: memory.limit and pids.limit are in the container's cgroup on the host, and bite" {
	run_container lim "c['linux']['resources']['memory'] = {'limit': 67108864}" \
		"c['linux']['resources']['pids'] = {'limit': 20}"
	if cgroup_v2; then
		[ "$(cat "$(cg_dir lim)/memory.max")" = 67108864 ]
		[ "$(cat "$(cg_dir lim)/pids.max")" = 20 ]
		pids_current=$(cg_dir lim)/pids.current
	else
		[ "$(cat "$(cg_dir lim memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cg_dir lim pids)/pids.max")" = 20 ]
		pids_current=$(cg_dir lim pids)/pids.current
	fi
	pid=$(state_of lim pid)
	grep -q "$(cg_path lim)\$" "/proc/$pid/cgroup"
	run rt exec lim sh -c 'i=0; while [ $i -lt 30 ]; do sleep 5 >/dev/null 2>&1 & i=$((i+1)); done'
	[[ "$output" == *"can't fork"* ]] || { echo "$output"; false; }
	[ "$(cat "$pids_current")" -le 20 ]
}

# A node made by config.json (linux.devices) for a device no driver has,
# c 1:12: opening it says ENXIO where the rules allow it, EPERM where they deny.
# (A rule here denies "rw", not "m": on v1 a deny of m is an exception that
# runc's appended "c *:* m" does not lift, and PID 1 could not make the node.)
PROBE_DEVICE="c['linux']['devices'] = [{'path': '/dev/probe', 'type': 'c', 'major': 1, 'minor': 12}]"
PROBE='stat -c %t:%T /dev/probe; : </dev/probe'

@test "08-runtime: a device rule that denies c 1:12 makes its node fail inside; allowed devices work" {
	run_container dv "$PROBE_DEVICE" "c['linux']['resources']['devices'] = [{'allow': True, 'access': 'rwm'},
		{'allow': False, 'type': 'c', 'major': 1, 'minor': 12, 'access': 'rw'}]"
	run rt exec dv sh -c "$PROBE"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 1:c ]
	[[ "${lines[1]}" == *"not permitted"* ]]
	run rt exec dv sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
	[ "$status" -eq 0 ]
	[ "$output" = "4"$'\n'"4" ]
	# Without the second rule, the kernel gets as far as the driver, which is not there.
	run_container dv2 "$PROBE_DEVICE" "c['linux']['resources']['devices'] = [{'allow': True, 'access': 'rwm'}]"
	run rt exec dv2 sh -c "$PROBE"
	[ "$status" -ne 0 ]
	[[ "${lines[1]}" == *"No such device"* ]]
}

@test "08-runtime: spec's rule denies all, yet the usual devices work (runc's defaults come after it)" {
	run_container sp "$PROBE_DEVICE"
	run rt exec sp sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
	[ "$status" -eq 0 ]
	[ "$output" = "4"$'\n'"4" ]
	# And the rest is denied.
	run rt exec sp sh -c "$PROBE"
	[ "$status" -ne 0 ]
	[[ "${lines[1]}" == *"not permitted"* ]]
	# As with runc, a rule of config.json cannot take the usual ones away:
	# they come after its rules, and the last rule that matches decides.
	run_container sp2 "c['linux']['resources']['devices'].append({'allow': False, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rwm'})"
	run rt exec sp2 sh -c 'echo x > /dev/null'
	[ "$status" -eq 0 ]
}

@test "08-runtime: masked paths are empty inside (/proc/kcore where the kernel has it)" {
	run_container mk
	found=0
	for path in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
		[ -e "$path" ] || continue
		found=$((found + 1))
		run rt exec mk sh -c "stat -c %t:%T $path; wc -c < $path"
		[ "$output" = "1:3"$'\n'"0" ] || { echo "$path: $output"; false; }
	done
	[ "$found" -gt 0 ]
	for path in /proc/acpi /sys/firmware; do
		[ -e "$path" ] || continue
		run rt exec mk ls -A "$path"
		[ "$status" -eq 0 ]
		[ -z "$output" ] || { echo "$path: $output"; false; }
	done
	[ -e /proc/kcore ] || echo "# /proc/kcore is not on this kernel: /proc/keys and the others stood in" >&3
}

@test "08-runtime: a rootfs whose /dev/null is a symlink to a host file is refused for maskedPaths (CVE-2025-31133)" {
	cp -a "$ROOTFS" "$T/evil-rootfs"
	ln -s /proc/sys/kernel/core_pattern "$T/evil-rootfs/dev/null"
	pattern=$(cat /proc/sys/kernel/core_pattern)
	bundle evil "c['root']['path'] = env['T'] + '/evil-rootfs'" \
		"c['mounts'] = [m for m in c['mounts'] if not m['destination'].startswith('/dev')]" \
		"c['linux']['maskedPaths'] = ['/proc/keys', '/proc/timer_list']"
	create evil
	[ "$status" -ne 0 ]
	# (not the first line under make asan: ASan warns about the clone's stack first)
	[[ "$output" == *"/dev/null in the container is not the null device"*CVE-2025-31133* ]]
	nothing_of evil
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$pattern" ]
	nothing_left
}

# ---- robustness -------------------------------------------------------------------

# Start create of ID with STEPBOX_FAULT=PHASE and SIGKILL it when it waits there.
kill_create_at() {
	local id=$1 phase=$2 pid
	STEPBOX_FAULT=$phase "$RT" --root "$ROOT" create --bundle "$T/$id" "$id" \
		>"$T/$id.out" 2>&1 </dev/null 3>&- &
	pid=$!
	for _ in $(seq 50); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "fault:$phase" ] && break
		sleep 0.1
	done
	[ "$(cat "/proc/$pid/comm")" = "fault:$phase" ] || { cat "$T/$id.out"; return 1; }
	kill -KILL "$pid"
	wait "$pid" || true
}

@test "08-runtime: create killed (SIGKILL) before and after clone, then delete --force: nothing left" {
	for phase in clone cgroup; do
		bundle "f$phase"
		kill_create_at "f$phase" "$phase"
		run rt delete --force "f$phase"
		[ "$status" -eq 0 ]
		nothing_left
	done
}

@test "08-runtime: create killed (SIGKILL) during a prestart hook, then delete --force: nothing left" {
	printf '#!/bin/sh\necho $$ >"$DIR/hook.pid"\nexec sleep 30\n' >"$T/sleepy.sh"
	chmod +x "$T/sleepy.sh"
	bundle fh "c['hooks'] = {'prestart': [hook('prestart', 'sleepy.sh')]}"
	"$RT" --root "$ROOT" create --bundle "$T/fh" fh >"$T/fh.out" 2>&1 </dev/null 3>&- &
	pid=$!
	wait_file "$T/hook.pid"
	TRACKED_PIDS="$(cat "$T/hook.pid")"
	pid1=$(state_of fh pid)
	TRACKED_PIDS="$TRACKED_PIDS $pid1"
	kill -KILL "$pid"
	wait "$pid" || true
	wait_until_gone "$pid1"
	run rt delete --force fh
	[ "$status" -eq 0 ]
	nothing_left
}

@test "08-runtime: 20 creates at once, each its own id: all succeed, all delete cleanly" {
	for n in $(seq 20); do bundle "m$n"; done
	pids=()
	for n in $(seq 20); do
		"$RT" --root "$ROOT" create --bundle "$T/m$n" "m$n" >"$T/m$n.out" 2>&1 </dev/null 3>&- &
		pids+=("$!")
	done
	failed=0
	for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
	[ "$failed" -eq 0 ] || { cat "$T"/m*.out; false; }
	for n in $(seq 20); do
		[ "$(state_of "m$n" status)" = created ]
		[ -d "$(cg_dir "m$n" pids)" ]
	done
	pids=()
	for n in $(seq 20); do
		"$RT" --root "$ROOT" delete --force "m$n" >>"$T/delete.out" 2>&1 &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
	[ "$failed" -eq 0 ] || { cat "$T/delete.out"; false; }
	[ ! -s "$T/delete.out" ]
	nothing_left
}

@test "08-runtime: 5 creates of one id at once: exactly one wins, the others change nothing" {
	for n in $(seq 5); do bundle "same$n"; done
	pids=()
	for n in $(seq 5); do
		"$RT" --root "$ROOT" create --bundle "$T/same$n" same >"$T/same$n.out" 2>&1 </dev/null 3>&- &
		pids+=("$!")
	done
	won=0
	for pid in "${pids[@]}"; do wait "$pid" && won=$((won + 1)); done
	[ "$won" -eq 1 ]
	[ "$(state_of same status)" = created ]
	bundle_of=$(state_of same bundle)
	[ "$(find /sys/fs/cgroup/*/$CGTEST /sys/fs/cgroup/$CGTEST -mindepth 1 -type d 2>/dev/null |
		grep -v "$(cg_path "${bundle_of##*/}")\$" || true)" = "" ]
	run rt delete --force same
	[ "$status" -eq 0 ]
}
