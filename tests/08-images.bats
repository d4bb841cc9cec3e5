#!/usr/bin/env bats
# Step 08's images: archives of each form loaded into the store and run as
# their config says; hostile ones refused in one line with exit 125, the
# store unchanged; 70 layers; images, rmi, history, save; and the lecture's
# `docker run -d -p 80:80 nginx`, offline: busybox httpd from a loaded image,
# and Debian's real nginx (make nginx-image: build/archives/nginx.tar).
# The archives come from tests/make-images.sh and make-nginx-image.sh; nothing
# here uses the network but the first make-nginx-image's apt-get download.
# shellcheck disable=SC2016  # '$...' in single quotes is for the container's shell

load helpers
bats_require_minimum_version 1.5.0

B=build/08-full-container

setup_file() {
	"$TOP/tests/make-images.sh" "$TOP/build/rootfs" "$BATS_FILE_TMPDIR/images"
}

setup() {
	cd "$TOP" || exit 1
	A=$BATS_FILE_TMPDIR/images
	# A store of this test's own: the host's /var/lib/stepbox is never touched.
	export STEPBOX_STORE=$BATS_TEST_TMPDIR/store
}

teardown() {
	if [ -n "${SHARED:-}" ]; then
		rm -rf "$SHARED"
	fi
	local ids
	ids=$($B ps -aq 2>/dev/null || true)
	# shellcheck disable=SC2086  # one ID a word
	[ -z "$ids" ] || $B rm -f $ids >/dev/null 2>&1 || true
}

# What the store holds, one path a line: a refused load must not change it.
store_listing() {
	# (Its empty directories may be made by the first load, refused or not.)
	(cd "$STEPBOX_STORE" 2>/dev/null && find . -not -type d | sort) || true
}

# load -i ARCHIVE said no in one line, exit 125, and the store is as it was.
refused() {
	local before
	before=$(store_listing)
	run "$B" load -i "$1"
	echo "$output"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"load $1: "* ]]
	[ "$(store_listing)" = "$before" ]
	[ -z "$(ls -d "$STEPBOX_STORE"/*.tmp-* 2>/dev/null)" ]
	[ -z "$(ls -d /stepbox-pwned* /tmp/stepbox-pwned* "$STEPBOX_STORE"/../stepbox-pwned* 2>/dev/null)" ]
}

loaded() {
	run "$B" load -i "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: $2" ]
}

# ---- each form, loaded and run ------------------------------------------------------

@test "08-images: docker save of Docker >= 25 (an OCI layout + manifest.json) loads and runs" {
	loaded "$A/docker.tar" stepbox-test/docker:25
	run "$B" run --rm stepbox-test/docker:25
	[ "$status" -eq 0 ]
	[ "$output" = "hello from a loaded image" ]
}

@test "08-images: the older docker save (<id>/layer.tar, a repeated layer as a symlink) loads and runs" {
	loaded "$A/docker-old.tar" stepbox-test/old:1
	run "$B" run --rm stepbox-test/old:1
	[ "$status" -eq 0 ]
	[ "$output" = "hello from a loaded image" ]
}

@test "08-images: podman save (<hex>.tar layers) loads under its full name" {
	loaded "$A/podman.tar" localhost/stepbox-test/podman:1
	run "$B" run --rm localhost/stepbox-test/podman:1
	[ "$output" = "hello from a loaded image" ]
}

@test "08-images: an OCI layout, as a tar with gzip layers, as a tar with zstd layers, as a directory" {
	loaded "$A/oci-gzip.tar" stepbox-test/oci:gzip
	loaded "$A/oci-zstd.tar" stepbox-test/oci:zstd
	loaded "$A/oci-dir" stepbox-test/oci:gzip
	run "$B" run --rm stepbox-test/oci:zstd
	[ "$output" = "hello from a loaded image" ]
}

@test "08-images: a compressed archive, and one on stdin (load -i -, and load < FILE)" {
	loaded "$A/docker.tar.gz" stepbox-test/docker:25
	run "$B" load -i - <"$A/docker-old.tar"
	[ "$output" = "Loaded image: stepbox-test/old:1" ]
	run "$B" load <"$A/podman.tar"
	[ "$output" = "Loaded image: localhost/stepbox-test/podman:1" ]
}

@test "08-images: each layer is stored once, by its diff id, shared by the images that have it" {
	"$B" load -i "$A/docker.tar"
	"$B" load -i "$A/config.tar"
	# busybox + hello, busybox + app: three layers, not four.
	[ "$(find "$STEPBOX_STORE/layers/sha256" -mindepth 1 -maxdepth 1 | wc -l)" -eq 3 ]
	[ "$(find "$STEPBOX_STORE/layers/sha256" -path "*/bin/busybox" | wc -l)" -eq 1 ]
}

# ---- whiteouts and many layers --------------------------------------------------------

@test "08-images: a whiteout deletes a lower file, an opaque directory hides the lower one's content" {
	loaded "$A/whiteout.tar" stepbox-test/whiteout:1
	run "$B" run --rm stepbox-test/whiteout:1
	echo "$output"
	[[ "$output" == *"/etc/gone: No such file or directory"* ]]
	[[ "$output" == *"/etc/keep"* ]]
	[[ "$output" == *"new"* ]]
	[[ "$output" != *"old"* ]]
}

@test "08-images: an image of 70 layers runs: the overlay options still fit one page" {
	loaded "$A/layers70.tar" stepbox-test/layers:70
	run "$B" run --rm stepbox-test/layers:70
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 69 ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 69 ]
}

# ---- the config: Entrypoint, Cmd, Env, WorkingDir, User ----------------------------------

@test "08-images: run takes Entrypoint + Cmd, Env, WorkingDir and a numeric User from the image" {
	loaded "$A/config.tar" stepbox-test/config:1
	run "$B" run --rm stepbox-test/config:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hi from /srv/app as 1000:1001 groups 1001" ]
	[ "${lines[1]}" = "args: one two" ]
}

@test "08-images: COMMAND replaces Cmd, --entrypoint replaces Entrypoint and drops Cmd, -u and -w win" {
	"$B" load -i "$A/config.tar"
	run "$B" run --rm stepbox-test/config:1 three
	[ "${lines[1]}" = "args: three" ]
	run "$B" run --rm --entrypoint /bin/pwd stepbox-test/config:1
	[ "$output" = /srv/app ]
	run "$B" run --rm -u 0 -w /tmp -e GREETING=hey stepbox-test/config:1
	[ "${lines[0]}" = "hey from /tmp as 0:0 groups 0" ]
}

@test "08-images: a User by name is looked up in the image's own /etc/passwd and /etc/group" {
	loaded "$A/named-user.tar" stepbox-test/named:1
	run "$B" run --rm stepbox-test/named:1
	echo "$output"
	[ "${lines[0]}" = "hi from /srv/app as 1234:2345 groups 2345 3456" ]
	run "$B" run --rm -u nosuchuser stepbox-test/named:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user nosuchuser"* ]]
}

@test "08-images: exec runs as the image's User (a name, from its /etc/passwd), -u as another" {
	loaded "$A/named-user.tar" stepbox-test/named:1
	"$B" run -d --name stepbox-test-user --entrypoint /bin/sleep stepbox-test/named:1 30
	run "$B" exec stepbox-test-user id -u
	echo "$output"
	[ "$output" = 1234 ]
	run "$B" exec -u 0 stepbox-test-user id -u
	[ "$output" = 0 ]
	run "$B" exec -u nosuchuser stepbox-test-user true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user nosuchuser"* ]]
	"$B" rm -f stepbox-test-user
}

# ---- hostile archives: one line, 125, the store unchanged -----------------------------------

@test "08-images: a manifest.json layer path outside the archive is refused" {
	"$B" load -i "$A/docker.tar"
	refused "$A/outside.tar"
	[[ "$output" == *'"../blobs/sha256/'*'outside the archive'* ]]
}

@test "08-images: an absolute manifest.json path is refused, a symlink out of the archive leads nowhere" {
	refused "$A/absolute.tar"
	[[ "$output" == *'"/etc/passwd": outside the archive'* ]]
	refused "$A/symlink-out.tar"
	[[ "$output" == *'"escape": not in the archive'* ]]
}

@test "08-images: a blob whose content does not match its digest is refused" {
	"$B" load -i "$A/docker.tar"
	refused "$A/digest.tar"
	[[ "$output" == *"digest mismatch"* ]]
}

@test "08-images: a digest that is a path, not sha256:<64 hex>, is refused" {
	refused "$A/digest-path.tar"
	[[ "$output" == *'"sha256:../../../../etc/passwd": not sha256:<64 hex digits>'* ]]
}

@test "08-images: a layer whose tar stream is not the config's diff id is refused" {
	refused "$A/diffid.tar"
	[[ "$output" == *"diff id mismatch"* ]]
}

@test "08-images: a layer with a .. member is refused through load, nothing written outside" {
	refused "$A/layer-dotdot.tar"
	[[ "$output" == *'member "../stepbox-pwned-load"'* ]]
}

@test "08-images: a truncated archive is refused, naming the member it cut" {
	refused "$A/truncated.tar"
	[[ "$output" == *"truncated"* ]]
}

@test "08-images: a file that is no archive, and a missing one, are one line and 125" {
	echo "not a tar" >"$BATS_TEST_TMPDIR/junk"
	refused "$BATS_TEST_TMPDIR/junk"
	run "$B" load -i "$BATS_TEST_TMPDIR/missing.tar"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "08-images: a leftover of a killed load (*.tmp-*) is swept when the store is opened" {
	"$B" load -i "$A/docker.tar"
	mkdir -p "$STEPBOX_STORE/load.tmp-abcdef/archive" "$STEPBOX_STORE/layers/sha256/x.tmp-123456"
	"$B" load -i "$A/docker.tar"
	[ -z "$(ls -d "$STEPBOX_STORE"/load.tmp-* "$STEPBOX_STORE"/layers/sha256/*.tmp-* 2>/dev/null)" ]
}

# ---- images, rmi, history, save ---------------------------------------------------------

@test "08-images: images shows docker's columns, the loaded images and the built-ins" {
	"$B" load -i "$A/docker.tar"
	run "$B" images
	echo "$output"
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	id=$(sed -n 's/^id sha256:\(.\{12\}\).*/\1/p' "$STEPBOX_STORE"/records/*)
	[[ "$output" =~ stepbox-test/docker\ +25\ +$id\ +[0-9]+\ days\ ago\ +[0-9.]+MB ]]
	[[ "$output" =~ busybox\ +latest\ + ]]
	[[ "$output" =~ web\ +latest\ + ]]
}

@test "08-images: rmi removes the image and the layers no other image uses, not the shared ones" {
	"$B" load -i "$A/docker.tar"
	"$B" load -i "$A/config.tar"
	run "$B" rmi stepbox-test/config:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Untagged: stepbox-test/config:1" ]
	[[ "${lines[1]}" == "Deleted: sha256:"* ]]
	[ "$(find "$STEPBOX_STORE/layers/sha256" -mindepth 1 -maxdepth 1 | wc -l)" -eq 2 ]
	run "$B" run --rm stepbox-test/docker:25
	[ "$output" = "hello from a loaded image" ]
	run "$B" rmi stepbox-test/config:1
	[ "$status" -eq 1 ]
	[ "$output" = "Error response from daemon: No such image: stepbox-test/config:1" ]
}

@test "08-images: rmi is refused while a container uses the image, in docker's words" {
	"$B" load -i "$A/docker.tar"
	"$B" run --name user-of-it stepbox-test/docker:25
	run "$B" rmi stepbox-test/docker:25
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'conflict: unable to remove repository reference "stepbox-test/docker:25" (must force) - container '*' is using its referenced image'* ]]
	"$B" rm user-of-it
	run "$B" rmi stepbox-test/docker:25
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$STEPBOX_STORE/layers/sha256")" ]
	[ -z "$(ls -A "$STEPBOX_STORE/blobs/sha256")" ]
}

@test "08-images: history lists the config's steps, newest first, with each layer's size" {
	"$B" load -i "$A/config.tar"
	run "$B" history stepbox-test/config:1
	echo "$output"
	[[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	[[ "${lines[1]}" == *"layer 1 of the test"* ]]
	[[ "${lines[2]}" =~ ^\<missing\>.*layer\ 0\ of\ the\ test\ +2.9[0-9]?MB ]]
}

@test "08-images: save writes Docker >= 25's form, which load takes back with the same id" {
	"$B" load -i "$A/oci-zstd.tar"
	id=$(sed -n 's/^id //p' "$STEPBOX_STORE"/records/*)
	run "$B" save -o "$BATS_TEST_TMPDIR/saved.tar" stepbox-test/oci:zstd
	[ "$status" -eq 0 ]
	tar -tf "$BATS_TEST_TMPDIR/saved.tar" >"$BATS_TEST_TMPDIR/members"
	grep -qx oci-layout "$BATS_TEST_TMPDIR/members"
	grep -qx index.json "$BATS_TEST_TMPDIR/members"
	grep -qx manifest.json "$BATS_TEST_TMPDIR/members"
	grep -qx "blobs/sha256/${id#sha256:}" "$BATS_TEST_TMPDIR/members"
	second=$BATS_TEST_TMPDIR/second
	run env STEPBOX_STORE="$second" "$B" load -i "$BATS_TEST_TMPDIR/saved.tar"
	[ "$output" = "Loaded image: stepbox-test/oci:zstd" ]
	[ "$(sed -n 's/^id //p' "$second"/records/*)" = "$id" ]
	run env STEPBOX_STORE="$second" "$B" run --rm stepbox-test/oci:zstd
	[ "$output" = "hello from a loaded image" ]
}

@test "08-images: podman loads what save writes, with the same image id (offline, vfs storage)" {
	command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
	"$B" load -i "$A/layers70.tar"
	"$B" save -o "$BATS_TEST_TMPDIR/saved.tar" stepbox-test/layers:70
	id=$(sed -n 's/^id sha256://p' "$STEPBOX_STORE"/records/*)
	# (load and inspect run no container: our 08-runtime stands in for crun,
	# which a machine with podman may lack, like the v2 lane's VM.)
	p=(podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/podman-run"
	   --storage-driver vfs --runtime "$TOP/build/08-runtime")
	run "${p[@]}" load -i "$BATS_TEST_TMPDIR/saved.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: localhost/stepbox-test/layers:70"* ]]
	[ "$("${p[@]}" image inspect --format '{{.Id}}' stepbox-test/layers:70)" = "$id" ]
	rm -rf "$BATS_TEST_TMPDIR/podman" "$BATS_TEST_TMPDIR/podman-run"
}

@test "08-images: save of a built-in says why not; pull without skopeo says how to get the archive" {
	run "$B" save -o "$BATS_TEST_TMPDIR/x.tar" busybox
	[ "$status" -eq 125 ]
	[[ "$output" == *"built-in"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
	if ! command -v skopeo >/dev/null; then
		run "$B" pull nginx:alpine
		[ "$status" -eq 125 ]
		[[ "$output" == *"skopeo"*"load -i"* ]]
	fi
}

# ---- the lecture's nginx, offline ------------------------------------------------------------

@test "08-images: a web server image (ExposedPorts 80) serves a page on -p 127.0.0.1:PORT:80" {
	[ "$(id -u)" -eq 0 ] || skip "publishing a port needs the bridge (root)"
	loaded "$A/web.tar" stepbox-test/nginx:offline
	port=$((20000 + RANDOM % 20000))
	id=$("$B" run -d -p "127.0.0.1:$port:80" stepbox-test/nginx:offline)
	run "$B" inspect "$id"
	[[ "$output" == *'"ExposedPorts": {"80/tcp": {}}'* ]]
	for _ in $(seq 50); do
		page=$(http_get 127.0.0.1 "$port" 2>/dev/null | sed -n '/<h1>/p' || true)
		[ -z "$page" ] || break
		sleep 0.1
	done
	[ "$page" = "<h1>served from a loaded image</h1>" ]
	"$B" rm -f "$id"
}

# build/archives/nginx.tar, made now if it is missing (steps/tools/make-nginx-image.sh:
# apt-get download the first time, then the kept .deb); skips when no nginx can be had.
# NGINX_TAG: its name, stepbox/nginx:<the release it was built on>.
nginx_archive() {
	NGINX=$TOP/build/archives/nginx.tar
	if [ ! -f "$NGINX" ]; then
		[ "${STEPBOX_LANE:-}" != vm ] ||
			skip "no build/archives/nginx.tar in the VM: make nginx-image on the host first"
		local status=0
		steps/tools/make-nginx-image.sh build/rootfs "$NGINX" || status=$?
		[ "$status" -ne 3 ] || skip "no nginx .deb to be had (apt-get download nginx needs the distribution's mirror)"
		[ "$status" -eq 0 ]
	fi
	NGINX_TAG=$(tar -xOf "$NGINX" manifest.json | sed -n 's/.*"RepoTags":\["\(stepbox\/nginx:[a-z0-9]*\)".*/\1/p')
	[ -n "$NGINX_TAG" ]
}

@test "08-images: Debian's nginx, loaded from a docker save archive, serves its page (Server: nginx) on -p" {
	[ "$(id -u)" -eq 0 ] || skip "publishing a port needs the bridge (root)"
	nginx_archive
	loaded "$NGINX" "$NGINX_TAG"
	port=$((20000 + RANDOM % 20000))
	id=$("$B" run -d -p "127.0.0.1:$port:80" "$NGINX_TAG")
	for _ in $(seq 50); do
		response=$(http_get 127.0.0.1 "$port" 2>/dev/null || true)
		[[ "$response" != *"<h1>"* ]] || break
		sleep 0.1
	done
	echo "$response"
	[[ "$response" == "HTTP/1.1 200 OK"* ]]
	grep -q $'^Server: nginx/[0-9.]*\r$' <<<"$response"
	[[ "$response" == *"<h1>Welcome to nginx!</h1>"* ]]
	run "$B" ps
	echo "$output"
	[[ "${lines[1]}" =~ ^${id:0:12}\ +$NGINX_TAG\ +\"nginx\ -g\ daemon\ off\;\"\ .*\ Up\ .*\ 127\.0\.0\.1:$port-\>80/tcp ]]
	run "$B" inspect "$id"
	[[ "$output" == *'"Cmd": ["nginx", "-g", "daemon off;"]'* ]]
	[[ "$output" == *'"ExposedPorts": {"80/tcp": {}}'* ]]
	# The master is root (PID 1), the worker the image's own user nginx.
	run "$B" exec "$id" ps -o pid,user,args
	echo "$output"
	[[ "$output" == *"1 root     nginx: master process nginx -g daemon off;"* ]]
	[[ "$output" =~ [0-9]+\ nginx\ +nginx:\ worker\ process ]]
	# Its access log is the container's stdout: logs shows the request.
	run "$B" logs "$id"
	[[ "$output" == *'"GET / HTTP/1.0" 200 '* ]]
	"$B" rm -f "$id"
	[ -z "$("$B" ps -aq)" ]
	[ -z "$(ss -Htln "sport = :$port")" ]
	[ -z "$(pgrep -x nginx || true)" ]
	for _ in $(seq 20); do   # the shim removes the cgroups as it ends
		[ -n "$(stepbox_cgroups)" ] || break
		sleep 0.1
	done
	[ -z "$(stepbox_cgroups)" ]
}

# ---- without root -----------------------------------------------------------------------

# A directory that user nobody can use, the archives in it; nobody's store
# is $SHARED/data/stepbox/images ($XDG_DATA_HOME), the host's is never touched.
as_nobody_setup() {
	SHARED=$(mktemp -d /tmp/sb-images.XXXXXX)
	chmod 0777 "$SHARED"
	cp "$A"/docker.tar "$A"/whiteout.tar "$A"/named-user.tar "$SHARED/"
	chmod a+r "$SHARED"/*
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=/nonexistent XDG_DATA_HOME="$SHARED/data" "$@"
}

kernel_has_xwhiteouts() {
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 8 ]; }
}

@test "08-images: without root, load goes to \$XDG_DATA_HOME/stepbox, and run, ps, rm -f, rmi work" {
	unset STEPBOX_STORE
	as_nobody_setup
	run as_nobody "$B" load -i "$SHARED/docker.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: stepbox-test/docker:25" ]
	[ -n "$(find "$SHARED/data/stepbox/images/records" -type f -user 65534)" ]
	run as_nobody "$B" run --rm stepbox-test/docker:25
	[ "$status" -eq 0 ]
	[ "$output" = "hello from a loaded image" ]
	id=$(as_nobody "$B" run -d stepbox-test/docker:25 sleep 30)
	run as_nobody "$B" ps
	[[ "$output" == *"${id:0:12}   stepbox-test/docker:25 "*" Up "* ]]
	as_nobody "$B" rm -f "$id"
	run as_nobody "$B" rmi stepbox-test/docker:25
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$SHARED/data/stepbox/images/layers/sha256")" ]
	[ ! -e /tmp/stepbox-65534 ]
	# root's store (this test's own) saw none of it
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/store/records" 2>/dev/null)" ]
}

@test "08-images: without root, an image's whiteouts hide the lower files (Linux >= 6.8), else load says why" {
	unset STEPBOX_STORE
	as_nobody_setup
	if ! kernel_has_xwhiteouts; then
		run as_nobody "$B" load -i "$SHARED/whiteout.tar"
		echo "$output"
		[ "$status" -eq 125 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"since 6.8"* ]]
		[ -z "$(ls -A "$SHARED/data/stepbox/images/records" 2>/dev/null)" ]
		return
	fi
	run as_nobody "$B" load -i "$SHARED/whiteout.tar"
	[ "$output" = "Loaded image: stepbox-test/whiteout:1" ]
	# The layers are copied for the container's user namespace: with their marks.
	run as_nobody "$B" run --rm stepbox-test/whiteout:1
	echo "$output"
	[[ "$output" == *"/etc/gone: No such file or directory"* ]]
	[[ "$output" == *"/etc/keep"* ]]
	[[ "$output" == *"new"* ]]
	[[ "$output" != *"old"* ]]
	[ ! -e /tmp/stepbox-65534 ]
}

@test "08-images: without root, an image's User other than root is refused in one line that says why" {
	unset STEPBOX_STORE
	as_nobody_setup
	as_nobody "$B" load -i "$SHARED/named-user.tar"
	run as_nobody "$B" run --rm stepbox-test/named:1
	echo "$output"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'user "app"'*"maps only your own ID"*"-u 0"* ]]
	run as_nobody "$B" run --rm -u 0 stepbox-test/named:1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hi from /srv/app as 0:0 groups 0" ]
	[ ! -e /tmp/stepbox-65534 ]
}

@test "08-images: --userns-remap honours an image's whiteouts and opaque directories, idmapped or copied" {
	[ "$(id -u)" -eq 0 ] || skip "--userns-remap needs root"
	loaded "$A/whiteout.tar" stepbox-test/whiteout:1
	# The overlay a user namespace mounts reads only user.overlay.* marks.
	touch "$STEPBOX_STORE/probe"
	setfattr -n user.probe -v 1 "$STEPBOX_STORE/probe" 2>/dev/null ||
		skip "the store's filesystem ($(stat -fc %T "$STEPBOX_STORE")) has no user xattrs (tmpfs: Linux 6.6+)"
	rm "$STEPBOX_STORE/probe"
	for how in "" copy; do
		run env STEPBOX_IDMAP="$how" "$B" run --rm --userns-remap 200000:65536 stepbox-test/whiteout:1
		echo "$how: $output"
		[[ "$output" == *"/etc/gone: No such file or directory"* ]]
		[[ "$output" == *"/etc/keep"* ]]
		[[ "$output" == *"new"* ]]
		[[ "$output" != *"old"* ]]
	done
}
