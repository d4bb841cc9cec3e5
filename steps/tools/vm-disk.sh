#!/usr/bin/env bash
# Build, once, the disk of a real (if small) virtual machine, for
# make compare DISK=1: Debian bookworm installed by debootstrap, its kernel
# and initramfs, and a boot loader, in one raw disk image that qemu boots the
# way a PC boots its disk: firmware (SeaBIOS) → the disk's boot sector →
# the boot loader → the kernel → the initramfs → init on the root disk.
#
#   steps/tools/vm-disk.sh          (as root) prints the image's path
#
# The result is cached in build/vm-disk/disk.img (make clean removes it);
# a second call only prints the path. It needs the network to Debian's
# mirror (VM_MIRROR, default http://deb.debian.org/debian), debootstrap,
# syslinux, mtools, dosfstools, fdisk and e2fsprogs (installed with apt-get
# when missing), and minutes (11 to 16 on the project's 2-core machine).
#
# The disk: an MBR with SYSLINUX's boot code; partition 1, FAT, holds
# SYSLINUX, the kernel and the initramfs (SYSLINUX reads FAT); partition 2,
# ext4, is the root filesystem: debootstrap's minbase variant plus
# linux-image-amd64. No loop device and no mount: mkfs.ext4 -d fills the
# root filesystem from a directory, mtools fills the FAT one, and both are
# copied into the image at their partitions' offsets.
#
# init is /sbin/stepbox-init, a shell script, not systemd: it prints that it
# started, runs the command that the kernel's command line gives it in
# stepbox_cmd=... (vm-boot.sh writes it into SYSLINUX's configuration before
# each boot) and powers the machine off. x86_64 only (SeaBIOS and SYSLINUX).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/vm-disk
img=$out/disk.img
suite=bookworm
mirror=${VM_MIRROR:-http://deb.debian.org/debian}

if [ -s "$img" ]; then
	echo "$img"
	exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
	echo "vm-disk: builds an x86_64 PC's disk (SeaBIOS, SYSLINUX); this machine is $(uname -m)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "vm-disk: needs root (debootstrap installs as root) — try: sudo make compare DISK=1" >&2
	exit 2
fi
# The tools, installed here when missing (make compare installs the rest).
packages=(debootstrap syslinux syslinux-common mtools dosfstools fdisk e2fsprogs)
missing=()
for tool in debootstrap syslinux mcopy mkfs.fat mkfs.ext4 sfdisk; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -r /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(mbr.bin)
if [ ${#missing[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null; then
		echo "vm-disk: missing ${missing[*]} — install: ${packages[*]}" >&2
		exit 2
	fi
	echo "vm-disk: installing ${packages[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

tmp=$out/tmp
root=$tmp/root
# debootstrap mounts /proc and /sys in the new root while it installs; it
# unmounts them itself, but an interrupted run may not: nothing may stay.
cleanup() {
	local m
	for m in $(findmnt -rn -o TARGET | grep -F "$(realpath -m "$root")" | sort -r); do
		umount -l "$m" || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup
mkdir -p "$tmp"
echo "vm-disk: debootstrap $suite (minbase + linux-image-amd64) from $mirror (minutes)..." >&2
debootstrap --variant=minbase --include=linux-image-amd64 "$suite" "$root" "$mirror" \
	>"$tmp/debootstrap.log" 2>&1 || { tail -n 20 "$tmp/debootstrap.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

cat >"$root/sbin/stepbox-init" <<'INIT'
#!/bin/sh
# PID 1 of build/vm-disk/disk.img (steps/tools/vm-disk.sh): run the command
# of the kernel's command line (stepbox_cmd=..., in init's environment),
# then power off.
echo "stepbox-init: PID $$, started by the kernel"
# Debian's initramfs has mounted /proc and /sys already, and moved them here.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
dmesg -n 1
echo "stepbox-init: running $stepbox_cmd"
sh -c "$stepbox_cmd"
echo "stepbox-init: the command exited with $?; poweroff"
echo o >/proc/sysrq-trigger
sleep 10
INIT
chmod 755 "$root/sbin/stepbox-init"
echo "/dev/sda2 / ext4 ro 0 1" >"$root/etc/fstab"
echo stepbox-vm >"$root/etc/hostname"

kernel=$(find "$root/boot" -maxdepth 1 -name "vmlinuz-*" -printf "%f\n" | sort -V | tail -n1)
initrd=initrd.img-${kernel#vmlinuz-}
[ -s "$root/boot/$initrd" ] || { echo "vm-disk: debootstrap made no $initrd" >&2; exit 1; }

# Partition 1: FAT, 64 MiB, SYSLINUX and the kernel and initramfs it loads.
boot_mib=64
truncate -s "${boot_mib}M" "$tmp/boot.fat"
mkfs.fat -n BOOT "$tmp/boot.fat" >/dev/null
cat >"$tmp/syslinux.cfg" <<CFG
SERIAL 0 115200
DEFAULT linux
LABEL linux
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=/dev/sda2 ro console=ttyS0 earlyprintk=serial,ttyS0,115200 loglevel=6 panic=-1 init=/sbin/stepbox-init stepbox_cmd="uname -r"
CFG
mcopy -i "$tmp/boot.fat" "$root/boot/$kernel" ::vmlinuz
mcopy -i "$tmp/boot.fat" "$root/boot/$initrd" ::initrd.img
mcopy -i "$tmp/boot.fat" "$tmp/syslinux.cfg" ::syslinux.cfg
syslinux --install "$tmp/boot.fat"

# Partition 2: ext4, the installed system, with a quarter free.
used_mib=$(du -sm "$root" | awk '{ print $1 }')
root_mib=$(( (used_mib * 4 / 3 + 63) / 64 * 64 ))
mkfs.ext4 -q -L root -d "$root" "$tmp/root.ext4" "${root_mib}M"

# The disk: 1 MiB for the MBR, then the two partitions.
disk_mib=$((1 + boot_mib + root_mib))
truncate -s "${disk_mib}M" "$tmp/disk.img"
sfdisk -q "$tmp/disk.img" <<PARTS
label: dos
start=1MiB, size=${boot_mib}MiB, type=c, bootable
start=$((1 + boot_mib))MiB, type=83
PARTS
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$tmp/disk.img" bs=440 count=1 conv=notrunc status=none
dd if="$tmp/boot.fat" of="$tmp/disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$tmp/root.ext4" of="$tmp/disk.img" bs=1M seek=$((1 + boot_mib)) conv=notrunc,sparse status=none
mv "$tmp/disk.img" "$img"
echo "vm-disk: $img: $kernel, $(du -h --apparent-size "$img" | cut -f1) (du: $(du -h "$img" | cut -f1))" >&2
echo "$img"
