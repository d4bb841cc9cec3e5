#!/usr/bin/env bash
# make doctor: can this machine run every step? Each line says what was
# checked, what was found and, when something is missing, how to fix it.
# It tries features (mount an overlay, create a namespace) instead of
# trusting version numbers. Exits 1 if a step cannot run here.
set -u

failed=0
say() {   # STATUS WHAT DETAIL
	printf '%-5s %-28s %s\n' "$1" "$2" "$3"
	[ "$1" != FAIL ] || failed=1
}

root=no
[ "$(id -u)" -eq 0 ] && root=yes

# --- who and where -------------------------------------------------------------
if [ "$root" = yes ]; then
	say ok "running as root" "every step can run"
else
	say warn "running as root" "no: steps 01-05 and 07 need sudo (try: sudo make doctor)"
fi
say info "kernel" "$(uname -sr) on $(uname -m)"

# --- overlayfs (step 04) -----------------------------------------------------------
rundir=${STEPBOX_RUNDIR:-/run/stepbox}
if grep -qw overlay /proc/filesystems; then
	if [ "$root" = yes ]; then
		t=$(mktemp -d -p "$(dirname "$rundir")")
		mkdir "$t/lower" "$t/upper" "$t/work" "$t/merged"
		if unshare --mount sh -c "mount -t overlay overlay -o lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work $t/merged" 2>/dev/null; then
			say ok "overlay filesystem" "mounted a test overlay in $(dirname "$t")"
		else
			say FAIL "overlay filesystem" "the kernel has it but refused a test mount in $(dirname "$t") (on overlayfs, NFS or vboxsf? set STEPBOX_RUNDIR)"
		fi
		rm -rf "$t"
	else
		say ok "overlay filesystem" "listed in /proc/filesystems"
	fi
else
	say FAIL "overlay filesystem" "missing — try: modprobe overlay"
fi

# --- where the writable layers go ------------------------------------------------
fstype=$(stat -f -c %T "$(dirname "$rundir")" 2>/dev/null || echo unknown)
case "$fstype" in
overlayfs|nfs*|vboxsf|fuse*)
	say FAIL "run directory" "$(dirname "$rundir") is on $fstype: overlay upper layers cannot live there — set STEPBOX_RUNDIR" ;;
*)
	say ok "run directory" "$rundir (on $fstype)" ;;
esac

# --- mount propagation -----------------------------------------------------------
prop=$(findmnt -n -o PROPAGATION / 2>/dev/null || echo unknown)
say info "propagation of /" "$prop$([ "$prop" = shared ] && echo ' (systemd): steps mark their mounts private')"

# --- cgroups (step 07) ---------------------------------------------------------------
cg=/sys/fs/cgroup
case "$(stat -f -c %T "$cg" 2>/dev/null)" in
cgroup2fs)
	say ok "cgroups" "v2 (unified); controllers: $(cat "$cg/cgroup.controllers" 2>/dev/null)" ;;
tmpfs)
	v1=""
	for c in memory cpu pids; do
		[ -d "$cg/$c" ] && v1="$v1 $c"
	done
	mode=v1
	[ -d "$cg/unified" ] && mode="hybrid (v1 + v2 at $cg/unified)"
	say ok "cgroups" "$mode; v1 controllers:${v1:- none}" ;;
*)
	say warn "cgroups" "no cgroup filesystem at $cg: step 07's limits will not work" ;;
esac

# --- user namespaces (step 06) ---------------------------------------------------------
max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)
if [ "$max" = 0 ]; then
	say FAIL "user namespaces" "disabled: user.max_user_namespaces=0 — try: sysctl -w user.max_user_namespaces=15000"
elif [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
	say warn "unprivileged user namespaces" "off — try: sysctl -w kernel.unprivileged_userns_clone=1"
elif [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ] &&
	grep -q '^stepbox (' /sys/kernel/security/apparmor/profiles 2>/dev/null; then
	say ok "user namespaces" "restricted by AppArmor, allowed for build/0?-* by the profile stepbox (vagrant/README.md)"
elif [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 1 ]; then
	say warn "unprivileged user namespaces" "blocked by AppArmor (Ubuntu 23.10+) — load the profile of vagrant/provision.sh (vagrant/README.md), or: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
elif [ "$root" = yes ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user true 2>/dev/null; then
	say warn "unprivileged user namespaces" "a test as user nobody was refused"
else
	say ok "user namespaces" "allowed (max $max)"
fi

# --- network (step 05) -------------------------------------------------------------
if [ "$root" = yes ]; then
	if ip link add stepbox-doc0 type veth peer name stepbox-doc1 2>/dev/null; then
		ip link del stepbox-doc0
		say ok "veth pairs" "created and removed a test pair"
	else
		say FAIL "veth pairs" "the kernel refused a test pair — try: modprobe veth"
	fi
fi

# --- tools the image and the tests use -----------------------------------------------
if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
	say ok "static busybox" "/bin/busybox"
else
	say warn "static busybox" "missing: the image falls back to host binaries — try: apt-get install busybox-static"
fi
for tool in bats shellcheck; do
	if command -v "$tool" >/dev/null; then
		say ok "$tool" "$(command -v "$tool")"
	else
		say warn "$tool" "missing (make test needs it) — try: apt-get install $tool"
	fi
done

exit "$failed"
