#!/usr/bin/env python3
"""Builds the syslinux hard-disk image of the Linux acceptance test (issue #6, item 5b): a
64 MiB disk with an MBR (syslinux's mbr.bin and one bootable FAT16 partition at sector 2048),
the partition formatted with mkfs.fat, syslinux installed in it, and the kernel, the
initramfs and a syslinux.cfg that boots them with console=ttyS0, copied in with mtools. Its
`boot:` prompt waits a second: typing `vesa` boots the same kernel with vga=0x317 (VESA
1024x768, 16 bits per pixel, for vesafb), `tty0` with its console on the VGA screen.
Needs the Debian packages syslinux, syslinux-common, mtools and dosfstools.

Usage: make_syslinux_disk.py VMLINUZ INITRAMFS OUT"""
import struct
import subprocess
import sys

SIZE = 64 << 20
START = 2048
MBR_CODE = "/usr/lib/syslinux/mbr/mbr.bin"
CONFIG = b"""DEFAULT linux
PROMPT 1
TIMEOUT 10
LABEL linux
  KERNEL vmlinuz
  APPEND initrd=initrd.img console=ttyS0 cryptomgr.notests
LABEL vesa
  KERNEL vmlinuz
  APPEND initrd=initrd.img console=ttyS0 cryptomgr.notests vga=0x317
LABEL tty0
  KERNEL vmlinuz
  APPEND initrd=initrd.img console=tty0 cryptomgr.notests
"""


def main():
    kernel, initrd, out = sys.argv[1:4]
    sectors = SIZE // 512
    with open(out, "wb") as f:
        f.truncate(SIZE)
        code = open(MBR_CODE, "rb").read()[:440].ljust(446, b"\0")
        # One partition entry: active, type 06 (FAT16), CHS fields unused, LBA start, length.
        entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x06, b"\xfe\xff\xff",
                            START, sectors - START)
        f.write(code + entry + b"\0" * 48 + b"\x55\xaa")
    offset = START * 512
    part = f"{out}@@{offset}"
    run = lambda *cmd: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    run("mkfs.fat", "-F", "16", "--offset", str(START), "-n", "AMBER", out,
        str((sectors - START) // 2))
    run("syslinux", "--offset", str(offset), "--install", out)
    cfg = out + ".cfg"
    open(cfg, "wb").write(CONFIG)
    for src, name in [(kernel, "vmlinuz"), (initrd, "initrd.img"), (cfg, "syslinux.cfg")]:
        run("mcopy", "-o", "-i", part, src, "::" + name)


if __name__ == "__main__":
    main()
