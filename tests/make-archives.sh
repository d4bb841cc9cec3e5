#!/usr/bin/env bash
# Write the test layers of tests/08-layers.bats into DIR: valid ones (with
# owners, modes, links, whiteouts, long names, gzip and zstd) and hostile
# ones, each trying one way out of the layer's directory. Every hostile
# member that could land somewhere is called "stepbox-pwned*", so a test
# can look for it on the host.
#
#   tests/make-archives.sh DIR
set -euo pipefail

dir=${1:?usage: tests/make-archives.sh DIR}
mkdir -p "$dir"

# python3's tarfile writes what tar(1) will not: "..", absolute names,
# devices as non-root, xattrs in pax records, a chosen owner and mtime.
python3 - "$dir" <<'EOF'
import io, os, sys, tarfile

out = sys.argv[1]
MTIME = 1500000000

def entry(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, link="", pax=None, dev=(0, 0)):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, MTIME
    info.linkname = link
    info.devmajor, info.devminor = dev
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        info.pax_headers = pax
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)

def write(name, entries, fmt=tarfile.PAX_FORMAT):
    with tarfile.open(os.path.join(out, name), "w", format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, data)

D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
long_name = "long/" + "n" * 150 + "/file"

# A layer as docker save writes one: owners, modes, links, a long name.
# (A function: each archive reads the data afresh.)
def valid(): return [
    entry("etc/", D, mode=0o755),
    entry("etc/hostname", data=b"box\n", mode=0o644),
    entry("home/", D, mode=0o755),
    entry("home/user/", D, mode=0o750, uid=1000, gid=1000),
    entry("home/user/notes", data=b"mine\n", mode=0o600, uid=1000, gid=1000),
    entry("bin/", D, mode=0o755),
    entry("bin/tool", data=b"#!/bin/sh\necho tool\n", mode=0o755),
    entry("bin/alias", H, link="bin/tool"),
    entry("bin/sh", L, link="/bin/busybox"),
    entry("ro/", D, mode=0o555),
    entry("ro/inside", data=b"x"),
    entry(long_name, data=b"long\n"),
    entry(".wh..wh.plnk/", D, mode=0o700),
    entry(".wh..wh.plnk/1234.5678", data=b"aufs\n"),
    entry("opt/data.bin", data=bytes(range(256)) * 64),
]
write("valid.tar", valid())
write("valid-gnu.tar", valid(), tarfile.GNU_FORMAT)

# Whiteouts: lower has etc/gone and opq/old; upper deletes the one and
# makes opq opaque, so in an overlay only etc/keep and opq/new are left.
write("lower.tar", [
    entry("etc/", D, mode=0o755), entry("etc/keep", data=b"keep\n"), entry("etc/gone", data=b"gone\n"),
    entry("opq/", D, mode=0o755), entry("opq/old", data=b"old\n"),
])
write("upper.tar", [
    entry("etc/", D, mode=0o755), entry("etc/.wh.gone"),
    entry("opq/", D, mode=0o755), entry("opq/.wh..wh..opq"), entry("opq/new", data=b"new\n"),
])
write("bare-whiteout.tar", [entry("etc/", D), entry("etc/.wh.")])

write("setuid.tar", [entry("suid", data=b"#!/bin/sh\n", mode=0o4755, uid=1234, gid=5678)])
write("device.tar", [entry("dev/", D, mode=0o755), entry("dev/null2", tarfile.CHRTYPE, mode=0o666, dev=(1, 3)),
                     entry("dev/after", data=b"after\n")])
write("xattrs.tar", [
    entry("d/", D, mode=0o755, pax={"SCHILY.xattr.trusted.overlay.opaque": "y",
                                     "SCHILY.xattr.user.overlay.opaque": "y"}),
    entry("d/file", data=b"x", pax={"SCHILY.xattr.user.comment": "kept",
                                    "SCHILY.xattr.trusted.overlay.redirect": "/etc"}),
])

# Hostile: each tries one way out.
write("dotdot.tar", [entry("../stepbox-pwned-dotdot", data=b"out\n")])
write("absolute.tar", [entry("/etc/stepbox-pwned-absolute", data=b"in\n")])
write("symlink-tmp.tar", [entry("evil", L, link="/tmp"), entry("evil/stepbox-pwned-tmp", data=b"out\n")])
write("symlink-up.tar", [entry("up", L, link="../../.."), entry("up/stepbox-pwned-up", data=b"out\n")])
write("symlink-then-file.tar", [entry("passwd", L, link="/etc/passwd"), entry("passwd", data=b"pwned\n")])
write("hardlink-abs.tar", [entry("stepbox-pwned-link", H, link="/etc/passwd")])
write("hardlink-rel.tar", [entry("stepbox-pwned-link", H, link="../../../../../../etc/passwd")])
write("hardlink-symlink.tar", [entry("s", L, link="/etc"), entry("stepbox-pwned-link", H, link="s/passwd")])
write("deep.tar", [entry("a/" * 9999 + "f", data=b"deep\n")])
write("deep300.tar", [entry("d/" * 300 + "f", data=b"deep\n")])
write("many.tar", [entry("f%d" % i) for i in range(20)])

# A truncated archive: the file's data stops in the middle.
write("whole.tar", [entry("first", data=b"1\n"), entry("big", data=b"b" * 10000)])
with open(os.path.join(out, "whole.tar"), "rb") as f:
    data = f.read()
with open(os.path.join(out, "truncated.tar"), "wb") as f:
    f.write(data[:3000])
os.unlink(os.path.join(out, "whole.tar"))
EOF

# Compressed copies of the valid layer, by the same programs the unpacker runs.
gzip -c "$dir/valid.tar" >"$dir/valid.tar.gz"
zstd -q -c "$dir/valid.tar" >"$dir/valid.tar.zst"
# A damaged .gz: the tar inside may look whole, gzip's check must fail it.
head -c "$(($(stat -c %s "$dir/valid.tar.gz") - 6))" "$dir/valid.tar.gz" >"$dir/damaged.tar.gz"
