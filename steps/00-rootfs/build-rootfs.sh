#!/bin/sh
# Build the default image: a read-only base layer (build/rootfs) and an app
# layer (build/layers/app) that the overlay step stacks on top of it.
#
#   steps/00-rootfs/build-rootfs.sh BUILD_DIR PROBE_BINARY
#
# The base layer is one static busybox plus a link per applet, a few files in
# /etc and empty mount points: a whole userland in about 2 MB. Without busybox
# it copies the host's own binaries and the libraries ldd names for them.
# Everything is built next to the target and renamed into place at the end,
# so a failed build never leaves half an image.
set -eu

build=${1:?usage: build-rootfs.sh BUILD_DIR PROBE_BINARY}
probe=${2:?usage: build-rootfs.sh BUILD_DIR PROBE_BINARY}
base=$build/rootfs
app=$build/layers/app
tmp=$build/rootfs.tmp
tmpapp=$build/layers/app.tmp

rm -rf "$tmp" "$tmpapp"
mkdir -p "$tmp" "$build/layers"
trap 'rm -rf "$tmp" "$tmpapp"' EXIT

# --- the directories every Linux program expects ------------------------------
for d in bin sbin usr/bin usr/sbin usr/local/bin etc root proc sys dev tmp var/tmp run; do
	mkdir -p "$tmp/$d"
done
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 0700 "$tmp/root"

# --- the userland -------------------------------------------------------------
find_busybox() {
	for b in /bin/busybox /usr/bin/busybox; do
		# Only a static busybox runs in an image that has no shared libraries.
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

copy_with_libraries() {   # copy a host binary and every library it needs
	src=$(command -v "$1") || return 0
	src=$(readlink -f "$src")
	mkdir -p "$tmp/bin"
	cp "$src" "$tmp/bin/$1"
	ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$tmp$(dirname "$lib")"
		cp -L "$lib" "$tmp$lib"
	done
}

if bb=$(find_busybox); then
	cp "$bb" "$tmp/bin/busybox"
	# One link per applet, at the path busybox itself suggests.
	"$tmp/bin/busybox" --list-full | while read -r applet; do
		[ -e "$tmp/$applet" ] || ln -s /bin/busybox "$tmp/$applet"
	done
	userland="static busybox ($bb)"
else
	echo "build-rootfs: no static busybox found (apt-get install busybox-static);" \
	     "copying the host's own binaries instead" >&2
	for cmd in sh ls cat echo ps hostname id mount umount sleep true false env \
	           mkdir rm touch grep sed head wc; do
		copy_with_libraries "$cmd"
	done
	# dash or bash as /bin/sh: keep the name the binary was copied under.
	userland="the host's binaries and their libraries"
fi

install -m 0755 "$probe" "$tmp/usr/local/bin/probe"

# --- the few files in /etc a process looks at ----------------------------------
cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo stepbox >"$tmp/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$tmp/etc/hosts"
cat >"$tmp/etc/os-release" <<'OSREL'
NAME="stepbox image"
ID=stepbox
PRETTY_NAME="stepbox default image (busybox)"
OSREL

# --- the app layer: a web page and a script that serves it ---------------------
mkdir -p "$tmpapp/www" "$tmpapp/usr/local/bin"
cat >"$tmpapp/www/index.html" <<'HTML'
<!doctype html>
<title>stepbox</title>
<h1>Hello from a container</h1>
<p>This page is served by busybox httpd, a process on the host's kernel,
seen through its own namespaces. No guest OS booted to serve it.</p>
HTML
cat >"$tmpapp/usr/local/bin/start-web" <<'START'
#!/bin/sh
# Serve /www on port ${PORT:-80} in the foreground, logging each request.
exec httpd -f -v -p "${PORT:-80}" -h /www
START
chmod 0755 "$tmpapp/usr/local/bin/start-web"

# --- into place -----------------------------------------------------------------
rm -rf "$base" "$app"
mv "$tmp" "$base"
mv "$tmpapp" "$app"
trap - EXIT

echo "image: $base ($(du -sh "$base" | cut -f1), $userland)"
echo "layer: $app ($(du -sh "$app" | cut -f1), web page + start-web)"
