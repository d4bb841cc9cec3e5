#!/usr/bin/env bats
# 08-full-container's volumes: data that outlives the container. -v for a
# host path or a named volume, :ro, --tmpfs; the target found inside the
# container's root, never outside it.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

B=build/08-full-container
VOLUMES=/var/lib/stepbox/volumes

setup() {
	cd "$TOP" || exit 1
	VOLUME=stepbox-test-$$
}

teardown() {
	local ids
	ids=$($B ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || $B rm -f $ids >/dev/null 2>&1 || true
	$B volume rm "$VOLUME" >/dev/null 2>&1 || true
}

@test "08 volumes: the writable layer dies with rm, a named volume does not" {
	$B run --name writer -v "$VOLUME:/data" busybox sh -c 'echo kept > /data/file; echo lost > /file'
	[ "$(cat "$VOLUMES/$VOLUME/file")" = kept ]
	$B rm writer
	run $B run --rm -v "$VOLUME:/data" busybox sh -c 'cat /data/file; cat /file 2>&1'
	[ "${lines[0]}" = kept ]
	[[ "${lines[1]}" == *'No such file'* ]]
	run $B volume ls
	[[ "$output" == *"local    $VOLUME"* ]]
}

@test "08 volumes: volume rm refuses a volume a container uses, then removes it" {
	id=$($B run -d --name user -v "$VOLUME:/data" busybox sleep 30)
	run -1 $B volume rm "$VOLUME"
	[ "$output" = "Error: remove $VOLUME: volume is in use - [$id]" ]
	[ -d "$VOLUMES/$VOLUME" ]
	$B rm -f user
	run $B volume rm "$VOLUME"
	[ "$output" = "$VOLUME" ]
	[ ! -e "$VOLUMES/$VOLUME" ]
	run -1 $B volume rm "$VOLUME"
	[ "$output" = "Error: No such volume: $VOLUME" ]
}

@test "08 volumes: a host directory, read-write and :ro (EROFS inside)" {
	dir=$BATS_TEST_TMPDIR/share
	mkdir "$dir"
	echo from-host >"$dir/in"
	run $B run --rm -v "$dir:/share" busybox sh -c 'cat /share/in; echo from-container > /share/out'
	[ "$output" = from-host ]
	[ "$(cat "$dir/out")" = from-container ]
	run $B run --rm -v "$dir:/share:ro" busybox sh -c 'cat /share/in; echo x > /share/no'
	[ "$status" -ne 0 ]
	[[ "$output" == *'Read-only file system'* ]]
	[ ! -e "$dir/no" ]
}

@test "08 volumes: :ro holds for what is mounted below the source too" {
	dir=$BATS_TEST_TMPDIR/outer
	mkdir -p "$dir/inner"
	mount -t tmpfs none "$dir/inner"
	run $B run --rm -v "$dir:/outer:ro" busybox sh -c 'echo x > /outer/inner/f'
	umount "$dir/inner"
	[ "$status" -ne 0 ]
	[[ "$output" == *'Read-only file system'* ]]
}

@test "08 volumes: a file as a volume, and --tmpfs" {
	echo one-file >"$BATS_TEST_TMPDIR/single"
	run $B run --rm -v "$BATS_TEST_TMPDIR/single:/etc/single:ro" --tmpfs /scratch busybox \
		sh -c 'cat /etc/single; echo x > /scratch/f && cat /scratch/f; grep " /scratch " /proc/mounts'
	[ "${lines[0]}" = one-file ]
	[ "${lines[1]}" = x ]
	[[ "${lines[2]}" == *' /scratch tmpfs '* ]]
}

@test "08 volumes: a target missing in the image is made inside it" {
	run $B run --rm -v "$VOLUME:/a/b/c" busybox sh -c 'ls -d /a/b/c'
	[ "$output" = /a/b/c ]
	# ...in the writable layer, not in the image
	[ ! -e "$ROOTFS/a" ]
}

@test "08 volumes: a symlink in the image never leads the mount out of the container's root" {
	image=$BATS_TEST_TMPDIR/image
	cp -a "$ROOTFS" "$image"
	ln -s /etc "$image/data"
	ln -s ../../../../../../etc "$image/up"
	dir=$BATS_TEST_TMPDIR/share
	mkdir "$dir"
	echo volume >"$dir/marker"
	before=$(md5sum /etc/passwd)
	# /data -> /etc is the container's /etc: the volume lands there, inside.
	run $B run --rm -v "$dir:/data" "$image" sh -c 'cat /etc/marker; ls /etc | wc -l'
	[ "${lines[0]}" = volume ]
	[ "${lines[1]}" = 1 ]
	run $B run --rm -v "$dir:/up/x" "$image" sh -c 'cat /etc/x/marker'
	[ "$output" = volume ]
	# The host's /etc saw nothing: no mount, no new directory.
	[ ! -e /etc/x ]
	[ "$(md5sum /etc/passwd)" = "$before" ]
	[ -z "$(grep ' /etc' /proc/self/mountinfo | grep -v '/etc/\(hosts\|hostname\|resolv.conf\)' || true)" ]
}

@test "08 volumes: inspect shows the mounts" {
	$B run -d --name shown -v "$VOLUME:/data:ro" --tmpfs /t busybox sleep 30
	run $B inspect shown
	[[ "$output" == *"{\"Type\": \"volume\", \"Name\": \"$VOLUME\", \"Source\": \"$VOLUMES/$VOLUME\", \"Destination\": \"/data\", \"RW\": false}"* ]]
	[[ "$output" == *'{"Type": "tmpfs", "Name": "", "Source": "tmpfs", "Destination": "/t", "RW": true}'* ]]
}

@test "08 volumes: bad -v and --tmpfs values: one line, 125, nothing created" {
	for spec in nocolon relative/path:/x /no/such/host/dir:/x "$VOLUME:relative" \
		    "$VOLUME:/x:rx" "bad name:/x" "$VOLUME:/"; do
		run -125 $B run --rm -v "$spec" busybox true
		[ "${#lines[@]}" -eq 1 ] || { echo "$spec: $output"; false; }
	done
	run -125 $B run --rm --tmpfs relative busybox true
	[ -z "$($B ps -aq)" ]
	[ ! -e "$VOLUMES/$VOLUME" ]
}
