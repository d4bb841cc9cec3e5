#!/usr/bin/env bash
# Write the image archives of tests/08-images.bats into DIR, offline, from
# build/rootfs: each form `load -i` reads (docker save >= 25 and older,
# podman save, an OCI layout as a tar and as a directory), layers plain,
# gzip and zstd, whiteouts, 70 layers, an image with every config field, a
# web server image (busybox httpd, the lecture's nginx made offline), and
# hostile archives, each trying one way out or one lie.
#
#   tests/make-images.sh ROOTFS DIR
set -euo pipefail

rootfs=${1:?usage: tests/make-images.sh ROOTFS DIR}
dir=${2:?usage: tests/make-images.sh ROOTFS DIR}
mkdir -p "$dir"

python3 - "$rootfs" "$dir" <<'EOF'
import hashlib, io, json, os, shutil, subprocess, sys, tarfile

rootfs, out = sys.argv[1], sys.argv[2]
MTIME = 1500000000
CREATED = "2024-05-30T12:00:00Z"

def sha(data): return "sha256:" + hashlib.sha256(data).hexdigest()
def hexof(digest): return digest.split(":", 1)[1]

def entry(name, data=b"", kind=tarfile.REGTYPE, mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, MTIME, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)

def layer(entries):
    """A layer: an uncompressed tar stream, as bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, data)
    return buf.getvalue()

def base_layer():
    """build/rootfs as docker would write it: names without "./", owner 0."""
    def clean(info):
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = MTIME
        return info
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, name), arcname=name, filter=clean)
    return buf.getvalue()

BASE = base_layer()
D, L = tarfile.DIRTYPE, tarfile.SYMTYPE

def compress(data, how):
    if how == "gzip":
        return subprocess.run(["gzip", "-n", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data

def config(layers, **cfg):
    """An OCI image config; `layers` are the uncompressed tars (their diff ids)."""
    return json.dumps({
        "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine),
        "os": "linux", "created": CREATED,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]},
        "history": [{"created": CREATED, "created_by": "layer %d of the test" % i} for i in range(len(layers))],
    }, indent=1).encode()

def tar_of(files, path, order=None):
    """An archive of {name: bytes}; a value that is a str is a symlink to it."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        dirs = set()
        for name in files:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]))
        for d in sorted(dirs):
            tar.addfile(*entry(d + "/", kind=D, mode=0o755))
        for name, data in files.items():
            if isinstance(data, str):
                tar.addfile(*entry(name, kind=L, link=data))
            else:
                tar.addfile(*entry(name, data))

def oci_files(tag, layers, cfg, how="none", ref=None, lie=None):
    """An OCI layout: {path: bytes}. `lie` damages one thing on purpose."""
    blobs = [compress(l, how) for l in layers]
    conf = config(layers, **cfg)
    mtype = {"none": "application/vnd.oci.image.layer.v1.tar",
             "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
             "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}[how]
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(conf), "size": len(conf)},
        "layers": [{"mediaType": mtype, "digest": sha(b), "size": len(b)} for b in blobs],
    }).encode()
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest)}
    if ref:
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref}
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}',
             "index.json": json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode()}
    for b in blobs + [conf, manifest]:
        files["blobs/sha256/" + hexof(sha(b))] = b
    if lie == "blob-digest":
        # The last layer's content is not what its name (the digest) says.
        files["blobs/sha256/" + hexof(sha(blobs[-1]))] = blobs[-1][:-1] + b"\x01"
    return files, conf, blobs

def docker_files(tag, layers, cfg, how="none", lie=None):
    """Docker >= 25's save: the OCI layout plus manifest.json."""
    files, conf, blobs = oci_files(tag, layers, cfg, how)
    idx = json.loads(files["index.json"])
    idx["manifests"][0]["annotations"] = {"io.containerd.image.name": "docker.io/library/" + tag,
                                          "org.opencontainers.image.ref.name": tag.split(":")[-1]}
    files["index.json"] = json.dumps(idx).encode()
    paths = ["blobs/sha256/" + hexof(sha(b)) for b in blobs]
    if lie == "outside":
        paths[-1] = "../" + paths[-1]
    if lie == "absolute":
        paths[-1] = "/etc/passwd"
    if lie == "symlink-out":
        files["escape"] = "/etc/passwd"
        paths[-1] = "escape"
    files["manifest.json"] = json.dumps([{"Config": "blobs/sha256/" + hexof(sha(conf)),
                                          "RepoTags": [tag], "Layers": paths}]).encode()
    return files

def old_docker_files(tag, layers, cfg, podman=False):
    """docker save before 25 (<id>/layer.tar, a repeated layer as a symlink), or podman's (<hex>.tar)."""
    conf = config(layers, **cfg)
    files, paths = {}, []
    for i, l in enumerate(layers):
        if podman:
            path = hexof(sha(l)) + ".tar"
        else:
            path = hashlib.sha256(b"id%d" % i + l).hexdigest() + "/layer.tar"
        if path in files or (not podman and sha(l) in [sha(x) for x in layers[:i]]):
            # docker links a layer it has written already.
            first = [p for p, x in zip(paths, layers) if sha(x) == sha(l)][0]
            files[path] = "../" + first
        else:
            files[path] = l
            if not podman:
                files[path.split("/")[0] + "/VERSION"] = b"1.0"
        paths.append(path)
    files[hexof(sha(conf)) + ".json"] = conf
    repo, version = tag.split(":")
    files["manifest.json"] = json.dumps([{"Config": hexof(sha(conf)) + ".json", "RepoTags": [tag],
                                          "Layers": paths}]).encode()
    files["repositories"] = json.dumps({repo: {version: paths[-1].split("/")[0]}}).encode()
    return files

def write_tar(name, files): tar_of(files, os.path.join(out, name))

def write_dir(name, files):
    top = os.path.join(out, name)
    shutil.rmtree(top, ignore_errors=True)
    for path, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(top, path)), exist_ok=True)
        with open(os.path.join(top, path), "wb") as f:
            f.write(data)

SH = {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
HELLO = dict(SH, Cmd=["/bin/sh", "-c", "cat /hello"])
hello = layer([entry("hello", b"hello from a loaded image\n")])

# --- each form ---------------------------------------------------------------------
write_tar("docker.tar", docker_files("stepbox-test/docker:25", [BASE, hello], HELLO))
write_tar("docker-old.tar", old_docker_files("stepbox-test/old:1", [BASE, hello, hello], HELLO))
write_tar("podman.tar", old_docker_files("localhost/stepbox-test/podman:1", [BASE, hello], HELLO, podman=True))
files, _, _ = oci_files("x", [BASE, hello], HELLO, how="gzip", ref="stepbox-test/oci:gzip")
write_tar("oci-gzip.tar", files)
write_dir("oci-dir", files)
files, _, _ = oci_files("x", [BASE, hello], HELLO, how="zstd", ref="stepbox-test/oci:zstd")
write_tar("oci-zstd.tar", files)
subprocess.run(["gzip", "-n", "-k", "-f", os.path.join(out, "docker.tar")], check=True)

# --- whiteouts: a file deleted, a directory made opaque ------------------------------
lower = layer([entry("etc/", kind=D, mode=0o755), entry("etc/gone", b"gone\n"), entry("etc/keep", b"keep\n"),
               entry("opq/", kind=D, mode=0o755), entry("opq/old", b"old\n")])
upper = layer([entry("etc/", kind=D, mode=0o755), entry("etc/.wh.gone"),
               entry("opq/", kind=D, mode=0o755), entry("opq/.wh..wh..opq"), entry("opq/new", b"new\n")])
write_tar("whiteout.tar", docker_files("stepbox-test/whiteout:1", [BASE, lower, upper],
          dict(SH, Cmd=["/bin/sh", "-c", "ls /etc/gone /etc/keep /opq"])))

# --- 70 layers: each adds /layers/N ---------------------------------------------------
many = [BASE] + [layer([entry("layers/", kind=D, mode=0o755), entry("layers/%02d" % i, b"%d\n" % i)])
                 for i in range(1, 70)]
write_tar("layers70.tar", docker_files("stepbox-test/layers:70", many,
          dict(SH, Cmd=["/bin/sh", "-c", "ls /layers | wc -l; cat /layers/01 /layers/69"]), how="gzip"))

# --- every config field: Entrypoint, Cmd, Env, WorkingDir, User (numeric and by name) ----
script = b'#!/bin/sh\necho "$GREETING from $(pwd) as $(id -u):$(id -g) groups $(id -G)"\necho "args: $*"\n'
app = layer([entry("usr/", kind=D, mode=0o755), entry("usr/local/", kind=D, mode=0o755),
             entry("usr/local/bin/", kind=D, mode=0o755),
             entry("usr/local/bin/greet", script, mode=0o755),
             entry("etc/", kind=D, mode=0o755),
             entry("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/srv/app:/bin/sh\n"),
             entry("etc/group", b"root:x:0:\napp:x:2345:\nextra:x:3456:app\n")])
CONFIGURED = {"Entrypoint": ["/usr/local/bin/greet"], "Cmd": ["one", "two"],
              "Env": SH["Env"] + ["GREETING=hi"], "WorkingDir": "/srv/app", "User": "1000:1001"}
write_tar("config.tar", docker_files("stepbox-test/config:1", [BASE, app], CONFIGURED))
write_tar("named-user.tar", docker_files("stepbox-test/named:1", [BASE, app], dict(CONFIGURED, User="app")))

# --- a web server: busybox httpd on port 80, the lecture's nginx made offline --------------
www = layer([entry("www/", kind=D, mode=0o755), entry("www/index.html", b"<h1>served from a loaded image</h1>\n")])
write_tar("web.tar", docker_files("stepbox-test/nginx:offline", [BASE, www],
          {"Entrypoint": ["httpd", "-f", "-v", "-p", "80", "-h", "/www"], "Cmd": None,
           "Env": SH["Env"], "ExposedPorts": {"80/tcp": {}}}))

# --- hostile ---------------------------------------------------------------------------
write_tar("outside.tar", docker_files("stepbox-test/bad:outside", [BASE, hello], HELLO, lie="outside"))
write_tar("absolute.tar", docker_files("stepbox-test/bad:absolute", [BASE, hello], HELLO, lie="absolute"))
write_tar("symlink-out.tar", docker_files("stepbox-test/bad:symlink", [BASE, hello], HELLO, lie="symlink-out"))
files, _, _ = oci_files("x", [BASE, hello], HELLO, how="gzip", ref="stepbox-test/bad:digest", lie="blob-digest")
write_tar("digest.tar", files)
# A digest that is no digest: a path where the hex should be.
files, _, _ = oci_files("x", [BASE, hello], HELLO, ref="stepbox-test/bad:name")
idx = json.loads(files["index.json"])
idx["manifests"][0]["digest"] = "sha256:../../../../etc/passwd"
files["index.json"] = json.dumps(idx).encode()
write_tar("digest-path.tar", files)
# The config's diff id and the layer disagree.
files = docker_files("stepbox-test/bad:diffid", [BASE, hello], HELLO)
man = json.loads(files["manifest.json"])
conf = json.loads(files[man[0]["Config"]])
conf["rootfs"]["diff_ids"][-1] = sha(b"another layer")
conf_bytes = json.dumps(conf).encode()
del files[man[0]["Config"]]
files["blobs/sha256/" + hexof(sha(conf_bytes))] = conf_bytes
man[0]["Config"] = "blobs/sha256/" + hexof(sha(conf_bytes))
files["manifest.json"] = json.dumps(man).encode()
write_tar("diffid.tar", files)
# A layer with a member that climbs out, loaded through load (its diff id honest).
evil = layer([entry("../stepbox-pwned-load", b"out\n")])
write_tar("layer-dotdot.tar", docker_files("stepbox-test/bad:dotdot", [BASE, evil], HELLO))
# The outer archive cut in the middle of a blob.
with open(os.path.join(out, "docker.tar"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "truncated.tar"), "wb") as f:
    f.write(whole[:len(whole) // 2])
EOF
