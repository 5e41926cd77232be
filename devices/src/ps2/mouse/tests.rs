use super::*;

fn drain(mouse: &mut Ps2Mouse) -> Vec<u8> {
    std::iter::from_fn(|| mouse.pop()).collect()
}

fn send(mouse: &mut Ps2Mouse, bytes: &[u8]) -> Vec<u8> {
    for &b in bytes {
        mouse.write(b);
    }
    drain(mouse)
}

fn enabled_mouse() -> Ps2Mouse {
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0xF4]), [0xFA]);
    mouse
}

#[test]
fn reset_reports_self_test_and_id() {
    // OSDev "PS/2 Mouse": FF -> FA, AA, 00.
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0xFF]), [0xFA, 0xAA, 0x00]);
    assert_eq!(send(&mut mouse, &[0xF2]), [0xFA, 0x00]);
}

#[test]
fn status_request_after_reset() {
    // IBM: defaults are stream mode, disabled, 1:1, 4 counts/mm (2), 100 samples/s.
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0xE9]), [0xFA, 0x00, 0x02, 100]);
    assert_eq!(
        send(&mut mouse, &[0xE8, 0x03, 0xF3, 40, 0xE7, 0xF4, 0xF0]),
        [0xFA; 7]
    );
    mouse.movement(0, 0, 0, BUTTON_LEFT | BUTTON_RIGHT);
    // Remote, enabled, 2:1, left and right buttons (bits 2 and 0).
    assert_eq!(send(&mut mouse, &[0xE9]), [0xFA, 0x75, 0x03, 40]);
}

#[test]
fn intellimouse_knock_switches_on_the_wheel() {
    let mut mouse = Ps2Mouse::new();
    let knock = [0xF3, 200, 0xF3, 100, 0xF3, 80];
    assert_eq!(send(&mut mouse, &knock), [0xFA; 6]);
    assert_eq!(send(&mut mouse, &[0xF2]), [0xFA, 0x03]);
    assert_eq!(mouse.id(), 3);
    // A reset turns it off again.
    assert_eq!(send(&mut mouse, &[0xFF]), [0xFA, 0xAA, 0x00]);
    assert_eq!(mouse.id(), 0);
}

#[test]
fn a_wrong_knock_keeps_id_0() {
    let mut mouse = Ps2Mouse::new();
    send(&mut mouse, &[0xF3, 200, 0xF3, 80, 0xF3, 100]);
    assert_eq!(send(&mut mouse, &[0xF2]), [0xFA, 0x00]);
}

#[test]
fn packets_only_when_reporting_in_stream_mode() {
    let mut mouse = Ps2Mouse::new();
    mouse.movement(5, 5, 0, 0);
    assert!(drain(&mut mouse).is_empty(), "reporting is off after reset");
    let mut mouse = enabled_mouse();
    mouse.movement(5, 3, 0, BUTTON_LEFT);
    // Byte 0: bit 3 always 1, left button; then X and Y.
    assert_eq!(drain(&mut mouse), [0x09, 0x05, 0x03]);
    assert_eq!(send(&mut mouse, &[0xF5]), [0xFA]);
    mouse.movement(5, 3, 0, 0);
    assert!(drain(&mut mouse).is_empty());
}

#[test]
fn negative_movement_sets_the_sign_bits() {
    let mut mouse = enabled_mouse();
    mouse.movement(-1, -128, 0, BUTTON_MIDDLE);
    // X sign bit 4, Y sign bit 5, middle button bit 2; nine-bit two's complement.
    assert_eq!(drain(&mut mouse), [0x3C, 0xFF, 0x80]);
    mouse.movement(-256, 255, 0, BUTTON_RIGHT);
    assert_eq!(drain(&mut mouse), [0x1A, 0x00, 0xFF]);
}

#[test]
fn movement_beyond_nine_bits_overflows() {
    let mut mouse = enabled_mouse();
    mouse.movement(300, -1000, 0, 0);
    // X overflow bit 6, Y overflow bit 7 and Y sign; values saturated at 255 / -256.
    assert_eq!(drain(&mut mouse), [0xE8, 0xFF, 0x00]);
}

#[test]
fn wheel_mouse_sends_four_bytes() {
    let mut mouse = Ps2Mouse::new();
    send(&mut mouse, &[0xF3, 200, 0xF3, 100, 0xF3, 80, 0xF4]);
    mouse.movement(1, -2, -1, 0);
    assert_eq!(drain(&mut mouse), [0x28, 0x01, 0xFE, 0xFF]);
    mouse.movement(0, 0, 3, 0);
    assert_eq!(drain(&mut mouse), [0x08, 0x00, 0x00, 0x03]);
}

#[test]
fn scaling_2_to_1_follows_the_ibm_table() {
    let mut mouse = enabled_mouse();
    assert_eq!(send(&mut mouse, &[0xE7]), [0xFA]);
    // IBM "Scaling": 1->1, 2->1, 3->3, 4->6, 5->9, n->2n beyond.
    let cases = [(1, 1), (2, 1), (3, 3), (4, 6), (5, 9), (6, 12), (-4, -6)];
    for (count, scaled) in cases {
        mouse.movement(count, 0, 0, 0);
        let packet = drain(&mut mouse);
        assert_eq!(packet[1], scaled as u8, "count {count}");
    }
}

#[test]
fn remote_mode_accumulates_until_read_data() {
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0xF0]), [0xFA]);
    mouse.movement(3, 4, 0, 0);
    mouse.movement(-10, 1, 0, BUTTON_LEFT);
    assert!(drain(&mut mouse).is_empty());
    assert_eq!(send(&mut mouse, &[0xEB]), [0xFA, 0x19, 0xF9, 0x05]);
    assert_eq!(send(&mut mouse, &[0xEB]), [0xFA, 0x09, 0x00, 0x00]);
}

#[test]
fn wrap_mode_echoes() {
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0xEE]), [0xFA]);
    assert_eq!(send(&mut mouse, &[0x12, 0xF4]), [0x12, 0xF4]);
    assert_eq!(send(&mut mouse, &[0xEC]), [0xFA]);
    assert_eq!(send(&mut mouse, &[0xF2]), [0xFA, 0x00]);
}

#[test]
fn unknown_commands_and_resend() {
    let mut mouse = Ps2Mouse::new();
    assert_eq!(send(&mut mouse, &[0x42]), [0xFE]);
    assert_eq!(send(&mut mouse, &[0xF2]), [0xFA, 0x00]);
    assert_eq!(send(&mut mouse, &[0xFE]), [0x00]);
}

#[test]
fn the_queue_never_splits_a_packet() {
    let mut mouse = enabled_mouse();
    for _ in 0..10 {
        mouse.movement(1, 1, 0, 0);
    }
    // Five three-byte packets fit in sixteen bytes.
    assert_eq!(mouse.queued(), 15);
}
