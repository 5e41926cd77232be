#!/usr/bin/env bash
# Builds the isolinux CD image of the Linux acceptance test (issue #6, item 5c): an ISO 9660
# image with an El Torito no-emulation boot entry for isolinux.bin (4 virtual sectors loaded,
# the boot info table patched in, as isolinux needs), the kernel, the initramfs and an
# isolinux.cfg that boots them with console=ttyS0. Needs the Debian packages isolinux,
# syslinux-common and xorriso.
#
# Usage: make_isolinux_cd.sh VMLINUZ INITRAMFS OUT
set -euo pipefail
kernel="$1" initrd="$2" out="$3"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$stage/isolinux/"
cp "$kernel" "$stage/vmlinuz"
cp "$initrd" "$stage/initrd.img"
cat > "$stage/isolinux/isolinux.cfg" <<'CFG'
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.img console=ttyS0 cryptomgr.notests
CFG
xorriso -as mkisofs -quiet -o "$out" -V AMBER_LINUX \
    -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table "$stage"
