#!/usr/bin/env bats
# 08-full-container's network: the bridge stepbox0 that every container is a
# port of, --net none and host, the files that name a container, and ports
# published with -p. Traffic goes only to 127.0.0.1 and to the containers'
# own addresses.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

B=build/08-full-container
STATE=$RUNDIR/containers

setup() {
	cd "$TOP" || exit 1
	# Host ports for this test: high, and different from one run to the next.
	PORT=$((20000 + RANDOM % 20000))
}

teardown() {
	local ids
	ids=$($B ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || $B rm -f $ids >/dev/null 2>&1 || true
	[ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null || true
}

# The address of container $1's eth0, from inspect.
ip_of() {
	$B inspect "$1" | sed -n 's/^ *"IPAddress": "\(.*\)",$/\1/p'
}

# GET / on 127.0.0.1:$1 until the page comes (the server inside may still be starting).
page_from() {
	for _ in $(seq 50); do
		http_get 127.0.0.1 "$1" 2>/dev/null | grep -q 'Hello from a container' && return 0
		sleep 0.1
	done
	return 1
}

# What a failed run must not leave: state, cgroups, veths, the bridge, proxies.
nothing_created() {
	shims_settle
	[ ! -e "$STATE" ] || [ -z "$(ls -A "$STATE")" ]
	[ -z "$(stepbox_cgroups)" ]
	veths_settle ""
	[ -z "$(pgrep stepbox-proxy || true)" ]
}

@test "08 network: two containers reach each other and the host over stepbox0, which goes with the last" {
	$B run -d --name a busybox sleep 60
	$B run -d --name b busybox sleep 60
	a=$(ip_of a) b=$(ip_of b)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
	# Both host ends are ports of the bridge, which holds the gateway.
	[ "$(ip -o link show master stepbox0 | grep -c ' sb-')" -eq 2 ]
	gateway=$(ip -o -4 addr show stepbox0 | awk '{ print $4 }')
	[[ "$gateway" == 10.123.* ]]
	$B exec a ping -c1 -W2 "$b"
	$B exec b ping -c1 -W2 "$a"
	$B exec a ping -c1 -W2 "${gateway%/*}"
	busybox ping -c1 -W2 "$a"
	# One container gone: the bridge stays for the other; both gone: so is it.
	$B rm -f a
	ip link show stepbox0
	$B rm -f b
	veths_settle ""
}

@test "08 network: --net none has only lo; --net host is the host's own network" {
	run $B run --rm --net none busybox ls /sys/class/net
	[ "$output" = lo ]
	run $B run --rm --net host busybox sh -c 'ls /sys/class/net; readlink /proc/self/ns/net'
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(readlink /proc/self/ns/net)"* ]]
	for link in /sys/class/net/*; do
		[[ "$output" == *"${link##*/}"* ]]
	done
	# The host's name too, unless --hostname says otherwise.
	[ "$($B run --rm --net host busybox hostname)" = "$(hostname)" ]
	run -125 $B run --net bridgee busybox true
	[ "$output" = '08-full-container: --net "bridgee": MODE is bridge, none or host' ]
}

@test "08 network: the hostname and name resolve inside; hosts, hostname and resolv.conf are the container's own" {
	before=$(md5sum "$ROOTFS/etc/hosts" 2>/dev/null || true)
	$B run -d --name named --hostname box busybox sleep 60
	ip=$(ip_of named)
	run $B exec named cat /etc/hosts
	[[ "$output" == *"$ip"$'\t'"box named"* ]]
	$B exec named ping -c1 -W2 named
	$B exec named ping -c1 -W2 box
	[ "$($B exec named cat /etc/hostname)" = box ]
	run $B exec named cat /etc/resolv.conf
	[[ "${lines[0]}" == '# written by stepbox'* ]]
	# No nameserver on the host's loopback: the container could not reach it.
	[[ "$output" != *'nameserver 127.'* ]]
	# A change inside stays with the container, and never reaches the image.
	$B exec named sh -c 'echo "10.9.9.9 extra" >> /etc/hosts'
	[ "$(md5sum "$ROOTFS/etc/hosts" 2>/dev/null || true)" = "$before" ]
	run $B run --rm busybox cat /etc/hosts
	[[ "$output" != *extra* ]]
}

@test "08 network: -p publishes a container's port on the host; ps and inspect show it" {
	$B run -d --name web -p "127.0.0.1:$PORT:80" web
	page_from "$PORT"
	run $B ps
	[[ "${lines[0]}" == *'PORTS'* ]]
	[[ "${lines[1]}" == *"127.0.0.1:$PORT->80/tcp"* ]]
	run $B inspect web
	[[ "$output" == *"\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"$PORT\"}]"* ]]
	# Only the published port: the container's address needs no relay, the host's other ports see nothing.
	http_get "$(ip_of web)" 80 | grep -q 'Hello from a container'
	run ! http_get 127.0.0.1 "$((PORT + 1))"
	# Stopped: the port is closed, and free for the next container.
	$B rm -f web
	run ! http_get 127.0.0.1 "$PORT"
	$B run -d --name web2 -p "127.0.0.1:$PORT:80" web
	page_from "$PORT"
}

@test "08 network: two containers serve port 80 inside, on two host ports" {
	$B run -d --name one -p "127.0.0.1:$PORT:80" web
	$B run -d --name two -p "127.0.0.1:$((PORT + 1)):80" web
	page_from "$PORT"
	page_from "$((PORT + 1))"
}

@test "08 network: a host port taken by another container: 125 in docker's words, nothing created" {
	$B run -d --name first -p "127.0.0.1:$PORT:80" web
	before=$(ls "$STATE")
	veths=$(host_veths)
	run -125 $B run -d --name second -p "127.0.0.1:$PORT:80" web
	[ "$output" = "08-full-container: Bind for 127.0.0.1:$PORT failed: port is already allocated" ]
	[ "$(ls "$STATE")" = "$before" ]
	[ "$(host_veths)" = "$veths" ]
	[ "$($B ps -aq | wc -l)" -eq 1 ]
	# One run that asks for the same port twice fails the same way.
	$B rm -f first
	run -125 $B run -p "$PORT:80" -p "$PORT:81" web
	[ "$output" = "08-full-container: Bind for 0.0.0.0:$PORT failed: port is already allocated" ]
	nothing_created
}

@test "08 network: a host port held by any other program: 125, nothing created" {
	busybox nc -l -p "$PORT" >/dev/null 2>&1 &
	LISTENER=$!
	for _ in $(seq 50); do
		grep -q ":$(printf '%04X' "$PORT") 00000000:0000 0A" /proc/net/tcp && break
		sleep 0.1
	done
	run -125 $B run -p "127.0.0.1:$PORT:80" web
	[ "$output" = "08-full-container: Bind for 127.0.0.1:$PORT failed: port is already allocated" ]
	nothing_created
}

@test "08 network: the relay carries many connections at once, and honours half-close" {
	$B run -d --name web -p "127.0.0.1:$PORT:80" web
	page_from "$PORT"
	# 40 at once: in an emulated VM on a busy host, 5 s each is not enough.
	for i in $(seq 40); do
		HTTP_TIMEOUT=30 http_get 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/page.$i" &
	done
	wait
	[ "$(grep -l 'Hello from a container' "$BATS_TEST_TMPDIR"/page.* | wc -l)" -eq 40 ]
	# wc counts what came until end of file: the client's shutdown(SHUT_WR)
	# must reach it through the relay, and its answer come back after that.
	$B run -d --name count -p "127.0.0.1:$((PORT + 1)):80" busybox nc -ll -p 80 -e wc -c
	for _ in $(seq 50); do
		out=$(printf 'hello world' | timeout 5 busybox nc 127.0.0.1 "$((PORT + 1))" || true)
		[ "$out" = 11 ] && break
		sleep 0.1
	done
	[ "$out" = 11 ]
}

@test "08 network: no connection outlives the container, and no proxy" {
	$B run -d --name echo -p "127.0.0.1:$PORT:80" busybox nc -ll -p 80 -e cat
	for _ in $(seq 50); do
		[ "$(echo ping | timeout 2 busybox nc -w 1 127.0.0.1 "$PORT" 2>/dev/null)" = ping ] && break
		sleep 0.1
	done
	# A client that keeps its connection open, until the far end closes it.
	{ timeout 20 busybox nc 127.0.0.1 "$PORT" < <(sleep 30); echo "closed $?" >"$BATS_TEST_TMPDIR/client"; } &
	for _ in $(seq 50); do
		[ "$(pgrep -c stepbox-proxy)" -ge 2 ] && break   # the proxy and the client's relay
		sleep 0.1
	done
	[ "$(pgrep -c stepbox-proxy)" -ge 2 ]
	$B rm -f echo
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/client" ] && break
		sleep 0.1
	done
	[ "$(cat "$BATS_TEST_TMPDIR/client")" = 'closed 0' ]
	# The relay may still be on its way out when the client sees the close.
	for _ in $(seq 50); do
		pgrep stepbox-proxy >/dev/null || break
		sleep 0.1
	done
	[ -z "$(pgrep stepbox-proxy || true)" ]
}

@test "08 network: a killed shim takes the container, its proxy and its port with it" {
	$B run -d --name web -p "127.0.0.1:$PORT:80" web
	page_from "$PORT"
	shim=$(grep -h '^owner' "$STATE"/*/record | awk '{ print $2 }')
	kill -KILL "$shim"
	for _ in $(seq 50); do
		[ -z "$(pgrep stepbox-proxy || true)" ] && break
		sleep 0.1
	done
	[ -z "$(pgrep stepbox-proxy || true)" ]
	run $B ps -a
	[[ "$output" == *Dead* ]]
	$B rm web
	nothing_created
	$B run -d --name again -p "127.0.0.1:$PORT:80" web
	page_from "$PORT"
}

@test "08 network: bad -p values: one line, 125, nothing created" {
	for bad in 0:80 65536:80 80:0 8080:99999 8080 "$PORT:80/udp" "$PORT:80/" \
		"1.2.3:$PORT:80" ":80" "x:80" "$PORT:" "$PORT:80:90"; do
		run -125 $B run -p "$bad" busybox true
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "08-full-container: -p "* ]]
	done
	run -125 $B run -p 8080:80 --net none busybox true
	[[ "$output" == *'needs the bridge network'* ]]
	run -125 $B run -p "10.255.255.254:$PORT:80" busybox true
	[[ "$output" == *"Bind for 10.255.255.254:$PORT failed: Cannot assign requested address"* ]]
	nothing_created
}

@test "08 network: without root, no bridge and no -p; the network is --net none" {
	run -125 setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOP/$B" run --net bridge busybox true
	[[ "$output" == *'--net bridge needs root'* ]]
	run -125 setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOP/$B" run -p 8080:80 busybox true
	[[ "$output" == *'needs the bridge network'* ]]
	cd /tmp
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOP/$B" run --rm busybox ls /sys/class/net
	[ "$output" = lo ]
}

@test "08 network: STEPBOX_SUBNET chooses the bridge's subnet" {
	STEPBOX_SUBNET=10.124.0.0/16 $B run -d --name other busybox sleep 60
	[[ "$(ip_of other)" == 10.124.0.* ]]
	ip -o -4 addr show stepbox0 | grep -q '10.124.0.1/22'
}

@test "08 network: the bridge's /22 is the default; a full subnet refuses the next container in one line" {
	$B run -d --name first busybox sleep 60
	ip -o -4 addr show stepbox0 | grep -q '10.123.0.1/22'
	$B rm -f first
	# A /29 pool: the gateway and five containers. The sixth is refused,
	# exit 125, and leaves no record.
	for i in 1 2 3 4 5; do
		STEPBOX_SUBNET=10.126.0.0/29 $B run -d --name "full$i" busybox sleep 60
	done
	run -125 env STEPBOX_SUBNET=10.126.0.0/29 $B run -d --name full6 busybox sleep 60
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"no free address left on the bridge's subnet 10.126.0.1/29: stop some containers"* ]]
	run $B ps -a
	[[ "$output" != *full6* ]]
	[ "$(find "$STATE" -mindepth 1 -maxdepth 1 | wc -l)" -eq 5 ]
}
