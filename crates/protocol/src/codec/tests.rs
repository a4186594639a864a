use proptest::prelude::*;

use super::*;

#[test]
fn test_reader_rejects_lengths_beyond_the_frame_before_allocating() {
    // An int32 array length of 2^31-1 with nothing behind it: must fail, not allocate.
    let bytes = [0x7f, 0xff, 0xff, 0xff];
    let mut r = Reader::new(&bytes);
    let err = r.array(false, 4, |r| r.i32()).unwrap_err();
    assert!(matches!(err, DecodeError::InvalidLength { .. }));
    let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(r.array(true, 1, |r| r.i8()).is_err());
    let mut r = Reader::new(&[0x7f, 0xff, b'a']);
    assert!(r.string(false).is_err());
    let mut r = Reader::new(&[0xff, 0xfe]);
    assert!(r.nullable_string(false).is_err());
}

#[test]
fn test_reader_null_and_empty_are_distinct() {
    let mut r = Reader::new(&[0xff, 0xff, 0, 0, 1]);
    assert_eq!(r.nullable_string(false).unwrap(), None);
    assert_eq!(r.nullable_string(false).unwrap(), Some(""));
    assert_eq!(r.unsigned_varint().unwrap(), 1);
}

#[test]
fn test_reader_skips_unknown_tagged_fields() {
    // Two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte, then an int8.
    let bytes = [2, 0, 2, 0xaa, 0xbb, 5, 1, 0xcc, 7];
    let mut r = Reader::new(&bytes);
    let mut seen = Vec::new();
    r.tagged_fields(true, |tag, r| {
        if tag == 5 {
            seen.push(r.i8()?);
            return Ok(true);
        }
        Ok(false)
    })
    .unwrap();
    assert_eq!(seen, vec![0xcc_u8 as i8]);
    assert_eq!(r.i8().unwrap(), 7);
    r.finish().unwrap();
}

#[test]
fn test_writer_splices_file_parts_at_records_fields() {
    let mut w = Writer::new();
    w.i32(7);
    w.file_records(false, Some(3));
    w.i16(1);
    let body = w.finish(["FILE"]);
    assert_eq!(body.len, 4 + 4 + 3 + 2);
    assert_eq!(body.parts.len(), 3);
    match (&body.parts[0], &body.parts[1], &body.parts[2]) {
        (ResponsePart::Bytes(a), ResponsePart::File(f), ResponsePart::Bytes(b)) => {
            assert_eq!(a, &[0, 0, 0, 7, 0, 0, 0, 3]);
            assert_eq!(*f, "FILE");
            assert_eq!(b, &[0, 1]);
        }
        _ => panic!("unexpected parts"),
    }
}

proptest! {
    #[test]
    fn test_reader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64), flexible in any::<bool>()) {
        let mut r = Reader::new(&bytes);
        let _ = r.array(flexible, 1, |r| {
            let s = r.nullable_string(flexible)?;
            let b = r.nullable_bytes_range(flexible)?;
            r.tagged_fields(flexible, |_, r| { r.i32()?; Ok(true) })?;
            Ok((s.map(str::len), b))
        });
    }

    #[test]
    fn test_strings_and_bytes_round_trip(s in ".{0,40}", b in proptest::collection::vec(any::<u8>(), 0..40), flexible in any::<bool>()) {
        let mut w = Writer::new();
        w.string(flexible, &s);
        w.nullable_bytes(flexible, Some(&b));
        w.nullable_string(flexible, None);
        let bytes: Vec<u8> = w.into();
        let mut r = Reader::new(&bytes);
        prop_assert_eq!(r.string(flexible).unwrap(), s.as_str());
        prop_assert_eq!(r.nullable_bytes(flexible).unwrap(), Some(b.as_slice()));
        prop_assert_eq!(r.nullable_string(flexible).unwrap(), None);
        r.finish().unwrap();
    }
}
