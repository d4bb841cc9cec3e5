#!/usr/bin/env bash
# make compare: the lecture's "boot vs process" as one table from one run.
# The same command runs twice:
#
#   in a VM         qemu + the host's kernel + a busybox initramfs whose init
#                   runs it (steps/tools/vm-boot.sh --stages: every boot stage
#                   timestamped on the serial console)
#   in a container  build/08-full-container run --rm --net none busybox
#
# and the table sets them side by side: startup (wall clock to the command's
# output), memory, disk, kernel (uname -r inside each, and the host's), and
# what isolates each one. Then each one's stages. Where no qemu or kernel can
# be had, the VM column says so and the course's figures are shown instead,
# marked as not measured here.
#
#   steps/tools/compare.sh          (as root, after make; make compare does both)
#
# VM_ACCEL=kvm|tcg and VM_KERNEL=PATH are passed on to vm-boot.sh.
#
#   DISK=1 steps/tools/compare.sh   (make compare DISK=1; opt-in, slow, never in CI)
#       the VM is a real one: steps/tools/vm-disk.sh builds, once, a Debian
#       bookworm disk image (debootstrap, its kernel and initramfs, SYSLINUX;
#       minutes and the network to deb.debian.org, cached in build/vm-disk/)
#       and qemu boots it from the disk: firmware, boot sector, boot loader,
#       kernel, initramfs, init on the root disk. The disk row gives the
#       image's size (the file, and what du counts) beside the container's.
set -euo pipefail
cd "$(dirname "$0")/../.."

sb=build/08-full-container
image=busybox
# The command: prints its kernel's release, then stays a second, so that
# its memory can be read while it runs.
cmd=(sh -c 'uname -r; sleep 1')

if [ "$(id -u)" -ne 0 ]; then
	echo "compare: needs root (step 08 creates namespaces) — try: sudo make compare" >&2
	exit 2
fi
if [ ! -x "$sb" ] || [ ! -d build/rootfs ]; then
	echo "compare: no $sb or build/rootfs — run make first (make compare does)" >&2
	exit 2
fi

work=$(mktemp -d)
name=stepbox-compare-$$
rpid="" vmpid=""
cleanup() {
	[ -z "$vmpid" ] || { kill "$vmpid" 2>/dev/null; wait "$vmpid" 2>/dev/null; } || true
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null || true
	"$sb" rm -f "$name" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ms_since() {   # EPOCHREALTIME-START EPOCHREALTIME-END -> ms, 1 decimal
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}
kb_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
bytes_to_mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
bytes_to_gb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e9 }'; }
bytes() { du -sbH "$@" | awk '{ s += $1 } END { print s + 0 }'; }

# ---- the VM --------------------------------------------------------------------
disk_mode=false
if [ "${DISK:-0}" = 1 ] && [ "${CI:-}" = true ]; then
	echo "compare: DISK=1 is not for CI (minutes of debootstrap, and the network)" >&2
	exit 2
fi
if [ "${DISK:-0}" = 1 ]; then
	disk_mode=true
	VM_DISK=$(steps/tools/vm-disk.sh) || exit
	export VM_DISK
fi
echo "compare: booting the VM (seconds; more under emulation)..." >&2
# In the background, so that a signal stops the boot at once (cleanup).
vm_status=0
steps/tools/vm-boot.sh --stages "${cmd[@]}" >"$work/vm" 2>"$work/vm.err" &
vmpid=$!
wait "$vmpid" || vm_status=$?
vmpid=""
vm() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$work/vm"; }
vm_stage_ms() { awk -v s="$1" '$1 == "stage" && $2 == s { print $3; exit }' "$work/vm"; }

# ---- the container ---------------------------------------------------------------
echo "compare: running the container (a warm-up run, then the measured one)..." >&2
"$sb" run --rm --net none "$image" true >/dev/null 2>&1 || true
mkfifo "$work/ctr"
t0=$EPOCHREALTIME
"$sb" --trace run --rm --net none --name "$name" "$image" "${cmd[@]}" >"$work/ctr" 2>"$work/trace" &
rpid=$!
exec 3<"$work/ctr"
IFS= read -r -t 30 ctr_uname <&3 || { echo "compare: the container printed nothing:" >&2
	cat "$work/trace" >&2; exit 1; }
t_out=$EPOCHREALTIME

# While the command sleeps: its processes, namespaces and writable layer.
descendants() {   # PID -> its children, their children...
	local child
	for child in $(pgrep -P "$1"); do
		echo "$child"
		descendants "$child"
	done
}
memory_of() {   # PID... -> "PSS-KB RSS-KB"
	local pid
	for pid in "$@"; do
		cat "/proc/$pid/smaps_rollup" 2>/dev/null || true
	done | awk '/^Pss:/ { p += $2 } /^Rss:/ { r += $2 } END { print p + 0, r + 0 }'
}
mapfile -t ctr_procs < <(descendants "$rpid")   # the shim, and under it the command
read -r ctr_pss ctr_rss < <(memory_of "${ctr_procs[@]}")
read -r client_pss _ < <(memory_of "$rpid")
"$sb" inspect "$name" >"$work/inspect"
ctr_id=$(sed -n 's/^ *"Id": "\([0-9a-f]*\)",$/\1/p' "$work/inspect")
ctr_pid=$(sed -n 's/^ *"Pid": \([0-9]*\),$/\1/p' "$work/inspect")
upper=${STEPBOX_RUNDIR:-/run/stepbox}/containers/$ctr_id/upper
layer_bytes=$(bytes "$upper" 2>/dev/null) || layer_bytes=0   # "0" and a status when the layer is gone
own_ns=() shared_ns=()
for ns in /proc/"$ctr_pid"/ns/*; do
	n=${ns##*/}
	[[ $n != *_for_children ]] || continue
	if [ "$(readlink "$ns")" = "$(readlink "/proc/$$/ns/$n")" ]; then
		shared_ns+=("$n")
	else
		own_ns+=("$n")
	fi
done

cat <&3 >/dev/null
exec 3<&-
ctr_status=0
wait "$rpid" || ctr_status=$?
rpid=""
t_end=$EPOCHREALTIME
[ "$ctr_status" -eq 0 ] || { echo "compare: the container exited with $ctr_status:" >&2
	cat "$work/trace" >&2; exit 1; }

# The image: its layers, as build/images/busybox lists them.
image_bytes=$(sed -n 's/^layer //p' "build/images/$image" | (cd build/images && xargs du -sbH) |
	awk '{ s += $1 } END { print s + 0 }')

# ---- the table ---------------------------------------------------------------------
host=$(uname -r)
row() { printf '| %-9s | %-42s | %-39s |\n' "$1" "${2:0:42}" "${3:0:39}"; }
ctr_ms=$(ms_since "$t0" "$t_out")
vm_ok=false
[ "$vm_status" -eq 0 ] && vm_ok=true
if $vm_ok; then
	accel=$(vm accel)
	if $disk_mode; then
		read -r disk_path disk_bytes disk_used < <(vm disk)
	else
		read -r kernel kernel_bytes < <(vm kernel)
		initramfs_bytes=$(vm initramfs)
	fi
	vm_ms=$(vm_stage_ms command)
	init_ms=$(vm_stage_ms init)
	vm_uname=$(vm output)
	vm_pss=$(vm qemu-pss-kb)
	vm_rss=$(vm qemu-rss-kb)
	if $disk_mode; then
		vm_disk=$disk_used
		vm_disk_text="$(bytes_to_gb "$disk_bytes") GB image, $(bytes_to_gb "$disk_used") GB used (du)"
	else
		vm_disk=$((kernel_bytes + initramfs_bytes))
		vm_disk_text="$(bytes_to_mb "$vm_disk") MB: kernel $(bytes_to_mb "$kernel_bytes") + initramfs $(bytes_to_mb "$initramfs_bytes")"
	fi
	case $accel in
	kvm) how="the CPU's virtualization" ;;
	*) how="emulation" ;;
	esac
	if [ "$vm_uname" = "$host" ]; then own="own: $vm_uname (a 2nd copy of the host's)"; else own="own: $vm_uname, not the host's"; fi
	vm_col=("$vm_ms ms to the output (init at $init_ms)"
		"qemu PSS $(kb_to_mib "$vm_pss") MiB, RSS $(kb_to_mib "$vm_rss") (-m $(vm memory-mb))"
		"$vm_disk_text"
		"$own"
		"hypervisor: qemu -accel $accel ($how)")
else
	vm_col=("not measured here" "not measured here" "not measured here" "not measured here"
		"not measured here")
fi
echo
echo "boot vs process on $(uname -m), host kernel $host, $(nproc) CPUs; one run of each"
echo "the command in both: sh -c 'uname -r; sleep 1'"
if $vm_ok && $disk_mode; then
	echo "the VM boots $disk_path: Debian $(uname -m) from its disk, qemu -accel $accel"
elif $vm_ok; then
	echo "the VM boots $kernel and a busybox initramfs, qemu -accel $accel"
fi
echo
if $disk_mode; then
	row "" "VM: qemu + a Debian disk (SYSLINUX)" "container: 08 run --rm --net none"
else
	row "" "VM: qemu + kernel + busybox init" "container: 08 run --rm --net none"
fi
row --- --- ---
if [ "$ctr_uname" = "$host" ]; then shared="shared: $ctr_uname, the host's"; else shared="?: $ctr_uname"; fi
row startup "${vm_col[0]}" "$ctr_ms ms to the output"
row memory "${vm_col[1]}" "PSS $(kb_to_mib "$ctr_pss") MiB, RSS $(kb_to_mib "$ctr_rss"): shim + cmd"
row disk "${vm_col[2]}" "$(bytes_to_mb $((image_bytes + layer_bytes))) MB: image $(bytes_to_mb "$image_bytes") + layer $((layer_bytes / 1000)) kB"
row kernel "${vm_col[3]}" "$shared"
row isolation "${vm_col[4]}" "namespaces: ${own_ns[*]}"
echo
if $vm_ok; then
	awk -v v="$vm_ms" -v c="$ctr_ms" -v vp="$vm_pss" -v cp="$ctr_pss" \
		-v vd="$vm_disk" -v cd="$((image_bytes + layer_bytes))" 'BEGIN {
		printf "The container printed %.0f× sooner, in %.0f× less memory (PSS), from %.1f× less disk.\n",
			v / c, vp / cp, vd / cd }'
fi
echo "memory: PSS shares each page among the processes that map it (RSS counts it whole);"
echo "  read as the command's output arrived. The container: the shim and the command; the"
echo "  run client (where docker's CLI would be) adds $(kb_to_mib "$client_pss") MiB PSS."
if $vm_ok; then
	echo "  The VM: the qemu process, TCG's translated code included; the guest was given"
	echo "  $(vm memory-mb) MiB of RAM."
fi
if $disk_mode; then
	echo "disk: the VM's disk image (its size, and the blocks du counts) / the image's layers (du)"
	echo "  + the writable layer while it ran."
else
	echo "disk: bytes the VM boots from / the image's layers (du) + the writable layer while it ran."
fi
echo "namespaces: the container's own (/proc/$ctr_pid/ns against the host's); shared: ${shared_ns[*]}."

# ---- the stages --------------------------------------------------------------------
# STAGES: lines "NAME MS TEXT"; prints when each starts and how long until the next.
print_stages() {
	awk '{ name[NR] = $1; ms[NR] = $2; $1 = $2 = ""; sub(/^ +/, ""); text[NR] = $0 }
	END {
		printf "  %-15s %9s %9s  %s\n", "stage", "starts", "lasts", "its first line"
		for (i = 1; i <= NR; i++) {
			lasts = i < NR ? sprintf("%9.1f", ms[i + 1] - ms[i]) : sprintf("%9s", "")
			t = text[i]
			if (length(t) > 58) t = substr(t, 1, 57) "..."
			gsub(/_/, " ", name[i])
			printf "  %-15s %9.1f %s  %s\n", name[i], ms[i], lasts, t
		}
	}'
}
echo
if $vm_ok; then
	echo "The VM, stage by stage (ms since qemu started; each stage's first line on the console):"
	awk '$1 == "stage" { $1 = ""; sub(/^ /, ""); print }' "$work/vm" | awk '{
		sub(/^qemu /, "qemu_starts "); sub(/^loader /, "boot_loader "); sub(/^setup /, "kernel_setup ")
		sub(/^command /, "command_output "); sub(/^loader_/, ""); print }' | print_stages
	if ! grep -q '^stage firmware ' "$work/vm"; then
		echo "  (no firmware, no boot loader: qemu -M virt with -kernel starts the kernel directly)"
	fi
	echo "  kernel setup → kernel: the compressed kernel unpacks itself before it prints anything."
else
	echo "The VM: not measured here:"
	echo "  $(tail -n1 "$work/vm.err")"
fi
echo
echo "The container, stage by stage (ms since \`08 run\` started: its --trace, and the wall clock):"
trace_stage() {   # NAME PATTERN
	sed -n "s/^\[ *\([0-9.]*\) ms\] \($2.*\)/$1 \1 \2/p" "$work/trace" | head -n1
}
{
	echo "runtime_starts 0.0 (the program starts: 08 --trace run --rm --net none $image ...)"
	trace_stage namespaces 'clone('
	trace_stage root_filesystem 'mount("overlay"'
	trace_stage command 'execve('
	echo "command_output $ctr_ms $ctr_uname (the wall clock)"
	echo "exit $(ms_since "$t0" "$t_end") (run --rm returned; the container is removed)"
} | print_stages

if ! $vm_ok; then
	echo
	echo "The course's figures — claims, NOT MEASURED HERE (no VM booted here):"
	row "" "virtual machine" "container"
	row --- --- ---
	row startup "seconds: BIOS, boot loader, kernel, init" "milliseconds: clone, mount, execve"
	row memory "a share reserved for a whole guest OS" "what its processes use, no more"
	row disk "gigabytes: an OS install with its kernel" "megabytes: the app and its libraries"
	row kernel "its own" "the host's"
	row isolation "a hypervisor, virtual hardware" "namespaces + cgroups in one kernel"
fi
if [ -s "$work/vm.err" ] && $vm_ok; then
	echo
	sed 's/^/note: /' "$work/vm.err"
fi
