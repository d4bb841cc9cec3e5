#!/usr/bin/env bash
# make nginx-image: the lecture's `docker run -d -p 80:80 nginx` without a
# registry. Debian's nginx binary (apt-get download + dpkg-deb -x: nothing is
# installed, no nginx starts on the host), the shared libraries ldd names for
# it, a small nginx.conf, mime.types and a page, as one layer on top of the
# busybox layer (build/rootfs), written as `docker save` of Docker >= 25
# writes an image: an OCI layout plus manifest.json, which `load -i` takes.
#
#   steps/tools/make-nginx-image.sh ROOTFS OUT.tar     (make nginx-image: build/archives/nginx.tar)
#
# The image is stepbox/nginx:CODENAME, the distribution's release it came
# from (bookworm on Debian 12, noble on Ubuntu 24.04) — its nginx, not Docker
# Hub's nginx image. The .deb files are kept beside OUT (nginx-deb/) for the next
# build. NGINX_OFFLINE=1: never ask apt, take the kept .debs or the host's
# own /usr/sbin/nginx. Exit status 3 when no nginx can be had (no network for
# apt, none installed): the tests skip on it, the demo falls back.
# Everything is written with fixed owners and times: the same .deb gives the
# same image id.
set -euo pipefail

rootfs=${1:?usage: make-nginx-image.sh ROOTFS OUT.tar}
out=${2:?usage: make-nginx-image.sh ROOTFS OUT.tar}
# shellcheck disable=SC1091  # the machine's, not ours
distro=$(. /etc/os-release 2>/dev/null && echo "${NAME%% *}|${VERSION_CODENAME:-local}") || distro="|local"
tag=stepbox/nginx:${distro#*|}
cache=$(dirname "$out")/nginx-deb

say() { echo "make-nginx-image: $*" >&2; }
[ -x "$rootfs/bin/busybox" ] || { say "no busybox image in $rootfs (run make first)"; exit 1; }
mkdir -p "$(dirname "$out")" "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- nginx itself: the .deb (kept, or apt-get download), else the host's ------
# A short timeout and no retries: without a network this must fail fast.
download() {   # PACKAGE...
	(cd "$work/apt" && timeout 60 apt-get download -q -o Acquire::Retries=0 \
		-o Acquire::http::Timeout=10 "$@") >"$work/apt.log" 2>&1
}
have_debs() { compgen -G "$cache/nginx-common_*.deb" >/dev/null; }
if ! have_debs && [ -z "${NGINX_OFFLINE:-}" ] && command -v apt-get >/dev/null; then
	mkdir -p "$work/apt"
	# Debian 12 and Ubuntu 24.04 have the binary in "nginx"; older Ubuntu in "nginx-core".
	if download nginx nginx-common &&
		{ dpkg-deb -c "$work"/apt/nginx_*.deb | grep '/usr/sbin/nginx$' >/dev/null || download nginx-core; }; then
		mv "$work"/apt/*.deb "$cache/"
	else
		say "apt-get download nginx failed: $(grep -E '^(E|Err):' "$work/apt.log" | head -n1)"
	fi
fi
files=$work/files
mkdir -p "$files"
if have_debs; then
	for deb in "$cache"/*.deb; do
		dpkg-deb -x "$deb" "$files"
	done
	common=$(compgen -G "$cache/nginx-common_*.deb" | head -n1)
	version=$(dpkg-deb -f "$common" Version)
	vendor=${distro%%|*}
	from="${vendor:-the distribution}'s nginx $version (apt-get download, dpkg-deb -x)"
elif [ -x /usr/sbin/nginx ] && [ -f /etc/nginx/mime.types ]; then
	mkdir -p "$files/usr/sbin" "$files/etc/nginx"
	cp /usr/sbin/nginx "$files/usr/sbin/"
	cp /etc/nginx/mime.types "$files/etc/nginx/"
	version=$(/usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\///')
	from="the host's /usr/sbin/nginx $version"
else
	say "no nginx to put in the image: apt-get download nginx did not work (no network?)" \
		"and none is installed — on a machine with Debian's mirror: make nginx-image"
	exit 3
fi
[ -x "$files/usr/sbin/nginx" ] || { say "no usr/sbin/nginx in the packages"; exit 3; }

# --- the nginx layer ---------------------------------------------------------
layer=$work/layer
mkdir -p "$layer/usr/sbin" "$layer/etc/nginx" "$layer/usr/share/nginx/html" \
	"$layer/var/log/nginx" "$layer/var/lib/nginx" "$layer/var/cache/nginx"
cp "$files/usr/sbin/nginx" "$layer/usr/sbin/nginx"
cp "$files/etc/nginx/mime.types" "$layer/etc/nginx/mime.types"

# The libraries the dynamic loader will look for, at the same paths (the
# loader itself among them): the busybox layer below has none.
while read -r lib; do
	mkdir -p "$layer$(dirname "$lib")"
	cp -L "$lib" "$layer$lib"
done < <(ldd "$layer/usr/sbin/nginx" | grep -o '/[^ ]*')
if ldd "$layer/usr/sbin/nginx" | grep -q 'not found'; then
	say "a library of nginx is missing on this machine: $(ldd "$layer/usr/sbin/nginx" | grep 'not found' | head -n1)"
	exit 1
fi

# The user the workers run as (the master stays root, as in Docker Hub's
# image): the image's own /etc/passwd and /etc/group, the busybox layer's plus it.
{ cat "$rootfs/etc/passwd"; echo 'nginx:x:101:101:nginx:/nonexistent:/bin/false'; } >"$layer/etc/passwd"
{ cat "$rootfs/etc/group"; echo 'nginx:x:101:'; } >"$layer/etc/group"

# "daemon off;" comes from the command line (Cmd), as in Docker Hub's image:
# PID 1 must stay in the foreground, or the container ends at once.
cat >"$layer/etc/nginx/nginx.conf" <<'EOF'
user nginx;
worker_processes 1;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;

events {
	worker_connections 64;
}

http {
	include mime.types;
	default_type application/octet-stream;
	access_log /var/log/nginx/access.log;
	server {
		listen 80;
		server_name localhost;
		root /usr/share/nginx/html;
		index index.html;
	}
}
EOF
# The logs go to the container's stdout and stderr: `logs` shows them.
ln -s /dev/stdout "$layer/var/log/nginx/access.log"
ln -s /dev/stderr "$layer/var/log/nginx/error.log"
cat >"$layer/usr/share/nginx/html/index.html" <<EOF
<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>$from, on a busybox layer, loaded from an archive by stepbox.</p>
</body>
</html>
EOF

# --- the archive: two layers, a config, a manifest, an index ---------------
# tar with owner 0, a fixed time and sorted names: the layer's SHA-256 (its
# diff id) depends on its content only.
mtime=$(stat -c %Y "$files/usr/sbin/nginx")
created=$(date -u -d "@$mtime" +%Y-%m-%dT%H:%M:%SZ)
tar_of() {   # DIR OUT: what DIR holds, names without "./"
	(cd "$1" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
		--format=gnu -cf "$2" -- *)
}
img=$work/image
mkdir -p "$img/blobs/sha256"
# A blob is stored under its SHA-256; prints "HEX SIZE".
blob() {   # FILE
	local hex size
	hex=$(sha256sum "$1" | cut -d' ' -f1)
	size=$(stat -c %s "$1")
	mv "$1" "$img/blobs/sha256/$hex"
	echo "$hex $size"
}
tar_of "$rootfs" "$work/base.tar"
tar_of "$layer" "$work/nginx.tar"
read -r base base_size < <(blob "$work/base.tar")
read -r top top_size < <(blob "$work/nginx.tar")

arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"$created",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Cmd":["nginx","-g","daemon off;"],"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$base","sha256:$top"]},
 "history":[{"created":"$created","created_by":"busybox, static (make rootfs: build/rootfs)"},
  {"created":"$created","created_by":"$from, its libraries, nginx.conf (make nginx-image)"}]}
EOF
read -r config config_size < <(blob "$work/config.json")
layer_type=application/vnd.oci.image.layer.v1.tar
cat >"$work/manifest" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},
 "layers":[{"mediaType":"$layer_type","digest":"sha256:$base","size":$base_size},
  {"mediaType":"$layer_type","digest":"sha256:$top","size":$top_size}]}
EOF
read -r manifest manifest_size < <(blob "$work/manifest")
cat >"$img/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
 "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest",
  "size":$manifest_size,"annotations":{"io.containerd.image.name":"docker.io/$tag",
  "org.opencontainers.image.ref.name":"${tag##*:}"}}]}
EOF
cat >"$img/manifest.json" <<EOF
[{"Config":"blobs/sha256/$config","RepoTags":["$tag"],
  "Layers":["blobs/sha256/$base","blobs/sha256/$top"]}]
EOF
echo '{"imageLayoutVersion": "1.0.0"}' >"$img/oci-layout"
tar_of "$img" "$work/archive.tar"
mv "$work/archive.tar" "$out"
say "$out: $tag ($from), $(du -h "$out" | cut -f1)"
