#!/usr/bin/env bats
# 06-userns: root inside is not root outside — without sudo, and as root
# with a remapped range.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

STEP=build/06-userns
TEST_USER=stepbox-test

# An ordinary user, and a copy of the step and image that it can reach
# (the checkout may live under a directory only root can enter).
setup_file() {
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd --no-create-home --shell /bin/sh "$TEST_USER"
		touch "$BATS_FILE_TMPDIR/created-user"
	fi
	ROOTLESS=$(mktemp -d /tmp/stepbox-rootless.XXXXXX)
	chmod 755 "$ROOTLESS"
	cp "$TOP/build/06-userns" "$ROOTLESS/"
	cp -a "$TOP/build/rootfs" "$ROOTLESS/rootfs"
	echo "$ROOTLESS" >"$BATS_FILE_TMPDIR/rootless-dir"
}

teardown_file() {
	rm -rf "$(cat "$BATS_FILE_TMPDIR/rootless-dir")"
	if [ -e "$BATS_FILE_TMPDIR/created-user" ]; then
		userdel "$TEST_USER"
	fi
}

setup() {
	cd "$TOP" || exit 1
	ROOTLESS=$(cat "$BATS_FILE_TMPDIR/rootless-dir")
	USER_UID=$(id -u "$TEST_USER")
	USER_GID=$(id -g "$TEST_USER")
	USER_RUNDIR=/tmp/stepbox-$USER_UID
	VETHS_BEFORE=$(host_veths)
}

teardown() {
	stop_step
	veths_settle "$VETHS_BEFORE"
	[ ! -e "$USER_RUNDIR" ]
}

# Can this kernel idmap a mount of DIR's filesystem, under an overlay? Overlay
# on idmapped layers since 5.19; ext4, xfs and btrfs had idmapping by then,
# tmpfs has it since 6.3. Then 06 must take the idmapped path, not the copy.
kernel_idmaps() {
	local version fs
	version=$(uname -r | awk -F. '{ printf "%d%03d", $1, $2 }')
	fs=$(stat -f -c %T "$1")
	case $fs in
	tmpfs) [ "$version" -ge 6003 ] ;;
	ext2/ext3 | xfs | btrfs) [ "$version" -ge 5019 ] ;;
	*) return 1 ;;
	esac
}

# Run the step as the test user, with a clean environment (no sudo, no XDG
# dir). exec: the step itself gets the PID, and the signals tests send it.
as_user() {
	exec setpriv --reuid="$USER_UID" --regid="$USER_GID" --clear-groups \
		env -i PATH=/usr/bin:/bin "$@"
}

@test "06-userns: without root, the container's user is root (uid 0)" {
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n0')" ]
}

@test "06-userns: without root, uid_map maps the user's own UID to 0, and only it" {
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c \
		'cat /proc/self/uid_map /proc/self/gid_map; cat /proc/self/setgroups'
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 $USER_UID 1" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 $USER_GID 1" ]
	[ "${lines[2]}" = deny ]
}

@test "06-userns: the host sees the container's root as the ordinary user" {
	start_step as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" probe sleep 10
	wait_for_output sleeping
	pid=$(pgrep -f -x 'probe sleep 10' | head -n1)
	[ -n "$pid" ]
	[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" = \
		"$USER_UID $USER_UID $USER_UID $USER_UID" ]
	[ "$(stat -c %u "/proc/$pid")" = "$USER_UID" ]
}

@test "06-userns: a file the container writes is owned by the real user on the host" {
	start_step as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c \
		'echo data > /written; ls -n /written | awk "{ print \$3 }"; echo ready; sleep 30'
	wait_for_output ready
	[ "$(head -n1 "$BATS_TEST_TMPDIR/out")" = 0 ]
	file=$(echo "$USER_RUNDIR"/*/upper/written)
	[ "$(stat -c '%u %g' "$file")" = "$USER_UID $USER_GID" ]
}

@test "06-userns: root inside cannot make device nodes, the host's root can" {
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c 'mknod /tmp/null c 1 3'
	[ "$status" -ne 0 ]
	[[ "$output" == *'Operation not permitted'* ]]
	run build/05-netns --net none "$ROOTFS" /bin/sh -c 'mknod /tmp/null c 1 3 && echo made'
	[ "$output" = made ]
}

@test "06-userns: root inside cannot open the host's sysctls for writing" {
	# vm.swappiness belongs to the whole machine, not to a namespace.
	# (Opening is enough to see the verdict; nothing is written.)
	run "$STEP" --net none "$ROOTFS" /bin/sh -c '( : >> /proc/sys/vm/swappiness ) 2>&1 || echo refused'
	[[ "$output" == *refused* ]]
	run build/05-netns --net none "$ROOTFS" /bin/sh -c '( : >> /proc/sys/vm/swappiness ) && echo allowed'
	[ "$output" = allowed ]
}

@test "06-userns: root inside cannot read a root-only host file of a layer" {
	layer=$(mktemp -d /tmp/stepbox-layer.XXXXXX)
	chmod 755 "$layer"
	echo host-secret >"$layer/secret"
	chmod 600 "$layer/secret"
	run as_user "$ROOTLESS/06-userns" --layer "$layer" "$ROOTLESS/rootfs" /bin/sh -c \
		'cat /secret 2>&1 || echo unreadable'
	rm -rf "$layer"
	[[ "$output" == *unreadable* ]]
	[[ "$output" != *host-secret* ]]
}

@test "06-userns: without root the network is only lo, and --net veth is refused" {
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/ls /sys/class/net
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
	run -125 as_user "$ROOTLESS/06-userns" --net veth "$ROOTLESS/rootfs" /bin/true
	[[ "$output" == '06-userns: --net veth needs root'* ]]
	run -125 as_user "$ROOTLESS/06-userns" --userns-remap 200000:100 "$ROOTLESS/rootfs" /bin/true
	[[ "$output" == *'only root may map other IDs'* ]]
}

@test "06-userns: without root, the overlay keeps the image intact and the escape fails" {
	before=$(find "$ROOTLESS/rootfs" -printf '%p %s %m %u\n' | sort | md5sum)
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c \
		'rm /etc/os-release; rm -r /usr/local/bin; echo x > /etc/passwd; ls /etc/os-release 2>&1'
	[[ "$output" == *'No such file'* ]]
	[ "$(find "$ROOTLESS/rootfs" -printf '%p %s %m %u\n' | sort | md5sum)" = "$before" ]
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" probe escape /etc/shadow
	[ "$status" -eq 0 ]
	[ "$output" = CONTAINED ]
}

@test "06-userns: without root, an fd the caller left open on / does not reach the container" {
	run bash -c 'exec 9</; exec setpriv --reuid="$1" --regid="$2" --clear-groups \
		env -i PATH=/usr/bin:/bin "$3/06-userns" "$3/rootfs" probe fdescape 9 /etc/hostname' \
		_ "$USER_UID" "$USER_GID" "$ROOTLESS"
	[ "$status" -eq 0 ]
	[ "$output" = "CONTAINED: fd 9 is not open" ]
}

@test "06-userns: without root, the container cannot type into the caller's terminal" {
	# The full path: script's shell may prefer a busybox applet of that name.
	run script -qec "$(command -v setpriv) --reuid=$USER_UID --regid=$USER_GID --clear-groups env -i \
		PATH=/usr/bin:/bin $ROOTLESS/06-userns $ROOTLESS/rootfs probe tiocsti 'echo INJECTED'" \
		/dev/null </dev/null
	[[ "$output" == *'TIOCSTI: refused'* ]] || { echo "$output"; false; }
}

@test "06-userns: without root the kernel keeps the user's own groups (setgroups is denied)" {
	# The "negative groups" rule: see the 06 lecture note. Inside they show as
	# nobody's group, 65534, since only the user's own GID is mapped.
	run setpriv --reuid="$USER_UID" --regid="$USER_GID" --groups 4 env -i PATH=/usr/bin:/bin \
		"$ROOTLESS/06-userns" "$ROOTLESS/rootfs" probe groups
	[ "$status" -eq 0 ]
	[ "$output" = "groups: 65534" ]
}

@test "06-userns: as root, the container's root is UID 100000 on the host" {
	start_step $STEP --net none "$ROOTFS" probe sleep 10
	wait_for_container
	wait_for_output sleeping
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$CONTAINER_PID/status")" = 100000 ]
	[ "$(awk '/^Gid:/ { print $2 }' "/proc/$CONTAINER_PID/status")" = 100000 ]
	[ "$(tr -s ' ' <"/proc/$CONTAINER_PID/uid_map" | sed 's/^ //')" = "0 100000 65536" ]
}

@test "06-userns: --userns-remap picks the host range, and files are owned by it" {
	start_step $STEP --net none --userns-remap 300000:1000 "$ROOTFS" /bin/sh -c \
		'id -u; echo x > /written; echo ready; sleep 30'
	wait_for_container
	wait_for_output ready
	[ "$(head -n1 "$BATS_TEST_TMPDIR/out")" = 0 ]
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$CONTAINER_PID/status")" = 300000 ]
	[ "$(stat -c '%u %g' "$(run_dir_of "$RUNTIME_PID")/upper/written")" = "300000 300000" ]
}

@test "06-userns: a stepbox line in /etc/subuid sets the default range" {
	cp -p /etc/subuid "$BATS_TEST_TMPDIR/subuid" 2>/dev/null || : >"$BATS_TEST_TMPDIR/subuid"
	cp -p /etc/subgid "$BATS_TEST_TMPDIR/subgid" 2>/dev/null || : >"$BATS_TEST_TMPDIR/subgid"
	echo stepbox:400000:65536 >>/etc/subuid
	echo stepbox:500000:65536 >>/etc/subgid
	run $STEP --net none "$ROOTFS" /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
	cp -p "$BATS_TEST_TMPDIR/subuid" /etc/subuid
	cp -p "$BATS_TEST_TMPDIR/subgid" /etc/subgid
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 400000 65536" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 500000 65536" ]
}

@test "06-userns: as root the image appears owned by the container's root, and is not changed" {
	for how in idmap copy; do
		before=$(find "$ROOTFS" -printf '%p %s %m %u\n' | sort | md5sum)
		STEPBOX_IDMAP=$how run $STEP --trace --net none "$ROOTFS" /bin/sh -c \
			'ls -ln /etc/passwd | awk "{ print \$3 }"; echo more >> /etc/passwd && echo changed'
		[ "$status" -eq 0 ]
		[[ "$output" == *$'\n0\nchanged'* ]]
		[ "$(find "$ROOTFS" -printf '%p %s %m %u\n' | sort | md5sum)" = "$before" ]
		if [ "$how" = copy ]; then
			[[ "$output" == *'copying the layers instead'* ]]
		elif kernel_idmaps "$ROOTFS"; then
			[[ "$output" == *'mount_setattr(MOUNT_ATTR_IDMAP)'* ]]
			[[ "$output" != *'copying the layers instead'* ]]
		else
			[[ "$output" == *'idmapped mounts unavailable ('* ]]
		fi
	done
}

@test "06-userns: as root the veth network still works" {
	run $STEP "$ROOTFS" /bin/sh -c \
		'gw=$(ip route | awk "/^default/ { print \$3 }"); ping -c 1 -W 2 "$gw"'
	[ "$status" -eq 0 ]
	[[ "$output" == *'1 packets received'* ]]
}

@test "06-userns: nothing is left after a rootless run is killed" {
	start_step as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/sh -c 'echo ready; sleep 30'
	wait_for_output ready
	kill -KILL "$RUNTIME_PID"
	wait_for_runtime
	[ -d "$USER_RUNDIR" ]
	run as_user "$ROOTLESS/06-userns" "$ROOTLESS/rootfs" /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$USER_RUNDIR" ]
	# PR_SET_PDEATHSIG took the container with the runtime.
	for pid in $(pgrep -u "$USER_UID"); do
		wait_until_gone "$pid"
	done
}
