#!/usr/bin/env bats
# The student VM, checked without a hypervisor: the Vagrantfile is valid Ruby
# and runs for every provider, and vagrant/provision.sh runs for real on this
# machine — into a throwaway copy, twice — as CI would run it.

load helpers
bats_require_minimum_version 1.5.0

MODULES_CONF=/etc/modules-load.d/stepbox.conf
AA_NAME=stepbox-vagrant-bats

setup_file() {
	export SRC=$BATS_FILE_TMPDIR/src DEST=$BATS_FILE_TMPDIR/dest
	# The project as it is in this checkout, without its build, and with
	# what a host has beside it: Vagrant's state and a build of the host.
	mkdir -p "$SRC"
	tar -C "$TOP" --exclude=./build --exclude=./.vagrant --exclude=./.git -cf - . | tar -C "$SRC" -xf -
	mkdir -p "$SRC/.vagrant/machines/default" "$SRC/build"
	echo host >"$SRC/build/from-the-host"
	# What provision.sh changes outside the copy, so teardown can undo it.
	[ -e "$MODULES_CONF" ] && touch "$BATS_FILE_TMPDIR/had-modules-conf"
	true
}

teardown_file() {
	# The manifest of what provision.sh wrote into this copy.
	rm -f "/var/lib/stepbox-provision/$(cd "$DEST" && pwd -P | sha256sum | cut -c1-16).sha256"
	rm -rf "$SRC" "$DEST"
	[ -e "$BATS_FILE_TMPDIR/had-modules-conf" ] || rm -f "$MODULES_CONF"
	if [ -e "/etc/apparmor.d/$AA_NAME" ]; then
		apparmor_parser -R "/etc/apparmor.d/$AA_NAME" 2>/dev/null || true
		rm -f "/etc/apparmor.d/$AA_NAME"
	fi
}

setup() {
	cd "$TOP" || exit 1
}

provision() {   # [VAR=VALUE...]: run vagrant/provision.sh on the copy
	env STEPBOX_SRC="$SRC" STEPBOX_DEST="$DEST" STEPBOX_USER=nobody \
		STEPBOX_APPARMOR_NAME="$AA_NAME" "$@" bash vagrant/provision.sh
}

# Everything in the copy with its owner, mode, size, time and inode: what a
# second run must leave as it is.
snapshot() {
	find "$DEST" -mindepth 1 -printf '%P %u:%g %m %s %T@ %i\n' | sort
}

@test "vagrant: the Vagrantfile is valid Ruby" {
	command -v ruby >/dev/null || skip "ruby is not installed (steps/tools/install-deps.sh installs it)"
	run ruby -c vagrant/Vagrantfile
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "vagrant: the Vagrantfile runs for every provider, and vagrant/README.md names its boxes" {
	command -v ruby >/dev/null || skip "ruby is not installed (steps/tools/install-deps.sh installs it)"
	# A stand-in for Vagrant: it accepts every setting, runs every provider's
	# block and prints the boxes, so a mistake in the Ruby itself shows.
	stub=$BATS_TEST_TMPDIR/stub.rb
	cat >"$stub" <<'RUBY'
$set = []
class Any
  def initialize(path) @path = path end
  def method_missing(name, *args, &block)
    name = name.to_s
    return $set << [@path + "." + name.chomp("="), args.first] if name.end_with?("=")
    block.call(*Array.new(block.arity.abs) { Any.new("#{@path}.#{name}(#{args.first})") }) if block
    Any.new("#{@path}.#{name}")
  end
  def respond_to_missing?(*) true end
end
module Vagrant
  def self.require_version(*req) $set << ["require_version", req.join(" ")] end
  def self.configure(_version) yield Any.new("config") end
end
load ARGV[0]
$set.each { |key, value| puts "#{key} #{value}" if key =~ /require_version|vm\.box/ }
RUBY
	for nested in 0 1; do
		STEPBOX_NESTED=$nested run ruby "$stub" vagrant/Vagrantfile
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	echo "$output"
	[ "$(grep -c 'vm\.box_version [0-9]' <<<"$output")" -eq 3 ]   # the default, libvirt, qemu
	while read -r _ value; do
		grep -qF -- "$value" vagrant/README.md || { echo "vagrant/README.md does not say $value"; false; }
	done <<<"$output"
}

@test "vagrant: provision.sh builds the copy as root, gives its sources to the user, and copies no .vagrant/" {
	run provision
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$DEST/build/08-full-container" ]
	[ -d "$DEST/build/rootfs/bin" ]
	[ ! -e "$DEST/build/from-the-host" ]
	[ ! -e "$DEST/.vagrant" ]
	# The image and everything built is root's; the sources are the user's.
	[ -z "$(find "$DEST/build" ! -user root)" ]
	[ -z "$(find "$DEST" -path "$DEST/build" -prune -o ! -user nobody -print)" ]
	[ "$(sort "$MODULES_CONF" | uniq -d)" = "" ]
	grep -qx overlay "$MODULES_CONF"
	# The AppArmor profile where the kernel restricts user namespaces, else why not.
	if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] && command -v apparmor_parser >/dev/null &&
		[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		grep -q "^$AA_NAME (" /sys/kernel/security/apparmor/profiles
	else
		[[ "$output" == *'provision: AppArmor: '*'no profile'* ]]
	fi
	[[ "$output" == *'stepbox is ready in '"$DEST"* ]]
}

@test "vagrant: provision.sh a second time changes nothing" {
	[ -x "$DEST/build/08-full-container" ] || skip "the first provision did not build"
	before=$(snapshot)
	conf=$(cat "$MODULES_CONF")
	run provision
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"Nothing to be done for 'all'"* ]]
	diff <(echo "$before") <(snapshot)
	[ "$(cat "$MODULES_CONF")" = "$conf" ]
}

@test "vagrant: provision.sh rebuilds a changed source as root and goes on without the user" {
	[ -x "$DEST/build/08-full-container" ] || skip "the first provision did not build"
	touch "$SRC/steps/06-userns/main.c"
	before=$(stat -c %Y "$DEST/build/06-userns")
	sleep 1
	run provision STEPBOX_USER=stepbox-no-such-user
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *'provision: no user stepbox-no-such-user: the copy keeps the owners it has in '* ]]
	[ "$(stat -c %Y "$DEST/build/06-userns")" -gt "$before" ]
	[ -z "$(find "$DEST/build" ! -user root)" ]
	# Without the user, what it copies keeps this checkout's owners (root's
	# here); what it leaves alone keeps the owner it has.
	[ "$(stat -c %U "$DEST/steps/06-userns/main.c")" = "$(stat -c %U "$SRC/steps/06-userns/main.c")" ]
	[ "$(stat -c %U "$DEST/Makefile")" = nobody ]
}

@test "vagrant: provision.sh builds build/ again when an older provision gave it to the user" {
	[ -x "$DEST/build/08-full-container" ] || skip "the first provision did not build"
	chown -R nobody "$DEST/build"
	run provision
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *'build has files root does not own'* ]]
	[ -x "$DEST/build/08-full-container" ]
	[ -z "$(find "$DEST/build" ! -user root)" ]
}

@test "vagrant: provision.sh again keeps an edited source and a new file, says so in one line, updates the rest" {
	[ -x "$DEST/build/08-full-container" ] || skip "the first provision did not build"
	# The student edits a step and writes a file of their own in the copy...
	echo '/* my attempt */' >>"$DEST/steps/05-netns/main.c"
	echo 'my notes' >"$DEST/notes.txt"
	edited=$(cat "$DEST/steps/05-netns/main.c")
	# ...while the project changes that step, and another file.
	echo '/* the project, later */' >>"$SRC/steps/05-netns/main.c"
	echo '<!-- the project, later -->' >>"$SRC/steps/03-uts/README.md"
	for round in 1 2; do
		run provision STEPBOX_USER=root
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$(cat "$DEST/steps/05-netns/main.c")" = "$edited" ]
		[ "$(cat "$DEST/notes.txt")" = 'my notes' ]
		[ "$(grep -c '^provision: kept your changes: ' <<<"$output")" -eq 1 ]
		line=$(grep '^provision: kept your changes: ' <<<"$output")
		[[ "$line" == *' notes.txt'* ]]
		[[ "$line" == *' steps/05-netns/main.c'* ]]
		[[ "$line" != *README* ]]
		# What the student did not touch follows the project.
		cmp "$SRC/steps/03-uts/README.md" "$DEST/steps/03-uts/README.md"
		echo "round $round: $line"
	done
	# Deleted by the student, a file comes back from the project.
	rm "$DEST/steps/05-netns/main.c"
	run provision STEPBOX_USER=root
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cmp "$SRC/steps/05-netns/main.c" "$DEST/steps/05-netns/main.c"
	[[ "$output" != *'kept your changes: '*main.c* ]]
}

@test "vagrant: STEPBOX_PROFILE other than lab or full is refused before anything is installed" {
	run provision STEPBOX_PROFILE=huge
	[ "$status" -eq 1 ]
	[[ "$output" == *"STEPBOX_PROFILE must be lab or full, not 'huge'"* ]]
}

@test "vagrant: the lab profile installs no qemu, crun, runc, ruby or shellcheck; full adds them" {
	# What install-deps.sh would install on a machine that has none of it: a
	# PATH with only the tools it asks with (and no apt-get: it just says).
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	for tool in uname id find ldd dpkg cat sed; do
		ln -s "$(command -v "$tool")" "$bin/$tool"
	done
	run -1 env -i PATH="$bin" /bin/bash steps/tools/install-deps.sh lab
	lab=$output
	run -1 env -i PATH="$bin" /bin/bash steps/tools/install-deps.sh vm
	full=$output
	echo "lab: $lab"
	echo "full: $full"
	[[ "$lab" == *' bats '* ]]
	for pkg in qemu crun runc ruby shellcheck; do
		[[ "$lab" != *"$pkg"* ]]
		[[ "$full" == *"$pkg"* ]]
	done
}

@test "vagrant: on Apple silicon, vagrant up with VirtualBox is refused with the commands that work" {
	command -v ruby >/dev/null || skip "ruby is not installed (steps/tools/install-deps.sh installs it)"
	# The Vagrantfile as an Apple-silicon Mac's Vagrant would read it.
	stub=$BATS_TEST_TMPDIR/apple.rb
	cat >"$stub" <<'RUBY'
require "rbconfig"
RbConfig::CONFIG["host_os"] = "darwin23"
RbConfig::CONFIG["host_cpu"] = "arm64"
module Vagrant
  def self.require_version(*) end
  def self.configure(_) end
end
load ARGV.shift
puts "no refusal"
RUBY
	run ruby "$stub" vagrant/Vagrantfile up --provider virtualbox
	[ "$status" -eq 1 ]
	[[ "$output" == *'Apple silicon'* ]]
	[[ "$output" == *'vagrant up --provider qemu'* ]]
	run ruby "$stub" vagrant/Vagrantfile up --provider=qemu
	[ "$status" -eq 0 ]
	[ "$output" = 'no refusal' ]
	VAGRANT_DEFAULT_PROVIDER=parallels run ruby "$stub" vagrant/Vagrantfile up
	[ "$output" = 'no refusal' ]
}
