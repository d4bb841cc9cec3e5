#!/usr/bin/env bats
# Exercise 08-2: a published port: run binds it on the host, the shim relays
# each connection to the container's address (docker's docker-proxy).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
	NAME=exercise-08-2-$$
	# A high host port, different from one run to the next.
	PORT=$((20000 + RANDOM % 20000))
}

# Start the web image with its port 80 on 127.0.0.1:$PORT, and wait (up to
# 5 s) until its server answers on the container's own address.
start_web() {
	run timeout 20 "$B" run -d --name "$NAME" -p "127.0.0.1:$PORT:80" web
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	ip=$(ip_of "$NAME")
	[ -n "$ip" ]
	for _ in $(seq 50); do
		http_get "$ip" 80 2>/dev/null | grep -q 'Hello from a container' && return 0
		sleep 0.1
	done
	echo "the server inside never answered on $ip:80" >&2
	return 1
}

@test "exercise 08-2: -p 127.0.0.1:PORT:80 serves the container's page on the host's port" {
	start_web
	# http_get gives up after 5 s: a port nobody relays accepts, then says nothing.
	run http_get 127.0.0.1 "$PORT"
	[[ "$output" == *'Hello from a container'* ]]
}

@test "exercise 08-2: the relay is a process of the shim, beside PID 1" {
	start_web
	pid=$(pid1_of "$NAME")
	shim=$(ps -o ppid= -p "$pid" | tr -d ' ')
	ps -o pid,ppid,args --ppid "$shim"
	pgrep -P "$shim" | grep -qvx "$pid"
}
