#!/usr/bin/env python3
"""Builds the initramfs the Linux acceptance test boots: a newc cpio archive (the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst) holding busybox-static and an
/init that mounts /proc, /sys and /dev, says it is ready and runs a shell on the console,
and a second one on the first virtual terminal (the VGA screen and the PS/2 keyboard) unless
the console is already there (console=tty0).
With MODULES (the kernel package's lib/modules/VERSION/kernel), it also holds the storage
drivers (the Debian 686 kernel builds libata, ata_piix, the SCSI disk and CD drivers and
ISO 9660 as modules) and /bin/storage-up, which loads them and waits for /dev/sda and
/dev/sr0, for the test that reads the disk and the CD from inside Linux.

Usage: make_initramfs.py BUSYBOX OUT [MODULES]"""
import os
import sys

INIT = b"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo amber-linux: shell ready
if [ -c /dev/tty1 ] && ! grep -q console=tty0 /proc/cmdline; then
    setsid sh -c 'echo amber-linux: vga shell ready; exec sh' </dev/tty1 >/dev/tty1 2>&1 &
fi
exec /bin/sh
"""


# The storage modules in load order (each after what its `depends=` names).
STORAGE = [
    "lib/crc64",
    "crypto/crc64_rocksoft_generic",
    "lib/crc64-rocksoft",
    "crypto/crct10dif_common",
    "crypto/crct10dif_generic",
    "lib/crc-t10dif",
    "block/t10-pi",
    "drivers/scsi/scsi_common",
    "drivers/scsi/scsi_mod",
    "drivers/scsi/sd_mod",
    "drivers/ata/libata",
    "drivers/ata/ata_piix",
    "drivers/cdrom/cdrom",
    "drivers/scsi/sr_mod",
    "fs/isofs/isofs",
]

STORAGE_UP = b"""#!/bin/sh
for m in %s; do
    insmod /lib/modules/$m.ko || echo "storage-up: $m failed"
done
for i in $(seq 50); do
    [ -e /dev/sda ] && [ -e /dev/sr0 ] && break
    sleep 0.2
done
echo "storage-up: done"
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
    if len(sys.argv) > 3:
        archive += entry("lib", 0o040755) + entry("lib/modules", 0o040755)
        archive += entry("mnt", 0o040755)
        for path in STORAGE:
            name = os.path.basename(path)
            data = open(os.path.join(sys.argv[3], path + ".ko"), "rb").read()
            archive += entry("lib/modules/%s.ko" % name, 0o100644, data)
        names = " ".join(os.path.basename(p) for p in STORAGE).encode()
        archive += entry("bin/storage-up", 0o100755, STORAGE_UP % names)
    archive += entry("TRAILER!!!", 0)
    archive += b"\0" * (-len(archive) % 512)
    open(out, "wb").write(archive)


if __name__ == "__main__":
    main()
