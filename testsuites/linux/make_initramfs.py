#!/usr/bin/env python3
"""Builds the initramfs the Linux acceptance test boots: a newc cpio archive (the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst) holding busybox-static and an
/init that mounts /proc, /sys and /dev, says it is ready and runs a shell on the console.

Usage: make_initramfs.py BUSYBOX OUT"""
import sys

INIT = b"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo amber-linux: shell ready
exec /bin/sh
"""


def entry(name, mode, data=b"", ino=[1]):
    ino[0] += 1
    fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def main():
    busybox, out = sys.argv[1], sys.argv[2]
    archive = b""
    for d in ["bin", "sbin", "proc", "sys", "dev", "etc", "tmp", "root"]:
        archive += entry(d, 0o040755)
    archive += entry("bin/busybox", 0o100755, open(busybox, "rb").read())
    archive += entry("init", 0o100755, INIT)
    archive += entry("TRAILER!!!", 0)
    archive += b"\0" * (-len(archive) % 512)
    open(out, "wb").write(archive)


if __name__ == "__main__":
    main()
