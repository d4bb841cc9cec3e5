#!/usr/bin/env bash
# The security table, measured: run `probe attacks` as root inside every step
# (and 06 and 08 without root), and on the host itself for comparison, and
# print one row per attack, one column per place:
#
#   attack  host  01  02  03  04  05  06  07  08  06-user  08-user
#
# Each cell is "works" or "blocked". tests/security.bats compares it with
# tests/security.expected; lecture-notes/security.md shows it.
# Run as root from the top of the tree (make builds everything first).
set -euo pipefail
cd "$(dirname "$0")/.."

marker=$(mktemp /tmp/stepbox-marker.XXXXXX)
trap 'rm -f "$marker"' EXIT
# The first whole disk of the host, for the mknod row ("0:0" if none).
disk=$(awk '$4 ~ /^(sd|vd|hd|xvd)[a-z]+$|^nvme[0-9]+n[0-9]+$|^mmcblk[0-9]+$/ { print $1 ":" $2; exit }' \
	/proc/partitions)
disk=${disk:-0:0}
user=(setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin)
rootfs=build/rootfs

# One column: "works"/"blocked" per attack, in the probe's order.
column() {
	"$@" probe attacks "$marker" "$disk" 2>/dev/null | awk '{ print $1 " " $2 }'
}

declare -A cells
places=(host 01 02 03 04 05 06 07 08 06-user 08-user)
for place in "${places[@]}"; do
	case $place in
	host) out=$(build/probe attacks "$marker" "$disk" | awk '{ print $1 " " $2 }') ;;
	0[1-7]) out=$(column "build/$(cd build && ls -d "$place"-*)" "$rootfs") ;;
	08) out=$(column build/08-full-container run --rm busybox) ;;
	06-user) out=$(cd /tmp && column "${user[@]}" "$OLDPWD/build/06-userns" "$OLDPWD/$rootfs") ;;
	08-user) out=$(cd /tmp && column "${user[@]}" "$OLDPWD/build/08-full-container" run --rm busybox) ;;
	esac
	while read -r attack result; do
		cells[$attack,$place]=$result
	done <<<"$out"
done

printf '%-13s' attack
printf ' %-8s' "${places[@]}"
echo
for attack in $(build/probe attacks "$marker" "$disk" | awk '{ print $1 }'); do
	printf '%-13s' "$attack"
	for place in "${places[@]}"; do
		printf ' %-8s' "${cells[$attack,$place]:-?}"
	done
	echo
done
