#!/usr/bin/env bash
# The lecture's `docker run -d -p 80:80 nginx`, captured for 08b's images
# section in the cgroup v2 lane (Debian's 6.1 kernel under qemu, cgroup2
# only), standing in for a student's VM. It needs build/archives/nginx.tar
# (make nginx-image, on the host, before):
#
#   make nginx-image && VM_CAPTURE=tests/vm/capture-images.sh tests/vm/run.sh
#
# The output lands in build/vm/capture.txt: each command after a "$ " prompt,
# then what it printed.
# shellcheck disable=SC2016  # each command is printed as typed, then eval'd
set -u
b=build/08-full-container

show() {   # COMMAND: print it as typed at the prompt, then run it
	printf '$ %s\n' "$*"
	eval "$*"
}

# A freshly booted VM seeds the kernel's random pool late, and getrandom()
# (the container's id) would wait for it: wait here, unseen.
head -c1 /dev/random >/dev/null

show 'uname -r; stat -fc %T /sys/fs/cgroup'
show "$b load -i build/archives/nginx.tar"
show "$b images"
show "$b history stepbox/nginx:bookworm"
show "ls /var/lib/stepbox/images/layers/sha256 | cut -c1-12"
show "$b run -d --name web -p 127.0.0.1:8080:80 stepbox/nginx:bookworm"
sleep 1
show 'exec 3<>/dev/tcp/127.0.0.1/8080; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3; exec 3<&-'
show "$b ps"
show "$b exec web ps -o pid,user,args"
show "$b inspect web | grep -E '\"(Image|Cmd|ExposedPorts|Pid|IPAddress)\"'"
show 'cat /proc/$('"$b"' inspect web | sed -n "s/^ *\"Pid\": \([0-9]*\),$/\1/p")/cgroup'
show "$b logs web"
show "$b rm -f web"
show "$b rmi stepbox/nginx:bookworm"
show "$b ps -a; ls /var/lib/stepbox/images/layers/sha256 | wc -l"
