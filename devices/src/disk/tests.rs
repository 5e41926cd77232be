use super::*;

/// A scratch file path unique to this test and process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amber-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// An image of `sectors` sectors, each filled with its own number.
fn image(name: &str, sectors: u64) -> (PathBuf, Vec<u8>) {
    let p = scratch(name);
    let bytes: Vec<u8> = (0..sectors * SECTOR as u64)
        .map(|i| (i / 512) as u8)
        .collect();
    std::fs::write(&p, &bytes).unwrap();
    (p, bytes)
}

fn sector(fill: u8) -> [u8; SECTOR] {
    [fill; SECTOR]
}

#[test]
fn kinds_follow_size_and_signature() {
    // The PC floppy formats by size (the issue lists 1.44 MB, 720 KB, 2.88 MB and 360 KB).
    for size in [1_474_560, 737_280, 2_949_120, 368_640] {
        assert_eq!(guess_kind(size, &[]), Some(MediaKind::Floppy), "{size}");
    }
    // ECMA-119 8.1: the volume descriptors start at sector 16 (byte 0x8000) with a type byte
    // and the standard identifier "CD001".
    let mut iso = vec![0u8; 0x8800];
    iso[0x8000] = 1;
    iso[0x8001..0x8006].copy_from_slice(b"CD001");
    assert_eq!(guess_kind(1_474_560, &iso), Some(MediaKind::Cdrom));
    assert_eq!(guess_kind(10 << 20, &[]), Some(MediaKind::HardDisk));
    assert_eq!(guess_kind(1000, &[]), None);
    assert_eq!(guess_kind(0, &[]), None);
}

#[test]
fn without_write_the_original_is_never_changed() {
    let (p, original) = image("discard.img", 64);
    let mut d = Disk::open(&p, WriteMode::Discard).unwrap();
    d.write_sector(3, &sector(0xAB)).unwrap();
    let mut buf = [0u8; SECTOR];
    d.read_sector(3, &mut buf).unwrap();
    assert_eq!(buf, sector(0xAB), "the guest reads its own write");
    d.read_sector(4, &mut buf).unwrap();
    assert_eq!(buf, sector(4), "other sectors come from the image");
    d.flush().unwrap();
    drop(d);
    assert_eq!(std::fs::read(&p).unwrap(), original);
}

#[test]
fn a_kept_overlay_carries_writes_to_the_next_run() {
    let (p, original) = image("keep.img", 16);
    let ov = scratch("keep.overlay");
    let mut d = Disk::open(&p, WriteMode::Keep(ov.clone())).unwrap();
    d.write_sector(15, &sector(0x5A)).unwrap();
    d.flush().unwrap();
    drop(d);
    assert_eq!(
        std::fs::read(&p).unwrap(),
        original,
        "the image is untouched"
    );
    let mut buf = [0u8; SECTOR];
    let mut again = Disk::open(&p, WriteMode::Keep(ov.clone())).unwrap();
    again.read_sector(15, &mut buf).unwrap();
    assert_eq!(buf, sector(0x5A));
    let mut plain = Disk::open(&p, WriteMode::Discard).unwrap();
    plain.read_sector(15, &mut buf).unwrap();
    assert_eq!(
        buf,
        sector(15),
        "without the overlay the image reads as it was"
    );
}

#[test]
fn with_write_the_image_changes_in_place() {
    let (p, mut expected) = image("direct.img", 8);
    let mut d = Disk::open(&p, WriteMode::Direct).unwrap();
    d.write_sector(2, &sector(0xEE)).unwrap();
    d.flush().unwrap();
    drop(d);
    expected[2 * SECTOR..3 * SECTOR].fill(0xEE);
    assert_eq!(std::fs::read(&p).unwrap(), expected);
}

#[test]
fn bad_images_and_overlays_give_one_clear_error() {
    let empty = scratch("empty.img");
    std::fs::write(&empty, []).unwrap();
    let e = Disk::open(&empty, WriteMode::Discard).err().unwrap();
    assert!(matches!(e, DiskError::Empty(_)));
    assert!(
        e.to_string().ends_with("empty.img: the image is empty"),
        "{e}"
    );

    let odd = scratch("odd.img");
    std::fs::write(&odd, [0u8; 1000]).unwrap();
    let e = Disk::open(&odd, WriteMode::Discard).err().unwrap();
    assert!(matches!(e, DiskError::Unaligned(_, 1000)), "{e}");

    let missing = scratch("missing.img");
    let e = Disk::open(&missing, WriteMode::Discard).err().unwrap();
    assert!(e.to_string().contains("missing.img: "), "{e}");

    let (p, _) = image("other.img", 8);
    let ov = scratch("other.overlay");
    std::fs::write(&ov, b"not an overlay").unwrap();
    let e = Disk::open(&p, WriteMode::Keep(ov.clone())).err().unwrap();
    assert!(matches!(e, DiskError::BadOverlay(..)), "{e}");

    // An overlay saved for a 4-sector image does not apply to this 8-sector one.
    let (small, _) = image("small.img", 4);
    let mut d = Disk::open(&small, WriteMode::Keep(ov.clone())).err();
    assert!(
        d.is_some(),
        "the garbage overlay is refused for the small image too"
    );
    std::fs::remove_file(&ov).unwrap();
    let mut s = Disk::open(&small, WriteMode::Keep(ov.clone())).unwrap();
    s.write_sector(1, &sector(1)).unwrap();
    s.flush().unwrap();
    d = Disk::open(&p, WriteMode::Keep(ov.clone())).err();
    assert!(matches!(
        d,
        Some(DiskError::BadOverlay(
            _,
            "made for an image of another size"
        ))
    ));

    // A truncated overlay.
    let bytes = std::fs::read(&ov).unwrap();
    std::fs::write(&ov, &bytes[..bytes.len() - 1]).unwrap();
    let e = Disk::open(&small, WriteMode::Keep(ov)).err().unwrap();
    assert!(matches!(e, DiskError::BadOverlay(_, "truncated")), "{e}");
}

#[test]
fn sectors_past_the_end_are_refused() {
    let (p, _) = image("end.img", 4);
    let mut d = Disk::open(&p, WriteMode::Discard).unwrap();
    let mut buf = [0u8; SECTOR];
    assert!(d.read_sector(4, &mut buf).is_err());
    assert!(d.write_sector(u64::MAX, &buf).is_err());
    assert!(d.read_sector(3, &mut buf).is_ok());
    assert_eq!(d.kind().unwrap(), Some(MediaKind::HardDisk));
}

/// A built-in image: its bytes read back sector by sector (the last one padded with
/// zeros), writes kept in memory, nothing past the end.
#[test]
fn an_image_in_memory_reads_and_writes_like_a_file() {
    let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    let mut d = Disk::in_memory("built-in", &data);
    assert_eq!(d.len(), 1024);
    let mut buf = [0u8; SECTOR];
    d.read_sector(1, &mut buf).unwrap();
    assert_eq!(&buf[..488], &data[512..]);
    assert!(buf[488..].iter().all(|&b| b == 0));
    d.write_sector(0, &sector(0x5A)).unwrap();
    d.read_sector(0, &mut buf).unwrap();
    assert_eq!(buf, sector(0x5A));
    assert!(d.read_sector(2, &mut buf).is_err());
    assert!(d.flush().is_ok());
}
