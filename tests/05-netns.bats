#!/usr/bin/env bats
# 05-netns: a network stack of its own, wired to the host by a veth pair.
# Traffic goes only to the addresses these tests create.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

STEP=build/05-netns

setup() {
	cd "$TOP" || exit 1
	VETHS_BEFORE=$(host_veths)
}

teardown() {
	stop_step
	[ -z "${SECOND_PID:-}" ] || { kill -TERM "$SECOND_PID" 2>/dev/null; wait "$SECOND_PID" || true; }
	# Whatever happened, no veth is left on the host.
	veths_settle "$VETHS_BEFORE"
}

# Start a container that prints eth0's address, says "ready" and sleeps;
# sets CONTAINER_IP.
start_networked_container() {
	start_step $STEP "$@" "$ROOTFS" /bin/sh -c \
		'ip -4 -o addr show eth0 | awk "{ print \$4 }"; echo ready; sleep 30'
	wait_for_output ready
	CONTAINER_IP=$(head -n1 "$BATS_TEST_TMPDIR/out" | cut -d/ -f1)
}

@test "05-netns: inside there are exactly lo and eth0" {
	run $STEP "$ROOTFS" /bin/sh -c 'ls /sys/class/net | tr "\n" " "'
	[ "$status" -eq 0 ]
	[ "$output" = "eth0 lo " ]
}

@test "05-netns: eth0 has an address of the pool and a default route via the host" {
	run $STEP "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0; ip route'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ inet\ 10\.123\.[0-9]+\.[0-9]+/30 ]]
	[[ "$output" == *'default via 10.123.'*' dev eth0'* ]]
}

@test "05-netns: the host end is a veth named after the container's id, labelled with the hostname" {
	start_networked_container --hostname webbox
	id=$(container_id_of "$RUNTIME_PID")
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	run ip -o link show "sb-${id:0:12}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"alias stepbox container ${id:0:12} (webbox)"* ]]
	[ "$(ip -o link show type veth | grep -c "$(veth_of "$RUNTIME_PID")")" -eq 1 ]
}

@test "05-netns: the container pings the host end of its veth" {
	run $STEP "$ROOTFS" /bin/sh -c \
		'gw=$(ip route | awk "/^default/ { print \$3 }"); ping -c 1 -W 2 "$gw"'
	[ "$status" -eq 0 ]
	[[ "$output" == *'1 packets received'* ]]
}

@test "05-netns: the host pings the container" {
	start_networked_container
	[[ "$CONTAINER_IP" == 10.123.* ]]
	run busybox ping -c 1 -W 2 "$CONTAINER_IP"
	[ "$status" -eq 0 ]
}

@test "05-netns: a web server in the container answers the host over the veth" {
	start_step $STEP --layer "$APP_LAYER" "$ROOTFS" /bin/sh -c \
		'ip -4 -o addr show eth0 | awk "{ print \$4 }"; exec httpd -f -p 80 -h /www'
	wait_for_container
	sleep 0.5
	ip=$(head -n1 "$BATS_TEST_TMPDIR/out" | cut -d/ -f1)
	run http_get "$ip" 80
	[ "$status" -eq 0 ]
	[[ "$output" == *'Hello from a container'* ]]
}

@test "05-netns: two containers at once get distinct subnets and reach each other only via the host" {
	start_networked_container
	first_ip=$CONTAINER_IP
	first_veth=$(veth_of "$RUNTIME_PID")
	SECOND_PID=$RUNTIME_PID   # (the teardown stops it too)
	start_networked_container
	wait_for_container
	second_veth=$(veth_of "$RUNTIME_PID")
	[ -n "$first_ip" ] && [ -n "$CONTAINER_IP" ]
	[ "$first_ip" != "$CONTAINER_IP" ]
	# From the second, the way to the first goes through its gateway: the host.
	# shellcheck disable=SC2153  # set by wait_for_container
	in_second() { nsenter --target "$CONTAINER_PID" --net -- "$@"; }
	run in_second ip route get "$first_ip"
	[[ "$output" == *"$first_ip via ${CONTAINER_IP%.*}."*" dev eth0"* ]]
	# The host decides: with forwarding off on both host ends, no way through...
	sysctl -qw "net.ipv4.conf.$first_veth.forwarding=0" "net.ipv4.conf.$second_veth.forwarding=0"
	run in_second "$ROOTFS/bin/busybox" ping -c 1 -W 1 "$first_ip"
	[ "$status" -ne 0 ]
	# ...and with the host forwarding between them (these two links only), through.
	sysctl -qw "net.ipv4.conf.$first_veth.forwarding=1" "net.ipv4.conf.$second_veth.forwarding=1"
	run in_second "$ROOTFS/bin/busybox" ping -c 1 -W 2 "$first_ip"
	[ "$status" -eq 0 ]
}

@test "05-netns: after exit the host's veths are as before and the subnet is free again" {
	run $STEP "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0 | awk "{ print \$4 }"'
	first=$output
	veths_settle "$VETHS_BEFORE"
	run $STEP "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0 | awk "{ print \$4 }"'
	[ "$output" = "$first" ]
}

@test "05-netns: --ip gives eth0 that address and the host end the first other one" {
	run $STEP --ip 10.123.207.9/24 "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0; ip route'
	[ "$status" -eq 0 ]
	[[ "$output" == *'inet 10.123.207.9/24'* ]]
	[[ "$output" == *'default via 10.123.207.1 dev eth0'* ]]
}

@test "05-netns: STEPBOX_SUBNET moves the pool" {
	STEPBOX_SUBNET=10.125.0.0/24 run $STEP "$ROOTFS" /bin/sh -c 'ip -4 -o addr show eth0'
	[ "$status" -eq 0 ]
	[[ "$output" == *'inet 10.125.0.2/30'* ]]
}

@test "05-netns: --net none gives a network namespace with only lo, up" {
	run $STEP --net none "$ROOTFS" /bin/sh -c 'ls /sys/class/net; ip -o link show lo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[[ "${lines[1]}" == *'<LOOPBACK,UP,LOWER_UP>'* ]]
	veths_settle "$VETHS_BEFORE"
}

@test "05-netns: an --ip whose subnet the host already uses is refused, nothing created" {
	start_networked_container
	run -125 $STEP --ip "$CONTAINER_IP/30" "$ROOTFS" /bin/true
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "05-netns: --ip \"$CONTAINER_IP/30\": the subnet is in use on this host ($(veth_of "$RUNTIME_PID") has "* ]]
	[ "$(ip -o link show type veth | grep -c ' sb-')" -eq 1 ]
	STEPBOX_SUBNET=127.0.0.0/8 run -125 $STEP --ip 127.0.0.5/8 "$ROOTFS" /bin/true
	[[ "$output" == *'in use on this host (lo has 127.0.0.1/8)'* ]]
}

@test "05-netns: SIGKILL of the runtime takes the veth with the container's namespace" {
	start_networked_container
	kill -KILL "$RUNTIME_PID"
	wait_for_runtime
	for _ in $(seq 50); do
		[ "$(host_veths)" != "$VETHS_BEFORE" ] || break
		sleep 0.1
	done
	veths_settle "$VETHS_BEFORE"
	run $STEP "$ROOTFS" /bin/true
	[ ! -e "$RUNDIR" ]
}

@test "05-netns: the container's network namespace is not the host's" {
	start_networked_container
	wait_for_container
	# shellcheck disable=SC2153  # set by wait_for_container
	[ "$(readlink "/proc/$CONTAINER_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	run $STEP "$ROOTFS" /bin/sh -c 'cat /proc/net/dev'
	[ "$status" -eq 0 ]
	veth=$(veth_of "$RUNTIME_PID")
	ip -o link show "$veth" >/dev/null
	[[ "$output" == *"eth0:"* ]]
	[[ "$output" != *"$veth"* ]]
}
