#!/usr/bin/env bash
# Provision the student VM (vagrant/Vagrantfile runs it as root): packages,
# kernel modules, an AppArmor profile for rootless step 06, and a copy of the
# project on the VM's own disk, built and checked. Safe to run again
# (`vagrant provision`): it refreshes the copy and rebuilds what changed, and
# never deletes or overwrites a file the student changed or created there.
#
# It runs outside Vagrant too (tests/vagrant.bats runs it on CI), set by:
#   STEPBOX_SRC   the project to copy            (default /vagrant)
#   STEPBOX_DEST  where the copy is built        (default /home/vagrant/stepbox)
#   STEPBOX_USER  who owns the copy's sources    (default vagrant; no such
#                 user: the copy keeps the owners it has in STEPBOX_SRC)
#   STEPBOX_APPARMOR_NAME  the profile's name and file in /etc/apparmor.d
#                 (default stepbox; the test loads its own beside the VM's)
#   STEPBOX_PROFILE  lab (default: what the steps, the demo, the exercises and
#                 the tests need) or full (also crun, runc, qemu and a kernel
#                 for make bench and make compare, shellcheck and ruby for
#                 make lint and the Vagrantfile's test)
set -euo pipefail

src=${STEPBOX_SRC:-/vagrant}
dest=${STEPBOX_DEST:-/home/vagrant/stepbox}
user=${STEPBOX_USER:-vagrant}
aa_name=${STEPBOX_APPARMOR_NAME:-stepbox}
profile_name=${STEPBOX_PROFILE:-lab}

say() { echo "provision: $*"; }
warn() { echo "provision: warning: $*" >&2; }
die() { echo "provision: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: it installs packages and builds an image owned by root"
{ [ -f "$src/Makefile" ] && [ -f "$src/steps/tools/install-deps.sh" ]; } ||
	die "$src is not a stepbox checkout (no Makefile, no steps/tools/install-deps.sh) — set STEPBOX_SRC"
src=$(cd "$src" && pwd -P)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd -P)
case "$dest/" in
"$src/"*) die "STEPBOX_DEST ($dest) is inside STEPBOX_SRC ($src): the copy would copy itself" ;;
esac

# --- packages: the project's own list ----------------------------------------
# "lab" = what the steps, make demo, make exercise/check and make test need;
# "vm" adds what make bench and make compare compare with (crun, runc, qemu
# and a kernel) and make lint's shellcheck: some 200 MB more per laptop.
case "$profile_name" in
lab) bash "$src/steps/tools/install-deps.sh" lab ;;
full) bash "$src/steps/tools/install-deps.sh" vm ;;
*) die "STEPBOX_PROFILE must be lab or full, not '$profile_name'" ;;
esac

# --- kernel modules ------------------------------------------------------------
# overlay (step 04), veth (05) and bridge (08's network) are modules on
# Ubuntu's kernel: load them now and at every boot. A kernel without loadable
# modules (a container host, some CI sandboxes) may have them built in: then
# modprobe fails and there is nothing to do; make doctor says what works.
for mod in overlay veth bridge; do
	if ! modprobe -q "$mod" 2>/dev/null && [ ! -d "/sys/module/$mod" ]; then
		warn "modprobe $mod failed (no loadable modules here?) — going on; make doctor shows what works"
	fi
done
# Written whole, not appended: a second run leaves the same three lines.
mkdir -p /etc/modules-load.d
printf '# stepbox (vagrant/provision.sh): overlay for step 04, veth for 05, bridge for 08\noverlay\nveth\nbridge\n' \
	>/etc/modules-load.d/stepbox.conf

# --- AppArmor: user namespaces for stepbox's binaries, and only for them -------
# Ubuntu 23.10+ (kernel.apparmor_restrict_unprivileged_userns=1) lets a process
# without root create a user namespace but takes every capability from it
# inside, so rootless step 06 (and 07, 08 without sudo) cannot mount or map IDs.
# Setting the sysctl to 0 would lift that for every program on the machine;
# Ubuntu's own answer is a profile per program that needs it (as for
# Chrome or podman). This profile attaches to build/0?-* in the copy and
# only adds `userns,`: unconfined otherwise, so nothing else changes for them.
profile=/etc/apparmor.d/$aa_name
restrict=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
if [ ! -e "$restrict" ]; then
	say "AppArmor: this kernel does not restrict user namespaces ($restrict missing): no profile needed"
elif ! command -v apparmor_parser >/dev/null; then
	say "AppArmor: apparmor_parser is not installed: no profile loaded (sysctl ${restrict#/proc/sys/}=$(cat "$restrict"))"
elif [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	say "AppArmor: not enabled in this kernel: no profile needed"
elif ! [[ $dest =~ ^[A-Za-z0-9._/-]+$ ]]; then
	warn "AppArmor: $dest has characters a profile path cannot hold as they are: no profile; rootless step 06 will fail"
else
	cat >"$profile.tmp" <<EOF
# Written by vagrant/provision.sh (see vagrant/README.md): stepbox's steps
# may create user namespaces without root, as they could before Ubuntu 23.10.
abi <abi/4.0>,
include <tunables/global>

profile $aa_name $dest/build/0?-* flags=(unconfined) {
  userns,
}
EOF
	mv "$profile.tmp" "$profile"
	if apparmor_parser -r -W "$profile"; then
		say "AppArmor: profile $aa_name ($profile) lets $dest/build/0?-* create user namespaces"
	else
		warn "AppArmor: apparmor_parser could not load $profile: rootless step 06 will fail"
	fi
fi
# An earlier provision lifted the restriction machine-wide: undo that.
if [ -e /etc/sysctl.d/60-stepbox-userns.conf ]; then
	rm -f /etc/sysctl.d/60-stepbox-userns.conf
	[ ! -e "$restrict" ] || echo 1 >"$restrict"
	say "removed /etc/sysctl.d/60-stepbox-userns.conf: the profile replaces the machine-wide sysctl"
fi

# --- the copy, on the VM's own disk ----------------------------------------------
# The synced folder (vboxsf, hgfs, prl_fs) cannot hold overlay layers: build
# on the VM's disk. The sources belong to $user, to edit; build/ stays root's,
# like any image a runtime starts containers from (step 06 shows why: root in
# a container must not own the image on the host).
#
# The copy is the student's: a file is copied only when it is missing, or
# when it is still what the last provision wrote — a manifest of checksums in
# /var/lib/stepbox-provision says what that was. A file the student changed,
# or created, is kept (and named); a file the project removed goes only if
# the student never changed it. .git is copied once, then left to the student.
owner=()
if id "$user" >/dev/null 2>&1; then
	owner=("$user:$(id -gn "$user")")
else
	say "no user $user: the copy keeps the owners it has in $src"
fi
manifest_dir=/var/lib/stepbox-provision
manifest=$manifest_dir/$(echo "$dest" | sha256sum | cut -c1-16).sha256
mkdir -p "$manifest_dir"
touch "$manifest"
declare -A wrote=()
while read -r sum path; do
	wrote[$path]=$sum
done <"$manifest"

# Every file of a tree, relative, without build/, .vagrant/ and .git/.
tree_files() {
	(cd "$1" && find . \( -path ./build -o -path ./.vagrant -o -path ./.git \) -prune \
		-o \( -type f -o -type l \) -print | sed 's|^\./||' | sort)
}
sum_of() {
	if [ -L "$1" ]; then
		readlink "$1" | sha256sum | cut -d' ' -f1
	else
		sha256sum <"$1" | cut -d' ' -f1
	fi
}
copy_in() {   # PATH: from the source into the copy, the user's
	local dir
	dir=$(dirname "$dest/$1")
	mkdir -p "$dir"
	rm -f "$dest/$1"
	if [ ${#owner[@]} -eq 0 ]; then
		cp -P --preserve=mode,ownership,timestamps "$src/$1" "$dest/$1"
	else
		cp -P --preserve=mode,timestamps "$src/$1" "$dest/$1"
		chown -h "${owner[0]}" "$dest/$1"
	fi
}

kept=()
new_manifest=$manifest.new
: >"$new_manifest"
declare -A in_src=()
while read -r f; do
	in_src[$f]=1
	want=$(sum_of "$src/$f")
	if [ ! -e "$dest/$f" ] && [ ! -L "$dest/$f" ]; then
		copy_in "$f"
		echo "$want $f" >>"$new_manifest"
		continue
	fi
	have=$(sum_of "$dest/$f")
	if [ "$have" = "$want" ] || [ "${wrote[$f]:-}" = "$have" ]; then
		# Unchanged by the student: bring it up to date (the time too, so
		# make rebuilds what a touched source feeds).
		if [ "$have" != "$want" ] || [ "$src/$f" -nt "$dest/$f" ] || [ "$src/$f" -ot "$dest/$f" ]; then
			copy_in "$f"
		fi
		echo "$want $f" >>"$new_manifest"
	else
		kept+=("$f")
		# Still what it was to us: the student's version is the one to keep.
		[ -z "${wrote[$f]:-}" ] || echo "${wrote[$f]} $f" >>"$new_manifest"
	fi
done < <(tree_files "$src")
# Files of the copy that the project no longer has, or never had.
while read -r f; do
	[ -z "${in_src[$f]:-}" ] || continue
	if [ -n "${wrote[$f]:-}" ] && [ "$(sum_of "$dest/$f")" = "${wrote[$f]}" ]; then
		rm -f "$dest/$f"
	else
		kept+=("$f")
	fi
done < <(tree_files "$dest")
mv "$new_manifest" "$manifest"
# The directories are the user's too (not build/, not .git/).
if [ ${#owner[@]} -gt 0 ]; then
	find "$dest" \( -path "$dest/build" -o -path "$dest/.git" \) -prune -o -type d ! -user "$user" \
		-exec chown "${owner[0]}" {} +
fi
if [ -d "$src/.git" ] || [ -f "$src/.git" ]; then
	if [ ! -e "$dest/.git" ] && [ -d "$src/.git" ]; then
		cp -a "$src/.git" "$dest/.git"
		[ ${#owner[@]} -eq 0 ] || chown -R "${owner[0]}" "$dest/.git"
	fi
fi
if [ ${#kept[@]} -gt 0 ]; then
	say "kept your changes: ${kept[*]} (the project's version is in $src; delete a file to get it back)"
fi

# A VM provisioned before this script gave build/ to $user: build it again.
if [ -d "$dest/build" ] && [ -n "$(find "$dest/build" ! -user 0 -print -quit)" ]; then
	say "$dest/build has files root does not own (an older provision chowned them): building it again as root"
	rm -rf "$dest/build"
fi

# Build as root, with the Makefile's own settings (not those of a make that
# may have started this script).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$dest" -j"$(nproc)"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$dest" doctor || true

cat <<MSG

stepbox is ready in $dest. Inside the VM:
  sudo -i
  cd $dest
  make demo        # the lecture, live
  make test        # every test
Edit on your machine, then \`vagrant provision\` copies and rebuilds
(libvirt, qemu: \`vagrant rsync\` first); a file you changed in the copy is
kept, never overwritten. See vagrant/README.md.
MSG
