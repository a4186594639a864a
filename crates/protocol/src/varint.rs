//! Variable-length integers as Kafka encodes them (`ByteUtils` in the Java client).
//!
//! Each byte carries seven bits of the value, least significant group first, with the
//! high bit set on every byte but the last. Signed values are zig-zag mapped first
//! (`0, -1, 1, -2, …` → `0, 1, 2, 3, …`) so that small negative numbers stay short; the
//! v2 record format uses the signed forms ([`write_varint`], [`write_varlong`]), flexible
//! request versions use the unsigned form ([`write_unsigned_varint`]).
//!
//! Decoders accept non-minimal encodings (as the Java client does) but refuse encodings
//! longer than the type allows — 5 bytes for 32 bits, 10 for 64 — and final bytes that
//! carry bits beyond the type's width, so a hostile peer cannot make a reader loop or
//! silently truncate.
//!
//! ```
//! use fjord_protocol::varint::{read_varint, write_varint};
//!
//! let mut buf = Vec::new();
//! write_varint(-3, &mut buf);
//! assert_eq!(buf, [0x05]);
//! assert_eq!(read_varint(&buf), Ok((-3, 1)));
//! ```

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VarintError {
    /// The buffer ended before the byte without a continuation bit.
    #[error("varint truncated")]
    Truncated,
    /// More bytes than the type allows, or bits beyond its width.
    #[error("varint exceeds {max_bytes} bytes or the range of its type")]
    Overlong { max_bytes: usize },
}

/// Longest encoding of a 32-bit value.
pub const MAX_VARINT_SIZE: usize = 5;
/// Longest encoding of a 64-bit value.
pub const MAX_VARLONG_SIZE: usize = 10;

/// Appends the zig-zag varint encoding of `value`.
pub fn write_varint(value: i32, out: &mut Vec<u8>) {
    write_unsigned(zigzag32(value) as u64, out);
}

/// Appends the zig-zag varint encoding of a 64-bit `value`.
pub fn write_varlong(value: i64, out: &mut Vec<u8>) {
    write_unsigned(zigzag64(value), out);
}

/// Appends the unsigned varint encoding of `value` (no zig-zag), as flexible versions
/// encode compact lengths and tagged-field tags.
pub fn write_unsigned_varint(value: u32, out: &mut Vec<u8>) {
    write_unsigned(value as u64, out);
}

/// Appends the unsigned varint encoding of a 64-bit `value`.
pub fn write_unsigned_varlong(value: u64, out: &mut Vec<u8>) {
    write_unsigned(value, out);
}

/// Reads a zig-zag varint from the front of `buf`; returns the value and the number of
/// bytes it occupied.
pub fn read_varint(buf: &[u8]) -> Result<(i32, usize), VarintError> {
    let (raw, len) = read_unsigned(buf, MAX_VARINT_SIZE, 32)?;
    let raw = raw as u32;
    Ok((((raw >> 1) as i32) ^ -((raw & 1) as i32), len))
}

/// Reads a zig-zag varlong from the front of `buf`; returns the value and the number of
/// bytes it occupied.
pub fn read_varlong(buf: &[u8]) -> Result<(i64, usize), VarintError> {
    let (raw, len) = read_unsigned(buf, MAX_VARLONG_SIZE, 64)?;
    Ok((((raw >> 1) as i64) ^ -((raw & 1) as i64), len))
}

/// Reads an unsigned varint from the front of `buf`; returns the value and the number of
/// bytes it occupied.
pub fn read_unsigned_varint(buf: &[u8]) -> Result<(u32, usize), VarintError> {
    let (raw, len) = read_unsigned(buf, MAX_VARINT_SIZE, 32)?;
    Ok((raw as u32, len))
}

/// Reads an unsigned 64-bit varint from the front of `buf`; returns the value and the
/// number of bytes it occupied.
pub fn read_unsigned_varlong(buf: &[u8]) -> Result<(u64, usize), VarintError> {
    read_unsigned(buf, MAX_VARLONG_SIZE, 64)
}

/// Bytes [`write_varint`] uses for `value`.
pub fn size_of_varint(value: i32) -> usize {
    size_of_unsigned(zigzag32(value) as u64)
}

/// Bytes [`write_varlong`] uses for `value`.
pub fn size_of_varlong(value: i64) -> usize {
    size_of_unsigned(zigzag64(value))
}

/// Bytes [`write_unsigned_varint`] uses for `value`.
pub fn size_of_unsigned_varint(value: u32) -> usize {
    size_of_unsigned(value as u64)
}

fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn size_of_unsigned(value: u64) -> usize {
    // One byte per started group of seven bits; zero still takes a byte.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

fn write_unsigned(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Decodes up to `max_bytes` bytes into a value of `bits` width.
fn read_unsigned(buf: &[u8], max_bytes: usize, bits: u32) -> Result<(u64, usize), VarintError> {
    let mut value = 0u64;
    for (i, &byte) in buf.iter().take(max_bytes).enumerate() {
        let shift = 7 * i as u32;
        let group = (byte & 0x7f) as u64;
        if i + 1 == max_bytes {
            // The last permitted byte may hold only the bits left over from the type's
            // width, and must end the encoding.
            let spare = bits - shift;
            if byte & 0x80 != 0 || group >> spare != 0 {
                return Err(VarintError::Overlong { max_bytes });
            }
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(VarintError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn test_varint_known_encodings() {
        let cases: &[(i32, &[u8])] = &[
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (300, &[0xd8, 0x04]),
            (i32::MAX, &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
            (i32::MIN, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ];
        for &(value, bytes) in cases {
            let mut buf = Vec::new();
            write_varint(value, &mut buf);
            assert_eq!(buf, bytes, "encoding {value}");
            assert_eq!(read_varint(bytes), Ok((value, bytes.len())));
            assert_eq!(size_of_varint(value), bytes.len());
        }
    }

    #[test]
    fn test_varlong_extremes() {
        let mut buf = Vec::new();
        write_varlong(i64::MIN, &mut buf);
        assert_eq!(buf.len(), MAX_VARLONG_SIZE);
        assert_eq!(read_varlong(&buf), Ok((i64::MIN, MAX_VARLONG_SIZE)));
    }

    #[test]
    fn test_varint_truncated() {
        assert_eq!(read_varint(&[]), Err(VarintError::Truncated));
        assert_eq!(read_varint(&[0x80, 0x80]), Err(VarintError::Truncated));
        assert_eq!(read_varlong(&[0xff; 9]), Err(VarintError::Truncated));
    }

    #[test]
    fn test_varint_overlong() {
        let overlong = VarintError::Overlong { max_bytes: 5 };
        assert_eq!(
            read_varint(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            Err(overlong)
        );
        // A fifth byte with bits beyond 32.
        assert_eq!(read_varint(&[0xff, 0xff, 0xff, 0xff, 0x1f]), Err(overlong));
        assert_eq!(
            read_unsigned_varint(&[0x80, 0x80, 0x80, 0x80, 0x10]),
            Err(overlong)
        );
        assert_eq!(
            read_varlong(&[0xff; 11]),
            Err(VarintError::Overlong { max_bytes: 10 })
        );
        let mut tenth_byte_too_big = [0xff; 10];
        tenth_byte_too_big[9] = 0x02;
        assert_eq!(
            read_unsigned_varlong(&tenth_byte_too_big),
            Err(VarintError::Overlong { max_bytes: 10 })
        );
    }

    #[test]
    fn test_varint_accepts_non_minimal_encoding() {
        assert_eq!(read_varint(&[0x82, 0x80, 0x00]), Ok((1, 3)));
    }

    proptest! {
        #[test]
        fn test_varint_round_trip(value: i32, tail: Vec<u8>) {
            let mut buf = Vec::new();
            write_varint(value, &mut buf);
            prop_assert_eq!(buf.len(), size_of_varint(value));
            let len = buf.len();
            buf.extend_from_slice(&tail);
            prop_assert_eq!(read_varint(&buf), Ok((value, len)));
        }

        #[test]
        fn test_varlong_round_trip(value: i64, tail: Vec<u8>) {
            let mut buf = Vec::new();
            write_varlong(value, &mut buf);
            prop_assert_eq!(buf.len(), size_of_varlong(value));
            let len = buf.len();
            buf.extend_from_slice(&tail);
            prop_assert_eq!(read_varlong(&buf), Ok((value, len)));
        }

        #[test]
        fn test_unsigned_varint_round_trip(value: u32, wide: u64) {
            let mut buf = Vec::new();
            write_unsigned_varint(value, &mut buf);
            prop_assert_eq!(buf.len(), size_of_unsigned_varint(value));
            prop_assert_eq!(read_unsigned_varint(&buf), Ok((value, buf.len())));
            buf.clear();
            write_unsigned_varlong(wide, &mut buf);
            prop_assert_eq!(read_unsigned_varlong(&buf), Ok((wide, buf.len())));
        }

        #[test]
        fn test_varint_arbitrary_bytes_never_panic(bytes: Vec<u8>) {
            if let Ok((_, len)) = read_varint(&bytes) {
                prop_assert!((1..=MAX_VARINT_SIZE).contains(&len));
            }
            if let Ok((_, len)) = read_varlong(&bytes) {
                prop_assert!((1..=MAX_VARLONG_SIZE).contains(&len));
            }
        }

        #[test]
        fn test_varint_prefix_is_truncated(value: i64) {
            let mut buf = Vec::new();
            write_varlong(value, &mut buf);
            prop_assert_eq!(read_varlong(&buf[..buf.len() - 1]), Err(VarintError::Truncated));
        }
    }
}
