#!/usr/bin/env bash
# Assemble the initramfs of the cgroup v2 lane: a static busybox to boot with,
# the host's bash, bats and the tools the suites call (with the libraries ldd
# lists for them), the kernel modules the steps need (overlay, veth), the built
# steps and image, and the suites. Everything runs from a tmpfs root.
#
#   tests/vm/build-initramfs.sh KERNEL_VERSION OUTPUT.cpio.gz SUITE...
#
# With VM_CAPTURE=SCRIPT (see run.sh) the script goes in as /stepbox/capture.sh;
# the binaries VM_TOOLS names and the modules VM_MODULES names go in always,
# beside what tests/vm/capture-notes.sh needs (tests/captures.bats runs it).
set -euo pipefail
cd "$(dirname "$0")/../.."

kver=${1:?usage: build-initramfs.sh KERNEL_VERSION OUTPUT SUITE...}
output=${2:?usage: build-initramfs.sh KERNEL_VERSION OUTPUT SUITE...}
shift 2
suites="$*"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,var/tmp,run,root,lib/modules}
# (/var/tmp: podman and skopeo put their temporary files there.)
chmod 1777 "$root/tmp" "$root/var/tmp"

# busybox: the first init, and the applets the suites do not get from the host.
bb=/bin/busybox
if ! [ -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
	echo "build-initramfs: a static busybox is needed (apt-get install busybox-static)" >&2
	exit 1
fi
cp "$bb" "$root/bin/busybox"
for applet in sh mount umount mkdir switch_root poweroff insmod hostname ping cpio; do
	ln -sf busybox "$root/bin/$applet"
done

# A host binary and the libraries it loads, at the same paths.
add_binary() {
	local src lib
	src=$(type -P "$1") || { echo "build-initramfs: $1 not found" >&2; exit 1; }
	src=$(readlink -f "$src")
	mkdir -p "$root/usr/bin"
	cp "$src" "$root/usr/bin/$1"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for tool in bash env cat ls grep sed awk sort uniq head tail cut tr wc seq sleep stat \
	find readlink mktemp md5sum timeout id ps pgrep pkill setpriv unshare ip mkdir rm \
	cp mv touch chmod date basename dirname nproc tee xargs realpath true false \
	printf kill lsns findmnt rmdir ln mount umount nl flock uname chown useradd userdel \
	nsenter sysctl script tar sha256sum comm tac ss gzip zstd getfattr setfattr setsid du \
	ipcmk ipcs ipcrm pstree lsblk strace ${VM_TOOLS:-}; do
	add_binary "$tool"
done
# podman and conmon, for the podman tests of oci.bats, when the host has them
# (without, those tests skip). podman --network none needs no network backend
# (netavark, CNI plugins); podman import needs a signature policy, and the
# runtime gets podman's seccomp profile as on the host. dockerd and containerd
# stay out (some 200 MB): their tests skip in the VM.
if command -v podman >/dev/null && command -v conmon >/dev/null; then
	add_binary podman
	add_binary conmon
	mkdir -p "$root/etc/containers" "$root/usr/share/containers"
	echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$root/etc/containers/policy.json"
	if [ -f /usr/share/containers/seccomp.json ]; then
		cp /usr/share/containers/seccomp.json "$root/usr/share/containers/"
	fi
fi
ln -sf /usr/bin/bash "$root/bin/bash"
# /bin/true by its full path (the demo times it).
ln -sf /usr/bin/true "$root/bin/true"
# python3 and its standard library, as /usr/bin/python3 and /usr/lib/python3.N
# (tests/08-runtime.bats edits config.json with it): the distribution's, else
# the one on PATH (the executable finds its library from where it is).
py=/usr/bin/python3
[ -x "$py" ] || py=$(python3 -c 'import sys; print(sys.executable)')
py=$(readlink -f "$py")
pylib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
cp "$py" "$root/usr/bin/python3"
for lib in $(ldd "$py" 2>/dev/null | grep -o '/[^ ]*'); do
	[ -e "$root$lib" ] && continue
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
mkdir -p "$root/usr/lib/$(basename "$pylib")"
tar -C "$pylib" -c --exclude=test --exclude=tests --exclude=idlelib --exclude=tkinter \
	--exclude=ensurepip --exclude=pydoc_data --exclude=lib2to3 --exclude=site-packages \
	--exclude=dist-packages --exclude='config-*' . | tar -x -C "$root/usr/lib/$(basename "$pylib")"
# The terminal descriptions (ncurses-base), without which pstree, top and
# the like refuse to start.
[ -d /lib/terminfo ] && cp -a /lib/terminfo "$root/lib/"

# bats-core: its scripts.
cp /usr/bin/bats "$root/usr/bin/bats"
for dir in /usr/lib/bats-core /usr/libexec/bats-core; do
	mkdir -p "$root$dir"
	cp -a "$dir/." "$root$dir/"
done

# The kernel modules the steps need, where the kernel has them as modules,
# numbered in the order stage2 must load them (bridge needs llc and stp; the
# virtio disk, for the security table's disk row, needs the virtio core).
n=10
for mod in kernel/fs/overlayfs/overlay.ko kernel/drivers/net/veth.ko kernel/net/llc/llc.ko \
	kernel/net/802/stp.ko kernel/net/bridge/bridge.ko \
	kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko \
	kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko \
	kernel/drivers/virtio/virtio_pci.ko kernel/drivers/block/virtio_blk.ko; do
	n=$((n + 1))
	if [ -e "/lib/modules/$kver/$mod" ]; then
		cp "/lib/modules/$kver/$mod" "$root/lib/modules/$n-$(basename "$mod")"
	fi
done

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
# What useradd and userdel read and write (the 06 suite creates a user).
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:*::\nnogroup:*::\n' >"$root/etc/gshadow"
chmod 600 "$root/etc/shadow" "$root/etc/gshadow"
printf 'UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\n' >"$root/etc/login.defs"
: >"$root/etc/subuid"
: >"$root/etc/subgid"

# The project: what the suites run and read.
mkdir -p "$root/stepbox/tests"
# -x: not into what a running test may have mounted under build/ (a proc in the image).
cp -ax build "$root/stepbox/build"
rm -rf "$root/stepbox/build/vm" "$root/stepbox/build/asan" "$root/stepbox/build/archives/nginx-deb"
cp tests/helpers.bash tests/oci-clients.bash tests/run.sh tests/security-table.sh tests/security.expected \
	tests/make-images.sh tests/make-archives.sh "$root/stepbox/tests/"
# The demo and what it calls (tests/demo.bats runs it; no qemu here: it says so).
mkdir -p "$root/stepbox/steps/tools"
cp steps/tools/*.sh "$root/stepbox/steps/tools/"
cp Makefile "$root/stepbox/"   # the host file 01's escape demo reaches
for suite in $suites; do
	cp "$suite" "$root/stepbox/tests/"
done

# What tests/vm/capture-notes.sh needs besides the tools above (ipcmk …
# strace): a RAM disk with ext4 for its io.max section, in
# /lib/modules/extra/ for it to insmod; VM_MODULES adds more. Its
# reference and the notes go in too, for tests/captures.bats.
mkdir -p "$root/lib/modules/extra"
for mod in kernel/drivers/block/brd.ko kernel/lib/crc16.ko kernel/crypto/crc32c_generic.ko \
	kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko kernel/fs/ext4/ext4.ko ${VM_MODULES:-}; do
	if [ -e "/lib/modules/$kver/$mod" ]; then
		cp "/lib/modules/$kver/$mod" "$root/lib/modules/extra/"
	fi
done
mkdir -p "$root/stepbox/tests/vm"
cp tests/vm/capture-notes.sh tests/vm/capture-shape.sh "$root/stepbox/tests/vm/"
cp -r lecture-notes "$root/stepbox/lecture-notes"
if [ -n "${VM_CAPTURE:-}" ]; then
	cp "$VM_CAPTURE" "$root/stepbox/capture.sh"
fi

cp tests/vm/init "$root/init"
cp tests/vm/stage2 "$root/stage2"
chmod 755 "$root/init" "$root/stage2"
echo "$suites" >"$root/stepbox/suites"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$output"
echo "initramfs: $output ($(du -h "$output" | cut -f1))"
