#!/usr/bin/env bash
# Boot a virtual machine that does (next to) nothing: the host's kernel under
# qemu, an initramfs of busybox whose init does its job and powers the machine
# off. The part of starting a VM that a container skips: firmware, kernel, init.
#
#   steps/tools/vm-boot.sh [RUNS]
#       init only powers off; one line per run, the whole boot in ms:
#       "vm-boot(kvm) <ms>" or "vm-boot(tcg) <ms>"      (make bench, make demo)
#   steps/tools/vm-boot.sh --stages [CMD [ARG...]]
#       one boot that shows its stages: the kernel is not quiet, and each line
#       of the serial console is timestamped as it arrives. init runs CMD
#       (default: uname -r) and powers off. Prints key-value lines (make compare):
#         accel tcg | kernel PATH BYTES | initramfs BYTES | memory-mb 512
#         qemu-pss-kb N | qemu-rss-kb N     (read as CMD's first line arrives)
#         stage NAME MS FIRST-LINE          (ms since qemu was started)
#         output LINE                       (what CMD wrote)
#
#   VM_DISK=IMG steps/tools/vm-boot.sh --stages [CMD [ARG...]]
#       the same, but the VM boots IMG, a disk that steps/tools/vm-disk.sh
#       made (make compare DISK=1), as a PC boots its disk: SeaBIOS, the
#       boot sector, SYSLINUX, Debian's kernel and initramfs, the root
#       filesystem on the disk, its /sbin/stepbox-init. Before the boot,
#       CMD goes into SYSLINUX's configuration on the disk (the kernel's
#       command line); the boot itself writes nothing (qemu snapshot=on).
#       Instead of "kernel" and "initramfs": disk PATH BYTES ALLOCATED-BYTES
#
# Uses KVM when a guest boots on it, else qemu's emulation (TCG, much slower),
# and says which; VM_ACCEL=kvm|tcg skips the test. VM_KERNEL=PATH boots that
# kernel instead of the newest /boot/vmlinuz-*.
# x86_64: qemu-system-x86_64 (SeaBIOS, then qemu's -kernel loader); aarch64:
# qemu-system-aarch64 -M virt -cpu max, where -kernel has no firmware at all
# (that path is written for, not tested on this project's x86_64 machines).
# Exits 2, saying why, when there is no qemu or kernel image.
set -euo pipefail
shopt -s extglob
cd "$(dirname "$0")/../.."

stages=false
if [ "${1:-}" = --stages ]; then
	stages=true
	shift
	[ $# -gt 0 ] || set -- uname -r
	runs=1
else
	runs=${1:-1}
fi

# What differs between the two architectures: the emulator, the machine, the
# serial console's name, and how the kernel talks before its console is up.
case $(uname -m) in
x86_64)
	qemu=qemu-system-x86_64 machine=() console=ttyS0
	early="earlyprintk=serial,ttyS0,115200" ;;
aarch64)
	qemu=qemu-system-aarch64 machine=(-M "virt,gic-version=max" -cpu max) console=ttyAMA0
	early=earlycon ;;
*)
	echo "vm-boot: boots x86_64 and aarch64 guests only; this machine is $(uname -m)" >&2
	exit 2 ;;
esac
# (No /boot at all is "no kernel", not a failure of find: exit 2 below.)
kernel=${VM_KERNEL:-$( { find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null || true; } | sort -V | tail -n1)}
if ! command -v "$qemu" >/dev/null; then
	echo "vm-boot: no $qemu here (make bench or make compare installs it)" >&2
	exit 2
fi
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
	echo "vm-boot: no kernel image ${kernel:-in /boot} to boot (make bench or make compare installs one)" >&2
	exit 2
fi

work=$(mktemp -d)
qpid=""
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# An initramfs: busybox and INIT as /init; with "links", a link for each of
# busybox's commands too, so that any CMD finds sh, uname, sleep...
initramfs() {   # INIT OUT [links]
	rm -rf "$work/root"
	mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys"
	cp /bin/busybox "$work/root/bin/busybox"
	if [ "${3:-}" = links ]; then
		/bin/busybox --list | while read -r applet; do
			[ -e "$work/root/bin/$applet" ] || ln -s busybox "$work/root/bin/$applet"
		done
	fi
	cp "$1" "$work/root/init"
	chmod 755 "$work/root/init"
	(cd "$work/root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$2"
}
printf '#!/bin/busybox sh\n/bin/busybox echo booted\n/bin/busybox poweroff -f\n' >"$work/quiet-init"
initramfs "$work/quiet-init" "$work/init.cpio.gz"

# One quiet boot: "booted" on the console, within `limit` seconds. qemu stays
# in the caller's process group (--foreground), so a Ctrl-C reaches it too.
boot() {   # ACCEL LIMIT
	timeout --foreground "$2" "$qemu" "${machine[@]}" -accel "$1" -m 512 -nographic -no-reboot \
		-kernel "$kernel" -initrd "$work/init.cpio.gz" \
		-append "console=$console quiet panic=-1" </dev/null >"$work/console" 2>&1 || true
	grep -q booted "$work/console"
}

# KVM when /dev/kvm is there and a guest really boots on it (on some machines
# /dev/kvm exists and a guest hangs): one try with a short limit, else TCG.
accel=${VM_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -w /dev/kvm ] && boot kvm 15; then
		accel=kvm
	elif [ -w /dev/kvm ]; then
		echo "vm-boot: /dev/kvm is there, but a KVM guest did not boot within 15 s: using TCG (emulation)" >&2
	fi
fi

if ! $stages; then
	for _ in $(seq "$runs"); do
		start=$(date +%s%N)
		boot "$accel" 120 || { echo "vm-boot: the VM did not boot" >&2; exit 1; }
		end=$(date +%s%N)
		echo "vm-boot($accel) $(( (end - start) / 1000000 ))"
	done
	exit 0
fi

# ---- --stages: one boot, every stage timestamped ------------------------------
disk=${VM_DISK:-}
if [ -n "$disk" ]; then
	if [ "$(uname -m)" != x86_64 ] || [ ! -s "$disk" ] || ! command -v mcopy >/dev/null; then
		echo "vm-boot: VM_DISK needs x86_64, the disk ($disk: make compare DISK=1 makes it) and mtools" >&2
		exit 2
	fi
fi
# init says when it starts, quiets the kernel's console so that only CMD's
# output follows, runs CMD and powers off. Each argument is single-quoted.
quoted=""
for arg in "$@"; do
	quoted+=" '${arg//\'/\'\\\'\'}'"
done
cat >"$work/stages-init" <<INIT
#!/bin/sh
echo "stepbox-init: PID \$\$, started by the kernel"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
dmesg -n 1
echo "stepbox-init: running$quoted"
$quoted
echo "stepbox-init: the command exited with \$?; poweroff"
poweroff -f
INIT
echo "accel $accel"
if [ -z "$disk" ]; then
	initramfs "$work/stages-init" "$work/stages.cpio.gz" links
	echo "kernel $kernel $(stat -L -c %s "$kernel")"
	echo "initramfs $(stat -c %s "$work/stages.cpio.gz")"
	boot_from=(-kernel "$kernel" -initrd "$work/stages.cpio.gz"
		-append "console=$console $early loglevel=6 panic=-1")
	limit=120
else
	# The disk's init runs the kernel's stepbox_cmd="..." (vm-disk.sh); its
	# SYSLINUX configuration is on partition 1, which starts at 1 MiB.
	case $quoted in
	*'"'*) echo "vm-boot: VM_DISK: a command with a double quote cannot go on the kernel's command line" >&2
		exit 2 ;;
	esac
	mtype -i "$disk@@1M" ::syslinux.cfg |
		STEPBOX_CMD="${quoted# }" awk '/^ *APPEND / && (i = index($0, " stepbox_cmd=")) {
			$0 = substr($0, 1, i) "stepbox_cmd=\"" ENVIRON["STEPBOX_CMD"] "\"" } { print }' \
		>"$work/syslinux.cfg"
	mcopy -o -i "$disk@@1M" "$work/syslinux.cfg" ::syslinux.cfg
	echo "disk $disk $(stat -c %s "$disk") $(( $(stat -c %b "$disk") * $(stat -c %B "$disk") ))"
	boot_from=(-drive "file=$disk,format=raw,snapshot=on")
	limit=300
fi
echo "memory-mb 512"

# The stages, by the first console line of each; on aarch64 -M virt, -kernel
# jumps straight into the kernel: no firmware and no loader print anything.
declare -A seen=()
stage() {   # NAME TEXT
	[ -z "${seen[$1]:-}" ] || return 0
	seen[$1]=1
	echo "stage $1 $(( (${now//[.,]/} - ${t0//[.,]/}) / 1000 )) $2"
}
# "PPrroobbiinngg" -> "Probing": a line that both copies wrote, read once.
undouble() {   # LINE
	local line=$1 once="" i
	[[ $line == *PPrroobb* ]] || { echo "$line"; return; }
	line=${line#"${line%%PP*}"}
	for ((i = 0; i < ${#line}; i += 2)); do
		once+=${line:i:1}
	done
	echo "$once"
}
mkfifo "$work/serial"
t0=$EPOCHREALTIME
"$qemu" "${machine[@]}" -accel "$accel" -m 512 -nographic -no-reboot -nic none \
	"${boot_from[@]}" </dev/null >"$work/serial" 2>&1 &
qpid=$!
exec 3<"$work/serial"
now=$t0
stage qemu "(the process starts, makes the virtual hardware)"
deadline=$((SECONDS + limit))
in_command=false
while :; do
	left=$((deadline - SECONDS))
	if [ "$left" -le 0 ]; then
		echo "vm-boot: the VM did not power off within $limit s" >&2
		exit 1
	fi
	rc=0
	IFS= read -r -t "$left" line <&3 || rc=$?
	now=$EPOCHREALTIME
	[ "$rc" -le 128 ] || continue
	# The console's carriage returns and terminal escapes (SeaBIOS clears the screen).
	line=${line//$'\r'/}
	line=${line//$'\e'\[*([0-9;?])[A-Za-z]/}
	line=${line//$'\e'c/}
	case $line in
	*SeaBIOS*) stage firmware "$line" ;;
	*"Booting from ROM"*) stage loader "$line (qemu's -kernel loader: no disk, no GRUB)" ;;
	# VM_DISK: the boot sector, SYSLINUX reading the kernel and the
	# initramfs through the firmware, the initramfs finding the root disk.
	# A line is read when it ends: SYSLINUX ends "Loading FILE... ok" once
	# FILE is in memory, so each such line starts the next stage.
	*"Booting from Hard Disk"*) stage loader "$line (the MBR's code, SYSLINUX, then it reads the kernel)" ;;
	*"Loading /vmlinuz"*) stage loader_reads_initramfs "Loading /vmlinuz... ok (the kernel is read; now the initramfs)" ;;
	*"Loading /initrd.img"*) stage loader_starts_kernel "Loading /initrd.img... ok (read; SYSLINUX jumps to the kernel)" ;;
	*"Loading, please wait"*) stage initramfs "$line (Debian's initramfs: drivers, the root disk)" ;;
	# The kernel's own setup code, still in real mode; doubled when both the
	# firmware and earlyprintk copy it to the serial port.
	*P*(P)r*(r)o*(o)b*(b)i*(i)n*(n)g*(g)+( )E*(E)D*(D)D*) stage setup "$(undouble "$line")" ;;
	*"Linux version"*) stage kernel "$line" ;;
	"stepbox-init: PID"*) stage init "$line" ;;
	"stepbox-init: running"*) in_command=true ;;
	"stepbox-init: the command exited"*) in_command=false; stage poweroff "$line" ;;
	*)
		if $in_command; then
			if [ -z "${seen[command]:-}" ]; then
				stage command "$line"
				awk '/^Pss:/ { print "qemu-pss-kb", $2 } /^Rss:/ { print "qemu-rss-kb", $2 }' \
					"/proc/$qpid/smaps_rollup" 2>/dev/null || true
			fi
			echo "output $line"
		fi ;;
	esac
	[ "$rc" -eq 0 ] || break   # end of the console: qemu has gone
done
status=0
wait "$qpid" || status=$?
now=$EPOCHREALTIME
qpid=""
stage off "(qemu has exited, status $status)"
[ -n "${seen[command]:-}" ] || { echo "vm-boot: the VM never ran the command" >&2; exit 1; }
