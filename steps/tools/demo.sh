#!/usr/bin/env bash
# make demo: the lecture, live. Walks through the steps and prints what each
# one shows, with the command before its output, large enough for the back
# row. Never waits for input unless PAUSE=1 (then Enter moves on).
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
set -euo pipefail
cd "$(dirname "$0")/../.."

rootfs=build/rootfs
layer=build/layers/app
bold='' dim='' reset=''
if [ -t 1 ]; then
	bold=$(tput bold 2>/dev/null || true)
	dim=$(tput dim 2>/dev/null || true)
	reset=$(tput sgr0 2>/dev/null || true)
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the steps need root — try: sudo make demo" >&2
	exit 2
fi

section() {
	if [ "${PAUSE:-0}" = 1 ]; then
		read -r -p "${dim}[Enter]${reset}" _ </dev/tty || true
	fi
	printf '\n%s== %s ==%s\n' "$bold" "$1" "$reset"
}
say() { printf '%s# %s%s\n' "$dim" "$*" "$reset"; }
quoted() {   # the arguments as a shell would need them typed
	local arg out=""
	for arg in "$@"; do
		case "$arg" in
		*[!A-Za-z0-9_./=:,+@-]*) out+=" '$arg'" ;;
		*) out+=" $arg" ;;
		esac
	done
	printf '%s' "${out# }"
}
show() {   # print the command, then run it; a non-zero status is shown, not fatal
	printf '%s$ %s%s\n' "$bold" "$(quoted "$@")" "$reset"
	"$@" || printf '%s(exit status %d)%s\n' "$dim" "$?" "$reset"
}

section "00 — the image is a directory of a few MB, not a disk with a kernel"
show du -sh "$rootfs" "$layer"
show ls -C "$rootfs"
say "no /boot, no kernel, no init system: the host's kernel will run it"

section "01-chroot — a different /, and nothing else"
show build/01-chroot "$rootfs" /bin/cat /etc/os-release
say "the same kernel as the host:"
show build/01-chroot "$rootfs" /bin/uname -r
show uname -r
say "root inside can climb out: the host's $PWD/Makefile is visible again"
show build/01-chroot "$rootfs" probe escape "$PWD/Makefile"

section "02-pid-ns — a process tree of its own"
show build/02-pid-ns "$rootfs" /bin/sh -c 'echo "my PID is $$"; ps'
say "the host sees the same process under another PID:"
build/02-pid-ns "$rootfs" probe sleep 2 >/dev/null 2>&1 &
runtime=$!
sleep 0.5
child=$(pgrep -P "$runtime" | head -n1)
show grep NSpid "/proc/$child/status"
show ps -o pid,ppid,args --pid "$runtime,$child"
wait "$runtime" || true

section "03-uts — a hostname of its own"
show build/03-uts --hostname lecture-box "$rootfs" /bin/hostname
show hostname
say "the container's namespaces, as the kernel lists them (lsns):"
build/03-uts "$rootfs" /bin/sleep 2 >/dev/null 2>&1 &
runtime=$!
sleep 0.5
child=$(pgrep -P "$runtime" | head -n1)
show lsns --task "$child"
wait "$runtime" || true

section "04-mount-overlay — layered, throw-away filesystem; the escape fails"
say "every kernel call, with the time since start:"
show build/04-mount-overlay --trace --hostname web --layer "$layer" "$rootfs" \
	/bin/sh -c 'echo hello > /new-file; ls /; cat /www/index.html | head -3'
say "the image did not change, and the writable layer is gone:"
show ls "$rootfs/new-file"
show ls /run/stepbox
say "pivot_root + a detached old root: nowhere to climb to"
show build/04-mount-overlay "$rootfs" probe escape "$PWD/Makefile"

section "05-netns — a network stack of its own, wired by a veth pair"
show build/05-netns "$rootfs" /bin/sh -c 'ls /sys/class/net; ip -4 addr show eth0; ip route'
say "a web server inside, reached from the host over the veth:"
out=$(mktemp)
build/05-netns --layer "$layer" "$rootfs" /bin/sh -c \
	'ip -4 -o addr show eth0 | awk "{ print \$4 }"; exec httpd -f -p 80 -h /www' >"$out" 2>&1 &
runtime=$!
sleep 1
show ip -br link show type veth
ip=$(head -n1 "$out" | cut -d/ -f1)
rm -f "$out"
say "GET http://$ip/ from the host (bash's /dev/tcp, no client needed):"
timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/80"; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3' _ "$ip" |
	sed -n '/<h1>/p' || true
kill -TERM "$runtime" 2>/dev/null || true
wait "$runtime" 2>/dev/null || true

section "06-userns — root inside, not root outside"
show build/06-userns --net none "$rootfs" /bin/sh -c 'id; cat /proc/self/uid_map'
build/06-userns --net none "$rootfs" /bin/sleep 2 >/dev/null 2>&1 &
runtime=$!
sleep 0.5
child=$(pgrep -P "$runtime" | head -n1)
say "the host's view of the container's root:"
show grep -E '^(Uid|Gid)' "/proc/$child/status"
wait "$runtime" || true
say "root inside may not create devices, as the host's root may:"
show build/06-userns --net none "$rootfs" mknod /tmp/null c 1 3
if [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
	say "and without sudo at all, as $(id -un "$SUDO_UID"):"
	show setpriv --reuid="$SUDO_UID" --regid="${SUDO_GID:-$SUDO_UID}" --init-groups \
		build/06-userns "$rootfs" /bin/sh -c 'id; cat /proc/self/uid_map'
fi

section "07-cgroups — limits: memory, CPU time, processes"
say "32 MB of memory, and a program that wants 100 MB:"
show build/07-cgroups -m 32m "$rootfs" probe alloc 100
say "at most 16 processes, and a fork bomb:"
show build/07-cgroups --pids-limit 16 "$rootfs" probe forkbomb
say "a quarter of a CPU, and 2 s of spinning:"
show build/07-cgroups --cpus 0.25 "$rootfs" probe spin 2

section "boot vs process — how long does a container take?"
say "median of 50 runs of /bin/true, start to exit (make bench for all the steps):"
for what in "fork+exec:/bin/true" "04-mount-overlay:build/04-mount-overlay $rootfs /bin/true" \
	"07-cgroups:build/07-cgroups --net none $rootfs /bin/true"; do
	label=${what%%:*}
	read -r -a cmd <<<"${what#*:}"
	build/timeit -n 50 "$label" "${cmd[@]}" |
		awk '{ printf "%-18s %7.2f ms\n", $1, $2 }'
done
if vm=$(steps/tools/vm-boot.sh 1 2>/dev/null); then
	say "a VM (qemu) booting a kernel and an init that powers off at once:"
	echo "$vm" | awk '{ printf "%-18s %7.2f ms\n", $1, $2 }'
else
	say "(no qemu and kernel here to boot a VM next to it: make test-vm installs them)"
fi
say "a VM boots firmware, a bootloader, a kernel and an init system first: seconds."
say "a container is clone() + mount() + execve(): milliseconds."
