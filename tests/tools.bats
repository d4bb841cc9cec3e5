#!/usr/bin/env bats
# The instructor's tools: make doctor, build/timeit, and the STEPBOX_RUNDIR
# setting the docs promise (make demo has its own suite: demo.bats).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
}

@test "tools: make doctor reports this host's cgroup mode and overlay, and exits 0 here" {
	run make -s doctor
	[ "$status" -eq 0 ]
	[[ "$output" == *'ok    overlay filesystem'* ]]
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[[ "$output" == *'cgroups                      v2 (unified)'* ]]
	else
		[[ "$output" =~ cgroups\ +(hybrid|v1) ]]
	fi
	[[ "$output" == *'ok    veth pairs'* ]]
}

@test "tools: timeit prints label, median, p10, p90 and runs — and fails on a failing command" {
	run build/timeit -n 5 -w 1 truth /bin/true
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^truth\ [0-9.]+\ [0-9.]+\ [0-9.]+\ 5$ ]]
	run -1 build/timeit -n 5 lies /bin/false
	[[ "$output" == *'timeit: lies: run 1 failed: /bin/false'* ]]
	run -2 build/timeit -n 0 nothing /bin/true
}

@test "tools: timeit -p runs a plan round by round, a line per command, a failing one said" {
	plan=$BATS_TEST_TMPDIR/plan
	printf '%s\n' '# a comment' 'one /bin/true' 'two sh -c true' 'three /bin/false' >"$plan"
	run -1 build/timeit -n 4 -w 0 -p "$plan"
	[[ "${lines[0]}" == *'timeit: three: run 1 failed: /bin/false'* ]]
	[[ "${lines[1]}" =~ ^one\ [0-9.]+\ [0-9.]+\ [0-9.]+\ 4$ ]]
	[[ "${lines[2]}" =~ ^two\ [0-9.]+\ [0-9.]+\ [0-9.]+\ 4$ ]]
	[ "${lines[3]}" = 'three failed' ]
}

@test "tools: STEPBOX_RUNDIR moves the writable layer; the directory is yours and stays, empty" {
	dir=$BATS_TEST_TMPDIR/rundir
	STEPBOX_RUNDIR=$dir start_step build/04-mount-overlay "$ROOTFS" /bin/sh -c \
		'echo x > /moved; echo ready; sleep 30'
	wait_for_output ready
	[ "$(cat "$(run_dir_of "$RUNTIME_PID" "$dir")/upper/moved")" = x ]
	[ ! -e "$RUNDIR" ]
	stop_step
	[ -d "$dir" ]
	[ -z "$(ls -A "$dir")" ]
}

@test "tools: without a static busybox the image is made of the host's binaries, and runs" {
	dir=$BATS_TEST_TMPDIR/fallback
	run env STEPBOX_NO_BUSYBOX=1 sh steps/00-rootfs/build-rootfs.sh "$dir" build/probe
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"the host's binaries and their libraries"* ]]
	run build/04-mount-overlay "$dir/rootfs" /bin/sh -c 'echo hello; id -u; cat /etc/hostname; probe uid'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'hello\n0\nstepbox\nuid=0 gid=0')" ]
}

@test "tools: make diff STEP=05 lists the lib/ functions 05 calls first, with file:line, and not 04's" {
	line=$(grep -nE '^[a-z].*[ *]net_link_set_up\(' lib/kernel/net.c | cut -d: -f1)
	[ -n "$line" ]
	run make -s diff STEP=05
	[ "$status" -eq 0 ]
	[[ "$output" == *'+++ steps/05-netns/main.c'* ]]
	[[ "$output" == *'lib/ functions that 05-netns calls and 04-mount-overlay did not:'* ]]
	echo "$output" | grep -qE "^    net_link_set_up +lib/kernel/net.c:$line\$"
	# 04 already pivots and mounts proc: not new in 05.
	[[ "$output" != *'  fs_pivot_into '* ]]
	[[ "$output" != *'  fs_mount_proc '* ]]
}

@test "tools: make diff STEP=08 is the lecture's size, its new lib/ calls by layer, the kernel's first" {
	run make -s diff STEP=08
	[ "$status" -eq 0 ]
	added=$(echo "$output" | grep -c '^+[^+]')
	[ "$added" -lt 400 ]
	[ "$(wc -l <steps/08-full-container/main.c)" -le 400 ]
	layers=$(echo "$output" | sed -n 's|^  \([a-z]*\)/$|\1|p' | tr '\n' ' ')
	[ "$layers" = "kernel runtime frontend base " ]
	echo "$output" | grep -qE '^    fs_mask_paths +lib/kernel/fs.c:[0-9]+$'
	echo "$output" | grep -qE '^    shim_spawn +lib/runtime/shim.c:[0-9]+$'
}

@test "tools: make diff without a step number, or with a wrong one, says how to call it" {
	run make -s diff STEP=ab
	[ "$status" -ne 0 ]
	[[ "$output" == *'STEP must be a step number, like 04'* ]]
	run make -s diff
	[ "$status" -ne 0 ]
	[[ "$output" == *'usage: make diff STEP=NN, e.g. make diff STEP=04'* ]]
	run make -s diff STEP=01
	[ "$status" -eq 0 ]
	[[ "$output" == *'steps/01-chroot is the first step'* ]]
}

@test "tools: make test STEP=05 runs only 05's suite, STEP=8 the three of 08, no STEP all of them" {
	run make -n test STEP=05
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep '^tests/run.sh')" = 'tests/run.sh tests/05-netns.bats' ]
	run make -n test STEP=8
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep '^tests/run.sh')" = "tests/run.sh $(echo tests/08-*.bats)" ]
	run make -n test
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep '^tests/run.sh' | sed 's/ *$//')" = 'tests/run.sh' ]
}

@test "tools: make test with a wrong STEP says so in one line and exits 2, building nothing" {
	for step in 9 ab 00 ''; do
		run make -n test STEP="$step"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *STEP* || "$output" == *'no suite for step'* ]]
		[[ "$output" != *build-rootfs* ]]
	done
}

@test "tools: make cross builds every step, the probe and the tools for aarch64, warnings as errors" {
	command -v aarch64-linux-gnu-gcc >/dev/null || skip "gcc-aarch64-linux-gnu is not installed (steps/tools/install-deps.sh installs it)"
	run make -s cross BUILD="$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	for bin in steps/0[1-9]-* probe timeit throughput seccomp-check; do
		f=$BATS_TEST_TMPDIR/b/aarch64/$(basename "$bin")
		# e_machine, two bytes at offset 18 of the ELF header: 183 is EM_AARCH64.
		[ "$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')" = 183 ] || { echo "$f is not aarch64"; false; }
	done
}
