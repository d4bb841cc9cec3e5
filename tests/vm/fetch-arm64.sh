#!/usr/bin/env bash
# What the arm64 lane (make test-arm64) boots, from Debian's arm64 packages:
# the kernel with its modules and a userland for the initramfs (bash,
# coreutils, util-linux, iproute2, procps, busybox-static and the libraries
# they load). Nothing of this host's own x86 binaries goes in.
#
#   tests/vm/fetch-arm64.sh DIR
#
# The .debs are unpacked (dpkg-deb -x, no maintainer scripts) into DIR/root
# and kept in DIR/debs; a second run with the same list fetches nothing.
# apt works from a private state under DIR/apt with this host's sources and
# keys, so the host's dpkg gets no foreign architecture. Prints the kernel
# version on stdout (what it does, on stderr). Fails, saying why, when a
# package cannot be had.
set -euo pipefail

dir=${1:?usage: fetch-arm64.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
root=$dir/root

fail() { echo "fetch-arm64: $*" >&2; exit 1; }

# The tools the suites of steps 01-08 call, by package; the libraries they
# load come with them (below). busybox-static is the initramfs's first init
# and the containers' image (build-rootfs.sh, run inside the VM).
tools=(bash coreutils util-linux mount bsdutils iproute2 procps grep sed mawk
	findutils tar diffutils passwd busybox-static)

apt_state=$dir/apt
mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" "$dir/debs"
[ -e "$apt_state/status" ] || : >"$apt_state/status"
apt_opts=(-o APT::Architecture=arm64 -o APT::Architectures=arm64
	-o "Dir::State=$apt_state" -o "Dir::State::Lists=$apt_state/lists"
	-o "Dir::State::status=$apt_state/status" -o "Dir::Cache=$apt_state/cache"
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	fail "needs apt-get and dpkg-deb (a Debian or Ubuntu host)"
fi

update() {
	echo "fetch-arm64: apt-get update (arm64 lists, private to $apt_state)" >&2
	apt-get "${apt_opts[@]}" update -qq >/dev/null ||
		fail "apt-get update for arm64 failed (do this machine's apt sources carry arm64?" \
		     "Debian's mirrors do; Ubuntu keeps arm64 on ports.ubuntu.com)"
}
[ -n "$(find "$apt_state/lists" -maxdepth 1 -name '*_Packages*' -print -quit)" ] || update

# The kernel: the package linux-image-arm64 names points at the versioned one.
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-arm64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-arm64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || fail "no arm64 kernel package (linux-image-arm64) in the apt lists"
kver=${kpkg#linux-image-}

# The closure of the tools' Depends and Pre-Depends, followed through the
# libraries only (Section: libs): a library's own tools (debconf, perl for
# libpam's scripts) are not loaded by anything here. An alternative "a | b"
# brings both. Two calls of apt-cache (each takes seconds): every package
# reachable with its dependencies, then their sections.
closure() {
	local -A deps=() section=() seen=()
	local pkg='' line known queue=("$@")
	while IFS= read -r line; do
		case $line in
		" "*Depends:\ *) line=${line#*Depends: }; deps[$pkg]+=" ${line%:any}" ;;
		" "*) ;;
		*) pkg=$line; deps[$pkg]+="" ;;
		esac
	done < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null)
	mapfile -t known < <(printf '%s\n' "${!deps[@]}" | grep -v '^<')   # not <virtual> ones
	while IFS= read -r line; do
		case $line in
		"Package: "*) pkg=${line#Package: } ;;
		"Section: "*) section[$pkg]=${line#Section: } ;;
		esac
	done < <(apt-cache "${apt_opts[@]}" show --no-all-versions "${known[@]}" 2>/dev/null)
	while [ ${#queue[@]} -gt 0 ]; do
		pkg=${queue[0]}
		queue=("${queue[@]:1}")
		[ -z "${seen[$pkg]:-}" ] || continue
		seen[$pkg]=1
		echo "$pkg"
		for line in ${deps[$pkg]:-}; do
			[ "${section[$line]:-}" != libs ] || queue+=("$line")
		done
	done
}
mapfile -t packages < <( { closure "${tools[@]}"; echo "$kpkg"; } | sort -u)
[ ${#packages[@]} -gt ${#tools[@]} ] || fail "could not resolve the packages' dependencies"

stamp=$dir/root.list
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${packages[*]}" ] && [ -d "$root" ]; then
	echo "fetch-arm64: ${#packages[@]} arm64 packages already unpacked in $root" >&2
	echo "$kver"
	exit 0
fi

echo "fetch-arm64: downloading ${#packages[@]} arm64 packages (kernel $kpkg) into $dir/debs" >&2
# Only the .debs not here yet (the kernel alone is some 60 MB); the ones of
# other versions go.
download() {
	local uris url file files=" " missing=()
	uris=$(apt-get "${apt_opts[@]}" download --print-uris "${packages[@]}" 2>/dev/null) || return 1
	while read -r url file _; do
		[ -n "$url" ] || continue
		files+="$file "
		[ -s "$dir/debs/$file" ] || missing+=("${file%%_*}")   # NAME_VERSION_ARCH.deb
	done <<<"$uris"
	for file in "$dir"/debs/*.deb; do
		[ ! -e "$file" ] || [[ $files == *" ${file##*/} "* ]] || rm -f "$file"
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	(cd "$dir/debs" && apt-get "${apt_opts[@]}" download -qq "${missing[@]}" >/dev/null)
}
# Stale lists name versions the mirror no longer has: update once and retry.
download || { update && download; } || fail "apt-get download of the arm64 packages failed"

rm -rf "$root" "$stamp"
mkdir -p "$root"
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$root" || fail "cannot unpack $deb"
done
[ -f "$root/boot/vmlinuz-$kver" ] || fail "no /boot/vmlinuz-$kver in $kpkg"
[ -d "$root/lib/modules/$kver" ] || fail "no modules for $kver in $kpkg"
echo "${packages[*]}" >"$stamp"
echo "fetch-arm64: $(du -sh "$dir/debs" | cut -f1) of .debs unpacked into $root" >&2
echo "$kver"
