#!/usr/bin/env bash
# make demo: the lecture, live. Walks through the steps section by section and
# prints each command before its output, with the docker command it stands
# for, in lines of at most 100 columns for the back row.
#
#   steps/tools/demo.sh [SECTION...]   every section, or the ones named: 05, 5 or 05-netns
#   steps/tools/demo.sh --list         the sections, with their titles
#   PAUSE=1   wait for Enter before each command (read from the terminal; none: no wait)
#   NO_COLOR=1  no bold (there is none either when the output is not a terminal)
#   STEPBOX_OFFLINE=1  no network: the images section never tries to pull
#   DEMO_RUNS=N  time N runs of each command, not 50 (an emulated VM is slow)
#
# It must never abort or hang in front of a class: every command runs under a
# time limit, a failing one is shown with its status and the demo goes on,
# and the containers it starts are removed on every way out (Ctrl-C too).
# Exit status: 0 when every command did what the lecture says; 1 when one did
# not (the demo still ran to its end); 2 for a bad argument or without root.
#
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell
set -uo pipefail   # no -e: a failing command is part of the show, not its end
cd "$(dirname "$0")/../.." || exit 2

rootfs=build/rootfs
layer=build/layers/app
box=build/08-full-container
rundir=${STEPBOX_RUNDIR:-/run/stepbox}
limit=30   # seconds any one command may take (the VM boot gets more)

# The sections in lecture order: "id|title". A section is the function section_<id>.
sections=(
	"00|00-rootfs — the image is a directory of a few MB, not a disk with a kernel"
	"01|01-chroot — a different /, and nothing else"
	"02|02-pid-ns — a process tree of its own"
	"03|03-uts — a hostname of its own"
	"04|04-mount-overlay — a layered, throw-away filesystem; the escape fails"
	"05|05-netns — a network stack of its own, wired by a veth pair"
	"06|06-userns — root inside, not root outside"
	"07|07-cgroups — limits: memory, CPU time, processes"
	"08|08-full-container — a runtime: run -d, ps, logs, exec, -p, -v, stop, rm"
	"img|images — the course's example: docker run -d -p 8080:80 nginx"
	"vm|boot vs process — how long does a container take, next to a VM?"
)

usage() {
	sed -n '2,15s/^# \{0,1\}//p' "$0"
}

# --- the command line --------------------------------------------------------

# The section id that ARG names (05, 5, 05-netns, vm), or nothing.
section_id() {
	local entry id
	for entry in "${sections[@]}"; do
		id=${entry%%|*}
		case $1 in
		"$id" | "${id#0}" | "${id}-"*) echo "$id"; return ;;
		esac
	done
}

chosen=()
for arg in "$@"; do
	case $arg in
	-h | --help) usage; exit 0 ;;
	-l | --list)
		for entry in "${sections[@]}"; do printf '%-3s %s\n' "${entry%%|*}" "${entry#*|}"; done
		exit 0 ;;
	*)
		id=$(section_id "$arg")
		[ -n "$id" ] || { echo "demo: no section '$arg' (demo.sh --list shows them)" >&2; exit 2; }
		chosen+=("$id") ;;
	esac
done
[ ${#chosen[@]} -gt 0 ] || for entry in "${sections[@]}"; do chosen+=("${entry%%|*}"); done

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the steps need root — run it in a root shell (sudo -i), or: sudo make demo" >&2
	exit 2
fi

# --- how it prints -------------------------------------------------------------

# Bold for headings and commands, on a terminal only and never with NO_COLOR
# (no-color.org). Narration stays in normal weight: faint text vanishes on a
# projector.
bold='' normal=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$'\e[1m' normal=$'\e[0m'
fi

# PAUSE=1 waits for Enter, read from the terminal; with no terminal it does not wait.
pause=0
if [ -n "${PAUSE:-}" ] && [ "$PAUSE" != 0 ] && { : </dev/tty; } 2>/dev/null; then
	pause=1
fi

# Every line fits in 100 columns: a container's 64-digit id in a path reads
# <id>, and a longer line is wrapped after a ", " (else a space or a comma),
# the rest indented (under the text of a --trace line).
fit() {
	awk -v width=100 '
	BEGIN { id = "/"; for (i = 0; i < 64; i++) id = id "[0-9a-f]" }
	{
		gsub(id, "/<id>")
		indent = match($0, /^\[ *[0-9.]+ ms\] /) ? substr("                    ", 1, RLENGTH) : "    "
		line = $0
		while (length(line) > width) {
			cut = 0
			for (i = width; i > width / 2 && !cut; i--)
				if (substr(line, i - 1, 2) == ", ") cut = i
			for (i = width; i > width / 2 && !cut; i--)
				if (substr(line, i, 1) ~ /[ ,]/) cut = i
			if (!cut) cut = width
			head = substr(line, 1, cut)
			sub(/ +$/, "", head)
			print head
			line = indent substr(line, cut + 1)
		}
		print line
		fflush()
	}'
}

heading() { printf '\n%s== %s ==%s\n' "$bold" "$1" "$normal"; }
say() { printf '# %s\n' "$*" | fit; }
docker_says() { say "docker equivalent: $*"; }

# With PAUSE=1, wait here for Enter (the line stays as it is: Enter shows nothing).
wait_for_enter() {
	[ "$pause" = 1 ] || return 0
	read -rs _ </dev/tty || true
}

# Print a command as it would be typed, in bold; with PAUSE=1, wait for Enter
# at the end of the line, as if it were typed live.
prompt() {
	printf '%s%s%s' "$bold" "$(printf '$ %s\n' "$1" | fit)" "$normal"
	wait_for_enter
	printf '\n'
}

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

# --- running commands ------------------------------------------------------------

failures=0

# Every command runs as `limited SECONDS CMD...`: under timeout, but in the
# terminal's process group (--foreground), so Ctrl-C reaches the command too.
# SIGKILL comes 10 s after the SIGTERM: a runtime first gets its 3 s to stop
# its container and clean up.
limited() {
	local secs=$1
	shift
	timeout --foreground -k 10 "$secs" "$@"
}

# What reads a command's output ignores Ctrl-C and reads to the end: a
# runtime that wrote into a pipe with no reader left would die of SIGPIPE
# before its cleanup. (A pipeline's part is a subshell: the trap stays there.)
to_the_end() {
	trap '' INT
	"$@"
}

# What a command's status means for the lecture. STATUS EXPECTED SECONDS
report() {
	if [ "$1" -eq 124 ]; then
		say "(stopped after $3 s: the demo goes on)"
		failures=$((failures + 1))
	elif [ "$1" -eq "$2" ]; then
		[ "$1" -eq 0 ] || say "(exit status $1, as expected)"
	else
		say "(exit status $1, not what the lecture expects: the demo goes on)"
		failures=$((failures + 1))
	fi
}

# show [-x STATUS] CMD [ARG...]: print the command, run it under the time
# limit with no input, print what it writes (both streams, as they
# come) and, when it fails, its status. -x: the status the lecture expects
# (an OOM kill is 137, a port that is taken 125); anything else is counted.
# The raw output stays in $tmp/last for the section to read.
show() {
	local expect=0 status
	if [ "$1" = -x ]; then
		expect=$2
		shift 2
	fi
	prompt "$(quoted "$@")"
	limited "$limit" "$@" </dev/null 2>&1 | to_the_end tee "$tmp/last" | to_the_end fit
	status=${PIPESTATUS[0]}
	report "$status" "$expect" "$limit"
}

# A command the audience need not see, under a time limit, output discarded.
quietly() {
	limited "$limit" "$@" </dev/null >/dev/null 2>&1
}

# Has process PID ended? (A zombie has: only its reaping is left.)
gone() {
	local state
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ]
}

# Start a step in the background (its output in $tmp/bg) and wait up to 5 s
# for its container, the runtime's first child. Sets runtime and child;
# fails, saying so, when no container appears.
runtime='' child=''
start_in_background() {
	"$@" </dev/null >"$tmp/bg" 2>&1 &
	runtime=$!
	for _ in $(seq 50); do
		child=$(pgrep -P "$runtime" | head -n1)
		[ -z "$child" ] || return 0
		sleep 0.1
	done
	say "(no container process within 5 s: skipping what needs one)"
	failures=$((failures + 1))
	stop_background
	return 1
}

# Kill the background container: its runtime sees it die, cleans up and
# exits. A runtime still there after 5 s gets SIGTERM, then SIGKILL.
stop_background() {
	local sig
	[ -n "$runtime" ] || return 0
	[ -z "$child" ] || kill -KILL "$child" 2>/dev/null
	for sig in TERM KILL; do
		for _ in $(seq 50); do
			gone "$runtime" && break 2
			sleep 0.1
		done
		kill -"$sig" "$runtime" 2>/dev/null
	done
	wait "$runtime" 2>/dev/null
	runtime='' child=''
}

# Wait up to 5 s until the file has a line that matches the pattern; print it.
wait_for_line() {   # PATTERN FILE
	for _ in $(seq 50); do
		grep -m1 -E "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# GET http://HOST:PORT/ from the host with bash's /dev/tcp (no client to
# install, and no proxy in the way), retried for up to 5 s while the server
# starts. Prints the page's <h1>.
get_page() {   # HOST PORT
	local page
	say "GET http://$1:$2/ from the host (bash's /dev/tcp, no client needed):"
	wait_for_enter
	for _ in $(seq 10); do
		page=$(limited 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" &&
			printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' _ "$1" "$2" 2>/dev/null)
		if [[ $page == *'<h1>'* ]]; then
			# The server's name, when it says it (nginx does), and the heading.
			tr -d '\r' <<<"$page" | sed -n '/^Server:/p; /<h1>/p' | fit
			return 0
		fi
		sleep 0.5
	done
	say "(no page from http://$1:$2/ within 5 s: the demo goes on)"
	failures=$((failures + 1))
}

# The demo's own containers (step 08) and files go on every way out: the end,
# a failure, Ctrl-C, SIGTERM. The images it loads or pulls go to a store of
# its own, in $tmp: the host's /var/lib/stepbox is not touched.
tmp=$(mktemp -d -t stepbox-demo.XXXXXX)
export STEPBOX_STORE=$tmp/store
vol=''
demo_containers=(demo-web demo-web2 demo-nginx)
cleanup() {
	stop_background
	if [ -e "$tmp/ran-08" ]; then
		quietly "$box" rm -f "${demo_containers[@]}"
	fi
	rm -rf "$tmp" ${vol:+"$vol"}
}
trap cleanup EXIT
trap 'echo; say "interrupted: removing what the demo started"; exit 130' INT
trap 'exit 143' TERM

# --- the sections ------------------------------------------------------------------

section_00() {
	docker_says "docker image ls; docker history nginx — an image is layers of files"
	show du -sh "$rootfs" "$layer"
	show ls -C "$rootfs"
	say "no /boot, no kernel, no init system: the host's kernel will run it"
}

section_01() {
	docker_says "docker run --rm busybox cat /etc/os-release (with all of 02-08 added)"
	show build/01-chroot "$rootfs" /bin/cat /etc/os-release
	say "the same kernel as the host:"
	show build/01-chroot "$rootfs" /bin/uname -r
	show uname -r
	say "root inside can climb out: the host's $PWD/Makefile is visible again"
	show build/01-chroot "$rootfs" probe escape "$PWD/Makefile"
}

section_02() {
	docker_says "docker run --rm busybox ps; docker top NAME lists the host's PIDs"
	show build/02-pid-ns "$rootfs" /bin/sh -c 'echo "my PID is $$"; ps'
	say "the host sees the same process under another PID:"
	start_in_background build/02-pid-ns "$rootfs" probe sleep 60 || return 0
	show grep NSpid "/proc/$child/status"
	show ps -o pid,ppid,args --pid "$runtime,$child"
	stop_background
}

section_03() {
	docker_says "docker run --rm --hostname lecture-box busybox hostname"
	show build/03-uts --hostname lecture-box "$rootfs" /bin/hostname
	show hostname
	say "the container's namespaces, as the kernel lists them:"
	start_in_background build/03-uts "$rootfs" probe sleep 60 || return 0
	show lsns --task "$child"
	stop_background
}

section_04() {
	local id
	docker_says "docker run --rm nginx ls / (docker's overlay2 storage is this overlay)"
	say "every kernel call, with the time since start (<id> is the container's id):"
	show build/04-mount-overlay --trace --layer "$layer" "$rootfs" sh -c 'touch /new; ls -C /'
	id=$(sed -n 's/.*container id \([0-9a-f]\{64\}\).*/\1/p' "$tmp/last" | head -n1)
	say "/www came from the app layer, /new from the container: it wrote to an upper layer."
	say "the image did not change, and the writable layer went with the container:"
	show -x 2 ls "$rootfs/new"
	[ -z "$id" ] || show -x 2 ls -d "$rundir/$id"
	say "pivot_root + a detached old root: nowhere to climb to"
	show build/04-mount-overlay "$rootfs" probe escape "$PWD/Makefile"
}

section_05() {
	local ip
	docker_says "docker run -d nginx; docker inspect -f '{{.NetworkSettings.IPAddress}}' ID"
	show build/05-netns "$rootfs" /bin/sh -c 'ls /sys/class/net; ip -4 addr show eth0; ip route'
	say "a web server inside, reached from the host over the veth:"
	start_in_background build/05-netns --layer "$layer" "$rootfs" /bin/sh -c \
		'ip -4 -o addr show eth0; exec httpd -f -p 80 -h /www' || return 0
	ip=$(wait_for_line ' inet ' "$tmp/bg" | awk '{ sub(/\/.*/, "", $4); print $4 }')
	show ip -br link show type veth
	if [ -n "$ip" ]; then
		get_page "$ip" 80
	else
		say "(the container did not say its address within 5 s: the demo goes on)"
		failures=$((failures + 1))
	fi
	stop_background
}

section_06() {
	docker_says "dockerd --userns-remap=default (off by default: root inside is the host's)"
	show build/06-userns --net none "$rootfs" /bin/sh -c 'id; cat /proc/self/uid_map'
	if start_in_background build/06-userns --net none "$rootfs" probe sleep 60; then
		say "the host's view of the container's root:"
		show grep -E '^(Uid|Gid)' "/proc/$child/status"
		stop_background
	fi
	say "root inside may not create devices, as the host's root may:"
	show -x 1 build/06-userns --net none "$rootfs" mknod /tmp/null c 1 3
	if [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
		say "and without sudo at all, as $(id -un "$SUDO_UID"):"
		show setpriv --reuid="$SUDO_UID" --regid="${SUDO_GID:-$SUDO_UID}" --init-groups \
			build/06-userns "$rootfs" /bin/sh -c 'id; cat /proc/self/uid_map'
	fi
}

section_07() {
	docker_says "docker run -m 32m --pids-limit 16 --cpus 0.25 busybox …"
	say "32 MB of memory, and a program that wants 100 MB:"
	show -x 137 build/07-cgroups -m 32m "$rootfs" probe alloc 100
	say "at most 16 processes, and a fork bomb:"
	show build/07-cgroups --pids-limit 16 "$rootfs" probe forkbomb
	say "a quarter of a CPU, and 2 s of spinning (this takes the 2 s):"
	show build/07-cgroups --cpus 0.25 "$rootfs" probe spin 2
}

# A free TCP port of the host for -p, from 8080 up: an instructor's laptop
# may run something on 8080 already.
free_port() {
	local port
	for port in $(seq 8080 8099); do
		[ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ] || { echo "$port"; return; }
	done
	echo 8080
}

# ps without its COMMAND and CREATED columns, to fit the screen: docker ps
# --format can do the same. The columns start where their headings do.
show_ps() {   # [ps options]
	prompt "$(quoted "$box" ps "$@")"
	limited "$limit" "$box" ps "$@" </dev/null 2>&1 | to_the_end awk '
		NR == 1 { from = index($0, "COMMAND"); to = index($0, "STATUS") }
		from && to > from { $0 = substr($0, 1, from - 1) substr($0, to) }
		{ print }' | to_the_end fit
	report "${PIPESTATUS[0]}" 0 "$limit"
}

section_08() {
	local port
	port=$(free_port)
	docker_says "docker run -d / ps / logs / exec / stop / rm — the same commands and flags"
	# The names are the demo's: a run that was SIGKILLed may have left them.
	touch "$tmp/ran-08"
	quietly "$box" rm -f "${demo_containers[@]}"
	say "run -d starts the container under a shim of its own and returns at once:"
	show "$box" run -d --name demo-web -p "127.0.0.1:$port:80" web
	say "ps (COMMAND and CREATED left out to fit the screen):"
	show_ps
	say "-p: the shim's proxy relays the host's port $port to the container's port 80"
	get_page 127.0.0.1 "$port"
	say "what the container wrote (httpd logs each request), kept by the shim:"
	for _ in $(seq 20); do   # httpd may log the request just after its answer
		[ -z "$(limited 5 "$box" logs demo-web 2>/dev/null)" ] || break
		sleep 0.1
	done
	show "$box" logs demo-web
	say "exec: a new process inside the container's namespaces; PID 1 is httpd"
	show "$box" exec demo-web ps
	say "a second container on the same host port is refused, before it exists:"
	show -x 125 "$box" run -d --name demo-web2 -p "127.0.0.1:$port:80" web
	say "-v: a host directory inside the container; what it writes there outlives it"
	vol=$(mktemp -d -t stepbox-vol.XXXXXX)
	show "$box" run --rm -v "$vol:/data" busybox cp /etc/hostname /data
	show cat "$vol/hostname"
	say "stop: SIGTERM, which httpd as PID 1 ignores, then SIGKILL after 1 s (docker: 10 s)"
	show "$box" stop -t 1 demo-web
	show_ps -a
	say "rm: its writable layer, its log and its record go"
	show "$box" rm demo-web
	show_ps -a
}

# Does a registry answer? A TCP connection within 3 s (no pull yet); never
# with STEPBOX_OFFLINE=1 (the tests, a lecture hall without network).
registry_answers() {
	[ -z "${STEPBOX_OFFLINE:-}" ] || return 1
	limited 3 bash -c 'exec 3<>/dev/tcp/registry-1.docker.io/443' 2>/dev/null
}

# The lecture's nginx: pulled when skopeo and the network are there; else
# Debian's nginx from the archive of make nginx-image (made now, without the
# network, if its .deb was kept); else the built-in web image. Sets image.
image=''
nginx_image() {
	local archive=build/archives/nginx.tar
	if command -v skopeo >/dev/null && registry_answers; then
		say "pull: skopeo fetches the image from the registry, load unpacks its layers"
		show "$box" pull nginx:alpine
		if grep -q '^Loaded image' "$tmp/last"; then
			image=nginx:alpine
			return 0
		fi
	fi
	if [ ! -f "$archive" ]; then
		NGINX_OFFLINE=1 quietly steps/tools/make-nginx-image.sh "$rootfs" "$archive"
	fi
	if [ -f "$archive" ]; then
		say "no registry here: the distribution's nginx, saved as docker save writes it (make nginx-image)"
		show "$box" load -i "$archive"
		image=$(sed -n 's/^Loaded image: \(stepbox\/nginx:.*\)/\1/p' "$tmp/last")
		[ -z "$image" ] || return 0
	fi
	say "no registry and no nginx archive (make nginx-image makes one): the built-in web image"
	image=web
}

section_img() {
	local port
	port=$(free_port)
	docker_says "docker run -d -p 8080:80 nginx — docker pulls the image first, then runs it"
	touch "$tmp/ran-08"
	quietly "$box" rm -f demo-nginx
	nginx_image
	show "$box" images
	show "$box" run -d --name demo-nginx -p "127.0.0.1:$port:80" "$image"
	get_page 127.0.0.1 "$port"
	show_ps
	say "what the image's config gave the container: its command and its port"
	prompt "$(quoted "$box" inspect demo-nginx) | grep -E '\"(Image|Cmd|ExposedPorts|Pid)\"'"
	limited "$limit" "$box" inspect demo-nginx </dev/null 2>&1 |
		to_the_end grep -E '"(Image|Cmd|ExposedPorts|Pid)"' | to_the_end fit
	report "${PIPESTATUS[0]}" 0 "$limit"
	show "$box" rm -f demo-nginx
}

# Median time of $runs runs of a command, as a table row. LABEL CMD [ARG...]
runs=${DEMO_RUNS:-50}
measure() {
	local label=$1 out
	shift
	if out=$(limited "$limit" build/timeit -n "$runs" "$label" "$@" 2>&1); then
		awk '{ printf "%-18s %8.2f ms\n", $1, $2 }' <<<"$out"
	else
		printf '%s\n' "$out" | fit
		say "(timing $label failed: the demo goes on)"
		failures=$((failures + 1))
	fi
}

section_vm() {
	local vm status=0
	docker_says "time docker run --rm busybox true (dockerd and containerd add their own time)"
	say "median of $runs runs of /bin/true, start to exit (make bench for every step):"
	wait_for_enter
	measure "fork+exec" /bin/true
	measure 04-mount-overlay build/04-mount-overlay "$rootfs" /bin/true
	measure 07-cgroups build/07-cgroups --net none "$rootfs" /bin/true
	say "a VM (qemu) booting a kernel and an init that powers off at once:"
	if [ -w /dev/kvm ]; then
		say "about 1 s with KVM; if KVM fails, 15 s to notice, then 5-30 s emulated…"
	else
		say "no KVM here, qemu emulates the CPU: about 5-30 s…"
	fi
	wait_for_enter
	vm=$(limited 150 steps/tools/vm-boot.sh 1 2>"$tmp/vm-err") || status=$?
	case $status in
	0)
		[ ! -s "$tmp/vm-err" ] || sed 's/^/# /' "$tmp/vm-err" | fit
		awk '{ printf "%-18s %8.0f ms\n", $1, $2 }' <<<"$vm" ;;
	2) say "(no qemu or kernel here to boot a VM next to it: make bench installs them)" ;;
	*)
		fit <"$tmp/vm-err"
		say "(the VM did not boot, status $status: the demo goes on)"
		failures=$((failures + 1)) ;;
	esac
	say "a VM boots firmware, a bootloader, a kernel and an init system first: seconds."
	say "a container is clone() + mount() + execve(): milliseconds."
}

for id in "${chosen[@]}"; do
	for entry in "${sections[@]}"; do
		[ "${entry%%|*}" = "$id" ] && heading "${entry#*|}"
	done
	"section_$id"
done

echo
if [ "$failures" -gt 0 ]; then
	say "$failures command(s) did not do what the lecture expects (see above)."
	exit 1
fi
