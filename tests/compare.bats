#!/usr/bin/env bats
# make compare: the same command in a qemu VM and in step 08, one table.
# The first test boots a VM: 20-40 s under emulation (TCG).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$TOP" || exit 1
}

# qemu and a kernel, installed as make compare would; skipped only when
# they cannot be had.
need_vm() {
	local qemu
	case $(uname -m) in
	x86_64) qemu="qemu-system-x86_64" ;;
	aarch64) qemu="qemu-system-aarch64" ;;
	*) skip "vm-boot.sh boots x86_64 and aarch64 guests only, this is $(uname -m)" ;;
	esac
	if ! command -v "$qemu" >/dev/null || [ -z "$(find /boot -maxdepth 1 -name 'vmlinuz-*')" ]; then
		steps/tools/install-deps.sh bench >/dev/null 2>&1 ||
			skip "no $qemu or no kernel in /boot, and install-deps.sh bench could not install them"
	fi
}

# The first word of each cell: "| startup | 4868 ms ... | 5.8 ms ... |" -> 4868 5.8
cells() {   # ROW
	awk -F'|' -v row="$1" '$2 ~ "^ " row " *$" {
		split($3, v, " "); split($4, c, " "); print v[1], c[1] }' <<<"$output"
}
stage_ms() {   # NAME -> when the first stage named NAME starts, in ms
	awk -v s="$1" '$0 ~ "^  " s " +[0-9]" { sub("^  " s " +", ""); print $1; exit }' <<<"$output"
}

@test "compare: one table; the container prints sooner than the VM, on the host's kernel, in namespaces" {
	need_vm
	run timeout 110 steps/tools/compare.sh
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output"
	for row in startup memory disk kernel isolation; do
		[[ "$output" == *"| $row "* ]]
	done
	[[ "$output" != *"not measured here"* ]]

	read -r vm ctr < <(cells startup)
	awk -v v="$vm" -v c="$ctr" 'BEGIN { exit !(c > 0 && v > 0 && c < v) }'
	read -r vm ctr < <(awk -F'|' '$2 ~ /^ memory/ { print $3, $4 }' <<<"$output" |
		sed 's/^ *qemu PSS \([0-9.]*\) MiB.*PSS \([0-9.]*\) MiB.*/\1 \2/')
	awk -v v="$vm" -v c="$ctr" 'BEGIN { exit !(c > 0 && v > 0 && c < v) }'
	read -r vm ctr < <(cells disk)
	awk -v v="$vm" -v c="$ctr" 'BEGIN { exit !(c > 0 && v > 0) }'

	# The VM runs the kernel from /boot: its own; the container the host's.
	booted=$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n1)
	[[ "$output" =~ \|\ kernel\ +\|\ own:\ ${booted#/boot/vmlinuz-}[\ ,] ]]
	[[ "$output" == *"shared: $(uname -r), the host's"* ]]
	[[ "$output" =~ \|\ isolation\ +\|\ hypervisor:\ qemu\ -accel\ (kvm|tcg) ]]
	[[ "$output" =~ namespaces:\ .*mnt\ net\ pid\ uts ]]

	# The boot's stages, in their order; the firmware only where there is one.
	last=-1
	for stage in "qemu starts" firmware "boot loader" kernel init "command output" poweroff off; do
		ms=$(stage_ms "$stage")
		if [ -z "$ms" ] && [ "$(uname -m)" = aarch64 ] && [[ $stage == firmware || $stage == "boot loader" ]]; then
			continue
		fi
		awk -v a="$last" -v b="$ms" 'BEGIN { exit !(b != "" && b + 0 >= a + 0) }' ||
			{ echo "stage $stage at '$ms' ms, after $last"; false; }
		last=$ms
	done
	[[ "$output" == *"  namespaces "*"clone(CLONE_NEW"* ]]
	[[ "$output" == *"  command "*'execve("sh")'* ]]

	wide=$(awk 'length > 100' <<<"$output")
	[ -z "$wide" ] || { echo "wider than 100 columns: $wide"; false; }
	run leftovers
	[ -z "$output" ] || { echo "left behind: $output"; false; }
	run pgrep -f 'stages\.cpio\.gz'
	[ "$status" -eq 1 ]
}

@test "compare: where no VM can boot, it says so and shows the course's figures as not measured" {
	run timeout 60 env VM_KERNEL=/nonexistent steps/tools/compare.sh
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" =~ \|\ startup\ +\|\ not\ measured\ here\ +\|\ [0-9.]+\ ms\ to\ the\ output ]]
	[[ "$output" == *"vm-boot: no kernel image /nonexistent"* ]]
	[[ "$output" == *"The course's figures — claims, NOT MEASURED HERE"* ]]
	[[ "$output" == *"| disk      | gigabytes"* ]]
	[[ "$output" == *"shared: $(uname -r), the host's"* ]]
	run leftovers
	[ -z "$output" ] || { echo "left behind: $output"; false; }
}
