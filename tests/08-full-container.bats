#!/usr/bin/env bats
# 08-full-container: a runtime with docker's commands, a shim per container,
# the state in files. Every check looks from outside: /proc, the cgroup tree,
# ip link, the state directory.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

B=build/08-full-container
STATE=$RUNDIR/containers

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	# Whatever a test left: removed the way a user would.
	local ids
	ids=$($B ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || $B rm -f $ids >/dev/null 2>&1 || true
	for pid in ${CLI_PIDS:-}; do kill -KILL "$pid" 2>/dev/null || true; done
	[ -z "${OVERLAY_MOUNT:-}" ] || umount "$OVERLAY_MOUNT" 2>/dev/null || true
}

# The host PID of PID 1 of container $1, from inspect.
pid1_of() {
	$B inspect "$1" | sed -n 's/^ *"Pid": \([0-9]*\),$/\1/p'
}

# Wait (up to 5 s) until `ps` shows container $1 with a status starting $2.
wait_for_status() {
	for _ in $(seq 50); do
		$B ps -a | grep -E "(^| )$1\$" | grep -q "   $2" && return 0
		sleep 0.1
	done
	$B ps -a >&2
	return 1
}

nothing_left() {
	shims_settle
	[ ! -e "$STATE" ] || [ -z "$(ls -A "$STATE")" ]
	[ -z "$(stepbox_cgroups)" ]
	veths_settle ""
}

@test "08: images lists the built-ins busybox and web in docker's columns" {
	run $B images
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ "$output" =~ busybox\ +latest\ +[0-9a-f]{12}\ +[^\ ].*\ ago\ +[0-9.]+[kM]B ]]
	[[ "$output" =~ web\ +latest\ +[0-9a-f]{12}\ + ]]
}

@test "08: run prints the container's output and returns its status, as docker does" {
	run $B run --rm busybox /bin/echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run -3 $B run --rm busybox sh -c 'exit 3'
	run -137 $B run --rm busybox sh -c 'sh -c "kill -KILL \$\$"; exit $?'
	run -127 $B run --rm busybox no-such-command
	[[ "$output" == *'execve("no-such-command"): No such file or directory'* ]]
	run -126 $B run --rm busybox /etc/passwd
	run -125 $B run --rm no-such-image
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'Unable to find image "no-such-image"'* ]]
	nothing_left
}

@test "08: run -d prints the ID; ps shows it Up under its name; the shim is PID 1's parent" {
	run $B run -d --name box busybox sleep 30
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	id=$output
	run $B ps
	[ "${lines[0]}" = 'CONTAINER ID   IMAGE     COMMAND      CREATED                  STATUS                  PORTS   NAMES' ] ||
		[[ "${lines[0]}" == 'CONTAINER ID   IMAGE     COMMAND      CREATED '* ]]
	[[ "${lines[1]}" == "${id:0:12}   busybox   \"sleep 30\"   "*"   Up "*"box" ]]
	[ "$($B ps -q)" = "${id:0:12}" ]
	pid=$(pid1_of box)
	# PID 1 on the host runs the command; its parent is the shim, which is not run.
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 30 " ]
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	[[ "$(tr '\0' ' ' </proc/"$shim"/cmdline)" == *"08-full-container run -d --name box"* ]]
	grep -q "^owner $shim " "$STATE/$id/record"
	# A prefix of the ID finds it too.
	[ "$(pid1_of "${id:0:5}")" = "$pid" ]
}

@test "08: inspect's Pid, namespaces and cgroup are what /proc shows" {
	$B run -d --name box busybox sleep 30
	run $B inspect box
	[ "$status" -eq 0 ]
	[[ "$output" == *'"Status": "running"'* ]]
	[[ "$output" == *'"Running": true'* ]]
	[[ "$output" == *'"Name": "/box"'* ]]
	pid=$(pid1_of box)
	for ns in ipc mnt net pid uts cgroup; do
		inode=$(stat -L -c %i "/proc/$pid/ns/$ns")
		[[ "$output" == *"\"$ns\": $inode"* ]] || { echo "$ns $inode"; false; }
	done
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	cgroup=$(echo "$output" | sed -n 's/.*"CgroupPaths": \["\([^"]*\)".*/\1/p')
	grep -qx "$pid" "$cgroup/cgroup.procs"
}

@test "08: exec joins every namespace of PID 1, with the image's environment" {
	$B run -d --name box busybox sleep 30
	pid=$(pid1_of box)
	run $B exec box sh -c 'for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done; echo $PATH'
	[ "$status" -eq 0 ]
	i=0
	for ns in ipc mnt net pid uts cgroup; do
		[ "${lines[$i]}" = "$(readlink "/proc/$pid/ns/$ns")" ] || { echo "$ns: ${lines[$i]}"; false; }
		i=$((i + 1))
	done
	[ "${lines[6]}" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
	run $B exec box ps -o pid,args
	[[ "${lines[1]}" == *'1 sleep 30' ]]
	run -3 $B exec box sh -c 'exit 3'
	run -127 $B exec box no-such-command
	run -126 $B exec box /etc/passwd
	run $B exec -e X=1 -w /tmp box sh -c 'echo $X; pwd'
	[ "$output" = "$(printf '1\n/tmp')" ]
}

@test "08: exec -i passes stdin on, without it stdin is empty; exec -t gives a terminal of the container's" {
	$B run -d --name box busybox sleep 30
	run bash -c "echo through | $B exec -i box cat"
	[ "$output" = through ]
	run bash -c "echo lost | $B exec box cat"
	[ "$output" = "" ]
	run script -qec "$B exec -t box sh -c 'tty; exit 6'" /dev/null </dev/null
	[ "$status" -eq 6 ]
	[[ "$output" == *'/dev/pts/'* ]]
}

@test "08: exec never hands the caller's terminal inside: no TIOCSTI through fd 0, 1 or 2" {
	$B run -d --name box busybox sleep 30
	run script -qec "$B exec box sh -c 'probe tiocsti x <&2; probe tiocsti x <&1; probe ctty'" \
		/dev/null </dev/null
	[[ "$output" != *'TIOCSTI: injected'* ]]
	[[ "$output" == *'ctty: none'* ]]
}

@test "08: run -d of a command that cannot run fails as docker's does: 127, the reason, no ID" {
	run -127 --separate-stderr $B run -d --name broken-cmd busybox no-such-command
	[ "$output" = "" ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[[ "$stderr" == *'execve("no-such-command"): No such file or directory'* ]]
	run $B logs broken-cmd
	[[ "$output" == *'No such file or directory'* ]]
}

@test "08: logs shows stdout and stderr in order, with -t and --tail; -f follows to the end" {
	# (stdout and stderr are two pipes: what comes within a moment may cross)
	$B run --name talk busybox sh -c 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three' \
		>/dev/null 2>&1
	run $B logs talk
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\ntwo\nthree')" ]
	run --separate-stderr $B logs talk
	[ "$output" = "$(printf 'one\nthree')" ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "$stderr" = two ]
	run $B logs --tail 1 talk
	[ "$output" = three ]
	run $B logs -t talk
	[[ "${lines[0]}" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{18}Z\ one$ ]]
	$B run -d --name slow busybox sh -c 'echo a; sleep 1; echo b'
	run timeout 10 $B logs -f slow
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb')" ]
	# -f ends with its reader, not with the container.
	$B run -d --name chatty busybox sh -c 'while :; do echo x; sleep 0.1; done'
	SECONDS=0
	run bash -c 'timeout 10 "$1" logs -f chatty | head -n 1' _ $B
	[ "$output" = x ]
	[ "$SECONDS" -lt 5 ]
}

@test "08: -e, -w and --hostname; the image's defaults otherwise" {
	run $B run --rm -e GREETING=hi -w /var/tmp --hostname box busybox sh -c 'echo $GREETING; pwd; hostname'
	[ "$output" = "$(printf 'hi\n/var/tmp\nbox')" ]
	run $B run --rm --name named web sh -c 'pwd; echo $PORT; hostname'
	[ "${lines[0]}" = /www ]
	[ "${lines[1]}" = 80 ]
	[[ "${lines[2]}" =~ ^[0-9a-f]{12}$ ]]
}

@test "08: -i passes stdin on; without it stdin is empty" {
	run bash -c "echo through | $B run --rm -i busybox cat"
	[ "$output" = through ]
	run bash -c "echo lost | $B run --rm busybox cat"
	[ "$output" = "" ]
}

@test "08: -t gives the container a terminal of its own, through a real pty" {
	run script -qec "$B run -it --rm busybox sh -c 'tty; test -t 0 && echo is-a-tty; exit 4'" /dev/null </dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *'/dev/pts/0'* ]]
	[[ "$output" == *'is-a-tty'* ]]
}

@test "08: stop sends SIGTERM, then SIGKILL after -t; a PID 1 that handles SIGTERM exits at once" {
	$B run -d --name deaf busybox sleep 30
	start=$(date +%s%N)
	run $B stop -t 1 deaf
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$output" = deaf ]
	[ "$took" -ge 1000 ] && [ "$took" -lt 5000 ]
	wait_for_status deaf 'Exited (137)'
	$B run -d --name polite busybox probe sleep 30
	start=$(date +%s%N)
	$B stop -t 10 polite
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$took" -lt 3000 ]
	wait_for_status polite 'Exited (0)'
	run $B logs polite
	[[ "$output" == *'caught SIGTERM'* ]]
}

@test "08: kill -s sends any signal; wait prints the exit code" {
	$B run -d --name target busybox probe sleep 30
	run $B kill -s TERM target
	[ "$output" = target ]
	run $B wait target
	[ "$output" = 0 ]
	$B run -d --name second busybox sleep 30
	$B kill second
	run $B wait second
	[ "$output" = 137 ]
}

@test "08: rm refuses a running container; rm -f stops and removes it, leaving nothing" {
	id=$($B run -d --name busy busybox sleep 30)
	pid=$(pid1_of busy)
	run -1 $B rm busy
	[ "$output" = 'Error: cannot remove a running container busy: stop it first or use rm -f' ]
	[ -d "$STATE/$id" ]
	run $B rm -f busy
	[ "$output" = busy ]
	wait_until_gone "$pid"
	[ ! -e "$STATE/$id" ]
	nothing_left
}

@test "08: --rm removes the container when it exits; without it ps -a keeps it" {
	$B run --rm --name gone busybox true
	[ -z "$($B ps -aq)" ]
	$B run --name kept busybox true
	run $B ps -a
	[[ "${lines[1]}" == *'Exited (0) '*' ago   '*'kept' ]]
	$B rm kept
	nothing_left
}

@test "08: the shim keeps no fd of its caller's but 0-2 (close_range over the gaps)" {
	# fds 7 and 9 of the caller, on files of its own: the shim must not hold them.
	local id pid shim
	id=$(bash -c 'exec 7<"$1" 9>"$2"; exec "$3" run -d busybox sleep 30' _ \
		/etc/hostname "$BATS_TEST_TMPDIR/nine" "$B")
	pid=$(pid1_of "$id")
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	run ls -l "/proc/$shim/fd"
	echo "$output"
	[[ "$output" != *'/etc/hostname'* ]]
	[[ "$output" != *"$BATS_TEST_TMPDIR/nine"* ]]
	# What it holds is its own: the log, the container's pipes, its signalfd.
	[[ "$output" == *"/containers/$id/log"* ]]
	$B rm -f "$id" >/dev/null
	nothing_left
}

@test "08: run --rm returns once the container is out of ps and its name free; its shim removes the rest after" {
	# The shim stops right after it told the CLI (lib/base/fault.h: retired).
	STEPBOX_FAULT=retired $B run --rm --name twice busybox sh -c 'exit 3' 3>&- &
	local cli=$! shim='' status=0
	wait "$cli" || status=$?
	[ "$status" -eq 3 ]
	for _ in $(seq 50); do
		shim=$(pgrep -x fault:retired || true)
		[ -z "$shim" ] || break
		sleep 0.1
	done
	[ -n "$shim" ]
	# run has returned, the removal has not begun: the directory is out of
	# sight (<id>.removing), the cgroup still there, the name already free.
	[ -z "$($B ps -aq)" ]
	compgen -G "$STATE/*.removing" >/dev/null
	[ -n "$(stepbox_cgroups)" ]
	$B run --rm --name twice busybox true
	kill -USR2 "$shim"
	nothing_left
}

@test "08: the foreground CLI SIGKILLed, the container runs on under its shim" {
	$B run --name survivor busybox sh -c 'echo started; sleep 30' >/dev/null &
	cli=$!
	CLI_PIDS=$cli
	wait_for_status survivor Up
	kill -KILL "$cli"
	wait "$cli" || true
	sleep 0.2
	wait_for_status survivor Up
	run $B stop -t 0 survivor
	[ "$status" -eq 0 ]
	wait_for_status survivor 'Exited (137)'
}

@test "08: the shim SIGKILLed: PID 1 dies with it, ps says Dead, rm -f leaves nothing" {
	$B run -d --name orphan busybox sleep 30
	pid=$(pid1_of orphan)
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	kill -KILL "$shim"
	wait_until_gone "$pid"
	wait_for_status orphan Dead
	run $B inspect orphan
	[[ "$output" == *'"Status": "dead"'* ]]
	[[ "$output" == *'its shim died'* ]]
	$B rm -f orphan
	nothing_left
}

@test "08: with the shim and PID 1 killed, ps -a, inspect and logs change no file and no cgroup" {
	$B run -d --name orphan2 busybox sh -c 'echo hello; exec sleep 30'
	pid=$(pid1_of orphan2)
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	kill -KILL "$shim"
	wait_until_gone "$pid"
	snapshot() {
		find "$STATE" -printf '%p %s %T@\n' | sort
		stepbox_cgroups
	}
	before=$(snapshot)
	$B ps -a | grep -q 'Dead'
	$B inspect orphan2 | grep -q '"Status": "dead"'
	[ "$($B logs orphan2)" = hello ]
	$B ps >/dev/null
	[ "$(snapshot)" = "$before" ]
	# The cgroup the dead container left is still there: rm -f takes it.
	[ -n "$(stepbox_cgroups)" ]
	$B rm -f orphan2
	nothing_left
}

@test "08: --trace's mount lines are what the container's /proc/self/mounts shows, in time order" {
	run $B --trace run --rm --net none busybox cat /proc/self/mounts
	[ "$status" -eq 0 ]
	mounts=$(echo "$output" | grep -v '^\[')
	traced=$(echo "$output" | grep -E '^\[ *[0-9.]+ ms\] mount\("(proc|sysfs|tmpfs|devpts|cgroup2)", "/')
	[ "$(echo "$traced" | wc -l)" -ge 5 ]
	while read -r line; do
		target=$(echo "$line" | sed -E 's/^[^(]*\("[^"]*", "([^"]*)".*/\1/')
		flags=$(echo "$line" | sed -E 's/^.*", (MS_[A-Z_|]+|0), .*$/\1/')
		options=$(echo "$mounts" | awk -v t="$target" '$2 == t { o = $4 } END { print o }')
		[ -n "$options" ] || { echo "no mount at $target inside"; false; }
		for pair in MS_RDONLY:ro MS_NOSUID:nosuid MS_NODEV:nodev MS_NOEXEC:noexec; do
			if [[ "$flags" == *"${pair%%:*}"* ]]; then
				[[ ",$options," == *",${pair#*:},"* ]] || { echo "$target: $flags but $options"; false; }
			fi
		done
		# tmpfs data: each option given is one the kernel shows.
		data=$(echo "$line" | sed -nE 's/^.*, "([^"]*)"\)$/\1/p')
		if [[ "$line" == *'"tmpfs"'* && -n "$data" ]]; then
			for o in ${data//,/ }; do
				[[ "$o" == size=* ]] && continue     # shown in k: size=64k
				[[ "$o" == mode=1777 ]] && continue  # tmpfs's default: not shown
				[[ ",$options," == *",$o,"* ]] || { echo "$target: $o not in $options"; false; }
			done
		fi
	done <<<"$traced"
	# The trace's times never go back, whichever process wrote the line.
	echo "$output" | sed -nE 's/^\[ *([0-9.]+) ms\].*/\1/p' | sort -c -n
}

@test "08: run -it: the terminal is ready before the command starts (300 runs through a pty)" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	# 300 on the host; 60 in the emulated VM of make test-vm, where each takes long.
	runs=300
	[ "${STEPBOX_LANE:-}" != vm ] || runs=60
	bad=0
	for i in $(seq "$runs"); do
		# script passes its end of input on as a NUL, which the terminal echoes as ^@.
		out=$(script -qec "stty rows 41 cols 97; $B run -it --rm --net none busybox stty size" \
			/dev/null </dev/null | tr -d '\r' | sed 's/\^@//g' | grep -v '^$' || true)
		[ "$out" = "41 97" ] || { echo "run $i: $out"; bad=$((bad + 1)); }
	done
	[ "$bad" -eq 0 ]
}

@test "08: ten run -d at once all start, with ten names, and a consistent state" {
	for i in $(seq 10); do
		$B run -d --name "par$i" busybox sleep 30 >"$BATS_TEST_TMPDIR/id$i" 2>&1 &
	done
	wait
	for i in $(seq 10); do
		[[ "$(cat "$BATS_TEST_TMPDIR/id$i")" =~ ^[0-9a-f]{64}$ ]] || { cat "$BATS_TEST_TMPDIR/id$i"; false; }
	done
	[ "$($B ps -q | sort -u | wc -l)" -eq 10 ]
	[ "$($B ps | grep -c '   Up ')" -eq 10 ]
	run $B run -d --name par3 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *'Conflict. The container name "/par3" is already in use by container'* ]]
}

@test "08: without --init a zombie stays; with it, PID 1 reaps the orphan" {
	# The subshell starts "sleep 0.1" and exits: an orphan, handed to PID 1.
	$B run -d --name plain busybox sh -c '(sleep 0.1 &); exec sleep 30'
	$B run -d --name reaped --init busybox sh -c '(sleep 0.1 &); exec sleep 30'
	sleep 1
	run $B exec plain ps -o stat,comm
	[[ "$output" == *'Z    sleep'* ]]
	run $B exec reaped ps -o stat,comm
	[[ "$output" != *'Z '* ]]
	# And --init passes stop's SIGTERM on to the command: no 10 s wait.
	start=$(date +%s)
	$B stop reaped
	[ $(($(date +%s) - start)) -lt 5 ]
}

@test "08: -m: over the limit, the kernel's OOM killer ends it: 137 and OOMKilled" {
	run -137 $B run --name hog -m 32m busybox probe alloc 100
	run $B inspect hog
	[[ "$output" == *'"OOMKilled": true'* ]]
	[[ "$output" == *'"Memory": 33554432'* ]]
}

@test "08: a damaged state file makes ps flag that container, not crash" {
	id=$($B run -d --name broken busybox sleep 30)
	echo 'status ??' >"$STATE/$id/state"
	run $B ps -a
	[ "$status" -eq 0 ]
	[[ "$output" == *"${id:0:12}"*'Damaged: rm -f it'* ]]
	run $B rm -f broken
}

@test "08: bad input: one line, the right exit code, nothing created" {
	run -125 $B
	run -125 $B no-such-command
	[[ "$output" == *'unknown command "no-such-command"'* ]]
	run -125 $B run --no-such-flag busybox true
	[ "${#lines[@]}" -eq 1 ]
	run -125 $B run
	run -125 $B run --name 'bad name' busybox true
	[[ "$output" == *'Invalid container name ("bad name")'* ]]
	run -125 $B run -w relative busybox true
	[[ "$output" == *'it needs to be an absolute path'* ]]
	run -125 $B run -e NOEQUALS busybox true
	[[ "$output" == *'expected KEY=VALUE'* ]]
	run -125 $B run -m 12xyz busybox true
	run -125 $B run --net veth busybox true
	[[ "$output" == *"MODE is bridge, none or host"* ]]
	run -1 $B exec nobody true
	[ "$output" = 'Error: No such container: nobody' ]
	run -1 $B stop nobody
	run -1 $B logs nobody
	run -1 $B rm nobody
	run -1 $B inspect nobody
	$B run --name finished busybox true
	run -1 $B exec finished true
	[ "$output" = 'Error: container finished is not running' ]
	$B rm finished
	nothing_left
}

@test "08: a start that fails in the shim says why, exits 125 and leaves nothing" {
	# Without root and without a delegated cgroup, limits cannot be had.
	run -125 setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
		"$B" run --rm -m 32m busybox true
	[[ "$output" == *'--memory, --cpus and --pids-limit need root'* ]]
	[ ! -e /tmp/stepbox-65534 ]
	# Without root and without limits, it runs, in a user namespace of its own.
	run setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin \
		"$B" run --rm busybox sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 65534 1" ]
	[ ! -e /tmp/stepbox-65534 ]
	nothing_left
}

@test "08: PID 1 failing in its mounts (before the shim's word) says why in one line: 125, nothing left" {
	# The run directory on an overlayfs: the container's overlay mount fails
	# (its upper dir may not be on overlayfs) while the shim moves it into
	# its cgroup beside it. The shim must find it alive, and say nothing more.
	local ovl=$BATS_TEST_TMPDIR/ovl
	mkdir -p "$ovl/lower" "$ovl/upper" "$ovl/work" "$ovl/merged"
	mount -t overlay overlay -o "lowerdir=$ovl/lower,upperdir=$ovl/upper,workdir=$ovl/work" "$ovl/merged"
	OVERLAY_MOUNT=$ovl/merged   # teardown unmounts it, whatever fails
	mkdir "$ovl/merged/run"
	STEPBOX_RUNDIR=$ovl/merged/run run -125 $B run --rm busybox true
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *'overlay mount on '*'not overlayfs'* ]]
	shims_settle
	[ -z "$(ls -A "$ovl/merged/run")" ]
	[ -z "$(stepbox_cgroups)" ]
}

@test "08: --trace shows the shim, the child and 'container up'" {
	run $B --trace run --rm busybox true
	[ "$status" -eq 0 ]
	[[ "$output" == *'the shim of container'* ]]
	[[ "$output" == *'PR_SET_CHILD_SUBREAPER'* ]]
	# cgroup v2: PID 1 is born in its group (clone3 CLONE_INTO_CGROUP); v1:
	# the shim moves it into each tree's group.
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[[ "$output" == *'clone3(CLONE_NEWPID'*'|CLONE_INTO_CGROUP) = '*'born in its cgroup'* ]]
		[[ "$output" != *'/cgroup.procs"'* ]]
	else
		[[ "$output" == *'clone(CLONE_NEWPID'*'/cgroup.procs", '* ]]
		# v1: the groups are made after the clone, while PID 1 mounts.
		[[ "$output" == *'clone(CLONE_NEWPID'*'mkdir("/sys/fs/cgroup/'*'/stepbox/'* ]]
		[[ "$output" != *'mkdir("/sys/fs/cgroup/'*'clone(CLONE_NEWPID'* ]]
	fi
	[[ "$output" == *'execve("true")'* ]]
	[[ "$output" == *'is up: PID 1 is'* ]]
	[[ "$output" =~ container\ up\ in\ [0-9.]+\ ms ]]
	# The shim sends PID 1 its seccomp filter while PID 1 mounts (docker's
	# default as compiled at build time; a cross build has none and
	# compiles it now); PID 1 installs it.
	if build/seccomp-check built-in >/dev/null 2>&1; then
		[[ "$output" == *"seccomp: docker's default profile, as compiled when stepbox was built"* ]]
	else
		[[ "$output" == *"seccomp: compiling docker's default profile"* ]]
	fi
	[[ "$output" == *"seccomp: docker's default profile sent to PID 1"* ]]
	[[ "$output" == *"prctl(PR_SET_SECCOMP): docker's default profile, "*" instructions"* ]]
	# --rm: out of sight first, removed after.
	[[ "$output" == *'.removing"): out of ps, its name free'*'removed '*'.removing'* ]]
}
