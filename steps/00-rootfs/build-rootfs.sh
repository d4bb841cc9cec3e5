#!/bin/sh
# Build the default image: a read-only base layer (build/rootfs) and an app
# layer (build/layers/app) that the overlay step stacks on top of it.
#
#   steps/00-rootfs/build-rootfs.sh BUILD_DIR PROBE_BINARY
#
# The base layer is one static busybox plus a link per applet, a few files in
# /etc and empty mount points: a whole userland in about 2 MB. Without busybox
# it copies the host's own binaries and the libraries ldd names for them;
# STEPBOX_NO_BUSYBOX=1 forces that fallback (for tests on a host that has one).
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

find_executable() {   # the first executable file named $1 on PATH, or nothing
	# Not `command -v`: for echo, true, false... it answers with the name of
	# the shell's builtin, which is not a file we can copy. The sbin
	# directories are added because make may run with a user's PATH.
	dirs=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	old_ifs=$IFS
	IFS=:
	for dir in $dirs; do
		case $dir in /*) ;; *) continue ;; esac   # "" and "." mean the cwd
		if [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then
			IFS=$old_ifs
			echo "$dir/$1"
			return 0
		fi
	done
	IFS=$old_ifs
	return 1
}

loaded_files() {   # the dynamic loader and every library ELF file $1 needs
	# The kernel starts a dynamic binary by opening the loader at the exact path
	# in its PT_INTERP header (/lib64/ld-linux-x86-64.so.2, on aarch64
	# /lib/ld-linux-aarch64.so.1), so the image needs a file at that path.
	if command -v readelf >/dev/null 2>&1; then
		readelf -l "$1" 2>/dev/null | sed -n 's/.*program interpreter: \(.*\)]$/\1/p'
	fi
	# ldd lists "libc.so.6 => /lib/.../libc.so.6 (0x...)" for each library and
	# the loader alone, "/lib64/ld-linux-x86-64.so.2 (0x...)": every path it
	# prints. (A static binary has none, and ldd then fails: not an error here.)
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true
}

copy_with_libraries() {   # copy host command $1 into /bin with what it loads
	if ! src=$(find_executable "$1"); then
		echo "build-rootfs: no $1 on this host, skipped" >&2
		return 0
	fi
	real=$(readlink -f "$src")
	name=${real##*/}
	# The file goes in under its real name and the command links to it: sh
	# becomes a link to dash (or bash), and a multi-call binary still finds
	# the command's name in argv[0].
	[ -e "$tmp/bin/$name" ] || cp "$real" "$tmp/bin/$name"
	[ "$name" = "$1" ] || ln -sf "$name" "$tmp/bin/$1"
	loaded_files "$real" | while read -r lib; do
		[ -e "$tmp$lib" ] && continue
		mkdir -p "$tmp${lib%/*}"
		cp -L "$lib" "$tmp$lib"
	done
}

if [ "${STEPBOX_NO_BUSYBOX:-}" != 1 ] && bb=$(find_busybox); then
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
	# dash or bash as /bin/sh: copy_with_libraries linked sh to its real name.
	if [ ! -x "$tmp/bin/sh" ]; then
		echo "build-rootfs: no /bin/sh in the image (sh not found on PATH)" >&2
		exit 1
	fi
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

# --- the images step 08 runs: layers plus their defaults (lib/frontend/image.h) --------
mkdir -p "$build/images"
cat >"$build/images/busybox" <<'IMAGE'
# stepbox image: the base layer alone; a shell by default
layer ../rootfs
cmd /bin/sh
env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
workdir /
IMAGE
cat >"$build/images/web" <<'IMAGE'
# stepbox image: busybox + the app layer; serves /www on port 80
layer ../rootfs
layer ../layers/app
cmd start-web
env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
env PORT=80
workdir /www
expose 80/tcp
IMAGE

echo "image: $base ($(du -sh "$base" | cut -f1), $userland)"
echo "layer: $app ($(du -sh "$app" | cut -f1), web page + start-web)"
