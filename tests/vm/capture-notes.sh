#!/usr/bin/env bash
# The lecture notes' captures that must come from a cgroup v2 machine, like a
# student's: run inside the v2 lane's VM (Debian's 6.1 kernel under qemu,
# cgroup2 the only cgroup filesystem), as root, from the project directory:
#
#   VM_CAPTURE=tests/vm/capture-notes.sh tests/vm/run.sh
#
# (the lane's initramfs has the tools and modules it needs). The output
# lands in build/vm/capture.txt: each command after a "$ " prompt, then what
# it printed, in sections the notes quote (=== name ===). The notes quote
# lecture-notes/captures/v2.txt, a copy of such a run; tests/captures.bats
# runs this script in the lane and fails when its output no longer has the
# reference's shape (tests/vm/capture-shape.sh). A change here is a new
# reference: take it as above, copy it there, and re-quote the notes.
# shellcheck disable=SC2016  # each command is printed as typed, then eval'd
set -u
b=build/08-full-container

show() {   # COMMAND: print it as typed at the prompt, then run it
	printf '$ %s\n' "$*"
	eval "$*"
}
section() { printf '\n=== %s ===\n' "$1"; }

# A freshly booted VM seeds the kernel's random pool late, and getrandom()
# (the container's id) would wait for it inside the first trace: wait here.
head -c1 /dev/random >/dev/null

section machine
show 'uname -r'
show 'stat -fc %T /sys/fs/cgroup'
show 'cat /sys/fs/cgroup/cgroup.controllers'
show 'cat /proc/self/cgroup'

section 07-trace
show 'build/07-cgroups --trace -m 32m build/rootfs probe alloc 100; echo "exit status $?"'

section 07-see
show 'build/07-cgroups --pids-limit 16 build/rootfs probe forkbomb'
show 'build/07-cgroups --cpus 0.25 build/rootfs probe spin 2'
show 'build/07-cgroups build/rootfs cat /proc/self/cgroup'
show 'build/07-cgroups -m 64m --cpus 0.5 --pids-limit 32 build/rootfs sleep 10 &'
sleep 3
show 'ls -d /sys/fs/cgroup/stepbox/*/'
show 'cat /proc/$(pgrep -n -x sleep)/cgroup'
show 'cd /sys/fs/cgroup/stepbox/*/ && cat cgroup.procs memory.max memory.swap.max cpu.max pids.max; cd - >/dev/null'
show 'cat /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/stepbox/cgroup.subtree_control'
wait

section ipc
show 'ipcmk -Q'
show 'ipcs -q'
show 'build/02-pid-ns build/rootfs cat /proc/sysvipc/msg'
show 'build/03-uts build/rootfs cat /proc/sysvipc/msg'
show 'build/03-uts build/rootfs sleep 5 &'
sleep 2
show 'nsenter --target $(pgrep -n -x sleep) --ipc ipcs -q'
wait
ipcrm --all=msg

section 08-life
show "$b run -d --name web web"
show "$b ps"
show "$b inspect web"
show 'pid=$('"$b"' inspect web | sed -n '\''s/^ *"Pid": \([0-9]*\),$/\1/p'\''); echo "$pid"'
show 'pstree -p -s "$pid"'
show 'ps -o pid,ppid,sid,args -p "$(ps -o ppid= -p "$pid" | tr -d " "),$pid"'
show 'ps -o pid,ppid,args -C 08-full-contain'
show 'cat /run/stepbox/containers/*/record; echo; cat /run/stepbox/containers/*/state'
show "$b exec web ps"
show 'ip=$('"$b"' inspect web | sed -n '\''s/^ *"IPAddress": "\(.*\)",$/\1/p'\''); echo "$ip"'
show 'exec 3<>"/dev/tcp/$ip/80"; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3; exec 3<&-'
show "$b logs web"
show 'cat /run/stepbox/containers/*/log'

section 08-namespaces
show "$b exec web sleep 60 &"
sleep 2
show 'epid=$(pgrep -n -x sleep); echo "$epid"'
show 'for n in cgroup ipc mnt net pid user uts; do printf "%-7s %-20s %-20s %s\n" $n $(readlink /proc/1/ns/$n /proc/$pid/ns/$n /proc/$epid/ns/$n); done'
show "$b exec web sh -c 'cd /proc/self/ns && for n in cgroup ipc mnt net pid user uts; do readlink \$n; done'"
show 'lsns'
show 'ps -o pid,ppid,args -C 08-full-contain'
kill "$(pgrep -n -x sleep)"
wait

section 08-stop
show "time $b stop web"
show "$b ps -a"
show "$b rm web"

section io-max
# A disk for the volumes: a 64 MB RAM disk with an ext2 filesystem (the VM
# has no other), where a student's VM has its real disk.
insmod /lib/modules/extra/brd.ko rd_nr=1 rd_size=65536 2>/dev/null
for mod in crc16 crc32c_generic mbcache jbd2 ext4; do insmod "/lib/modules/extra/$mod.ko" 2>/dev/null; done
busybox mke2fs /dev/ram0 >/dev/null 2>&1
mkdir -p /var/lib/stepbox
mount -t ext4 /dev/ram0 /var/lib/stepbox
show 'src=$(findmnt -no SOURCE -T /var/lib/stepbox); lsblk -no NAME,MAJ:MIN,TYPE,PKNAME "$src"'
show "$b run -d --name db -v data:/data busybox sleep 600"
show 'cg=$('"$b"' inspect db | sed -n '\''s/.*"CgroupPaths": \["\([^"]*\)".*/\1/p'\''); echo "$cg"'
show 'cat /sys/fs/cgroup/stepbox/cgroup.subtree_control; ls "$cg" | grep "^io\." || echo "no io.* files"'
show "time $b exec db dd if=/dev/zero of=/data/f bs=1M count=4 oflag=direct"
show 'echo +io > /sys/fs/cgroup/cgroup.subtree_control; echo +io > /sys/fs/cgroup/stepbox/cgroup.subtree_control'
show 'echo "1:0 wbps=1048576" > "$cg/io.max"; cat "$cg/io.max"'
show "time $b exec db dd if=/dev/zero of=/data/f bs=1M count=4 oflag=direct"
show 'cat "$cg/io.stat"'
show "$b rm -f db"
"$b" volume rm data >/dev/null
umount /var/lib/stepbox

section 08-trace
show "$b --trace run --rm busybox true"
# -qq: strace's "Process N attached" and "exited" lines, on the same stream,
# could cut the one line grep keeps in two.
show "strace -f -qq -y -T -e trace=write -e signal=none $b run --rm busybox true 2>&1 | grep cgroup.procs"

section security
show "$b run -d --name sec busybox sleep 60"
show 'pid=$('"$b"' inspect sec | sed -n '\''s/^ *"Pid": \([0-9]*\),$/\1/p'\''); echo "$pid"'
show 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/$pid/status'
grep -q ' /sys/kernel/security ' /proc/mounts || mount -t securityfs securityfs /sys/kernel/security
show 'cat /sys/kernel/security/lsm; echo; cat /proc/$pid/attr/apparmor/current'
show "$b rm -f sec"
show "$b"' run --rm busybox sh -c '\''grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; grep -E " /proc/(sys|kcore|keys) " /proc/mounts'\'
show "$b"' --trace run --rm busybox true 2>&1 | grep -E '\''capab|SECCOMP|NO_NEW|masked|DUMPABLE|BPF|devices'\'

section end
show 'ls /run/stepbox /sys/fs/cgroup/stepbox 2>&1; ip -br link'
