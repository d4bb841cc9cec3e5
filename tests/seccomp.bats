#!/usr/bin/env bats
# seccomp: the one compiler from the OCI profile form to BPF
# (lib/kernel/seccomp-profile), first from outside through build/seccomp-check
# — which runs the compiled program on a call, as the kernel would — then
# in step 08's containers: Docker's default profile (an allow-list), a
# profile file, and seccomp=unconfined.
#
# The tests that start containers need root and the host's container lock
# (tests/run.sh is run under `flock /tmp/stepbox-containers.lock` here).

load helpers

# make asan runs the compiler's tests on build/asan (STEPBOX_BIN): a report fails them.
CHECK=${STEPBOX_BIN:-build}/seccomp-check
bats_require_minimum_version 1.5.0

B=build/08-full-container

setup() {
	cd "$TOP" || exit 1
	P=$BATS_TEST_TMPDIR/profile.json
}

# Only the containers these tests name, and only after a test that made
# some: the compiler's tests start none and need no lock.
teardown() {
	[ -z "${CONTAINERS:-}" ] || $B rm -f web custom >/dev/null 2>&1 || true
}

# The decision of profile $P (or "default") for a call: seccomp-check's one line.
decide() {
	run --separate-stderr "$CHECK" "$@"
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; false; }
	echo "$output"
}

# The last seccomp-check was refused: exit 1, one line on stderr containing $1.
refused_with() {
	[ "$status" -eq 1 ] || { echo "status $status, output: $output"; false; }
	[ -z "$output" ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "stderr: $stderr"; false; }
	[[ "$stderr" == *"$1"* ]] || { echo "stderr: $stderr"; false; }
}

# ---- the compiler, from outside ---------------------------------------------------

@test "seccomp: each action of a profile becomes the kernel's answer" {
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [
	    { "names": ["mkdirat"], "action": "SCMP_ACT_ERRNO" },
	    { "names": ["unlinkat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 },
	    { "names": ["getpid"], "action": "SCMP_ACT_KILL" },
	    { "names": ["gettid"], "action": "SCMP_ACT_KILL_THREAD" },
	    { "names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS" },
	    { "names": ["getuid"], "action": "SCMP_ACT_TRAP" },
	    { "names": ["getgid"], "action": "SCMP_ACT_LOG" },
	    { "names": ["geteuid"], "action": "SCMP_ACT_TRACE", "errnoRet": 5 } ] }
	EOF
	[ "$(decide "$P" mkdirat)" = 'ERRNO(EPERM)' ]     # errnoRet's default
	[ "$(decide "$P" unlinkat)" = 'ERRNO(EACCES)' ]
	[ "$(decide "$P" getpid)" = KILL_THREAD ]          # libseccomp's KILL
	[ "$(decide "$P" gettid)" = KILL_THREAD ]
	[ "$(decide "$P" getppid)" = KILL_PROCESS ]
	[ "$(decide "$P" getuid)" = TRAP ]
	[ "$(decide "$P" getgid)" = LOG ]
	[ "$(decide "$P" geteuid)" = 'TRACE(5)' ]
	[ "$(decide "$P" read)" = ALLOW ]                  # the default
	# And the other way round: an allow-list.
	echo '{ "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
	        "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ALLOW" }] }' >"$P"
	[ "$(decide "$P" read)" = ALLOW ]
	[ "$(decide "$P" write)" = 'ERRNO(ENOSYS)' ]
}

@test "seccomp: each comparison holds exactly where it should, on 64-bit values" {
	# Each call compares argument 1 with 0x100000005: the high halves decide
	# first, then the low ones (a filter reads 32 bits at a time).
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ERRNO",
	  "syscalls": [
	    { "names": ["read"],  "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_EQ" }] },
	    { "names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_NE" }] },
	    { "names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_LT" }] },
	    { "names": ["dup"],   "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_LE" }] },
	    { "names": ["fsync"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_GT" }] },
	    { "names": ["lseek"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 1, "value": 4294967301, "op": "SCMP_CMP_GE" }] } ] }
	EOF
	# value:       less (low)   less (high)  equal        greater (low) greater (high)
	args=(0x100000004 0x000000006 0x100000005 0x100000006 0x200000000)
	expect() { # call, then ALLOW (A) or ERRNO (E) for each value above
		local call=$1 i=0 want
		shift
		for want in "$@"; do
			got=$(decide "$P" "$call" 0 "${args[$i]}")
			[ "${want}" = A ] && want=ALLOW || want='ERRNO(EPERM)'
			[ "$got" = "$want" ] || { echo "$call ${args[$i]}: $got, expected $want"; return 1; }
			i=$((i + 1))
		done
	}
	expect read  E E A E E
	expect write A A E A A
	expect close A A E E E
	expect dup   A A A E E
	expect fsync E E E A A
	expect lseek E E A A A
}

@test "seccomp: MASKED_EQ compares the masked 64-bit argument with valueTwo, high half too" {
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ERRNO",
	  "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ALLOW",
	    "args": [{ "index": 2, "value": 18374686479671623935, "valueTwo": 1297036692682702900, "op": "SCMP_CMP_MASKED_EQ" }] }] }
	EOF
	# mask 0xff000000000000ff, want 0x1200000000000034
	[ "$(decide "$P" read 0 0 0x12abcdef00000034)" = ALLOW ]
	[ "$(decide "$P" read 0 0 0x1200000000000034)" = ALLOW ]
	[ "$(decide "$P" read 0 0 0x1300000000000034)" = 'ERRNO(EPERM)' ]   # high byte differs
	[ "$(decide "$P" read 0 0 0x1200000000000035)" = 'ERRNO(EPERM)' ]   # low byte differs
	[ "$(decide "$P" read 0 0x1200000000000034 0)" = 'ERRNO(EPERM)' ]   # another argument
}

@test "seccomp: a MASKED_EQ without valueTwo wants 0, whatever the rule before it said (docker's clone rule)" {
	# docker's profile: personality(8), then clone with its flags masked and
	# no valueTwo. Read after a rule with a value of 8, the clone rule once
	# compared with 8 and refused every fork (docker exec's `sh -c 'a; b'`).
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ERRNO",
	  "syscalls": [
	    { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
	      "args": [{ "index": 0, "value": 0, "op": "SCMP_CMP_EQ" }] },
	    { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
	      "args": [{ "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }] },
	    { "names": ["clone"], "action": "SCMP_ACT_ALLOW",
	      "args": [{ "index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ" }] } ] }
	EOF
	[ "$(decide "$P" clone 0x1200011)" = ALLOW ]                # fork(): no namespace flag
	[ "$(decide "$P" clone 0x10000000)" = 'ERRNO(EPERM)' ]      # CLONE_NEWUSER
	[ "$(decide "$P" personality 8)" = ALLOW ]
}

@test "seccomp: the comparisons of one rule must all hold, the first rule that holds decides" {
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [
	    { "names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
	      "args": [{ "index": 0, "value": 10, "op": "SCMP_CMP_GE" }, { "index": 0, "value": 20, "op": "SCMP_CMP_LE" }] },
	    { "names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
	      "args": [{ "index": 0, "value": 15, "op": "SCMP_CMP_EQ" }] },
	    { "names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2 } ] }
	EOF
	[ "$(decide "$P" read 9)" = 'ERRNO(ENOENT)' ]     # no rule with comparisons: the plain one
	[ "$(decide "$P" read 10)" = 'ERRNO(EACCES)' ]
	[ "$(decide "$P" read 15)" = 'ERRNO(EACCES)' ]    # both hold: the first
	[ "$(decide "$P" read 21)" = 'ERRNO(ENOENT)' ]
	[ "$(decide "$P" write 15)" = ALLOW ]
}

@test "seccomp: two plain rules for one call: the first decides (runtime-spec, runc; podman's profile has them)" {
	printf '%s' '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
	    { "names": ["read", "setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 },
	    { "names": ["read"], "action": "SCMP_ACT_KILL" },
	    { "names": ["setns"], "action": "SCMP_ACT_ALLOW" } ] }' >"$P"
	[ "$(decide "$P" read)" = 'ERRNO(EACCES)' ]
	[ "$(decide "$P" setns)" = 'ERRNO(EACCES)' ]
	[ "$(decide "$P" write)" = ALLOW ]
}

@test "seccomp: a call with a long list of rules still decides right (a block over 255 instructions)" {
	# 4 rules of 16 comparisons each: farther than a conditional jump reaches.
	cmp='{ "index": 0, "value": 1, "op": "SCMP_CMP_GE" }'
	cmps=$cmp
	for _ in $(seq 15); do cmps="$cmps, $cmp"; done
	{
		echo '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": ['
		for e in 1 2 3 3; do
			echo "{ \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $e, \"args\": [$cmps] },"
		done
		echo '{ "names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4, "args": [{ "index": 1, "value": 7, "op": "SCMP_CMP_EQ" }] },'
		echo '{ "names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5 } ] }'
	} >"$P"
	[ "$(decide "$P" read 1)" = 'ERRNO(EPERM)' ]
	[ "$(decide "$P" read 0 7)" = 'ERRNO(EINTR)' ]
	[ "$(decide "$P" read 0 0)" = ALLOW ]
	[ "$(decide "$P" write)" = 'ERRNO(EIO)' ]
	# The dump shows the unconditional jump over the block.
	run "$CHECK" "$P"
	echo "$output" | grep -Eq '^ *[0-9]+  goto [0-9]+$'
}

@test "seccomp: a name this architecture does not have is skipped, and the dump says so" {
	echo '{ "defaultAction": "SCMP_ACT_ERRNO",
	        "syscalls": [{ "names": ["no_such_call", "read", "arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW" }] }' >"$P"
	[ "$(decide "$P" read)" = ALLOW ]
	run "$CHECK" "$P"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "# 2 names not on "*": no_such_call arm_fadvise64_64" ]]
	[[ "$output" == *' (read) goto '* ]]
}

@test "seccomp: a bad profile is one line naming the place, and exit 1" {
	check() { printf '%s' "$1" >"$P"; run --separate-stderr "$CHECK" "$P"; }
	check '{ "defaultAction": "SCMP_ACT_FOO" }'
	refused_with 'defaultAction: unknown action "SCMP_ACT_FOO"'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_NOTIFY" }] }'
	refused_with 'syscalls[0].action: SCMP_ACT_NOTIFY needs a listener'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ERRNO",
	         "args": [{ "index": 0, "value": 1, "op": "SCMP_CMP_ALMOST" }] }] }'
	refused_with 'syscalls[0].args[0].op: unknown comparison "SCMP_CMP_ALMOST"'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ERRNO",
	         "args": [{ "index": 6, "value": 1, "op": "SCMP_CMP_EQ" }] }] }'
	refused_with 'syscalls[0].args[0].index: 6 is not an argument (0-5)'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ERRNO",
	         "arg": [{ "index": 0, "value": 1, "op": "SCMP_CMP_EQ" }] }] }'
	refused_with 'syscalls[0].arg: unknown member'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_KILL", "errnoRet": 1 }] }'
	refused_with 'syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"] }'
	refused_with 'architectures[0]: unknown architecture "SCMP_ARCH_Z80"'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["read"], "action": "SCMP_ACT_ALLOW",
	         "includes": { "caps": ["CAP_FLY"] } }] }'
	refused_with 'syscalls[0].includes.caps[0]: invalid capability "CAP_FLY"'
	check '{ "defaultAction": "SCMP_ACT_ALLOW", '
	refused_with "$P:1:"
	check 'defaultAction: SCMP_ACT_ALLOW'
	refused_with "$P:1:1: "
	run --separate-stderr "$CHECK" /no/such/profile.json
	refused_with 'open("/no/such/profile.json"): No such file or directory'
}

@test "seccomp: a program longer than the kernel takes (BPF_MAXINSNS) is refused" {
	cmp='{ "index": 0, "value": 1, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ" }'
	cmps=$cmp
	for _ in $(seq 15); do cmps="$cmps, $cmp"; done
	{
		echo '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": ['
		for _ in $(seq 50); do
			echo "{ \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [$cmps] },"
		done
		echo '{ "names": ["write"], "action": "SCMP_ACT_ERRNO" } ] }'
	} >"$P"
	run --separate-stderr "$CHECK" "$P"
	refused_with 'instructions, more than the kernel takes (BPF_MAXINSNS, 4096)'
}

@test "seccomp: Docker's default refuses io_uring, unknown and newer calls, namespaces, and allows the rest" {
	[ "$(decide default read)" = ALLOW ]
	[ "$(decide default execve)" = ALLOW ]
	[ "$(decide default io_uring_setup)" = 'ERRNO(EPERM)' ]
	[ "$(decide default keyctl)" = 'ERRNO(EPERM)' ]
	[ "$(decide default 100000)" = 'ERRNO(ENOSYS)' ]       # newer than this build
	[ "$(decide default clone3)" = 'ERRNO(ENOSYS)' ]       # so that libc uses clone
	[ "$(decide default clone 0x1200011)" = ALLOW ]        # fork()'s flags
	[ "$(decide default clone 0x10000000)" = 'ERRNO(EPERM)' ]  # CLONE_NEWUSER
	[ "$(decide default socket 2)" = ALLOW ]               # AF_INET
	[ "$(decide default socket 40)" = 'ERRNO(EPERM)' ]     # AF_VSOCK
	[ "$(decide default personality 0xffffffff)" = ALLOW ]
	[ "$(decide default personality 0x0040000)" = 'ERRNO(EPERM)' ]   # ADDR_NO_RANDOMIZE
	[ "$(decide default chroot)" = ALLOW ]                 # CAP_SYS_CHROOT is one of the 14
	# Another architecture's call (a 32-bit one: AUDIT_ARCH_I386, ARM): killed.
	[ "$(decide --arch 0x40000003 default getpid)" = KILL_PROCESS ]
	[ "$(decide --arch 0x40000028 default getpid)" = KILL_PROCESS ]
}

@test "seccomp: --cap-add widens Docker's default as docker does, --cap-drop narrows it" {
	[ "$(decide default mount)" = 'ERRNO(EPERM)' ]
	[ "$(decide --cap-add SYS_ADMIN default mount)" = ALLOW ]
	[ "$(decide --cap-add SYS_ADMIN default clone 0x10000000)" = ALLOW ]
	[ "$(decide --cap-add SYS_ADMIN default clone3)" = ALLOW ]
	[ "$(decide --cap-add SYS_ADMIN default reboot)" = 'ERRNO(EPERM)' ]
	[ "$(decide --cap-add SYS_BOOT default reboot)" = ALLOW ]
	[ "$(decide --cap-add SYS_TIME default settimeofday)" = ALLOW ]
	[ "$(decide --cap-add SYS_MODULE default finit_module)" = ALLOW ]
	[ "$(decide --cap-add DAC_READ_SEARCH default open_by_handle_at)" = ALLOW ]
	[ "$(decide --cap-add SYS_PTRACE default kcmp)" = ALLOW ]
	[ "$(decide --cap-add BPF default bpf)" = ALLOW ]
	[ "$(decide --cap-drop SYS_CHROOT default chroot)" = 'ERRNO(EPERM)' ]
}

@test "seccomp: minKernel holds against the running kernel, and the newest one named is recorded" {
	cat >"$P" <<-'EOF'
	{ "defaultAction": "SCMP_ACT_ERRNO",
	  "syscalls": [
	    { "names": ["mkdirat"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "3.0" } },
	    { "names": ["unlinkat"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "99.0" } },
	    { "names": ["renameat"], "action": "SCMP_ACT_ALLOW", "excludes": { "minKernel": "99.1" } } ] }
	EOF
	[ "$(decide "$P" mkdirat)" = ALLOW ]             # this kernel is newer than 3.0
	[ "$(decide "$P" unlinkat)" = 'ERRNO(EPERM)' ]   # older than 99.0: the rule is out
	[ "$(decide "$P" renameat)" = ALLOW ]            # excluded only from 99.1 on
	run --separate-stderr "$CHECK" "$P"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n# the newest minKernel a rule names: 99.1\n'* ]]
}

@test "seccomp: the program made at build time is Docker's default compiled now, word for word" {
	run --separate-stderr "$CHECK" built-in
	if [ "$status" -eq 1 ] && [[ "$stderr" == *"none in this build"* ]]; then
		skip "a cross build makes no program at build time"
	fi
	[ "$status" -eq 0 ]
	built=$output
	run --separate-stderr "$CHECK" default
	[ "$status" -eq 0 ]
	[ "$built" = "$output" ]
	# Made for any kernel from the newest minKernel of docker's profile on.
	[[ "$built" == *$'\n# the newest minKernel a rule names: 4.8\n'* ]]
	# It answers as the compiled one does, and only for docker's capabilities.
	[ "$(decide built-in io_uring_setup)" = 'ERRNO(EPERM)' ]
	[ "$(decide built-in getpid)" = ALLOW ]
	run --separate-stderr "$CHECK" --cap-add SYS_ADMIN built-in
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"made for docker's capabilities only"* ]]
}

@test "seccomp: x32 calls on x86_64 (bit 30 set) are refused" {
	[ "$(uname -m)" = x86_64 ] || skip "x32 is x86_64's"
	[ "$(decide default 0x40000027)" = 'ERRNO(ENOSYS)' ]   # x32's getpid
	echo '{ "defaultAction": "SCMP_ACT_ALLOW" }' >"$P"
	[ "$(decide "$P" 0x40000027)" = 'ERRNO(ENOSYS)' ]      # even under a deny-list
}

@test "seccomp: the names Docker's default skips on x86_64 are other architectures' (no typo)" {
	[ "$(uname -m)" = x86_64 ] || skip "the list is x86_64's"
	run "$CHECK" default
	[ "$status" -eq 0 ]
	skipped=${lines[1]#*: }
	for name in $skipped; do
		case $name in
		*32 | *64 | arm_* | _llseek | _newselect | mmap2 | ugetrlimit | waitpid | \
			signal | sigprocmask | sigreturn | socketcall | ipc | recv | send | stime | umount | \
			breakpoint | cacheflush | set_tls | sync_file_range2) ;;
		# Newer than some C libraries' headers: a build on those refuses them with ENOSYS.
		cachestat | fchmodat2 | map_shadow_stack | futex_wake | futex_wait | futex_requeue) ;;
		*) echo "$name: not an x86_64 call, and not another architecture's either"; false ;;
		esac
	done
}

# ---- in a container -------------------------------------------------------------------

@test "seccomp: in 08, io_uring_setup is refused, and allowed with seccomp=unconfined" {
	CONTAINERS=1
	[ "$(build/probe io_uring)" = works ] || skip "the host refuses io_uring itself"
	run $B run --rm --net none busybox probe io_uring
	[ "$status" -eq 0 ]
	[ "$output" = EPERM ]
	run $B run --rm --net none --security-opt seccomp=unconfined busybox probe io_uring
	[ "$output" = works ]
}

@test "seccomp: in 08, a call number no list knows gets ENOSYS, a known one the list leaves out EPERM" {
	CONTAINERS=1
	run $B run --rm --net none busybox probe syscall 100000
	[ "$output" = ENOSYS ]
	# The pid of the shell: an ordinary call still answers.
	run $B run --rm --net none busybox sh -c 'echo $$'
	[ "$output" = 1 ]
	run $B run --rm --net none busybox probe attacks /nonexistent 0:0
	[[ "$output" == *'keyctl       blocked (EPERM)'* ]]
}

@test "seccomp: in 08, ordinary programs work under Docker's default: sh, ls, a web server" {
	CONTAINERS=1
	run $B run --rm --net none busybox sh -c 'ls /bin | grep -c . >/dev/null && cd /tmp && echo x >f && cat f && rm f'
	[ "$status" -eq 0 ]
	[ "$output" = x ]
	$B run -d --name web --net none web
	# The server forks, accepts, sends; the client connects over the container's lo.
	for _ in $(seq 50); do
		run $B exec web wget -qO- http://127.0.0.1/
		[ "$status" -ne 0 ] || break
		sleep 0.1
	done
	[[ "$output" == *'Hello from a container'* ]]
	run $B run --rm --net none busybox sh -c 'grep ^Seccomp: /proc/self/status'
	[ "$output" = $'Seccomp:\t2' ]
}

@test "seccomp: in 08, docker's default comes as built; --cap-add is compiled at start, and holds" {
	"$CHECK" built-in >/dev/null 2>&1 || skip "a cross build makes no program at build time"
	CONTAINERS=1
	run --separate-stderr $B --trace run --rm --net none busybox true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"seccomp: docker's default profile, as compiled when stepbox was built"* ]]
	[[ "$stderr" != *"seccomp: compiling"* ]]
	# Another set of capabilities, another program: made by the shim.
	run --separate-stderr $B --trace run --rm --net none --cap-add SYS_ADMIN busybox true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"seccomp: compiling docker's default profile"* ]]
	[[ "$stderr" != *"as compiled when stepbox was built"* ]]
	# The built-in one refuses unshare(CLONE_NEWUSER) (no CAP_SYS_ADMIN); the
	# compiled one, with it, lets it through.
	run $B run --rm --net none busybox unshare -U true
	[ "$status" -ne 0 ]
	run $B run --rm --net none --cap-add SYS_ADMIN busybox unshare -U true
	[ "$status" -eq 0 ]
}

@test "seccomp: --security-opt seccomp=FILE: a profile that denies mkdir makes mkdir fail with EPERM" {
	CONTAINERS=1
	echo '{ "defaultAction": "SCMP_ACT_ALLOW",
	        "syscalls": [{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO" }] }' >"$P"
	run $B run --rm --net none --security-opt "seccomp=$P" busybox mkdir /tmp/d
	[ "$status" -eq 1 ]
	[[ "$output" == *'Operation not permitted'* ]]
	run $B run --rm --net none --security-opt "seccomp=$P" busybox touch /tmp/f
	[ "$status" -eq 0 ]
	# exec gets the profile the container was made with, even once the file has changed.
	$B run -d --name custom --net none --security-opt "seccomp=$P" busybox sleep 60
	echo '{ "defaultAction": "SCMP_ACT_ALLOW" }' >"$P"
	run $B exec custom mkdir /tmp/d
	[ "$status" -eq 1 ]
	[[ "$output" == *'Operation not permitted'* ]]
	run $B inspect custom
	[[ "$output" == *'"SecurityOpt": ["seccomp={ \"defaultAction\": \"SCMP_ACT_ALLOW\",\n'* ]]
}

@test "seccomp: a bad profile file stops run before anything exists: one line, 125" {
	CONTAINERS=1
	echo '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{ "names": ["mkdir"], "action": "SCMP_ACT_MAYBE" }] }' >"$P"
	before=$($B ps -aq | wc -l)
	run -125 $B run --rm --net none --security-opt "seccomp=$P" busybox true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--security-opt seccomp: $P:1:"*'syscalls[0].action: unknown action "SCMP_ACT_MAYBE"'* ]]
	run -125 $B run --rm --net none --security-opt seccomp=/no/such.json busybox true
	[ "$output" = '08-full-container: --security-opt seccomp: open("/no/such.json"): No such file or directory' ]
	run -125 $B run --rm --net none --security-opt "seccomp=$P"$'\n'x busybox true
	[ "${#lines[@]}" -eq 1 ]
	[ "$($B ps -aq | wc -l)" = "$before" ]
}

@test "seccomp: in 08, x32 calls are refused (x86_64)" {
	CONTAINERS=1
	[ "$(uname -m)" = x86_64 ] || skip "x32 is x86_64's"
	run $B run --rm --net none busybox probe syscall 0x40000027
	[ "$output" = ENOSYS ]
}
