//! Test helpers shared by the message modules: encoding to bytes, exact decoding,
//! round trips, golden bytes and damaged input for never-panic tests.

use std::fmt::Debug;

use proptest::sample::Index;

use super::{Decode, Encode, Reader, Writer};

/// `value` encoded at `version`.
pub fn encode_to_vec<T: Encode + ?Sized>(value: &T, version: i16) -> Vec<u8> {
    let mut w = Writer::new();
    value.encode(&mut w, version);
    w.into()
}

/// Decodes a `T` at `version` from the whole of `bytes`; panics if decoding fails or
/// leaves bytes over.
pub fn decode_exact<T: Decode>(bytes: &[u8], version: i16) -> T {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r, version).unwrap();
    r.finish().unwrap();
    value
}

/// Asserts that `value`, encoded at each of `versions`, decodes back to itself with
/// every byte consumed.
pub fn assert_round_trips<T: Encode + Decode + PartialEq + Debug>(
    value: &T,
    versions: impl IntoIterator<Item = i16>,
) {
    for version in versions {
        let decoded: T = decode_exact(&encode_to_vec(value, version), version);
        assert_eq!(&decoded, value, "v{version}");
    }
}

/// Asserts that `value` encodes to exactly `bytes` at `version`, and that `bytes`
/// decode back to `value` with every byte consumed.
pub fn assert_golden<T: Encode + Decode + PartialEq + Debug>(
    value: &T,
    version: i16,
    bytes: &[u8],
) {
    assert_eq!(encode_to_vec(value, version), bytes, "v{version} encoding");
    assert_eq!(
        &decode_exact::<T>(bytes, version),
        value,
        "v{version} decoding"
    );
}

/// Decodes `bytes` as a `T` at each of `versions` and drops the outcome: for tests
/// that only check that decoding returns (an error, usually) rather than panics.
pub fn decode_without_panicking<T: Decode>(bytes: &[u8], versions: impl IntoIterator<Item = i16>) {
    for version in versions {
        let _ = T::decode(&mut Reader::new(bytes), version);
    }
}

/// `message` with the byte at `at` set to `byte`, then cut to a length `cut` picks
/// (the whole message included): damaged input for never-panic tests. `message` must
/// not be empty.
pub fn damage(mut message: Vec<u8>, at: Index, byte: u8, cut: Index) -> Vec<u8> {
    let i = at.index(message.len());
    message[i] = byte;
    message.truncate(cut.index(message.len() + 1));
    message
}

/// How many bytes `write` writes: for comparing an element's smallest encoding with
/// the minimum size its decoder assumes.
pub fn written_len(write: impl FnOnce(&mut Writer)) -> usize {
    let mut w = Writer::new();
    write(&mut w);
    w.bytes_written().len()
}
