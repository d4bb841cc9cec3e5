#!/usr/bin/env bats
# Step 08's layer unpacker (lib/frontend/layer, driven by build/unpack-layer):
# real image layers in, a directory overlayfs can stack out — and hostile
# layers refused or contained, with the host unchanged and no DEST left.
# The archives come from tests/make-archives.sh.
# shellcheck disable=SC2016  # '$1' in single quotes is for the inner shell

load helpers
bats_require_minimum_version 1.5.0

# make asan runs this suite on build/asan (STEPBOX_BIN): a sanitizer report fails it.
UNPACK=$TOP/${STEPBOX_BIN:-build}/unpack-layer

setup_file() {
	"$TOP/tests/make-archives.sh" "$BATS_FILE_TMPDIR/archives"
}

setup() {
	cd "$TOP" || exit 1
	[ -x "$UNPACK" ] || skip "build/unpack-layer is missing — run make"
	A=$BATS_FILE_TMPDIR/archives
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK"
	DEST=$WORK/layer
}

teardown() {
	if [ -n "${SHARED:-}" ]; then
		rm -rf "$SHARED"
	fi
}

# A directory that user nobody can use: the archives and the driver in it.
as_nobody_setup() {
	SHARED=$(mktemp -d /tmp/sb-layers.XXXXXX)
	chmod 0777 "$SHARED"
	cp "$UNPACK" "$A"/*.tar "$SHARED/"
	chmod a+r "$SHARED"/*
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# Nothing named stepbox-pwned* where an escape could have put it: /, /etc,
# /tmp, and every directory above DEST.
host_untouched() {
	local d=$WORK
	! ls -d /stepbox-pwned* /etc/stepbox-pwned* /tmp/stepbox-pwned* 2>/dev/null || return 1
	while [ "$d" != / ]; do
		! ls -d "$d"/stepbox-pwned* 2>/dev/null || return 1
		d=$(dirname "$d")
	done
}

# The unpacker said no in one line, and left nothing: no DEST, no temporary.
#   refused [OPTION...] ARCHIVE
refused() {
	run "$UNPACK" "${@:1:$#-1}" "$DEST" "${@: -1}"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "unpack-layer: "* ]]
	[ ! -e "$DEST" ] && [ ! -L "$DEST" ]
	[ -z "$(ls -A "$WORK")" ]
	host_untouched
}

# ---- our SHA-256 against sha256sum -------------------------------------------

@test "08-layers: our SHA-256 gives what sha256sum gives for the FIPS test vectors" {
	for v in "" abc abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq; do
		[ "$(printf %s "$v" | "$UNPACK" --sha256)" = "$(printf %s "$v" | sha256sum | cut -d' ' -f1)" ]
	done
	million=$(head -c 1000000 /dev/zero | tr '\0' a | "$UNPACK" --sha256)
	[ "$million" = cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0 ]
}

# ---- valid layers ------------------------------------------------------------

@test "08-layers: a layer unpacks with its content, owners, modes, links and mtimes; the diff id is sha256sum's" {
	run --separate-stderr "$UNPACK" "$DEST" "$A/valid.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "sha256:$(sha256sum <"$A/valid.tar" | cut -d' ' -f1)" ]
	[ "$(cat "$DEST/etc/hostname")" = box ]
	[ "$(stat -c '%a %u:%g' "$DEST/home/user")" = "750 1000:1000" ]
	[ "$(stat -c '%a %u:%g' "$DEST/home/user/notes")" = "600 1000:1000" ]
	[ "$(stat -c %a "$DEST/bin/tool")" = 755 ]
	[ "$(stat -c %a "$DEST/ro")" = 555 ]
	[ "$(readlink "$DEST/bin/sh")" = /bin/busybox ]
	[ "$(stat -c %i "$DEST/bin/alias")" = "$(stat -c %i "$DEST/bin/tool")" ]
	[ "$(stat -c %Y "$DEST/etc/hostname")" = 1500000000 ]
	[ "$(stat -c %Y "$DEST/etc")" = 1500000000 ]           # after its members went in
	[ "$(cat "$DEST"/long/n*/file)" = long ]
	[ "$(stat -c %s "$DEST/opt/data.bin")" = 16384 ]
	[ ! -e "$DEST/.wh..wh.plnk" ]                             # AUFS internals are skipped
	[ "$(stat -c %a "$DEST")" = 755 ]
}

@test "08-layers: a GNU-format layer (long names as 'L' records) unpacks the same" {
	run --separate-stderr "$UNPACK" "$DEST" "$A/valid-gnu.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "sha256:$(sha256sum <"$A/valid-gnu.tar" | cut -d' ' -f1)" ]
	[ "$(cat "$DEST"/long/n*/file)" = long ]
	[ "$(stat -c '%a %u:%g' "$DEST/home/user/notes")" = "600 1000:1000" ]
}

@test "08-layers: gzip and zstd layers unpack through gzip -dc / zstd -dc, with the uncompressed diff id" {
	want="sha256:$(sha256sum <"$A/valid.tar" | cut -d' ' -f1)"
	for f in valid.tar.gz valid.tar.zst; do
		run --separate-stderr "$UNPACK" "$WORK/$f" "$A/$f"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
		[ "$(cat "$WORK/$f/etc/hostname")" = box ]
	done
}

@test "08-layers: a damaged .gz is refused by gzip's own check, and no layer is left" {
	refused "$A/damaged.tar.gz"
	[[ "$output" == *"gzip -dc failed"* ]]
}

@test "08-layers: a layer from stdin (a pipe) unpacks the same" {
	run --separate-stderr bash -c 'cat "$2" | "$1" "$3"' _ "$UNPACK" "$A/valid.tar" "$DEST"
	[ "$status" -eq 0 ]
	[ "$output" = "sha256:$(sha256sum <"$A/valid.tar" | cut -d' ' -f1)" ]
}

@test "08-layers: DEST that exists already is refused and left as it was" {
	mkdir "$DEST"
	touch "$DEST/mine"
	run "$UNPACK" "$DEST" "$A/valid.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(ls -A "$DEST")" = mine ]
	[ "$(ls -A "$WORK")" = layer ]
}

# ---- hostile names -----------------------------------------------------------

@test "08-layers: a member named ../x is refused" {
	refused "$A/dotdot.tar"
	[[ "$output" == *'"../stepbox-pwned-dotdot"'*'".."'* ]]
}

@test "08-layers: an absolute member /etc/x lands in the layer's etc/, as docker does" {
	run --separate-stderr "$UNPACK" "$DEST" "$A/absolute.tar"
	[ "$status" -eq 0 ]
	[ "$(cat "$DEST/etc/stepbox-pwned-absolute")" = in ]
	[ ! -e /etc/stepbox-pwned-absolute ]
}

@test "08-layers: a file through a symlink to /tmp is refused, nothing appears in /tmp" {
	refused "$A/symlink-tmp.tar"
	[[ "$output" == *'symlink'* ]]
}

@test "08-layers: a file through a symlink to ../../.. is refused" {
	refused "$A/symlink-up.tar"
}

@test "08-layers: a file after a symlink of its name replaces the symlink, never writes through it" {
	before=$(sha256sum /etc/passwd)
	run --separate-stderr "$UNPACK" "$DEST" "$A/symlink-then-file.tar"
	[ "$status" -eq 0 ]
	[ ! -L "$DEST/passwd" ]
	[ "$(cat "$DEST/passwd")" = pwned ]
	[ "$(sha256sum /etc/passwd)" = "$before" ]
}

@test "08-layers: hard links to a host path (absolute, relative, through a symlink) are refused" {
	links=$(stat -c %h /etc/passwd)
	for f in hardlink-abs.tar hardlink-rel.tar hardlink-symlink.tar; do
		refused "$A/$f"
	done
	[ "$(stat -c %h /etc/passwd)" = "$links" ]
}

@test "08-layers: without openat2 (Linux < 5.6), the O_NOFOLLOW walk refuses and contains the same" {
	for f in dotdot symlink-tmp symlink-up hardlink-abs hardlink-rel hardlink-symlink deep300; do
		refused --no-openat2 "$A/$f.tar"
	done
	run --separate-stderr "$UNPACK" --no-openat2 "$DEST" "$A/valid.tar"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %u:%g' "$DEST/home/user/notes")" = "600 1000:1000" ]
	[ "$(cat "$DEST"/long/n*/file)" = long ]
}

@test "08-layers: a truncated archive is refused, naming the member" {
	refused "$A/truncated.tar"
	[[ "$output" == *'member "big": the archive is truncated'* ]]
}

@test "08-layers: a 10,000-deep path is refused (too long), and so is a 300-deep one (too deep)" {
	refused "$A/deep.tar"
	refused "$A/deep300.tar"
	[[ "$output" == *"deeper than 256"* ]]
}

@test "08-layers: the entry and size limits stop a layer that is too big" {
	run "$UNPACK" --max-entries 5 "$DEST" "$A/many.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than 5 entries"* ]]
	run "$UNPACK" --max-size 4096 "$DEST" "$A/valid.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"larger than the limit of 4096 bytes"* ]]
	[ -z "$(ls -A "$WORK")" ]
}

# ---- privileges --------------------------------------------------------------

@test "08-layers: as root, a device node is made, set-id bits and owners are kept" {
	run --separate-stderr "$UNPACK" "$WORK/dev" "$A/device.tar"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%F %t:%T %a' "$WORK/dev/dev/null2")" = "character special file 1:3 666" ]
	run --separate-stderr "$UNPACK" "$WORK/suid" "$A/setuid.tar"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %u:%g' "$WORK/suid/suid")" = "4755 1234:5678" ]
}

@test "08-layers: as nobody, a device node is skipped with one warning, set-id bits are dropped" {
	as_nobody_setup
	run --separate-stderr as_nobody "$SHARED/unpack-layer" "$SHARED/dev" "$SHARED/device.tar"
	[ "$status" -eq 0 ]
	# shellcheck disable=SC2154  # set by run --separate-stderr
	[ "$stderr" = "unpack-layer: warning: 1 device nodes skipped (not root)" ]
	[ ! -e "$SHARED/dev/dev/null2" ]
	[ "$(cat "$SHARED/dev/dev/after")" = after ]
	run --separate-stderr as_nobody "$SHARED/unpack-layer" "$SHARED/suid" "$SHARED/setuid.tar"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %u' "$SHARED/suid/suid")" = "755 65534" ]
}

@test "08-layers: overlay's own xattrs in an archive are dropped, other xattrs kept (root)" {
	run --separate-stderr "$UNPACK" "$DEST" "$A/xattrs.tar"
	[ "$status" -eq 0 ]
	run getfattr --absolute-names -d -m - "$DEST/d"
	[[ "$output" != *overlay* ]]
	run getfattr --absolute-names -d -m - "$DEST/d/file"
	[[ "$output" != *overlay* ]]
	# (Where the filesystem has user xattrs: tmpfs has them since Linux 6.6.)
	if setfattr -n user.probe -v 1 "$WORK" 2>/dev/null; then
		[[ "$output" == *'user.comment="kept"'* ]]
	fi
}

# ---- whiteouts ---------------------------------------------------------------

@test "08-layers: .wh.NAME becomes a 0:0 character device, .wh..wh..opq the opaque xattr" {
	run --separate-stderr "$UNPACK" "$DEST" "$A/upper.tar"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%F %t:%T' "$DEST/etc/gone")" = "character special file 0:0" ]
	[ ! -e "$DEST/etc/.wh.gone" ]
	[ ! -e "$DEST/opq/.wh..wh..opq" ]
	[ "$(getfattr --absolute-names --only-values -n trusted.overlay.opaque "$DEST/opq")" = y ]
	# And the user.overlay one, for an overlay in a user namespace (--userns-remap),
	# where the filesystem has user xattrs (tmpfs: Linux 6.6+).
	if getfattr --absolute-names -n user.overlay.opaque "$DEST/opq" >/dev/null 2>&1 ||
		setfattr -n user.stepbox-probe -v 1 "$DEST/opq" 2>/dev/null; then
		[ "$(getfattr --absolute-names --only-values -n user.overlay.opaque "$DEST/opq")" = y ]
	fi
}

@test "08-layers: a bare .wh. is refused" {
	refused "$A/bare-whiteout.tar"
	[[ "$output" == *"whiteout that names no file"* ]]
}

@test "08-layers: in an overlay, the whiteout hides the lower file and the opaque directory the lower directory" {
	"$UNPACK" "$WORK/lower" "$A/lower.tar"
	"$UNPACK" "$WORK/upper" "$A/upper.tar"
	mkdir "$BATS_TEST_TMPDIR/merged"
	# A private mount namespace: the overlay ends with it, nothing leaks.
	run unshare -m sh -c 'mount --make-rprivate / &&
		mount -t overlay overlay -o "lowerdir=$1/upper:$1/lower" "$2" &&
		ls "$2/etc" "$2/opq"' _ "$WORK" "$BATS_TEST_TMPDIR/merged"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *keep* && "$output" == *new* ]]
	[[ "$output" != *gone* && "$output" != *old* ]]
	run ! grep -q "$BATS_TEST_TMPDIR/merged" /proc/self/mountinfo
}

@test "08-layers: as nobody without --userxattr, a whiteout is a clear error (it needs CAP_MKNOD)" {
	as_nobody_setup
	run as_nobody "$SHARED/unpack-layer" "$SHARED/upper" "$SHARED/upper.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"needs root (CAP_MKNOD)"*"--userxattr"* ]]
	[ ! -e "$SHARED/upper" ]
	[ -z "$(find "$SHARED" -name 'upper.tmp-*')" ]
}

kernel_has_xwhiteouts() {
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 8 ]; }
}

@test "08-layers: --userxattr as nobody: user.overlay whiteouts an unprivileged overlay honours (Linux >= 6.8)" {
	kernel_has_xwhiteouts || skip "Linux $(uname -r) has no xattr whiteouts (6.8+)"
	as_nobody_setup
	as_nobody "$SHARED/unpack-layer" --userxattr "$SHARED/lower" "$SHARED/lower.tar"
	as_nobody "$SHARED/unpack-layer" --userxattr "$SHARED/upper" "$SHARED/upper.tar"
	[ "$(getfattr --absolute-names --only-values -n user.overlay.whiteout "$SHARED/upper/etc/gone")" = y ]
	[ "$(getfattr --absolute-names --only-values -n user.overlay.opaque "$SHARED/upper/etc")" = x ]
	[ "$(getfattr --absolute-names --only-values -n user.overlay.opaque "$SHARED/upper/opq")" = y ]
	mkdir "$SHARED/merged"
	chmod 0777 "$SHARED/merged"
	# Without privilege: nobody's own user and mount namespaces, or root's
	# private mount namespace where user namespaces are not allowed.
	script='mount -t overlay overlay -o "userxattr,lowerdir=$1/upper:$1/lower" "$1/merged" && ls "$1/merged/etc" "$1/merged/opq"'
	if as_nobody unshare -Urm true 2>/dev/null; then
		run as_nobody unshare -Urm sh -c "$script" _ "$SHARED"
	else
		run unshare -m sh -c "mount --make-rprivate / && $script" _ "$SHARED"
	fi
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *keep* && "$output" == *new* ]]
	[[ "$output" != *gone* && "$output" != *old* ]]
}

@test "08-layers: --userxattr on a kernel older than 6.8 refuses a whiteout, saying why" {
	! kernel_has_xwhiteouts || skip "Linux $(uname -r) reads xattr whiteouts"
	run "$UNPACK" --userxattr "$DEST" "$A/upper.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"since 6.8"* ]]
	[ ! -e "$DEST" ]
}
