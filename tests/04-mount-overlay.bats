#!/usr/bin/env bats
# 04-mount-overlay: a mount table of its own, on an overlay of the image.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

STEP=build/04-mount-overlay

setup() {
	cd "$TOP" || exit 1
}

teardown() {
	stop_step
}

# A fingerprint of the image: every path with its size and mode.
image_fingerprint() {
	find "$ROOTFS" "$APP_LAYER" -printf '%p %s %m\n' | sort | md5sum
}

@test "04-mount-overlay: a file written inside is neither in the image nor on the host after exit" {
	before=$(image_fingerprint)
	run $STEP "$ROOTFS" /bin/sh -c 'echo data > /written-inside && cat /written-inside'
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	[ "$(image_fingerprint)" = "$before" ]
	[ -z "$(find / -xdev -name written-inside 2>/dev/null)" ]
	[ ! -e "$RUNDIR" ]
}

@test "04-mount-overlay: while it runs, its writes are in the upper layer on the host" {
	start_step $STEP "$ROOTFS" /bin/sh -c 'echo data > /written-inside; echo ready; sleep 30'
	wait_for_output ready
	[ "$(cat "$(run_dir_of "$RUNTIME_PID")/upper/written-inside")" = data ]
	[ ! -e "$ROOTFS/written-inside" ]
}

@test "04-mount-overlay: deleting an image file inside leaves the image intact" {
	run $STEP "$ROOTFS" /bin/sh -c 'rm /etc/os-release && ls /etc/os-release'
	[ "$status" -ne 0 ]
	grep -q ID=stepbox "$ROOTFS/etc/os-release"
}

@test "04-mount-overlay: the root inside is an overlay of the image and its layers" {
	run $STEP --layer "$APP_LAYER" "$ROOTFS" /bin/sh -c \
		'awk "\$5 == \"/\" { print \$9, \$NF }" /proc/self/mountinfo; cat /www/index.html'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "overlay "*"lowerdir=$APP_LAYER:$ROOTFS,upperdir=$RUNDIR/"* ]]
	[[ "$output" == *'Hello from a container'* ]]
}

@test "04-mount-overlay: the writable layer is volatile: no disk sync when it goes" {
	# Linux >= 6.12 lists it as fsync=volatile, 5.10 to 6.11 as volatile.
	run $STEP "$ROOTFS" /bin/sh -c 'awk "\$5 == \"/\" { print \$NF }" /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ ",$output," == *",volatile,"* || "$output" == *"fsync=volatile"* ]]
}

@test "04-mount-overlay: without --layer the app layer is not there" {
	run $STEP "$ROOTFS" /bin/ls /www
	[ "$status" -ne 0 ]
}

@test "04-mount-overlay: the host's mount table is the same during and after the run" {
	before=$(host_mounts)
	start_step $STEP "$ROOTFS" /bin/sh -c 'echo ready; sleep 30'
	wait_for_output ready
	[ "$(host_mounts)" = "$before" ]
	stop_step
	[ "$(host_mounts)" = "$before" ]
}

@test "04-mount-overlay: nothing leaks into the host when / is shared (as under systemd)" {
	# A private copy of the host's mount table with "/" made rshared, as on
	# every systemd machine; the step runs inside it and we compare.
	run unshare --mount --propagation unchanged sh -c '
		mount --make-rshared / || exit 99
		findmnt -n -o PROPAGATION / | grep -q shared || exit 98
		before=$(awk "{print \$5}" /proc/self/mountinfo | sort)
		'"$STEP"' '"$ROOTFS"' /bin/sh -c "mount -t tmpfs none /tmp; echo inside" || exit 97
		after=$(awk "{print \$5}" /proc/self/mountinfo | sort)
		[ "$before" = "$after" ] || { echo "mounts leaked"; exit 96; }
		echo same'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'inside\nsame')" ]
}

@test "04-mount-overlay: the chroot escape no longer works" {
	run_escape $STEP
	[ "$status" -eq 0 ]
	[ "$output" = CONTAINED ]
}

@test "04-mount-overlay: no host mount is left in the container's table" {
	run $STEP "$ROOTFS" /bin/sh -c 'awk "{ print \$5 }" /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "/ /dev /dev/pts /proc /sys /tmp " ]
}

@test "04-mount-overlay: /sys is read-only and /dev holds only harmless devices" {
	run $STEP "$ROOTFS" /bin/sh -c 'echo $(ls /dev); grep " /sys " /proc/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" ]
	[[ "${lines[1]}" == 'sysfs /sys sysfs ro,'* ]]
	run $STEP "$ROOTFS" /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c'
	[ "$output" = 4 ]
}

@test "04-mount-overlay: two containers at once get separate upper layers" {
	start_step $STEP "$ROOTFS" /bin/sh -c 'echo one > /who; echo ready; sleep 30'
	first=$RUNTIME_PID
	wait_for_output ready
	run $STEP "$ROOTFS" /bin/sh -c 'cat /who 2>/dev/null || echo none'
	[ "$output" = none ]
	[ "$(cat "$(run_dir_of "$first")/upper/who")" = one ]
}

@test "04-mount-overlay: PID, UTS and IPC isolation carry on from steps 02-03" {
	run $STEP --hostname box "$ROOTFS" /bin/sh -c 'echo $$; hostname'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\nbox')" ]
}

@test "04-mount-overlay: --trace shows the mount calls in order" {
	run $STEP --trace "$ROOTFS" /bin/true
	[ "$status" -eq 0 ]
	calls=$(echo "$output" | sed -n 's/^\[ *[0-9.]* ms\] \([a-z_0-9]*\)(.*/\1/p' | uniq | tr '\n' ' ')
	# (uniq folds repeated calls: mount mount ... reads as one "mount")
	[ "$calls" = 'flock rename mkdir clone sethostname mount pivot_root mount mknod mount umount2 close_range execve waitpid flock rmdir ' ]
}

@test "04-mount-overlay: exit statuses pass through and the layer is removed on each" {
	run -3 $STEP "$ROOTFS" probe exit 3
	run -126 $STEP "$ROOTFS" /etc/passwd
	run -127 $STEP "$ROOTFS" no-such-command
	[ ! -e "$RUNDIR" ]
}
