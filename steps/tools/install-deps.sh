#!/usr/bin/env bash
# Install what building, the demo and the tests need, when it is missing:
# run by make test, make demo and .ci/run, so a fresh Debian/Ubuntu machine
# needs nothing by hand. With the argument "bench" (make bench), also what the
# benchmark compares with: crun, runc, qemu and a kernel to boot. With "lab"
# (vagrant/provision.sh's default), what the steps, the demo, the exercises
# and the tests need, without make lint's shellcheck and the Vagrantfile
# test's ruby (those tests skip). With "vm" (provision.sh's STEPBOX_PROFILE=full),
# everything: the tests' tools and what bench needs. With "demo" (make demo),
# not the tests' own tools: a lecture hall may have no network to fetch them.
# Does nothing when everything is there; says what to install (and fails)
# when something is missing and it cannot install it.
set -euo pipefail

need=()
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
# The probe is linked statically: it needs libc.a.
[ -n "$(find /usr/lib /usr/lib64 -name libc.a -print -quit 2>/dev/null)" ] || need+=(libc6-dev)
if [ "${1:-}" != demo ]; then
	command -v bats >/dev/null || need+=(bats)
	# script(1) gives the tests a real terminal (TIOCSTI, interactive sh).
	command -v script >/dev/null || need+=(bsdutils)
	command -v git >/dev/null || need+=(git)
	# 08's pull (docker pull nginx in the lab) copies an image with skopeo.
	command -v skopeo >/dev/null || need+=(skopeo)
fi
if [ "${1:-}" != demo ] && [ "${1:-}" != lab ]; then
	command -v shellcheck >/dev/null || need+=(shellcheck)
	# tests/vagrant.bats checks that vagrant/Vagrantfile is valid Ruby.
	command -v ruby >/dev/null || need+=(ruby)
	# tests/08-layers.bats reads overlay xattrs (getfattr) and unpacks .zst layers.
	command -v getfattr >/dev/null || need+=(attr)
	command -v zstd >/dev/null || need+=(zstd)
	# tests/make-archives.sh writes hostile layers with python3's tarfile.
	command -v python3 >/dev/null || need+=(python3)
	# tests/08-images.bats: a real client loads what `save` writes (offline).
	command -v podman >/dev/null || need+=(podman)
	# ... and runs Debian's nginx: make-nginx-image.sh takes the .deb apart
	# (apt-get download, dpkg-deb) and its libraries by ldd (libc-bin).
	command -v dpkg-deb >/dev/null || need+=(dpkg)
	command -v ldd >/dev/null || need+=(libc-bin)
	command -v ss >/dev/null || need+=(iproute2)
	command -v setfattr >/dev/null || need+=(attr)
	# tests/oci.bats: docker (on its own containerd), ctr and podman drive the
	# OCI runtime, each with a private daemon started by the suite.
	command -v dockerd >/dev/null || need+=(docker.io)
	command -v containerd >/dev/null || need+=(containerd)
fi
command -v ip >/dev/null || need+=(iproute2)
command -v pgrep >/dev/null || need+=(procps)
command -v setpriv >/dev/null || need+=(util-linux)
command -v nsenter >/dev/null || need+=(util-linux)
# The image built without busybox reads the loader's path with readelf.
command -v readelf >/dev/null || need+=(binutils)
# The image wants a *static* busybox; the dynamic one of package "busybox" will not do.
if ! { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }; then
	need+=(busybox-static)
fi

if [ "${1:-}" = bench ] || [ "${1:-}" = vm ]; then
	command -v crun >/dev/null || need+=(crun)
	command -v runc >/dev/null || need+=(runc)
	# ... given docker's seccomp profile as 08 applies it (bench.sh, jq).
	command -v jq >/dev/null || need+=(jq)
	case $(uname -m) in
	x86_64) command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86) ;;
	aarch64) command -v qemu-system-aarch64 >/dev/null || need+=(qemu-system-arm) ;;
	esac
	if [ -z "$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null)" ]; then
		# shellcheck disable=SC1091  # the machine's, not ours
		if [ "$(. /etc/os-release && echo "$ID")" = ubuntu ]; then
			need+=(linux-image-generic)
		else
			need+=("linux-image-$(dpkg --print-architecture 2>/dev/null || echo amd64)")
		fi
	fi
fi

# make cross (make test's profile, as CI runs it): every step built for
# aarch64, the Apple-silicon laptops' CPU.
if [ -z "${1:-}" ] && [ "$(uname -m)" = x86_64 ]; then
	command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
	[ -e /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
fi

[ ${#need[@]} -gt 0 ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
	echo "install-deps: missing ${need[*]} — install them (apt-get install ${need[*]}) or run as root" >&2
	exit 1
fi
echo "install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# The system's dockerd and containerd stay off: started, dockerd would make
# docker0, load br_netfilter and set iptables' FORWARD policy to DROP, which
# the network steps' bridge would feel. The tests start private ones.
daemons=$(printf '%s\n' "${need[@]}" | grep -xE 'docker\.io|containerd' || true)
if [ -n "$daemons" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if [ -n "$daemons" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	systemctl disable --now docker.socket docker.service containerd.service >/dev/null 2>&1 || true
fi
