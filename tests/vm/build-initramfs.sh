#!/usr/bin/env bash
# Assemble the initramfs of the cgroup v2 lane: a static busybox to boot with,
# the host's bash, bats and the tools the suites call (with the libraries ldd
# lists for them), the kernel modules the steps need (overlay, veth), the built
# steps and image, and the suites. Everything runs from a tmpfs root.
#
#   tests/vm/build-initramfs.sh KERNEL_VERSION OUTPUT.cpio.gz SUITE...
#
# The arm64 lane (run.sh with VM_ARCH=arm64) sets VM_SYSROOT, a tree of
# unpacked arm64 .debs (fetch-arm64.sh): busybox, the tools, their libraries
# and the kernel's modules come from there, found by the ELF files' own
# NEEDED entries (readelf: ldd cannot run a foreign binary), and VM_BUILD,
# the cross-built steps (build/aarch64), goes in as the project's build/.
# That build has no image: stage2 makes it in the VM, with build-rootfs.sh
# and the arm64 busybox, as make does on an arm64 machine. bats is shell
# scripts: the host's copy serves every architecture.
#
# With VM_CAPTURE=SCRIPT (see run.sh) the script goes in as /stepbox/capture.sh;
# the binaries VM_TOOLS names and the modules VM_MODULES names go in always,
# beside what tests/vm/capture-notes.sh needs (tests/captures.bats runs it:
# the x86 lane only).
set -euo pipefail
cd "$(dirname "$0")/../.."

kver=${1:?usage: build-initramfs.sh KERNEL_VERSION OUTPUT SUITE...}
output=${2:?usage: build-initramfs.sh KERNEL_VERSION OUTPUT SUITE...}
shift 2
suites="$*"

sysroot=${VM_SYSROOT:-}
build=${VM_BUILD:-build}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,var/tmp,run,root,lib/modules}
# (/var/tmp: podman and skopeo put their temporary files there.)
chmod 1777 "$root/tmp" "$root/var/tmp"

# busybox: the first init, and the applets the suites do not get from the host.
bb=$sysroot/bin/busybox
if [ -n "$sysroot" ]; then
	if ! [ -x "$bb" ] || readelf -l "$bb" | grep -q 'program interpreter'; then
		echo "build-initramfs: no static busybox in $sysroot (package busybox-static)" >&2
		exit 1
	fi
elif ! [ -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
	echo "build-initramfs: a static busybox is needed (apt-get install busybox-static)" >&2
	exit 1
fi
cp "$bb" "$root/bin/busybox"
for applet in sh mount umount mkdir switch_root poweroff insmod hostname ping cpio; do
	ln -sf busybox "$root/bin/$applet"
done

# In the sysroot: PATH's file $1 (a symlink's target read inside the tree).
sysroot_file() {
	local path=$1 dir link
	for _ in 1 2 3 4 5 6 7 8; do
		[ -L "$sysroot$path" ] || break
		link=$(readlink "$sysroot$path")
		case $link in
		/*) path=$link ;;
		*) dir=${path%/*}; path=$dir/$link ;;
		esac
	done
	[ -f "$sysroot$path" ] && echo "$path"
}

# The sysroot's binary $1 and, by their NEEDED entries, every library it
# loads (and theirs), at the same paths, and its loader.
add_sysroot_binary() {
	local name=$1 dir src='' lib
	case $name in awk) name=mawk ;; esac   # an alternatives link, made by dpkg
	for dir in /usr/bin /bin /usr/sbin /sbin; do
		src=$(sysroot_file "$dir/$name") && break
	done
	[ -n "$src" ] || { echo "build-initramfs: $1 not found in $sysroot" >&2; exit 1; }
	cp "$sysroot$src" "$root/usr/bin/$1"
	add_sysroot_libraries "$sysroot$src"
}
add_sysroot_libraries() {   # ELF_FILE
	local needed lib dir found
	for lib in $(readelf -l "$1" 2>/dev/null | sed -n 's/.*program interpreter: \(.*\)]$/\1/p'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$sysroot$lib" "$root$lib"
	done
	for needed in $(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		found=
		for dir in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
			[ -e "$sysroot$dir/$needed" ] || continue
			found=$dir/$needed
			break
		done
		[ -n "$found" ] || { echo "build-initramfs: $1 needs $needed: not in $sysroot" >&2; exit 1; }
		[ -e "$root$found" ] && continue
		mkdir -p "$root$(dirname "$found")"
		cp -L "$sysroot$found" "$root$found"
		add_sysroot_libraries "$sysroot$found"
	done
}

# The shared libraries host binary $1 needs (as ldd lists them), into the image.
copy_libraries_of() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# A host binary and the libraries it loads, at the same paths.
add_binary() {
	local src
	if [ -n "$sysroot" ]; then
		add_sysroot_binary "$1"
		return
	fi
	src=$(type -P "$1") || { echo "build-initramfs: $1 not found" >&2; exit 1; }
	src=$(readlink -f "$src")
	mkdir -p "$root/usr/bin"
	cp "$src" "$root/usr/bin/$1"
	copy_libraries_of "$src"
}
# The x86 lane's image suites (08-images, 08-layers) unpack layers and read
# xattrs; in the arm64 lane build-rootfs.sh makes the image with install.
extra_tools="gzip zstd getfattr setfattr ipcmk ipcs ipcrm pstree lsblk strace"
[ -z "$sysroot" ] || extra_tools=install
for tool in bash env cat ls grep sed awk sort uniq head tail cut tr wc seq sleep stat \
	find readlink mktemp md5sum timeout id ps pgrep pkill setpriv unshare ip mkdir rm \
	cp mv touch chmod date basename dirname nproc tee xargs realpath true false \
	printf kill lsns findmnt rmdir ln mount umount nl flock uname chown useradd userdel \
	nsenter sysctl script tar sha256sum comm tac ss setsid du $extra_tools ${VM_TOOLS:-}; do
	add_binary "$tool"
done
# podman and conmon, for the podman tests of oci.bats, when the host has them
# (without, those tests skip). podman --network none needs no network backend
# (netavark, CNI plugins); podman import needs a signature policy, and the
# runtime gets podman's seccomp profile as on the host. dockerd and containerd
# stay out (some 200 MB): their tests skip in the VM.
if [ -z "$sysroot" ] && command -v podman >/dev/null && command -v conmon >/dev/null; then
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
# the one on PATH (the executable finds its library from where it is). Not in
# the arm64 lane, whose suites (01-08's basic ones) do not call it.
if [ -z "$sysroot" ]; then
	py=/usr/bin/python3
	[ -x "$py" ] || py=$(python3 -c 'import sys; print(sys.executable)')
	py=$(readlink -f "$py")
	pylib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
	cp "$py" "$root/usr/bin/python3"
	copy_libraries_of "$py"
	mkdir -p "$root/usr/lib/$(basename "$pylib")"
	tar -C "$pylib" -c --exclude=test --exclude=tests --exclude=idlelib --exclude=tkinter \
		--exclude=ensurepip --exclude=pydoc_data --exclude=lib2to3 --exclude=site-packages \
		--exclude=dist-packages --exclude='config-*' . | tar -x -C "$root/usr/lib/$(basename "$pylib")"
fi
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
	if [ -e "$sysroot/lib/modules/$kver/$mod" ]; then
		cp "$sysroot/lib/modules/$kver/$mod" "$root/lib/modules/$n-$(basename "$mod")"
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
# --one-file-system: not into what a running test may have mounted under
# build/ (a proc in the image); nor the other lanes' builds and downloads.
mkdir -p "$root/stepbox/build"
tar -C "$build" --one-file-system --exclude=./vm --exclude=./vm-arm64 --exclude=./asan \
	--exclude=./aarch64 --exclude=./arm64 --exclude=./archives/nginx-deb -cf - . |
	tar -C "$root/stepbox/build" -xf -
if [ -n "$sysroot" ]; then
	# The cross build's objects stay out; build-rootfs.sh makes the image.
	rm -rf "$root/stepbox/build/lib" "$root/stepbox/build/gen" "$root/stepbox/build/libstepbox.a"
	mkdir -p "$root/stepbox/steps/00-rootfs"
	cp steps/00-rootfs/build-rootfs.sh "$root/stepbox/steps/00-rootfs/"
fi
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
capture_modules="kernel/drivers/block/brd.ko kernel/lib/crc16.ko kernel/crypto/crc32c_generic.ko
	kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko kernel/fs/ext4/ext4.ko"
[ -z "$sysroot" ] || capture_modules=
for mod in $capture_modules ${VM_MODULES:-}; do
	if [ -e "$sysroot/lib/modules/$kver/$mod" ]; then
		cp "$sysroot/lib/modules/$kver/$mod" "$root/lib/modules/extra/"
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
# The archive is written here: by the image's busybox, or (a foreign one)
# by this host's cpio.
pack=("$root/bin/busybox" cpio -o -H newc)
if [ -n "$sysroot" ]; then
	pack=(cpio -o -H newc)
	command -v cpio >/dev/null || pack=(busybox cpio -o -H newc)
fi
(cd "$root" && find . | "${pack[@]}" 2>/dev/null) | gzip -1 >"$output"
echo "initramfs: $output ($(du -h "$output" | cut -f1))"
