#!/usr/bin/env bash
# make test-vm: the cgroup v2 lane. This CI machine has cgroup v1 controllers
# only (hybrid), while every student runs v2; so boot Debian's kernel under
# qemu (TCG, no KVM needed), with cgroup2 as the only cgroup filesystem, run
# the suites inside and read their results from the serial console.
# Fails — never passes silently — when there is no kernel or qemu to be had.
#
# Capture mode, for the lecture notes: VM_CAPTURE=path/to/script.sh runs that
# bash script as root in the same VM (cwd: the project, with build/) instead
# of the suites, prints its output on the console between two marker lines
# and writes it, without them, to build/vm/capture.txt. VM_TOOLS names more
# host binaries the script calls; VM_MODULES more kernel modules (paths under
# /lib/modules/KVER/), copied to /lib/modules/extra/ for the script to insmod.
# It fails only when the VM does not finish the script; the script's own exit
# status is printed (a capture may well end on a command that fails).
#   VM_CAPTURE=/tmp/cap.sh VM_TOOLS="ipcmk ipcs" tests/vm/run.sh
#
# VM_ARCH=arm64 (make test-arm64): the arm64 lane, for the Apple-silicon
# laptops. The steps cross-built for aarch64 (make cross), Debian's arm64
# kernel and an arm64 userland from Debian's .debs (fetch-arm64.sh, into
# build/arm64), booted under qemu-system-aarch64 (TCG: every instruction
# emulated, so only the basic suites of steps 01-08), output in build/vm-arm64.
set -euo pipefail
cd "$(dirname "$0")/../.."

arch=${VM_ARCH:-x86_64}
case $arch in
x86_64 | amd64) arch=x86_64 lane=test-vm out=build/vm ;;
arm64 | aarch64) arch=arm64 lane=test-arm64 out=build/vm-arm64 ;;
*) echo "tests/vm/run.sh: VM_ARCH=$arch: x86_64 or arm64" >&2; exit 2 ;;
esac

# Every suite but lint (it needs git, shellcheck and a compiler), the
# captures first, on a machine as fresh as the one that took the reference. On arm64,
# where TCG emulates every instruction (10-15 minutes here), each step's own
# suite (08: its basic one, which applies Docker's default seccomp profile on
# every run) and the seccomp suite: the profile compiled for aarch64's
# numbers and AUDIT_ARCH, checked from outside and in 08's containers.
all_suites="tests/captures.bats tests/01-chroot.bats tests/02-pid-ns.bats tests/03-uts.bats \
	tests/04-mount-overlay.bats tests/05-netns.bats tests/06-userns.bats \
	tests/07-cgroups.bats tests/08-full-container.bats tests/08-volumes.bats tests/08-network.bats \
	tests/08-runtime.bats tests/08-images.bats tests/08-layers.bats tests/oci.bats \
	tests/badinput.bats \
	tests/cleanup.bats \
	tests/hostile.bats tests/security.bats tests/faults.bats"
if [ "$arch" = arm64 ]; then
	all_suites="tests/01-chroot.bats tests/02-pid-ns.bats tests/03-uts.bats \
	tests/04-mount-overlay.bats tests/05-netns.bats tests/06-userns.bats \
	tests/07-cgroups.bats tests/08-full-container.bats tests/seccomp.bats"
fi
suites=${VM_SUITES:-$all_suites}
timeout_s=${VM_TIMEOUT:-2400}   # 30 min was just short on a busy 2-core host
mkdir -p "$out"

fail() { echo "$lane: $*" >&2; exit 1; }

capture=${VM_CAPTURE:-}
if [ -n "$capture" ]; then
	[ -f "$capture" ] || fail "VM_CAPTURE: no such file: $capture"
	suites=
fi

install_missing() {   # PACKAGE...
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		fail "missing $* and cannot install it (needs root and apt-get)"
	fi
	echo "$lane: installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } ||
		fail "could not install $*"
}

newest_kernel() {
	find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V | tail -n1
}

# What each lane boots, and how: a kernel, its modules, the initramfs.
if [ "$arch" = x86_64 ]; then
	[ "$(uname -m)" = x86_64 ] || fail "the lane boots an x86_64 kernel; this machine is $(uname -m)"
	command -v qemu-system-x86_64 >/dev/null || install_missing qemu-system-x86
	kernel=$(newest_kernel)
	if [ -z "$kernel" ]; then
		install_missing linux-image-amd64
		kernel=$(newest_kernel)
	fi
	if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
		fail "no kernel image in /boot"
	fi
	kver=${kernel#/boot/vmlinuz-}
	[ -d "/lib/modules/$kver" ] || fail "no modules for $kver in /lib/modules"
	# A small read-only disk (vda): the security table's disk row needs a disk
	# the host's root can read and the containers' roots must not.
	head -c 1048576 /dev/zero >"$out/disk.img"
	qemu=(qemu-system-x86_64 -accel tcg -m 2048 -smp 2
		-drive "file=$out/disk.img,if=virtio,format=raw,readonly=on")
	console=ttyS0
	# tests/08-images.bats and the lecture's capture run Debian's nginx from
	# build/archives/nginx.tar: make it if it can be made (else that test skips).
	[ -f build/archives/nginx.tar ] ||
		steps/tools/make-nginx-image.sh build/rootfs build/archives/nginx.tar || true
	# shellcheck disable=SC2086  # one word per suite
	VM_CAPTURE=$capture tests/vm/build-initramfs.sh "$kver" "$out/initramfs.cpio.gz" $suites
else
	if ! command -v aarch64-linux-gnu-gcc >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/libc.a ]; then
		install_missing gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	fi
	command -v qemu-system-aarch64 >/dev/null || install_missing qemu-system-arm
	command -v readelf >/dev/null || install_missing binutils
	command -v cpio >/dev/null || install_missing cpio
	# Every step, the probe and the tools, as make cross builds them (-Werror).
	unset MAKELEVEL MAKEFLAGS MFLAGS
	make -s cross || fail "make cross failed"
	kver=$(tests/vm/fetch-arm64.sh build/arm64 | tail -n1) || fail "no arm64 kernel or userland"
	kernel=build/arm64/root/boot/vmlinuz-$kver
	[ -r "$kernel" ] || fail "no $kernel"
	# -M virt: qemu's plain arm64 board (PL011 serial, GIC, virtio-mmio);
	# -cpu max: every feature qemu emulates, as a recent Apple core has many;
	# but pointer authentication by qemu's own cheap algorithm (pauth-impdef:
	# the same instructions; emulating QARMA's took the lane 26 minutes,
	# against 10, one run each here), and no SVE, which Apple's cores lack.
	qemu=(qemu-system-aarch64 -M virt -cpu "max,pauth-impdef=on,sve=off" -m 1024 -smp 2)
	console=ttyAMA0
	# shellcheck disable=SC2086  # one word per suite
	VM_CAPTURE=$capture VM_SYSROOT=build/arm64/root VM_BUILD=build/aarch64 \
		tests/vm/build-initramfs.sh "$kver" "$out/initramfs.cpio.gz" $suites
fi

echo "$lane: booting $kernel under qemu (TCG), ${capture:+capture: $capture}${suites:+suites: $suites}"
log=$out/console.log
started=$(date +%s)
set +e
timeout "$timeout_s" "${qemu[@]}" -nographic -no-reboot \
	-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
	-append "console=$console panic=-1 quiet cgroup_no_v1=all" </dev/null | tee "$log"
qemu_status=${PIPESTATUS[0]}
set -e
echo "$lane: the VM ran $(( $(date +%s) - started )) s"

[ "$qemu_status" -ne 124 ] || fail "timed out after $timeout_s s (see $log)"

if [ -n "$capture" ]; then
	tr -d '\r' <"$log" | sed -n '/^stepbox-vm: capture begins$/,/^stepbox-vm: capture ends/p' |
		sed '1d;$d' >"$out/capture.txt"
	status=$(tr -d '\r' <"$log" | sed -n 's/^stepbox-vm: capture ends, exit status \([0-9]*\)$/\1/p' | tail -n1)
	[ -n "$status" ] || fail "the capture did not finish (see $log)"
	echo "$lane: capture in $out/capture.txt, the script's exit status $status"
	exit 0
fi
summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1 | tr -d '\r')
status=$(sed -n 's/^stepbox-vm: exit status \([0-9]*\).*/\1/p' "$log" | tail -n1)
if [ -z "$summary" ] || [ -z "$status" ]; then
	fail "the VM did not report its results (see $log)"
fi
if [ "$arch" = arm64 ]; then
	echo "$lane: arm64 lane (aarch64, cgroup v2): $summary"
else
	echo "$lane: cgroup v2 lane: $summary"
fi
[ "$status" -eq 0 ] || fail "failures in the VM (see $log)"
