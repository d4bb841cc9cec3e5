#!/usr/bin/env bats
# Generated bad input: a few hundred wrong command lines per step, made from
# random choices with a fixed seed (the same lines on every run): unknown
# options, options of a later step, missing, empty, huge and non-UTF-8
# values, bad ROOTFS or IMAGE, options after ROOTFS. Each one must get exit
# 125, exactly one line on stderr and nothing on stdout, and the host must be
# left as it was: no mount, run directory, cgroup, veth, or hostname change.
#
# `make asan` runs this suite on binaries built with
# -fsanitize=address,undefined (STEPBOX_BIN=build/asan): a sanitizer report
# is more than one line on stderr, so it fails here too.

load helpers
bats_require_minimum_version 1.5.0

BIN=${STEPBOX_BIN:-build}
CASES=${BADINPUT_CASES:-250}

setup_file() {
	export HUGE
	HUGE=$(head -c 100000 /dev/zero | tr '\0' x)
}

setup() {
	cd "$TOP" || exit 1
	MOUNTS_BEFORE=$(host_mounts)
	HOST_NAME=$(hostname)
	VOLUMES_BEFORE=$(ls -A /var/lib/stepbox/volumes 2>/dev/null || true)
}

# Values no option accepts.
bad_strings() {
	BAD=("" "$HUGE" $'\xff\xfe' $'\x80x' $'a\nb' $'\e[31mred' "a b" "%s%n%s")
}

# One of the words, at random, in REPLY. No $(...) around the random
# choices: a subshell would start the generator afresh.
pick() {
	shift $((RANDOM % $#))
	REPLY=$1
}

# The options of each step, with values it refuses and one it takes.
declare -gA GOOD=(
	[--hostname]=box [--layer]=build/layers/app [--net]=none
	[--userns-remap]=100000:65536 [--memory]=64m [-m]=64m [--cpus]=0.5 [--pids-limit]=64
)
bad_value_of() {
	bad_strings
	case "$1" in
	--hostname) BAD+=("$(printf 'h%.0s' {1..65})" "a/b" "under_score" ".") ;;
	--layer) BAD+=(/no/such/layer /etc/passwd /) ;;
	--net) BAD+=(bogus VETH bridge0) ;;
	--ip) BAD+=(1.2.3.4 10.123.0.1/99 300.1.1.1/24 abc/24 8.8.8.8/24 10.123.0.0/30) ;;
	--userns-remap) BAD+=(x 1:0 0 -1:5 99999999999:1 0:4294967296) ;;
	--memory | -m) BAD+=(abc -1 0 1x 99999999999999999999999 64mm 1.5.5m) ;;
	--cpus) BAD+=(0 -1 abc 1e999 nan inf 0.000001 99999999) ;;
	--pids-limit) BAD+=(0 -5 x 1.5 99999999999999999999) ;;
	esac
	pick "${BAD[@]}"
}

# The options step NN has, in OPTS.
options_of() {
	local n=$((10#${1%%-*}))
	OPTS=()
	((n < 3)) || OPTS+=(--hostname)
	((n < 4)) || OPTS+=(--layer)
	((n < 5)) || OPTS+=(--net --ip)
	((n < 6)) || OPTS+=(--userns-remap)
	((n < 7)) || OPTS+=(--memory -m --cpus --pids-limit)
}
LATER=(--hostname --layer --net --ip --userns-remap --memory --cpus --pids-limit)

unknown_option() {
	pick --bogus -x -Z --hostnam --hostname-x --net=veth=x "--$HUGE" $'--\xff' '-'$'\x80' --=
}

# One wrong command line for STEP in the array LINE: at least one element is
# wrong, and the ROOTFS is wrong when no option is.
make_line() {
	local step=$1 wrong=0 n i opt kind
	options_of "$step"
	LINE=("$BIN/$step")
	n=$((RANDOM % 3 + 1))
	for ((i = 0; i < n; i++)); do
		kind=$((RANDOM % 5))
		if [ "${#OPTS[@]}" -eq 0 ] && ((kind < 2)); then
			kind=2
		fi
		case "$kind" in
		0)  # an option this step has, with a value it takes
			pick "${OPTS[@]}"
			opt=$REPLY
			[ "$opt" != --ip ] || opt=--hostname
			LINE+=("$opt" "${GOOD[$opt]}") ;;
		1)  # an option this step has, with a value it refuses
			pick "${OPTS[@]}"
			opt=$REPLY
			bad_value_of "$opt"
			LINE+=("$opt" "$REPLY")
			wrong=1 ;;
		2)  # an option no step has
			unknown_option
			LINE+=("$REPLY")
			wrong=1 ;;
		3)  # an option of a later step (or, in 07, an unknown one)
			pick "${LATER[@]}"
			opt=$REPLY
			if [[ " ${OPTS[*]} " == *" $opt "* ]]; then
				unknown_option
			LINE+=("$REPLY")
			else
				LINE+=("$opt" "${GOOD[$opt]:-10.123.9.2/30}")
			fi
			wrong=1 ;;
		4)  # an option without its value, at the very end
			if [ "${#OPTS[@]}" -gt 0 ]; then
				pick "${OPTS[@]}"
				LINE+=("$REPLY")
				return
			fi
			unknown_option
			LINE+=("$REPLY")
			wrong=1 ;;
		esac
	done
	if [ "$wrong" -eq 0 ] || ((RANDOM % 3 == 0)); then
		bad_strings
		pick "${BAD[@]}" /no/such/rootfs /etc/passwd / "$ROOTFS/bin/sh"
		LINE+=("$REPLY")
	else
		LINE+=("$ROOTFS")
	fi
	case $((RANDOM % 3)) in
	0) ;;
	1) LINE+=(/bin/true) ;;
	2) LINE+=(--hostname x --net none /bin/true) ;;   # after ROOTFS: the command's
	esac
}

# The same for 08's run: options of docker run, IMAGE, CMD.
declare -gA GOOD08=(
	[--name]=gen-ok [-e]=K=V [-w]=/tmp [--hostname]=box [-m]=64m [--cpus]=0.5
	[--pids-limit]=64 [--net]=none [--tmpfs]=/scratch [--cap-add]=NET_ADMIN
	[--cap-drop]=ALL [--security-opt]=no-new-privileges [-v]=/tmp:/mnt:ro
	[--userns-remap]=100000:65536 [-p]=127.0.0.1:39999:80
)
OPTS08=(--name -e -w --hostname -m --cpus --pids-limit --net --tmpfs --cap-add --cap-drop
	--security-opt -v --userns-remap -p)
bad_value_08() {
	bad_strings
	case "$1" in
	--name) BAD+=(-x "bad name" _x "a/b") ;;
	-e) BAD+=("=x" "=") ;;
	-w) BAD+=(relative ./x) ;;
	--net) BAD+=(bogus container:x veth) ;;
	--tmpfs) BAD+=(relative ./x) ;;
	--cap-add | --cap-drop) BAD+=(BOGUS CAP_BOGUS "NET_ADMIN,") ;;
	--security-opt) BAD+=(bogus seccomp=/no/such/profile.json apparmor) ;;
	-v) BAD+=(relative:/x /tmp:relative /tmp:/x:bogus : /tmp /no/such/dir:/x) ;;
	-p) BAD+=(x 70000:80 80:0 0:80 80:80/udp 1.2.3.4.5:80:80 a:b:c:d) ;;
	*) bad_value_of "$1"; return ;;
	esac
	pick "${BAD[@]}"
}

make_line_08() {
	local wrong=0 n i opt
	LINE=("$BIN/08-full-container" run --rm)
	n=$((RANDOM % 3 + 1))
	for ((i = 0; i < n; i++)); do
		pick "${OPTS08[@]}"
		opt=$REPLY
		case $((RANDOM % 4)) in
		0) LINE+=("$opt" "${GOOD08[$opt]}") ;;
		1) bad_value_08 "$opt"; LINE+=("$opt" "$REPLY"); wrong=1 ;;
		2) unknown_option
			LINE+=("$REPLY"); wrong=1 ;;
		3) LINE+=("$opt"); return ;;
		esac
	done
	if [ "$wrong" -eq 0 ] || ((RANDOM % 3 == 0)); then
		bad_strings
		pick "${BAD[@]}" nosuchimage /no/such/rootfs /etc/passwd UPPER "busybox:nosuchtag"
		LINE+=("$REPLY")
	else
		LINE+=("$ROOTFS")
	fi
	((RANDOM % 2)) || LINE+=(/bin/true --name x)
}

# Run every line; each must be refused in one line; then the host is unchanged.
refuse_all() {
	local maker=$1 step=$2 i fails=0 status lines
	for ((i = 0; i < CASES; i++)); do
		"$maker" "$step"
		status=0
		"${LINE[@]}" >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" </dev/null ||
			status=$?
		lines=$(awk 'END { print NR }' "$BATS_TEST_TMPDIR/stderr")
		if [ "$status" -ne 125 ] || [ "$lines" -ne 1 ] || [ -s "$BATS_TEST_TMPDIR/stdout" ]; then
			fails=$((fails + 1))
			if [ "$fails" -le 5 ]; then
				echo "case $i: status $status, $lines lines on stderr:" \
				     "$(printf '%q ' "${LINE[@]}" | cut -c1-300)"
				head -c 600 "$BATS_TEST_TMPDIR/stderr"
				head -c 200 "$BATS_TEST_TMPDIR/stdout"
			fi
		fi
	done
	echo "$step: $CASES lines, $fails not refused as they should be"
	[ "$fails" -eq 0 ]
	[ "$(host_mounts)" = "$MOUNTS_BEFORE" ]
	[ "$(hostname)" = "$HOST_NAME" ]
	[ ! -e "$RUNDIR" ]
	[ -z "$(ip -o link show type veth | grep ' sb-' || true)" ]
	[ -z "$(ip -o link show stepbox0 2>/dev/null || true)" ]
	[ -z "$(stepbox_cgroups)" ]
	[ "$(ls -A /var/lib/stepbox/volumes 2>/dev/null || true)" = "$VOLUMES_BEFORE" ]
}

@test "badinput-gen: 01-chroot refuses every generated wrong line in one line, changing nothing" {
	RANDOM=101
	refuse_all make_line 01-chroot
}

@test "badinput-gen: 02-pid-ns refuses every generated wrong line in one line, changing nothing" {
	RANDOM=102
	refuse_all make_line 02-pid-ns
}

@test "badinput-gen: 03-uts refuses every generated wrong line in one line, changing nothing" {
	RANDOM=103
	refuse_all make_line 03-uts
}

@test "badinput-gen: 04-mount-overlay refuses every generated wrong line in one line, changing nothing" {
	RANDOM=104
	refuse_all make_line 04-mount-overlay
}

@test "badinput-gen: 05-netns refuses every generated wrong line in one line, changing nothing" {
	RANDOM=105
	refuse_all make_line 05-netns
}

@test "badinput-gen: 06-userns refuses every generated wrong line in one line, changing nothing" {
	RANDOM=106
	refuse_all make_line 06-userns
}

@test "badinput-gen: 07-cgroups refuses every generated wrong line in one line, changing nothing" {
	RANDOM=107
	refuse_all make_line 07-cgroups
}

@test "badinput-gen: 08 run refuses every generated wrong line in one line, changing nothing" {
	RANDOM=108
	refuse_all make_line_08 08
	[ -z "$("$BIN/08-full-container" ps -aq)" ]
}
