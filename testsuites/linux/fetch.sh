#!/usr/bin/env bash
# Builds the Linux acceptance guest from Debian packages (nothing from elsewhere, nothing
# prebuilt committed): Debian 12's i386 kernel (the linux-image-686 metapackage's current
# kernel), an initramfs holding busybox-static:i386 (make_initramfs.py), a hard-disk image
# booting them with syslinux (make_syslinux_disk.py; needs syslinux, mtools and dosfstools)
# and a CD image booting them with isolinux (make_isolinux_cd.sh; needs isolinux and
# xorriso). Output: DIR/vmlinuz, DIR/initramfs.cpio, DIR/syslinux.img and DIR/isolinux.iso
# (DIR defaults to target/linux). Run as root: it adds the i386 architecture to dpkg. An `apt-get update` that fails on one index must not stop
# it (the packages still download).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-target/linux}"
mkdir -p "$dir"
cd "$dir"
# The boot media, each built once from the kernel and the initramfs.
media() {
    [ -s syslinux.img ] || python3 "$here/make_syslinux_disk.py" vmlinuz initramfs.cpio syslinux.img
    [ -s isolinux.iso ] || "$here/make_isolinux_cd.sh" vmlinuz initramfs.cpio isolinux.iso
}
if [ -s vmlinuz ] && [ -s initramfs.cpio ]; then
    media
    exit 0
fi
dpkg --add-architecture i386
apt-get update >/dev/null 2>&1 || true
kernel="$(apt-cache depends linux-image-686:i386 | awk '/Depends: linux-image-[0-9]/ {sub(":i386", "", $2); print $2; exit}')"
if [ -z "$kernel" ]; then
    echo "fetch.sh: no linux-image-686 kernel package found" >&2
    exit 1
fi
rm -rf pkg && mkdir pkg && cd pkg
apt-get download "$kernel:i386" busybox-static:i386
dpkg-deb -x linux-image-*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
cp kernel/boot/vmlinuz-* ../vmlinuz
python3 "$here/make_initramfs.py" busybox/bin/busybox ../initramfs.cpio kernel/lib/modules/*/kernel
cd .. && rm -rf pkg
media
echo "fetch.sh: $kernel and busybox-static in $(pwd)"
