#!/usr/bin/env bats
# OCI clients: docker (dockerd on its own containerd), containerd's ctr and
# podman drive the runtime $OCI_RUNTIME (default build/08-runtime) as they
# drive runc, offline; each test checks from the host what the kernel shows.
# One private dockerd + containerd for the whole file (tests/oci-clients.bash);
# the last test stops them and checks that nothing is left behind.
#   OCI_RUNTIME=/usr/sbin/runc bats tests/oci.bats    checks the suite itself

load helpers
load oci-clients
bats_require_minimum_version 1.5.0

setup_file() {
	# What a leak would change on the host, to compare with at the end.
	host_mounts | sort >"$BATS_FILE_TMPDIR/mounts"
	oci_host_view >"$BATS_FILE_TMPDIR/host"
	oci_begin
	oci_start docker
	oci_start ctr
	oci_start podman
}

teardown_file() {
	oci_end
}

# Interfaces, network namespaces and top-level cgroups of the host, sorted.
oci_host_view() {
	{
		ip -o link show | awk -F': ' '{ print "link " $2 }'
		ip netns list 2>/dev/null | sed 's/^/netns /'
		find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d
	} | sort
}

# docker run with the runtime under test and no network.
drun() {
	oci_docker run --runtime stepbox --network none "$@"
}

# podman run with no network.
prun() {
	oci_podman run --network none "$@"
}

# Does the log of container $2 of client $1 (oci_docker, oci_podman) say $3?
log_says() {
	"$1" logs "$2" 2>&1 | grep -q -- "$3"
}

# Milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# The namespaces of PID that a container must not share with the host.
own_namespaces() {
	local ns
	for ns in pid mnt uts ipc net; do
		[ "$(readlink "/proc/$1/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] || {
			echo "$1 shares the host's $ns namespace" >&2
			return 1
		}
	done
}

# A shell that says "ready", and on SIGTERM says "got TERM" and exits 0.
TERM_SHELL='trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 1 & wait $!; done'

# --- docker ----------------------------------------------------------------

@test "oci: docker run --rm: exit status 0, 3, and 127 for a missing command" {
	oci_need docker
	run drun --rm "$OCI_IMAGE" sh -c 'echo pid $$; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pid 1" ]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}$ ]]
	run -3 drun --rm "$OCI_IMAGE" sh -c 'exit 3'
	run -127 drun --rm "$OCI_IMAGE" /no/such/command
	[[ "$output" == *"/no/such/command"* ]]
	[ -z "$(oci_docker ps -aq)" ]
}

@test "oci: docker run -d, exec, logs, stop, rm: as the host sees them" {
	oci_need docker
	run drun -d --name term "$OCI_IMAGE" sh -c "$TERM_SHELL"
	[ "$status" -eq 0 ]
	id=${lines[-1]}
	oci_wait_for log_says oci_docker term ready
	pid=$(docker_pid term)
	own_namespaces "$pid"
	cgroup=$(oci_cgroup_dir "$pid" memory)
	[[ "$cgroup" == */"$OCI_CGROUP-docker/$id" ]]
	grep -qx "$pid" "$cgroup/cgroup.procs"
	# exec joins the container's namespaces; its status comes back.
	run oci_docker exec term sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink "/proc/$pid/ns/pid")" ]
	[ "${lines[1]}" = "$(readlink "/proc/$pid/ns/mnt")" ]
	run -5 oci_docker exec term sh -c 'exit 5'
	run oci_docker logs term
	[ "$output" = ready ] || { echo "logs: $output"; false; }
	# stop: SIGTERM, which the shell traps: it exits 0 at once, not after 10 s.
	start=$(now_ms)
	oci_docker stop term
	[ $(($(now_ms) - start)) -lt 5000 ]
	[ "$(oci_docker inspect --format '{{.State.ExitCode}}' term)" = 0 ]
	log_says oci_docker term "got TERM"
	wait_until_gone "$pid"
	oci_docker rm term
	run oci_docker inspect term
	[ "$status" -ne 0 ]
	[ ! -e "$cgroup" ]
}

@test "oci: docker stop -t 1 kills a first process that ignores SIGTERM: 137 after about 1 s" {
	oci_need docker
	# The first process of a PID namespace gets no signal it has no handler for.
	drun -d --name deaf "$OCI_IMAGE" sleep 1000
	pid=$(docker_pid deaf)
	start=$(now_ms)
	oci_docker stop -t 1 deaf
	elapsed=$(($(now_ms) - start))
	[ "$elapsed" -ge 1000 ] && [ "$elapsed" -lt 6000 ]
	[ "$(oci_docker inspect --format '{{.State.ExitCode}}' deaf)" = 137 ]
	wait_until_gone "$pid"
	oci_docker rm deaf
}

@test "oci: docker run -it and exec -it: a terminal through the console socket" {
	oci_need docker
	# script(1) gives the client a terminal.
	cmd=$(oci_cmdline docker run --rm -it --runtime stepbox --network none \
		"$OCI_IMAGE" sh -c 'tty; [ -t 0 ] && echo stdin is a tty; exit 5')
	run script -qec "$cmd" /dev/null
	[ "$status" -eq 5 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"stdin is a tty"* ]]
	# What is typed reaches the container's shell.
	cmd=$(oci_cmdline docker run --rm -it --runtime stepbox --network none "$OCI_IMAGE" sh)
	# shellcheck disable=SC2016  # for the container's shell
	run script -qec "$cmd" /dev/null <<<'echo $((6 * 7)); exit 4'
	[ "$status" -eq 4 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *42* ]]
	drun -d --name tty "$OCI_IMAGE" sleep 1000
	run script -qec "$(oci_cmdline docker exec -it tty tty)" /dev/null
	[ "$status" -eq 0 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *"/dev/pts/"* ]]
	oci_docker rm -f tty
}

@test "oci: docker: the first process is a child of containerd-shim, and no runtime process stays" {
	oci_need docker
	drun -d --name child "$OCI_IMAGE" sleep 1000
	pid=$(docker_pid child)
	read -r ppid comm < <(oci_parent_of "$pid")
	# containerd-shim-runc-v2, cut to the 15 characters of a comm.
	[ "$comm" = containerd-shim ]
	[[ "$(tr '\0' ' ' <"/proc/$ppid/cmdline")" == *"containerd-shim-runc-v2 -namespace moby -id "* ]]
	[ "$(pgrep -P "$ppid")" = "$pid" ]
	oci_docker rm -f child
	wait_until_gone "$pid"
}

# --- podman ----------------------------------------------------------------

@test "oci: podman run --rm: exit status 0, 3, and 127 for a missing command" {
	oci_need podman
	run prun --rm "$OCI_IMAGE" sh -c 'echo pid $$; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pid 1" ]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}$ ]]
	run -3 prun --rm "$OCI_IMAGE" sh -c 'exit 3'
	run -127 prun --rm "$OCI_IMAGE" /no/such/command
	[[ "$output" == *"/no/such/command"* ]]
	[ -z "$(oci_podman ps -aq)" ]
}

@test "oci: podman run -d, exec, logs, stop, rm: as the host sees them" {
	oci_need podman
	run prun -d --name term "$OCI_IMAGE" sh -c "$TERM_SHELL"
	[ "$status" -eq 0 ]
	id=${lines[-1]}
	oci_wait_for log_says oci_podman term ready
	pid=$(podman_pid term)
	own_namespaces "$pid"
	read -r _ comm < <(oci_parent_of "$pid")
	[ "$comm" = conmon ]
	cgroup=$(oci_cgroup_dir "$pid" memory)
	[[ "$cgroup" == */"$OCI_CGROUP-podman/libpod-$id" ]]
	grep -qx "$pid" "$cgroup/cgroup.procs"
	run oci_podman exec term sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink "/proc/$pid/ns/pid")" ]
	[ "${lines[1]}" = "$(readlink "/proc/$pid/ns/mnt")" ]
	run -5 oci_podman exec term sh -c 'exit 5'
	run oci_podman logs term
	[ "$output" = ready ] || { echo "logs: $output"; false; }
	start=$(now_ms)
	oci_podman stop term
	[ $(($(now_ms) - start)) -lt 5000 ]
	[ "$(oci_podman inspect --format '{{.State.ExitCode}}' term)" = 0 ]
	log_says oci_podman term "got TERM"
	wait_until_gone "$pid"
	oci_podman rm term
	run oci_podman inspect term
	[ "$status" -ne 0 ]
	[ ! -e "$cgroup" ]
}

@test "oci: podman run -t and exec -t: a terminal through the console socket" {
	oci_need podman
	cmd=$(oci_cmdline podman run --rm -t --network none "$OCI_IMAGE" sh -c 'tty; exit 5')
	run script -qec "$cmd" /dev/null
	[ "$status" -eq 5 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *"/dev/pts/0"* ]]
	prun -d --name tty "$OCI_IMAGE" sleep 1000
	run script -qec "$(oci_cmdline podman exec -t tty tty)" /dev/null
	[ "$status" -eq 0 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *"/dev/pts/"* ]]
	oci_podman rm -f -t 0 tty
}

@test "oci: podman: /dev/null, zero, full and urandom work and ptys are allowed (podman denies all devices; runc adds its defaults)" {
	oci_need podman
	# config.json says only "deny all": the runtime adds its own defaults for
	# the nodes it creates, as runc does (libcontainer's AllowedDevices).
	run prun --rm "$OCI_IMAGE" sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c &&
		head -c 4 /dev/urandom | wc -c && ! echo x 2>/dev/null >/dev/full && echo ok'
	[ "$status" -eq 0 ] || { echo "status $status: $output"; false; }
	[ "$output" = "$(printf '4\n4\nok')" ]
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		prun -d --name devices "$OCI_IMAGE" sleep 1000
		list=$(cat "$(oci_cgroup_dir "$(podman_pid devices)" devices)/devices.list")
		oci_podman rm -f -t 0 devices
		for rule in 'c 1:3 rwm' 'c 1:5 rwm' 'c 5:2 rwm' 'c 136:\* rwm'; do
			grep -qx "$rule" <<<"$list" || { echo "v1 devices.list has no '$rule':"; echo "$list"; false; }
		done
	fi
}

@test "oci: podman --memory 64m: the container's memory cgroup on the host says 64 MiB" {
	oci_need podman
	prun -d --name mem --memory 64m "$OCI_IMAGE" sleep 1000
	pid=$(podman_pid mem)
	[ "$(oci_memory_limit "$pid")" = $((64 * 1024 * 1024)) ]
	oci_podman rm -f -t 0 mem
}

@test "oci: podman --pids-limit 50: the container's pids cgroup on the host says 50" {
	oci_need podman
	prun -d --name pids --pids-limit 50 "$OCI_IMAGE" sleep 1000
	pid=$(podman_pid pids)
	[ "$(oci_pids_limit "$pid")" = 50 ]
	oci_podman rm -f -t 0 pids
}

# --- containerd: ctr -------------------------------------------------------

@test "oci: ctr run --rm: exit status 0 and 3; a missing command fails and leaves no task" {
	oci_need ctr
	run ctr_run --rm pid1 sh -c 'echo pid $$'
	[ "$status" -eq 0 ]
	[ "$output" = "pid 1" ]
	run -3 ctr_run --rm three sh -c 'exit 3'
	# runc fails the create (ctr: 1); a runtime that fails at the exec gives 127.
	run ! ctr_run --rm missing /no/such/command
	[[ "$output" == *"/no/such/command"* ]]
	[ -z "$(oci_ctr task ls -q)" ]
	oci_ctr container rm missing 2>/dev/null || true
}

@test "oci: ctr run -d, task exec, kill, delete: as the host sees them" {
	oci_need ctr
	ctr_run -d sleeper sleep 1000
	pid=$(ctr_pid sleeper)
	[ -n "$pid" ]
	own_namespaces "$pid"
	read -r _ comm < <(oci_parent_of "$pid")
	[ "$comm" = containerd-shim ]
	cgroup=$(oci_cgroup_dir "$pid" memory)
	[[ "$cgroup" == */"$OCI_CGROUP-ctr/sleeper" ]]
	run oci_ctr task exec --exec-id e1 sleeper readlink /proc/self/ns/pid
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink "/proc/$pid/ns/pid")" ]
	run -4 oci_ctr task exec --exec-id e2 sleeper sh -c 'exit 4'
	oci_ctr task kill -s KILL sleeper
	wait_until_gone "$pid"
	oci_wait_for oci_ctr task delete sleeper
	oci_ctr container delete sleeper
	[ ! -e "$cgroup" ]
}

@test "oci: ctr run -t: a terminal through the console socket" {
	oci_need ctr
	cmd=$(oci_cmdline ctr-run --rm -t tty sh -c 'tty; exit 6')
	run script -qec "$cmd" /dev/null
	[ "$status" -eq 6 ] || { echo "status $status: $output"; false; }
	[[ "$output" == *"/dev/pts/0"* ]]
}

# --- the end ---------------------------------------------------------------

@test "oci: stopping the clients leaves nothing behind (processes, mounts, cgroups, directories, links)" {
	[ -d "${OCI_DIR:-/nonexistent}" ] || skip "nothing was started"
	oci_end
	run oci_leftovers
	[ -z "$output" ] || { echo "left: $output"; false; }
	# What is there now and was not before (what went away is not ours).
	run comm -13 "$BATS_FILE_TMPDIR/mounts" <(host_mounts | sort)
	[ -z "$output" ] || { echo "new mounts: $output"; false; }
	run comm -13 "$BATS_FILE_TMPDIR/host" <(oci_host_view)
	[ -z "$output" ] || { echo "new on the host: $output"; false; }
}
