#!/usr/bin/env bats
# Bad input: every wrong option, path or value gets one clear line and exit
# 125, and leaves the host exactly as it was.

load helpers
bats_require_minimum_version 1.5.0

STEPS="01-chroot 02-pid-ns 03-uts 04-mount-overlay 05-netns 06-userns 07-cgroups"
ROOT_ONLY_STEPS="01-chroot 02-pid-ns 03-uts 04-mount-overlay 05-netns"

setup() {
	cd "$TOP" || exit 1
	MOUNTS_BEFORE=$(host_mounts)
	HOST_NAME=$(hostname)
}

# Run "$@" and check the outcome every bad input must have.
refused() {
	local arg step=
	for arg in "$@"; do
		[[ "$arg" != build/* ]] || step=${arg#build/}
	done
	run -125 "$@"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "$step: "* ]]
	[ "$(host_mounts)" = "$MOUNTS_BEFORE" ]
	[ "$(hostname)" = "$HOST_NAME" ]
	[ ! -e "$RUNDIR" ]
	[ -z "$(ip -o link show type veth | grep ' sb-' || true)" ]
	[ -z "$(stepbox_cgroups)" ]
}

@test "badinput: an unknown option is refused by every step" {
	for step in $STEPS; do
		refused "build/$step" --no-such-option "$ROOTFS" /bin/true
		[[ "$output" == *'unknown option "--no-such-option"'* ]]
		refused "build/$step" -x "$ROOTFS" /bin/true
	done
}

@test "badinput: a missing ROOTFS is refused by every step" {
	for step in $STEPS; do
		refused "build/$step"
		[[ "$output" == *'missing ROOTFS'* ]]
	done
}

@test "badinput: a ROOTFS that does not exist is refused, with a hint" {
	for step in $STEPS; do
		refused "build/$step" /no/such/rootfs /bin/true
		[[ "$output" == *'ROOTFS "/no/such/rootfs": No such file or directory — build the default image with: make rootfs' ]]
	done
}

@test "badinput: a ROOTFS that is a file is refused" {
	for step in $STEPS; do
		refused "build/$step" /etc/passwd /bin/true
		[[ "$output" == *'is not a directory'* ]]
	done
}

@test "badinput: the host's own / is refused as ROOTFS" {
	for step in $STEPS; do
		refused "build/$step" / /bin/true
		[[ "$output" == *"the host's own /"* ]]
	done
}

@test "badinput: an option of a later step names the step it comes with" {
	refused build/01-chroot --hostname box "$ROOTFS" /bin/true
	[[ "$output" == *'option --hostname comes with step 03-uts; this is 01-chroot'* ]]
	refused build/03-uts --layer "$APP_LAYER" "$ROOTFS" /bin/true
	[[ "$output" == *'option --layer comes with step 04-mount-overlay'* ]]
}

@test "badinput: --hostname without a value, empty, too long or with bad characters" {
	refused build/03-uts --hostname
	[[ "$output" == *'option "--hostname" needs a value'* ]]
	refused build/03-uts --hostname "" "$ROOTFS" /bin/true
	[[ "$output" == *'the name is empty'* ]]
	refused build/03-uts --hostname "$(printf 'a%.0s' {1..65})" "$ROOTFS" /bin/true
	[[ "$output" == *'is 65 characters; the kernel allows at most 64'* ]]
	refused build/04-mount-overlay --hostname 'a b' "$ROOTFS" /bin/true
	[[ "$output" == *'is not a hostname'* ]]
	refused build/04-mount-overlay --hostname -dash "$ROOTFS" /bin/true
}

@test "badinput: a 64-character hostname is the longest accepted" {
	name=$(printf 'a%.0s' {1..64})
	run build/03-uts --hostname "$name" "$ROOTFS" /bin/hostname
	[ "$status" -eq 0 ]
	[ "$output" = "$name" ]
}

@test "badinput: --layer that is missing or not a directory" {
	refused build/04-mount-overlay --layer /no/such/layer "$ROOTFS" /bin/true
	[[ "$output" == *'--layer "/no/such/layer": No such file or directory' ]]
	refused build/04-mount-overlay --layer /etc/passwd "$ROOTFS" /bin/true
	[[ "$output" == *'is not a directory'* ]]
}

@test "badinput: more than 128 layers are refused" {
	args=()
	for _ in $(seq 129); do args+=(--layer "$APP_LAYER"); done
	refused build/04-mount-overlay "${args[@]}" "$ROOTFS" /bin/true
	[[ "$output" == *'at most 128 layers'* ]]
}

@test "badinput: not root: one line, exit 125, nothing created" {
	for step in $ROOT_ONLY_STEPS; do
		refused setpriv --reuid=65534 --regid=65534 --clear-groups "build/$step" "$ROOTFS" /bin/true
		[[ "$output" == "$step: must run as root"* ]]
	done
}

@test "badinput: --help works without root and exits 0" {
	for step in $STEPS; do
		run setpriv --reuid=65534 --regid=65534 --clear-groups "build/$step" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: $step [OPTION]... ROOTFS [CMD [ARG...]]" ]]
	done
}

@test "badinput: options after ROOTFS belong to the command, not the step" {
	run build/04-mount-overlay "$ROOTFS" /bin/echo --hostname --no-such-option
	[ "$status" -eq 0 ]
	[ "$output" = "--hostname --no-such-option" ]
}

@test "badinput: --ip that is not ADDRESS/PREFIX, or a prefix out of range" {
	refused build/05-netns --ip banana "$ROOTFS" /bin/true
	[[ "$output" == *'--ip "banana": expected ADDRESS/PREFIX, like 10.50.0.2/24' ]]
	refused build/05-netns --ip 10.123.2.3 "$ROOTFS" /bin/true
	refused build/05-netns --ip 300.1.2.3/24 "$ROOTFS" /bin/true
	[[ "$output" == *'"300.1.2.3" is not an IPv4 address' ]]
	refused build/05-netns --ip 10.123.2.3/33 "$ROOTFS" /bin/true
	[[ "$output" == *'prefix "33" is not a number from 0 to 32' ]]
	refused build/05-netns --ip 10.123.2.3/x "$ROOTFS" /bin/true
	refused build/05-netns --ip 10.123.2.3/31 "$ROOTFS" /bin/true
	[[ "$output" == *'no room for the container and its gateway'* ]]
	refused build/05-netns --ip 10.1.2.3/4 "$ROOTFS" /bin/true
}

@test "badinput: --ip outside stepbox's subnet, or wider than it, is refused" {
	# The host would route the whole range into the container while it runs.
	refused build/05-netns --ip 198.18.0.2/15 "$ROOTFS" /bin/true
	[[ "$output" == *"--ip \"198.18.0.2/15\": not inside stepbox's subnet 10.123.0.0/16"* ]]
	refused build/05-netns --ip 8.8.8.2/24 "$ROOTFS" /bin/true
	refused build/05-netns --ip 10.123.0.2/8 "$ROOTFS" /bin/true
	[[ "$output" == *"not inside stepbox's subnet"* ]]
	[ -z "$(ip route | grep -E '^(198\.18|8\.8|10\.0\.0\.0/8)' || true)" ]
	# Another private pool is the user's choice, through STEPBOX_SUBNET.
	STEPBOX_SUBNET=10.124.0.0/16 refused build/05-netns --ip 10.123.0.2/30 "$ROOTFS" /bin/true
	[[ "$output" == *"not inside stepbox's subnet 10.124.0.0/16"* ]]
}

@test "badinput: --ip on the network or broadcast address of its subnet" {
	refused build/05-netns --ip 10.123.2.0/24 "$ROOTFS" /bin/true
	[[ "$output" == *'that is the network address of the subnet' ]]
	refused build/05-netns --ip 10.123.2.255/24 "$ROOTFS" /bin/true
	[[ "$output" == *'that is the broadcast address of the subnet' ]]
}

@test "badinput: --net other than veth or none, and --ip with --net none" {
	refused build/05-netns --net host "$ROOTFS" /bin/true
	[[ "$output" == *'--net "host": MODE is veth or none' ]]
	refused build/05-netns --net none --ip 10.123.2.3/24 "$ROOTFS" /bin/true
	[[ "$output" == *'with --net none there is no eth0'* ]]
	refused build/04-mount-overlay --net none "$ROOTFS" /bin/true
	[[ "$output" == *'option --net comes with step 05-netns'* ]]
}

@test "badinput: a STEPBOX_SUBNET that is not a pool" {
	STEPBOX_SUBNET=nonsense refused build/05-netns "$ROOTFS" /bin/true
	[[ "$output" == *'STEPBOX_SUBNET="nonsense": expected ADDRESS/PREFIX'* ]]
	STEPBOX_SUBNET=10.9.9.9/31 refused build/05-netns "$ROOTFS" /bin/true
	[[ "$output" == *'the pool must be a /8 to a /30' ]]
}

@test "badinput: --userns-remap that is not START:COUNT, or a range that cannot be" {
	refused build/06-userns --userns-remap abc "$ROOTFS" /bin/true
	[[ "$output" == *'--userns-remap "abc": expected START:COUNT, like 100000:65536' ]]
	refused build/06-userns --userns-remap 100000 "$ROOTFS" /bin/true
	refused build/06-userns --userns-remap 100000:x "$ROOTFS" /bin/true
	refused build/06-userns --userns-remap -5:10 "$ROOTFS" /bin/true
	refused build/06-userns --userns-remap 0:65536 "$ROOTFS" /bin/true
	[[ "$output" == *"would make the container's root the host's root" ]]
	refused build/06-userns --userns-remap 100000:0 "$ROOTFS" /bin/true
	[[ "$output" == *'COUNT must be at least 1' ]]
	refused build/06-userns --userns-remap 4294967290:100 "$ROOTFS" /bin/true
	[[ "$output" == *'goes past the largest ID'* ]]
	refused build/05-netns --userns-remap 100000:65536 "$ROOTFS" /bin/true
	[[ "$output" == *'option --userns-remap comes with step 06-userns'* ]]
}

@test "badinput: limits that are not sizes or numbers, or out of range" {
	refused build/07-cgroups -m 12xyz "$ROOTFS" /bin/true
	[[ "$output" == *'--memory "12xyz": not a size (a number with k, m or g, like 64m)' ]]
	refused build/07-cgroups -m 0 "$ROOTFS" /bin/true
	[[ "$output" == *'below 4m no program can even start'* ]]
	refused build/07-cgroups --memory -5m "$ROOTFS" /bin/true
	refused build/07-cgroups -m 1t "$ROOTFS" /bin/true
	refused build/07-cgroups --cpus -1 "$ROOTFS" /bin/true
	[[ "$output" == *'--cpus "-1": not a positive number of CPUs, like 0.5' ]]
	refused build/07-cgroups --cpus abc "$ROOTFS" /bin/true
	refused build/07-cgroups --cpus 0.001 "$ROOTFS" /bin/true
	[[ "$output" == *'the smallest limit is 0.01'* ]]
	refused build/07-cgroups --cpus 999 "$ROOTFS" /bin/true
	[[ "$output" == *"this machine has $(nproc) CPUs" ]]
	refused build/07-cgroups --pids-limit 0 "$ROOTFS" /bin/true
	[[ "$output" == *'--pids-limit "0": not a whole number of at least 1' ]]
	refused build/07-cgroups --pids-limit 2.5 "$ROOTFS" /bin/true
	refused build/06-userns -m 64m "$ROOTFS" /bin/true
	[[ "$output" == *'option --memory comes with step 07-cgroups'* ]]
}
