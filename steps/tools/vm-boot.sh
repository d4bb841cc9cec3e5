#!/usr/bin/env bash
# Boot a virtual machine that does nothing: the host's kernel under qemu, an
# initramfs whose init powers the machine off at once. Prints how long the
# whole thing took, in ms: firmware, kernel boot, init, shutdown — the part of
# starting a VM that a container skips.
#
#   steps/tools/vm-boot.sh [RUNS]      one line per run: "vm-boot <ms>"
#
# Uses KVM when a guest boots on it, else qemu's emulation (TCG, much slower),
# and says which in its label: vm-boot(kvm) or vm-boot(tcg).
# Exits 2, saying why, when there is no qemu-system-x86_64 or kernel image.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-1}
kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V | tail -n1)
if ! command -v qemu-system-x86_64 >/dev/null || [ -z "$kernel" ] || [ ! -r "$kernel" ] ||
	[ "$(uname -m)" != x86_64 ]; then
	echo "vm-boot: needs x86_64, qemu-system-x86_64 and a kernel in /boot (make test-vm installs both)" >&2
	exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin"
cp /bin/busybox "$work/root/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox echo booted\n/bin/busybox poweroff -f\n' >"$work/root/init"
chmod 755 "$work/root/init"
(cd "$work/root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/init.cpio.gz"

# One boot: "booted" on the console, within `limit` seconds.
boot() {   # ACCEL LIMIT
	timeout "$2" qemu-system-x86_64 -accel "$1" -m 512 -nographic -no-reboot \
		-kernel "$kernel" -initrd "$work/init.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1" </dev/null >"$work/console" 2>&1 || true
	grep -q booted "$work/console"
}

# KVM when /dev/kvm is there and a guest really boots on it (on some machines
# /dev/kvm exists and a guest hangs): one try with a short limit, else TCG.
accel=tcg
if [ -w /dev/kvm ] && boot kvm 15; then
	accel=kvm
elif [ -w /dev/kvm ]; then
	echo "vm-boot: /dev/kvm is there, but a KVM guest did not boot within 15 s: using TCG (emulation)" >&2
fi
for _ in $(seq "$runs"); do
	start=$(date +%s%N)
	boot "$accel" 120 || { echo "vm-boot: the VM did not boot" >&2; exit 1; }
	end=$(date +%s%N)
	echo "vm-boot($accel) $(( (end - start) / 1000000 ))"
done
