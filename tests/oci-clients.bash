# Real OCI clients — dockerd (with its own containerd), containerd's ctr and
# podman — driving an OCI runtime (runc's command line: create, start, state,
# kill, delete, exec), offline and private: every directory, socket, cgroup
# and runtime state of a suite lives under one mktemp directory and a cgroup
# named after it, and oci_end removes all of it. Images come from
# build/rootfs, never from a registry.
#
# Load after helpers (BUILD, ROOTFS, is_gone). A suite calls oci_begin in
# setup_file, then docker_start / containerd_start / podman_setup for the
# clients that are installed, and oci_end in teardown_file.
#
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are for the suites that load this file

# The runtime under test: step 08's runtime by default; OCI_RUNTIME=/usr/sbin/runc
# checks the harness itself.
OCI_RUNTIME=${OCI_RUNTIME:-$BUILD/08-runtime}
# How docker and podman name the image; ctr wants a full reference.
OCI_IMAGE=stepbox-busybox
OCI_CTR_IMAGE=docker.io/library/stepbox-busybox:latest
# What a client makes outside the directories it is given (hard-coded in
# dockerd 20.10, containerd 1.6, podman 4's image copy and, on cgroup v2,
# podman 4's probe of the controllers: an empty cgroup it leaves at the
# root), and the default state roots of 08-runtime and runc, which podman uses
# (it gives no --root); oci_end removes those it made (a directory only if
# empty), deepest first as listed here.
OCI_GLOBAL_PATHS="/run/docker/plugins /run/docker /run/containerd/s /run/containerd/fifo
/run/containerd/runc/default /run/containerd/runc/moby /run/containerd/runc /run/containerd
/var/lib/containers/cache/blob-info-cache-v1.boltdb /var/lib/containers/cache /var/lib/containers
/sys/fs/cgroup/podman_probe
/run/stepbox/runtime /run/stepbox /run/runc"

# Skip because COMMAND is not installed (Debian package PACKAGE); in the cgroup
# v2 lane, because the initramfs leaves it out.
oci_missing() {
	if [ "${STEPBOX_LANE:-}" = vm ]; then
		skip "$1 is not in the cgroup v2 lane's initramfs (tests/vm/build-initramfs.sh takes the host's podman, never dockerd or containerd: too big)"
	fi
	skip "$1 is not installed (apt-get install $2)"
}

# Skip (with the reason) when the runtime or CLIENT is missing.
oci_need() {
	[ -x "$OCI_RUNTIME" ] ||
		skip "no OCI runtime at $OCI_RUNTIME (build it, or set OCI_RUNTIME=/usr/sbin/runc)"
	case $1 in
	docker)
		command -v dockerd >/dev/null || oci_missing dockerd docker.io
		command -v docker >/dev/null || oci_missing docker docker.io
		command -v containerd >/dev/null || oci_missing containerd containerd
		;;
	ctr)
		command -v ctr >/dev/null || oci_missing ctr containerd
		command -v containerd >/dev/null || oci_missing containerd containerd
		;;
	podman)
		command -v podman >/dev/null || oci_missing podman podman
		;;
	esac
	[ -d "${OCI_DIR:-/nonexistent}" ] || skip "the clients were stopped already"
	# Installed but not started is a failure, not a skip.
	[ -e "$OCI_DIR/$1.ready" ] || {
		echo "$1 did not start, or its image import failed:" >&2
		tail -n 5 "$OCI_DIR/$1.log" "$OCI_DIR"/*/log >&2 2>/dev/null
		return 1
	}
}

# Start CLIENT (docker, ctr or podman) with the image imported, when it and
# the runtime are installed: for setup_file. Its errors go to $OCI_DIR/CLIENT.log.
oci_start() {
	[ -x "$OCI_RUNTIME" ] || return 0
	case $1 in
	docker)
		command -v dockerd >/dev/null && command -v containerd >/dev/null || return 0
		{ [ -S "${CONTAINERD_SOCK:-}" ] || containerd_start; } && docker_start && docker_import
		;;
	ctr)
		command -v ctr >/dev/null && command -v containerd >/dev/null || return 0
		{ [ -S "${CONTAINERD_SOCK:-}" ] || containerd_start; } && ctr_import
		;;
	podman)
		command -v podman >/dev/null || return 0
		podman_setup && podman_import
		;;
	esac >>"$OCI_DIR/$1.log" 2>&1 && touch "$OCI_DIR/$1.ready"
	return 0
}

# One private directory (short: unix socket paths have 108 bytes) and the name
# of the suite's cgroups. Exported: bats runs each test in its own process.
oci_begin() {
	OCI_DIR=$(mktemp -d /tmp/sb-oci.XXXXXX)
	OCI_CGROUP=stepbox-oci-${OCI_DIR##*.}
	local path made=""
	for path in $OCI_GLOBAL_PATHS; do
		[ -e "$path" ] || made="$made $path"
	done
	echo "$made" >"$OCI_DIR/global-paths-made"
	export OCI_DIR OCI_CGROUP OCI_RUNTIME
}

# Wait (up to 10 s) until "$@" succeeds.
oci_wait_for() {
	for _ in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Start a daemon in the background with its output in LOG, fd 3 closed so
# that bats does not wait for it; prints its PID.
oci_daemon() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 3>&- &
	echo $!
}

# SIGTERM to PID, then (after 10 s) SIGKILL; wait until it is gone.
oci_stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do
		is_gone "$1" && return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait_until_gone "$1"
}

# --- containerd ------------------------------------------------------------

# A containerd with its root, state, sockets and plugin directory in
# $OCI_DIR/containerd; sets CONTAINERD_SOCK and CONTAINERD_PID. dockerd uses
# it (namespace moby) and so does ctr (namespace stepbox).
containerd_start() {
	local d=$OCI_DIR/containerd
	mkdir -p "$d"
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$d/sock"
		[ttrpc]
		  address = "$d/sock.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$d/opt"
	EOF
	CONTAINERD_PID=$(oci_daemon "$d/log" containerd --config "$d/config.toml")
	echo "$CONTAINERD_PID" >"$d/pid"
	CONTAINERD_SOCK=$d/sock
	export CONTAINERD_SOCK CONTAINERD_PID
	oci_wait_for oci_ctr version
}

# The command line of CLIENT with ARGS, in the array OCI_ARGV:
#   docker ARGS      the docker client on the private dockerd
#   podman ARGS      podman with the runtime under test and everything private
#   ctr ARGS         ctr on the private containerd, in namespace stepbox
#   ctr-run [ctr run options] ID CMD [ARG...]
#                    ctr run with the runtime under test; its state, FIFOs
#                    and cgroup private; the image goes before ID
oci_argv() {
	local client=$1 d=$OCI_DIR/podman cmd opts=()
	shift
	case $client in
	docker)
		# (DOCKER_CONFIG: the client keeps its state in ~/.docker otherwise;
		# podman reads it too: not exported.)
		OCI_ARGV=(env "DOCKER_CONFIG=$OCI_DIR/docker-client" docker --host "unix://$DOCKER_SOCK" "$@")
		;;
	ctr)
		OCI_ARGV=(ctr --address "$CONTAINERD_SOCK" --namespace stepbox "$@")
		;;
	ctr-run)
		while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
			opts+=("$1")
			shift
		done
		OCI_ARGV=(ctr --address "$CONTAINERD_SOCK" --namespace stepbox run
			--runc-binary "$OCI_RUNTIME" --runc-root "$OCI_DIR/ctr-runtime"
			--fifo-dir "$OCI_DIR/ctr-fifo" --cgroup "/$OCI_CGROUP-ctr/$1"
			"${opts[@]}" "$OCI_CTR_IMAGE" "$@")
		;;
	podman)
		# run and create put the container's cgroup under /$OCI_CGROUP-podman.
		# The runtime keeps its state in its default root: podman gives it no
		# --root, and would not pass --runtime-flag root=DIR on to the cleanup
		# process conmon starts at exit (podman 4.3: `delete --force` comes
		# without it).
		cmd=$1
		shift
		case $cmd in
		run | create) opts=(--cgroup-parent "/$OCI_CGROUP-podman") ;;
		esac
		OCI_ARGV=(env "CONTAINERS_CONF=$d/containers.conf" "TMPDIR=$d/tmp"
			podman --runtime "$OCI_RUNTIME"
			--root "$d/root" --runroot "$d/runroot" --tmpdir "$d/libpod"
			--network-config-dir "$d/net" --volumepath "$d/volumes"
			--storage-driver overlay --cgroup-manager cgroupfs --events-backend file
			"$cmd" "${opts[@]}" "$@")
		;;
	esac
}

# The command line of CLIENT with ARGS, quoted for a shell: for script(1).
oci_cmdline() {
	oci_argv "$@"
	printf '%q ' "${OCI_ARGV[@]}"
}

oci_docker() {
	oci_argv docker "$@"
	"${OCI_ARGV[@]}"
}

oci_podman() {
	oci_argv podman "$@"
	"${OCI_ARGV[@]}"
}

oci_ctr() {
	oci_argv ctr "$@"
	"${OCI_ARGV[@]}"
}

ctr_run() {
	oci_argv ctr-run "$@"
	"${OCI_ARGV[@]}"
}

# An OCI image layout (as a tar, at OUT) with one layer, build/rootfs, named
# NAME: what `ctr image import` takes. Built with tar and sha256sum only.
oci_image_archive() {
	local out=$1 name=$2 d arch layer config manifest
	d=$(mktemp -d "$OCI_DIR/image.XXXXXX")
	mkdir -p "$d/blobs/sha256"
	tar -C "$ROOTFS" --numeric-owner -cf "$d/layer" .
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac
	layer=$(oci_blob "$d" layer)
	printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$arch" "${layer% *}" >"$d/config"
	config=$(oci_blob "$d" config)
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"${config% *}" "${config#* }" "${layer% *}" "${layer#* }" >"$d/manifest"
	manifest=$(oci_blob "$d" manifest)
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
		"${manifest% *}" "${manifest#* }" "$name" >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs
	rm -rf "$d"
}

# Move file DIR/NAME to DIR/blobs/sha256/<digest>; prints "<digest> <size>".
oci_blob() {
	local digest size
	digest=$(sha256sum "$1/$2" | cut -d' ' -f1)
	size=$(stat -c %s "$1/$2")
	mv "$1/$2" "$1/blobs/sha256/$digest"
	echo "$digest $size"
}

# Import build/rootfs into the private containerd (for ctr).
ctr_import() {
	oci_image_archive "$OCI_DIR/image.tar" "$OCI_CTR_IMAGE" &&
		oci_ctr image import "$OCI_DIR/image.tar" >/dev/null &&
		rm -f "$OCI_DIR/image.tar"
}

# Stop what ctr started: kill and delete every task, delete every container.
ctr_clean() {
	[ -S "${CONTAINERD_SOCK:-}" ] || return 0
	local id
	for id in $(oci_ctr task ls -q 2>/dev/null); do
		oci_ctr task kill -s KILL "$id" >/dev/null 2>&1 || true
	done
	for id in $(oci_ctr container ls -q 2>/dev/null); do
		oci_wait_for oci_ctr task delete "$id" || oci_ctr task delete --force "$id" >/dev/null 2>&1 || true
		oci_ctr container delete "$id" >/dev/null 2>&1 || true
	done
}

# --- dockerd ---------------------------------------------------------------

# A dockerd on the private containerd (containerd_start first), with data,
# exec root, socket, pid file, key and config in $OCI_DIR/docker; no bridge,
# no iptables, no forwarding; containers' cgroups under /$OCI_CGROUP-docker;
# the runtime under test registered as "stepbox". Sets DOCKER_SOCK.
docker_start() {
	local d=$OCI_DIR/docker
	mkdir -p "$d"
	# dockerd before 23 makes /etc/docker/key.json unless told another place;
	# later ones know no such key, and refuse a configuration that has it.
	if [ "$(dockerd --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')" -lt 23 ]; then
		echo "{\"deprecated-key-path\": \"$d/key.json\"}" >"$d/daemon.json"
	else
		echo '{}' >"$d/daemon.json"
	fi
	DOCKER_PID=$(oci_daemon "$d/log" dockerd --config-file "$d/daemon.json" \
		--data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/pid" \
		--host "unix://$d/sock" --containerd "$CONTAINERD_SOCK" \
		--bridge none --iptables=false --ip6tables=false --ip-forward=false \
		--ip-masq=false --userland-proxy=false \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$OCI_CGROUP-docker" \
		--add-runtime "stepbox=$OCI_RUNTIME")
	echo "$DOCKER_PID" >"$d/dockerd.pid"
	DOCKER_SOCK=$d/sock
	export DOCKER_SOCK DOCKER_PID
	oci_wait_for oci_docker version
}

# Import build/rootfs as image stepbox-busybox.
docker_import() {
	tar -C "$ROOTFS" --numeric-owner -c . | oci_docker import - "$OCI_IMAGE" >/dev/null
}

# Remove every container of the private dockerd.
docker_clean() {
	[ -S "${DOCKER_SOCK:-}" ] || return 0
	local ids
	ids=$(oci_docker ps -aq 2>/dev/null) || return 0
	# shellcheck disable=SC2086  # one id per word
	[ -z "$ids" ] || oci_docker rm -f $ids >/dev/null 2>&1 || true
}

# --- podman ----------------------------------------------------------------

# podman's storage, run root, libpod tmp dir, networks and volumes all in
# $OCI_DIR/podman.
podman_setup() {
	local d=$OCI_DIR/podman
	mkdir -p "$d/tmp"
	# Without CAP_SYS_RESOURCE (a container host's root may lack it) podman's
	# default limits (NOFILE 1048576, NPROC up to 1048576) are above the hard
	# ones it may keep, and the runtime's setrlimit fails with EPERM: ask for
	# the hard limits that are there.
	: >"$d/containers.conf"
	if ! oci_has_cap 24; then
		printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
			"$(ulimit -Hn)" "$(ulimit -Hn)" 32768 32768 >"$d/containers.conf"
	fi
}

# Has this shell the capability number N (24: CAP_SYS_RESOURCE)?
oci_has_cap() {
	local caps
	caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(((0x$caps >> $1) & 1))
}

# Import build/rootfs as image stepbox-busybox.
podman_import() {
	tar -C "$ROOTFS" --numeric-owner -c . | oci_podman import - "$OCI_IMAGE" >/dev/null
}

# Remove every podman container.
podman_clean() {
	[ -d "$OCI_DIR/podman/root" ] || return 0
	oci_podman rm --all --force --time 0 >/dev/null 2>&1 || true
}

# --- looking from outside --------------------------------------------------

# The host PID of a container's first process (docker, podman: name or id).
docker_pid() { oci_docker inspect --format '{{.State.Pid}}' "$1"; }
podman_pid() { oci_podman inspect --format '{{.State.Pid}}' "$1"; }
ctr_pid() { oci_ctr task ls | awk -v id="$1" '$1 == id { print $2 }'; }

# PID's parent PID and the parent's name, as the host sees them: "PPID COMM".
oci_parent_of() {
	local ppid
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$1/status") || return 1
	echo "$ppid $(cat "/proc/$ppid/comm")"
}

# The cgroup directory of PID for CONTROLLER (memory, pids, ...), on cgroup v2
# or v1: /sys/fs/cgroup/<path> or /sys/fs/cgroup/CONTROLLER/<path>.
oci_cgroup_dir() {
	local path
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		path=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
		echo "/sys/fs/cgroup${path%/}"
	else
		path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
		echo "/sys/fs/cgroup/$2${path%/}"
	fi
}

# PID's memory limit in bytes (v2 memory.max, v1 memory.limit_in_bytes).
oci_memory_limit() {
	local dir
	dir=$(oci_cgroup_dir "$1" memory)
	cat "$dir/memory.max" 2>/dev/null || cat "$dir/memory.limit_in_bytes"
}

# PID's pids limit (pids.max, v2 and v1).
oci_pids_limit() {
	cat "$(oci_cgroup_dir "$1" pids)/pids.max"
}

# --- the end ---------------------------------------------------------------

# The suite's cgroups, in every hierarchy, deepest first.
oci_cgroups() {
	[ -n "${OCI_CGROUP:-}" ] || return 0
	find /sys/fs/cgroup -maxdepth 2 -type d -name "$OCI_CGROUP*" 2>/dev/null |
		while read -r top; do find "$top" -depth -type d; done
}

# Mount points under $OCI_DIR, deepest (last mounted) first.
oci_mounts() {
	[ -n "${OCI_DIR:-}" ] || return 0
	awk -v d="$OCI_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tac
}

# Processes the suite left: any whose command line names $OCI_DIR (daemons,
# shims, conmon), any in the suite's cgroups (containers, exec'd processes).
oci_processes() {
	[ -n "${OCI_DIR:-}" ] || return 0
	{
		pgrep -f "$OCI_DIR/" || true
		oci_cgroups | while read -r cg; do cat "$cg/cgroup.procs" 2>/dev/null; done
	} | sort -un | while read -r pid; do
		[ "$pid" != $$ ] && ! is_gone "$pid" && echo "$pid"
	done
}

# Everything of the suite that is still there, one line each; nothing when clean.
oci_leftovers() {
	local pid path
	for pid in $(oci_processes); do
		echo "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	oci_mounts | sed 's/^/mount /'
	oci_cgroups | sed 's/^/cgroup /'
	[ ! -e "${OCI_DIR:-/nonexistent}" ] || echo "directory $OCI_DIR"
	for path in ${OCI_MADE:-}; do
		[ ! -e "$path" ] || echo "left: $path"
	done
}

# Stop every container and daemon of the suite and remove all it made:
# processes, mounts, cgroups, directories. Can run twice (a test, then
# teardown_file); a process of another suite is never touched.
oci_end() {
	[ -n "${OCI_DIR:-}" ] && [ -d "$OCI_DIR" ] || return 0
	docker_clean
	ctr_clean
	podman_clean
	[ ! -f "$OCI_DIR/docker/dockerd.pid" ] || oci_stop_pid "$(cat "$OCI_DIR/docker/dockerd.pid")"
	[ ! -f "$OCI_DIR/containerd/pid" ] || oci_stop_pid "$(cat "$OCI_DIR/containerd/pid")"
	# Shims and conmon outlive their daemon; so would a container of a
	# runtime that failed half-way.
	local pid mnt cg path
	for pid in $(oci_processes); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in $(oci_processes); do
		wait_until_gone "$pid" || true
	done
	for mnt in $(oci_mounts); do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	done
	for cg in $(oci_cgroups); do
		rmdir "$cg" 2>/dev/null || true
	done
	OCI_MADE=$(cat "$OCI_DIR/global-paths-made")
	# A mount that would not go stays, and so does what is under it.
	rm -rf --one-file-system "$OCI_DIR"
	for path in $OCI_MADE; do
		if [ -d "$path" ]; then
			rmdir "$path" 2>/dev/null || true
		else
			rm -f "$path"
		fi
	done
}
