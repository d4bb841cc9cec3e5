#!/usr/bin/env bats
# Exercise 03-2: System V IPC objects of its own: a shared memory segment of
# the host is not in the container's list.

load helpers

@test "exercise 03-2: the host's shared memory segment is invisible inside" {
	id=$(ipcmk -M 4096 -p 0600 2>/dev/null | grep -o '[0-9][0-9]*$') ||
		skip "ipcmk (util-linux) cannot create a segment here"
	# The key ipcmk chose, as /proc/sysvipc/shm lists it (decimal).
	key=$(awk -v id="$id" '$2 == id { print $1 }' /proc/sysvipc/shm)
	run build/03-uts "$ROOTFS" /bin/sh -c 'cat /proc/sysvipc/shm'
	ipcrm -m "$id"
	[ "$status" -eq 0 ]
	[ -n "$key" ]
	echo "$output" | awk -v key="$key" -v id="$id" '$1 == key && $2 == id { found = 1 } END { exit found }'
}

@test "exercise 03-2: the container's IPC namespace is not the host's" {
	run build/03-uts "$ROOTFS" readlink /proc/self/ns/ipc
	[ "$status" -eq 0 ]
	[[ "$output" == ipc:* ]]
	[ "$output" != "$(readlink /proc/self/ns/ipc)" ]
}
