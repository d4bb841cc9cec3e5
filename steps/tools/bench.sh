#!/usr/bin/env bash
# make bench: how long a container takes to start, run /bin/true and go away,
# next to baselines measured in the same run, round by round (build/timeit -p
# runs A B C, A B C, ... so that the machine's noise hits all alike).
#
#   each step 01-07      against util-linux's unshare with the same namespaces
#   a step with a veth   against the same step with --net none
#   08 run --rm          against crun and runc on the same image, and unshare;
#                        with docker's seccomp profile on both sides (crun and
#                        runc get it in their config.json, as dockerd gives
#                        it), and with none on either side
#   08-runtime run       against crun run and runc run on the same config.json
#   docker, podman       run --rm with stepbox's runtime against runc (docker) and
#                        crun (podman), private daemons; plain docker run vs 08
#   08 run -d            until the container's command runs
#   08 exec              against nsenter -a into the same container
#   a VM boot            qemu + the host's kernel + an init that powers off
#   memory               host memory per idle container (shim PSS + cgroup charge)
#   scale                SCALE (1000) idle containers, BATCH (50) at a time: the
#                        time per container as the count grows (scale.svg), what
#                        they cost the host, distinct addresses, leftovers
#   the -p relay         100 MiB through it against a direct connection
#
# Prints the table, and writes build/bench/report.md, startup.svg and scale.svg.
# RUNS (default 100) rounds; VM_RUNS (default 5) boots; SCALE (1000), BATCH (50).
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${RUNS:-100}
scale=${SCALE:-1000}
batch=${BATCH:-50}
build=build
rootfs=$build/rootfs
sb=$build/08-full-container
out=$build/bench
[ -d "$out" ] || rm -f "$out"   # an older build's timing program had that name
mkdir -p "$out"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (the steps create namespaces) — try: sudo make bench" >&2
	exit 2
fi

notes=()
spec_by=
work=$(mktemp -d)
cleanup() {   # every container the bench started, on every way out
	"$sb" ps -a 2>/dev/null | awk 'NR > 1 && $NF ~ /^stepbox-bench-/ { print $NF }' |
		xargs -r "$sb" rm -f >/dev/null 2>&1 || true
	# the private dockerd, containerd and podman, and all they made
	! declare -F oci_end >/dev/null || oci_end
	give_back_controllers
	rm -rf "$work"
}

# crun refuses a hybrid cgroup host whose v2 tree holds a controller ("drop
# all controllers from cgroupv2"). On such a host that is a controller no v1
# tree has (hugetlb, here): mounted on a v1 tree of the bench's own, it leaves
# the v2 tree, and crun runs as on a v1 host — outside any wrapper, as 08
# does. Given back (unmounted: the kernel returns it to v2) at the end.
borrowed=()
borrow_v2_controllers() {
	# (cgroup files say size 0: read them, do not test their size)
	local v2=/sys/fs/cgroup/unified c list=() enabled=()
	[ -r "$v2/cgroup.controllers" ] || return 1
	read -r -a list <"$v2/cgroup.controllers" || true
	read -r -a enabled <"$v2/cgroup.subtree_control" || true
	[ ${#list[@]} -gt 0 ] && [ ${#enabled[@]} -eq 0 ] || return 1
	for c in "${list[@]}"; do
		mkdir -p "$work/v1-$c"
		mount -t cgroup -o "$c" "stepbox-bench-$c" "$work/v1-$c" || return 1
		borrowed+=("$work/v1-$c")
	done
	read -r -a list <"$v2/cgroup.controllers" || true
	[ ${#list[@]} -eq 0 ]
}
give_back_controllers() {
	local dir
	for dir in "${borrowed[@]}"; do
		umount "$dir" && rmdir "$dir"
	done
	borrowed=()
}
trap cleanup EXIT

# config.json with docker's default seccomp profile as linux.seccomp: the
# rules that count for this architecture and docker's 14 capabilities
# (includes and excludes decided, as dockerd decides them), on stdout.
docker_seccomp_config() {
	local arch
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	command -v jq >/dev/null || return 1
	jq --arg arch "$arch" '
		["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
		 "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
		 "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"] as $caps
		| def counts: ((.includes.caps // []) - $caps | length == 0)
			and ((.includes.arches // [$arch]) | index($arch) != null)
			and ([(.excludes.caps // [])[] | select(. as $c | $caps | index($c) != null)] | length == 0)
			and ((.excludes.arches // []) | index($arch) == null);
		{ defaultAction, defaultErrnoRet, architectures,
		  syscalls: [.syscalls[] | select(counts) | del(.includes, .excludes, .comment)] }' \
		lib/kernel/seccomp-default.json >"$work/seccomp.json" &&
	jq --slurpfile profile "$work/seccomp.json" '.linux.seccomp = $profile[0]' "$work/config.json"
}

# ---- the plan: every command of the start-up table --------------------------
u="unshare --pid --fork"
# A container that keeps the bridge up and is the target of exec.
"$sb" run -d --name stepbox-bench-keeper busybox sleep 3600 >/dev/null
keeper=$("$sb" inspect stepbox-bench-keeper | sed -n 's/^ *"Pid": \([0-9]*\),$/\1/p')
cat >"$work/plan" <<PLAN
fork+exec               /bin/true
unshare(none)           unshare /bin/true
01-chroot               $build/01-chroot $rootfs /bin/true
unshare(pid)            $u /bin/true
02-pid-ns               $build/02-pid-ns $rootfs /bin/true
unshare(+uts,ipc)       $u --uts --ipc /bin/true
03-uts                  $build/03-uts $rootfs /bin/true
unshare(+mount)         $u --uts --ipc --mount /bin/true
04-mount-overlay        $build/04-mount-overlay $rootfs /bin/true
unshare(+net)           $u --uts --ipc --mount --net /bin/true
05-netns                $build/05-netns $rootfs /bin/true
05-netns(--net=none)    $build/05-netns --net none $rootfs /bin/true
unshare(+user)          $u --uts --ipc --mount --net --user --map-root-user /bin/true
06-userns               $build/06-userns $rootfs /bin/true
unshare(+cgroup)        $u --uts --ipc --mount --net --user --map-root-user --cgroup /bin/true
07-cgroups              $build/07-cgroups $rootfs /bin/true
07-cgroups(--net=none)  $build/07-cgroups --net none $rootfs /bin/true
unshare(08)             $u --uts --ipc --mount --net --cgroup /bin/true
08-run(--net=none)      $sb run --rm --net none busybox /bin/true
08-run(unconfined)      $sb run --rm --net none --security-opt seccomp=unconfined busybox /bin/true
08-run(privileged)      $sb run --rm --net none --privileged busybox /bin/true
08-run(bridge)          $sb run --rm busybox /bin/true
08-run-d                $sb run -d --rm --net none busybox /bin/true
08-exec                 $sb exec stepbox-bench-keeper /bin/true
nsenter-a               nsenter -a -t $keeper /bin/true
PLAN

# crun and runc on the same image, with their own defaults.
for rt in crun runc; do
	command -v "$rt" >/dev/null || { notes+=("$rt: not installed (apt-get install $rt)"); continue; }
	bundle=$work/$rt
	mkdir -p "$bundle"
	# One config.json for crun, runc and 08-runtime: the first one's spec.
	if [ -e "$work/config.json" ]; then
		cp "$work/config.json" "$bundle/config.json"
	else
		(cd "$bundle" && "$rt" spec >/dev/null 2>&1) || continue
		sed -i -e 's|"terminal": true|"terminal": false|' -e 's|"sh"|"/bin/true"|' \
		       -e "s|\"path\": \"rootfs\"|\"path\": \"$(realpath "$rootfs")\"|" "$bundle/config.json"
		cp "$bundle/config.json" "$work/config.json"
		spec_by=$rt
	fi
	cmd="$rt run --bundle $bundle stepbox-bench-$rt"
	# 08-runtime on the very same config.json: once.
	rtcmd="$build/08-runtime --root $work/08-runtime run --bundle $bundle stepbox-bench-08rt"
	if [ ! -e "$work/08rt-planned" ] && $rtcmd >/dev/null 2>&1; then
		echo "08-runtime               $rtcmd" >>"$work/plan"
		touch "$work/08rt-planned"
	fi
	if ! $cmd >/dev/null 2>&1 && [ ${#borrowed[@]} -eq 0 ] && borrow_v2_controllers &&
		$cmd >/dev/null 2>&1; then
		notes+=("$rt: refuses a hybrid cgroup host whose v2 tree holds controllers; the bench mounted $(printf '%s ' "${borrowed[@]##*/v1-}")on a v1 tree of its own for the run (given back at the end), so $rt ran directly, as 08 did")
	elif ! $cmd >/dev/null 2>&1; then
		give_back_controllers
		# crun refuses hybrid cgroup hosts: in a mount namespace of its own,
		# with the v2 hierarchy unmounted, it sees a plain v1 host.
		wrap="unshare --mount --propagation private sh -c"
		if $wrap "umount /sys/fs/cgroup/unified 2>/dev/null; exec $cmd" >/dev/null 2>&1; then
			printf '%s\n' "#!/bin/sh" "umount /sys/fs/cgroup/unified 2>/dev/null" "exec $cmd" \
				>"$work/$rt.sh"
			printf '%s\n' "#!/bin/sh" "umount /sys/fs/cgroup/unified 2>/dev/null" "exec /bin/true" \
				>"$work/wrapper.sh"
			chmod +x "$work/$rt.sh" "$work/wrapper.sh"
			echo "$rt(in-unshare-m)         unshare --mount --propagation private $work/$rt.sh" >>"$work/plan"
			# The same wrapper for 08 (once), so that neither side pays for it alone.
			if [ ! -e "$work/08.sh" ]; then
				printf '%s\n' "#!/bin/sh" "umount /sys/fs/cgroup/unified 2>/dev/null" \
					"exec $sb run --rm --net none busybox /bin/true" >"$work/08.sh"
				chmod +x "$work/08.sh"
				echo "08-run(in-unshare-m)   unshare --mount --propagation private $work/08.sh" >>"$work/plan"
				printf '%s\n' "#!/bin/sh" "umount /sys/fs/cgroup/unified 2>/dev/null" \
					"exec $build/08-runtime --root $work/08-runtime run --bundle $bundle stepbox-bench-08rt" \
					>"$work/08rt.sh"
				chmod +x "$work/08rt.sh"
				echo "08-runtime(in-unshare-m) unshare --mount --propagation private $work/08rt.sh" >>"$work/plan"
				echo "unshare-m-wrapper      unshare --mount --propagation private $work/wrapper.sh" >>"$work/plan"
			fi
			notes+=("$rt: refuses this hybrid cgroup host, so it ran in a private mount namespace with /sys/fs/cgroup/unified unmounted; 08 ran in the same wrapper for its comparison with $rt (the wrapper alone: unshare-m-wrapper, shown, never subtracted)")
		else
			notes+=("$rt: not measured here: $($cmd 2>&1 | head -n1)")
		fi
		continue
	fi
	echo "$rt                    $cmd" >>"$work/plan"
	# The same config.json with docker's default seccomp profile, the one 08
	# run applies (lib/kernel/seccomp-default.json: its rules for this
	# architecture and docker's 14 capabilities, in the OCI form dockerd
	# writes): the same work on both sides. crun's and runc's spec has none.
	[ -e "$work/config-seccomp.json" ] || docker_seccomp_config >"$work/config-seccomp.json" ||
		{ notes+=("$rt+seccomp: not measured: docker's profile could not be put in config.json (jq?)"); continue; }
	mkdir -p "$bundle-seccomp"
	cp "$work/config-seccomp.json" "$bundle-seccomp/config.json"
	cmd="$rt run --bundle $bundle-seccomp stepbox-bench-$rt-seccomp"
	if $cmd >/dev/null 2>&1; then
		echo "$rt+seccomp            $cmd" >>"$work/plan"
	else
		notes+=("$rt+seccomp: not measured: $($cmd 2>&1 | head -n1)")
	fi
done

# ---- docker and podman: the course's chain, stepbox's runtime in runc's place ----
# The tests' harness (tests/oci-clients.bash) starts a private dockerd on its
# own containerd, and a private podman, with build/rootfs imported as their
# image: nothing from a registry, nothing left (oci_end, in cleanup).
if { command -v dockerd && command -v containerd || command -v podman; } >/dev/null; then
	echo "bench: starting a private dockerd and podman..." >&2
	BATS_TEST_DIRNAME=$PWD/tests
	# shellcheck source=tests/helpers.bash
	. tests/helpers.bash
	# shellcheck source=tests/oci-clients.bash
	. tests/oci-clients.bash
	# The client command in OCI_ARGV joins the plan as LABEL if it runs here;
	# if not, the notes say why (WHAT, and its last line of errors).
	plan_client() {
		if "${OCI_ARGV[@]}" >/dev/null 2>"$work/client.err"; then
			echo "$1  ${OCI_ARGV[*]}" >>"$work/plan"
		else
			notes+=("$2: not measured: $(grep -v '^$' "$work/client.err" | tail -n1)")
		fi
	}
	oci_begin
	oci_start docker
	oci_start podman
	if [ -e "$OCI_DIR/docker.ready" ]; then
		for rt in stepbox runc; do
			oci_argv docker run --rm --runtime "$rt" --network none "$OCI_IMAGE" /bin/true
			plan_client "docker-run($rt)" "docker run --runtime $rt"
		done
	else
		notes+=("docker: not measured: the private dockerd did not start ($(tail -n1 "$OCI_DIR/docker.log" 2>/dev/null))")
	fi
	if [ -e "$OCI_DIR/podman.ready" ]; then
		for rt in "$PWD/$build/08-runtime" crun runc; do
			command -v "$rt" >/dev/null || continue
			OCI_RUNTIME=$(command -v "$rt") oci_argv podman run --rm --network none "$OCI_IMAGE" /bin/true
			plan_client "podman(${rt##*/})" "podman --runtime ${rt##*/}"
		done
	else
		notes+=("podman: not measured: its set-up failed ($(tail -n1 "$OCI_DIR/podman.log" 2>/dev/null))")
	fi
fi

echo "bench: $runs rounds of $(grep -c . "$work/plan") commands, interleaved..." >&2
"$build/timeit" -n "$runs" -w 3 -p "$work/plan" >"$work/results" || true
# The clients' daemons are done: stopped now, so that they cost the rest nothing.
! declare -F oci_end >/dev/null || oci_end

# ---- the VM: the other side of the lecture's comparison ---------------------
echo "bench: booting a VM ${VM_RUNS:-5} times (seconds each)..." >&2
if vm=$(steps/tools/vm-boot.sh "${VM_RUNS:-5}" 2>"$work/vm.err"); then
	label=$(echo "$vm" | awk 'NR == 1 { print $1 }')
	echo "$vm" | awk '{ print $2 }' | sort -n | awk -v label="$label" '{ ms[NR] = $1 } END {
		printf "%s %.3f %.3f %.3f %d\n", label, ms[int((NR + 1) / 2)], ms[1], ms[NR], NR }' \
		>>"$work/results"
else
	notes+=("VM boot: not measured: $(tail -n1 "$work/vm.err")")
fi

# ---- memory ---------------------------------------------------------------------
echo "bench: memory of 50 idle containers..." >&2
# Each idle container costs the host its shim (outside the container's
# cgroup: its PSS) and what its cgroup is charged (PID 1's pages, page cache
# and kernel memory: memory.current on v2, memory.usage_in_bytes on v1).
# A sum of such readings cannot go negative, as a MemAvailable difference can.
for i in $(seq 50); do
	"$sb" run -d --net none --name "stepbox-bench-idle-$i" busybox sleep 3600 >/dev/null
done
sleep 1
total_shim=0 total_cgroup=0 pss=0
for dir in /run/stepbox/containers/*/; do
	grep -q '^name stepbox-bench-idle-' "$dir/config" || continue
	id=$(basename "$dir")
	shim=$(awk '/^owner/ { print $2 }' "$dir/record")
	kb=$(awk '/^Pss:/ { print $2 }' "/proc/$shim/smaps_rollup")
	[ "$pss" -ne 0 ] || pss=$kb
	total_shim=$((total_shim + kb))
	for f in "/sys/fs/cgroup/stepbox/$id/memory.current" \
		 "/sys/fs/cgroup/memory/stepbox/$id/memory.usage_in_bytes"; do
		[ -r "$f" ] && total_cgroup=$((total_cgroup + $(cat "$f") / 1024)) && break
	done
done
for i in $(seq 50); do echo "stepbox-bench-idle-$i"; done | xargs "$sb" rm -f >/dev/null
per_container=$(( (total_shim + total_cgroup) / 50 ))
memory_how="the shim's PSS $((total_shim / 50)) kB + the cgroup's charge $((total_cgroup / 50)) kB, mean of 50"

# ---- the -p relay -----------------------------------------------------------------
# Before the thousand containers: their network namespaces go on being torn
# down in kernel workers for seconds after rm, and a relay measured then
# shared the CPUs with them (0.53x direct once, 0.8x before it).
echo "bench: 100 MiB through the -p relay and direct..." >&2
relay_port=$((20000 + RANDOM % 20000))
relay_line="not measured"
if "$sb" run -d --name "stepbox-bench-relay-$$" -p "127.0.0.1:$relay_port:80" busybox \
	nc -ll -p 80 -e wc -c >/dev/null; then
	address=$("$sb" inspect "stepbox-bench-relay-$$" | sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p')
	sleep 0.3
	relay=() direct=()
	for _ in 1 2 3 4 5; do
		relay+=("$("$build/throughput" 127.0.0.1 "$relay_port" 100 | awk '{ print $3 }')")
		direct+=("$("$build/throughput" "$address" 80 100 | awk '{ print $3 }')")
	done
	"$sb" rm -f "stepbox-bench-relay-$$" >/dev/null
	r=$(printf '%s\n' "${relay[@]}" | sort -n | sed -n 3p)
	d=$(printf '%s\n' "${direct[@]}" | sort -n | sed -n 3p)
	relay_line=$(awk -v r="$r" -v d="$d" 'BEGIN { printf "%.0f MiB/s through the relay, %.0f MiB/s direct: %.2f× direct (target ≥ 0.8×)", r, d, r / d }')
fi

# ---- scale: many idle containers, started a batch at a time ----------------------
# SCALE containers (default 1000), BATCH (50) at once, each batch timed: the
# time per container as the count grows shows where starting stops being
# flat. Then what they all cost the host, their addresses, and the removal.
echo "bench: $scale containers, $batch at a time..." >&2
: >"$work/scale"
: >"$work/scale-failures"
n=0
while [ "$n" -lt "$scale" ]; do
	size=$(( scale - n < batch ? scale - n : batch ))
	start=$(date +%s%N)
	for i in $(seq $((n + 1)) $((n + size))); do
		{ "$sb" run -d --name "stepbox-bench-many-$i" busybox sleep 3600 >/dev/null 2>"$work/err-$i" ||
			{ echo "$i: $(head -n1 "$work/err-$i")" >>"$work/scale-failures"; }; rm -f "$work/err-$i"; } &
	done
	wait
	n=$((n + size))
	# containers running after this batch, ms per container in it
	echo "$n $(( ($(date +%s%N) - start) / 1000 / size ))" >>"$work/scale"
done
failures=$(grep -c . "$work/scale-failures" || true)
many_ids=$("$sb" ps | awk 'NR > 1 && $NF ~ /^stepbox-bench-many-/ { print $1 }')
running=$(echo "$many_ids" | grep -c . || true)
# shellcheck disable=SC2086  # one ID a word
ips=$([ -z "$many_ids" ] || "$sb" inspect $many_ids | sed -n 's/^ *"IPAddress": "\(10\..*\)",$/\1/p')
addresses=$(echo "$ips" | grep -c . || true)
unique=$(echo "$ips" | sort -u | grep -c . || true)
scale_shim=0 scale_cgroup=0
for dir in /run/stepbox/containers/*/; do
	grep -q '^name stepbox-bench-many-' "$dir/config" || continue
	id=$(basename "$dir")
	shim=$(awk '/^owner/ { print $2 }' "$dir/record")
	scale_shim=$((scale_shim + $(awk '/^Pss:/ { print $2 }' "/proc/$shim/smaps_rollup")))
	for f in "/sys/fs/cgroup/stepbox/$id/memory.current" \
		 "/sys/fs/cgroup/memory/stepbox/$id/memory.usage_in_bytes"; do
		[ -r "$f" ] && scale_cgroup=$((scale_cgroup + $(cat "$f") / 1024)) && break
	done
done
start=$(date +%s%N)
for i in $(seq "$scale"); do echo "stepbox-bench-many-$i"; done | xargs -P 8 -n 25 "$sb" rm -f >/dev/null 2>&1 || true
removed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$sb" rm -f stepbox-bench-keeper >/dev/null
for _ in $(seq 100); do
	leftovers=$( { ls -A /run/stepbox 2>/dev/null; ip -o link show type veth | grep ' sb-'; ip -o link show stepbox0; find /sys/fs/cgroup -maxdepth 3 -name 'stepbox*'; } 2>/dev/null | grep -c . || true)
	[ "$leftovers" -eq 0 ] && break
	sleep 0.1
done
first_ms=$(awk 'NR == 1 { printf "%.1f", $2 / 1000 }' "$work/scale")
last_ms=$(awk 'END { printf "%.1f", $2 / 1000 }' "$work/scale")

# ---- the table ----------------------------------------------------------------------
# Each row's baseline: the unshare with the same namespaces, or the row named.
baseline_of() {
	case $1 in
	01-*) echo "unshare(none)" ;;        02-*) echo "unshare(pid)" ;;
	03-*) echo "unshare(+uts,ipc)" ;;    04-*) echo "unshare(+mount)" ;;
	05-netns) echo "05-netns(--net=none)" ;; 05-*) echo "unshare(+net)" ;;
	06-*) echo "unshare(+user)" ;;
	07-cgroups) echo "07-cgroups(--net=none)" ;; 07-*) echo "unshare(+cgroup)" ;;
	08-run\(bridge\)) echo "08-run(--net=none)" ;;
	08-run\(unconfined\)) echo "${crun_label:-crun}" ;;
	08-run\(privileged\)) echo "08-run(--net=none)" ;;
	crun+seccomp|runc+seccomp) echo "08-run(--net=none)" ;;
	08-run\(in-unshare-m\)) echo "unshare-m-wrapper" ;;
	08-runtime\(in-unshare-m\)) echo "crun(in-unshare-m)" ;;
	08-runtime) echo "runc" ;;
	docker-run\(stepbox\)) echo "docker-run(runc)" ;;
	docker-run\(runc\)) echo "08-run(--net=none)" ;;
	podman\(08-runtime\)) if grep -q '^podman(crun)' "$work/results"; then echo "podman(crun)"; else echo "podman(runc)"; fi ;;
	podman\(*) echo "08-run(--net=none)" ;;
	08-run*) echo "unshare(08)" ;;       08-exec) echo "nsenter-a" ;;
	crun\(in-unshare-m\)|runc\(in-unshare-m\)) echo "08-run(in-unshare-m)" ;;
	crun*|runc*) echo "08-run(--net=none)" ;;
	*) echo "fork+exec" ;;
	esac
}
# shellcheck disable=SC2094  # results is only read here
table() {
	printf '| %-24s | %10s | %9s | %9s | %-26s |\n' what "median ms" "p10 ms" "p90 ms" "ratio"
	printf '| %-24s | %10s | %9s | %9s | %-26s |\n' --- ---: ---: ---: ---
	while read -r label median p10 p90 _; do
		[ "$median" = failed ] && { printf '| %-24s | %10s | | | |\n' "$label" failed; continue; }
		base=$(baseline_of "$label")
		b=$(awk -v l="$base" '$1 == l { print $2 }' "$work/results")
		ratio=""
		if [ -n "$b" ] && [ "$base" != "$label" ]; then
			ratio=$(awk -v m="$median" -v b="$b" -v l="$base" 'BEGIN { printf "%.2f× %s", m / b, l }')
		fi
		printf '| %-24s | %10.3f | %9.3f | %9.3f | %-26s |\n' "$label" "$median" "$p10" "$p90" "$ratio"
	done <"$work/results"
}
ms() { awk -v l="$1" '$1 == l { print $2 }' "$work/results"; }
ran() { ms "$1" | grep -q '^[0-9]'; }
ratio() { awk -v a="$(ms "$1")" -v b="$(ms "$2")" 'BEGIN { if (a && b) printf "%.2f", a / b; else print "n/a" }'; }
crun_label=$(awk '$1 ~ /^crun/ { print $1; exit }' "$work/results")
{
	echo "# stepbox bench, $(date -u +%Y-%m-%d) on $(uname -srm), $runs rounds"
	echo
	table
	echo
	echo "## Targets"
	echo
	# 08 against crun under the same conditions: both in crun's wrapper where crun needs it.
	if [ "${crun_label:-}" = "crun(in-unshare-m)" ]; then
		echo "- 08 run --rm --net none against crun, both in the same private-mount wrapper: $(ratio "08-run(in-unshare-m)" "crun(in-unshare-m)")× crun (target ≤ 0.5×); $(ratio "08-run(--net=none)" "unshare(08)")× unshare with its namespaces, both outside (target ≤ 1.5×)"
	else
		echo "- 08 run --rm --net none against crun, both run directly, the same work: $(ratio "08-run(--net=none)" "crun+seccomp")× crun given docker's seccomp profile as 08 applies it (target ≤ 0.5×); with no filter on either side, $(ratio "08-run(unconfined)" "${crun_label:-crun}")× (08 --security-opt seccomp=unconfined, crun's spec as it comes); 08 with the profile against crun without: $(ratio "08-run(--net=none)" "${crun_label:-crun}")×. $(ratio "08-run(--net=none)" "unshare(08)")× unshare with its namespaces (target ≤ 1.5×)"
	fi
	# Where 08's time over unshare's goes, from rows of this table (when all ran).
	if ran "05-netns(--net=none)" && ran "08-run(privileged)" && ran "08-run(--net=none)" &&
		ran "unshare(08)"; then
		echo "- what makes up 08 against unshare(08) ($(ms "unshare(08)") ms): the same kernel work without a runtime (05-netns --net none: the namespaces, overlay, pivot_root, /proc /sys /dev, one process) $(ms "05-netns(--net=none)") ms, $(ratio "05-netns(--net=none)" "unshare(08)")×; 08 without docker's hardening (--privileged: no masked paths, all capabilities, no seccomp) $(ms "08-run(privileged)") ms, $(ratio "08-run(privileged)" "unshare(08)")×; so the lifecycle (shim, state files, cgroup, hosts files) costs $(awk -v a="$(ms "08-run(privileged)")" -v b="$(ms "05-netns(--net=none)")" 'BEGIN { printf "%.1f", a - b }') ms and the hardening $(awk -v a="$(ms "08-run(--net=none)")" -v b="$(ms "08-run(privileged)")" 'BEGIN { printf "%.1f", a - b }') ms"
	fi
	echo "- 08-runtime run (create, start, wait, delete) on the same config.json (${spec_by:-?} spec): $(ratio 08-runtime runc)× runc run$( [ "${crun_label:-}" = "crun(in-unshare-m)" ] && echo ", $(ratio "08-runtime(in-unshare-m)" "crun(in-unshare-m)")× crun run (both in the wrapper)" || echo ", $(ratio 08-runtime "${crun_label:-crun}")× crun run")"
	if [ -n "$(ms "docker-run(runc)")" ]; then
		echo "- docker run --rm (private dockerd 20.10, --network none): with stepbox's runtime $(ratio "docker-run(stepbox)" "docker-run(runc)")× with runc; docker run with runc takes $(ms "docker-run(runc)") ms, $(ratio "docker-run(runc)" "08-run(--net=none)")× 08 run --rm (the course's figure: ~50 ms)"
	fi
	if [ -n "$(ms "podman(08-runtime)")" ]; then
		echo "- podman run --rm (--network none): with 08-runtime $(ratio "podman(08-runtime)" "$(baseline_of "podman(08-runtime)")")× with $(baseline_of "podman(08-runtime)" | tr -d '()' | sed 's/^podman//')"
	fi
	echo "- a step with a veth against --net none: 05 $(ratio 05-netns "05-netns(--net=none)")×, 07 $(ratio 07-cgroups "07-cgroups(--net=none)")×, 08 $(ratio "08-run(bridge)" "08-run(--net=none)")× (target ≤ 2×)"
	echo "- memory per idle container: $per_container kB ($memory_how; target ≤ 1024 kB); one shim's PSS: $pss kB (target ≤ 300 kB)"
	echo "- $scale idle containers (run -d, bridge), $batch at a time: $failures failures, $running running at the end, $addresses addresses of which $unique distinct; per container $first_ms ms in the first batch, $last_ms ms in the last (scale.svg); the host's memory for all of them: shims' PSS $((scale_shim / 1024)) MiB + cgroups' charge $((scale_cgroup / 1024)) MiB = $(( (scale_shim + scale_cgroup) / ${running:-1} )) kB each; removed in $removed_ms ms (xargs -P 8); $leftovers leftovers (targets: 0 failures, all distinct, 0 leftovers)"
	echo "- the -p relay, 100 MiB, median of 5: $relay_line"
	for line in "${notes[@]}"; do
		echo "- note: $line"
	done
} >"$out/report.md"

# ---- the chart: log scale, so that 1 ms and 5 s fit on one picture -------------------
awk '$2 != "failed" { label[NR] = $1; ms[NR] = $2; n = NR }
     END {
	h = 30 + 22 * n + 40
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h
	print "<text x=\"10\" y=\"18\" font-size=\"14\">start → exit of /bin/true, median ms (log scale)</text>"
	left = 190; width = 500; lo = log(0.1); hi = log(100000)
	for (d = 0.1; d <= 100000; d *= 10) {
		x = left + width * (log(d) - lo) / (hi - lo)
		printf "<line x1=\"%.1f\" y1=\"26\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, x, h - 30
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", x, h - 14, d
	}
	i = 0
	for (r = 1; r <= n; r++) {
		if (!(r in label)) continue
		y = 30 + 22 * i++
		v = ms[r] < 0.1 ? 0.1 : ms[r]
		w = width * (log(v) - lo) / (hi - lo)
		color = label[r] ~ /^vm-boot/ ? "#c0392b" : label[r] ~ /^(crun|runc)/ ? "#7f8c8d" : label[r] ~ /^(unshare|fork|nsenter)/ ? "#95a5a6" : "#2c7fb8"
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6, y + 13, label[r]
		printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>\n", left, y, w, color
		printf "<text x=\"%.1f\" y=\"%d\">%.2f</text>\n", left + w + 4, y + 13, ms[r]
	}
	print "</svg>"
     }' "$work/results" >"$out/startup.svg"

# ---- the scale chart: ms per container, batch by batch --------------------------------
awk -v batch="$batch" '{ n[NR] = $1; us[NR] = $2; if ($2 > max) max = $2; last = NR }
     END {
	left = 60; width = 640; top = 30; height = 260
	if (max < 1000) max = 1000
	ymax = 1000 * int((max + 999) / 1000)
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", top + height + 50
	printf "<text x=\"10\" y=\"18\" font-size=\"14\">run -d, %d at a time: ms per container against the containers running</text>\n", batch
	for (t = 0; t <= 4; t++) {
		y = top + height - height * t / 4
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y, left + width, y
		printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", left - 6, y + 4, ymax * t / 4 / 1000
	}
	path = ""
	for (r = 1; r <= last; r++) {
		x = left + width * n[r] / n[last]
		y = top + height - height * us[r] / ymax
		path = path sprintf("%s%.1f,%.1f", r == 1 ? "M" : " L", x, y)
		printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2c7fb8\"/>\n", x, y
	}
	printf "<path d=\"%s\" fill=\"none\" stroke=\"#2c7fb8\"/>\n", path
	for (r = 1; r <= last; r += int(last / 5) > 0 ? int(last / 5) : 1)
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", left + width * n[r] / n[last], top + height + 18, n[r]
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">containers running</text>\n", left + width / 2, top + height + 40
	print "</svg>"
     }' "$work/scale" >"$out/scale.svg"

cat "$out/report.md"
echo
echo "(written: $out/report.md, $out/startup.svg, $out/scale.svg)"
