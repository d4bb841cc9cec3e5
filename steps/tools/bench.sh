#!/usr/bin/env bash
# make bench: how long does a container take to start, run /bin/true and go
# away, next to the baselines measured in the same invocation:
#   fork+exec   the host's /bin/true, no isolation at all
#   unshare     util-linux's unshare with PID, UTS, IPC and mount namespaces
#   unshare+net the same plus a network namespace: what an empty netns costs
#   crun/runc   a real OCI runtime on the same image, when one is installed
#   vm-boot     qemu booting a kernel + init that powers off at once (when
#               qemu and a kernel are there; its p10/p90 columns are min/max
#               of VM_RUNS=5 runs): what a container does not do
# then every step (and step 06 without sudo), and step 08's run --rm with
# and without its network. Prints the median (and p10/p90)
# of RUNS runs, and the ratio to fork+exec.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${RUNS:-200}
build=build
rootfs=$build/rootfs
bench=$build/bench

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (the steps create namespaces) — try: sudo make bench" >&2
	exit 2
fi

skipped=()
results=$(mktemp)
bundle=$(mktemp -d)
trap 'rm -rf "$results" "$bundle"' EXIT

measure() {   # LABEL CMD...
	"$bench" -n "$runs" "$@" | tee -a "$results" >/dev/null
	printf '.' >&2
}

echo "timing /bin/true, $runs runs each (median of start→exit)..." >&2
measure fork+exec /bin/true
measure unshare unshare --pid --fork --uts --ipc --mount /bin/true
measure unshare+net unshare --pid --fork --uts --ipc --mount --net /bin/true

for rt in crun runc; do
	command -v "$rt" >/dev/null || continue
	# A minimal OCI bundle over the same image: the runtime's own defaults.
	rm -rf "${bundle:?}"/*
	(cd "$bundle" && "$rt" spec >/dev/null 2>&1) || continue
	sed -i -e 's|"terminal": true|"terminal": false|' \
	       -e 's|"sh"|"/bin/true"|' \
	       -e "s|\"path\": \"rootfs\"|\"path\": \"$(realpath "$rootfs")\"|" "$bundle/config.json"
	if ! why=$("$rt" run --bundle "$bundle" "stepbox-bench-$$" 2>&1); then
		skipped+=("$rt: not measured here: $why")
		continue
	fi
	measure "$rt" "$rt" run --bundle "$bundle" "stepbox-bench-$$"
done

for step in "$build"/0[1-7]-*; do
	[ -x "$step" ] || continue
	measure "$(basename "$step")" "$step" "$rootfs" /bin/true
done
# Step 08 as docker would be used: create, start (a shim), wait, remove.
measure "08-run-net-none" "$build/08-full-container" run --rm --net none busybox /bin/true
measure "08-run-veth" "$build/08-full-container" run --rm busybox /bin/true

# Step 08's published port: 100 MiB through the shim's relay (-p) against
# the same 100 MiB straight to the container's address, round by round.
relay_port=$((20000 + RANDOM % 20000))
relay_line=""
if "$build/08-full-container" run -d --name "stepbox-bench-relay-$$" \
	-p "127.0.0.1:$relay_port:80" busybox nc -ll -p 80 -e wc -c >/dev/null; then
	address=$("$build/08-full-container" inspect "stepbox-bench-relay-$$" |
		sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p')
	sleep 0.3
	relay=() direct=()
	for _ in 1 2 3 4 5; do
		relay+=("$("$build/throughput" 127.0.0.1 "$relay_port" 100 | awk '{ print $3 }')")
		direct+=("$("$build/throughput" "$address" 80 100 | awk '{ print $3 }')")
	done
	"$build/08-full-container" rm -f "stepbox-bench-relay-$$" >/dev/null
	relay_median=$(printf '%s\n' "${relay[@]}" | sort -n | sed -n 3p)
	direct_median=$(printf '%s\n' "${direct[@]}" | sort -n | sed -n 3p)
	relay_line=$(awk -v r="$relay_median" -v d="$direct_median" 'BEGIN {
		printf "08 -p relay, 100 MiB (median of 5): %.0f MiB/s through the relay, %.0f MiB/s direct: %.2f× direct", r, d, r / d }')
else
	skipped+=("08 -p relay: not measured (the container did not start)")
fi
printf '.' >&2

# Step 06 without sudo: as the user who ran sudo, else as nobody.
user=${SUDO_UID:-65534}
[ "$user" != 0 ] || user=65534
as_user=(setpriv --reuid="$user" --regid="${SUDO_GID:-$user}" --clear-groups env -i PATH=/usr/bin:/bin)
if "${as_user[@]}" "$build/06-userns" "$rootfs" /bin/true >/dev/null 2>&1; then
	measure "06-userns-nosudo" "${as_user[@]}" "$build/06-userns" "$rootfs" /bin/true
else
	skipped+=("06-userns without sudo: not measured here (UID $user cannot run it: see make doctor)")
fi
# The other side of the lecture's comparison: a VM that boots a kernel and
# an init and powers off (a few runs: each takes seconds).
if vm=$(steps/tools/vm-boot.sh "${VM_RUNS:-5}" 2>/dev/null); then
	label=$(echo "$vm" | awk 'NR == 1 { print $1 }')
	echo "$vm" | awk '{ print $2 }' | sort -n | awk -v label="$label" '{ ms[NR] = $1 } END {
		printf "%s %.3f %.3f %.3f %d\n", label, ms[int((NR + 1) / 2)], ms[1], ms[NR], NR }' \
		>>"$results"
else
	skipped+=("VM boot: not measured (needs qemu-system-x86_64 and a kernel in /boot; make test-vm installs them)")
fi
echo >&2

awk 'NR == 1 { base = $2 }
     NR == 1 { printf "%-18s %10s %10s %10s %8s\n", "what", "median ms", "p10 ms", "p90 ms", "× fork+exec" }
     { printf "%-18s %10.3f %10.3f %10.3f %8.1f\n", $1, $2, $3, $4, $2 / base }' "$results"
[ -z "$relay_line" ] || echo "$relay_line"
for line in "${skipped[@]}"; do
	echo "$line"
done
