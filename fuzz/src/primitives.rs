//! The building blocks under every message and batch: varints, the bounded `Reader`,
//! the compression codecs, and bare records.

use fjord_protocol::codec::{DecodeError, Reader};
use fjord_protocol::records::RecordIter;
use fjord_protocol::varint;
use fjord_protocol::CompressionType;

const CODECS: [CompressionType; 5] = [
    CompressionType::None,
    CompressionType::Gzip,
    CompressionType::Snappy,
    CompressionType::Lz4,
    CompressionType::Zstd,
];

/// A small decompression limit, so inputs that inflate far still run quickly and the
/// limit itself gets exercised.
const DECOMPRESS_LIMIT: usize = 1024 * 1024;

/// Larger inputs skip the compress / decompress round trip.
const ROUND_TRIP_LIMIT: usize = 1024;

/// The `codec_primitives` target. The first byte `n` splits the input: the next `n`
/// bytes are a program of `Reader` calls, the rest the frame they read. The whole input
/// also goes through the varint readers, every codec's decompressor, a compress /
/// decompress round trip in one codec, and the record iterator.
pub fn check(data: &[u8]) {
    if let Some((&n, rest)) = data.split_first() {
        let n = usize::from(n).min(rest.len());
        let (program, frame) = rest.split_at(n);
        run_reader(program, frame);
    }
    check_varints(data);
    for codec in CODECS {
        let mut out = Vec::new();
        if codec
            .decompress_with_limit(data, DECOMPRESS_LIMIT, &mut out)
            .is_ok()
        {
            assert!(
                out.len() <= DECOMPRESS_LIMIT,
                "{codec:?} went past its limit"
            );
        }
    }
    // Compressing is slow next to everything else here: one codec per input, chosen by
    // its length, and only for small inputs.
    if data.len() <= ROUND_TRIP_LIMIT {
        let codec = CODECS[data.len() % CODECS.len()];
        let mut compressed = Vec::new();
        codec
            .compress(data, &mut compressed)
            .unwrap_or_else(|err| panic!("{codec:?} cannot compress: {err}"));
        let mut decompressed = Vec::new();
        codec
            .decompress(&compressed, &mut decompressed)
            .unwrap_or_else(|err| panic!("{codec:?} cannot read its own output: {err}"));
        assert!(
            decompressed == data,
            "{codec:?} round trip changed the data"
        );
    }
    for record in RecordIter::new(data) {
        let Ok(record) = record else { break };
        assert!(!record.raw.is_empty() && record.raw.len() <= data.len());
    }
}

fn check_varints(data: &[u8]) {
    if let Ok((value, used)) = varint::read_varint(data) {
        assert!(used >= 1 && used <= data.len());
        let mut out = Vec::new();
        varint::write_varint(value, &mut out);
        assert_eq!(out.len(), varint::size_of_varint(value));
        assert_eq!(varint::read_varint(&out), Ok((value, out.len())));
    }
    if let Ok((value, used)) = varint::read_varlong(data) {
        assert!(used >= 1 && used <= data.len());
        let mut out = Vec::new();
        varint::write_varlong(value, &mut out);
        assert_eq!(out.len(), varint::size_of_varlong(value));
        assert_eq!(varint::read_varlong(&out), Ok((value, out.len())));
    }
    if let Ok((value, used)) = varint::read_unsigned_varint(data) {
        assert!(used >= 1 && used <= data.len());
        let mut out = Vec::new();
        varint::write_unsigned_varint(value, &mut out);
        assert_eq!(out.len(), varint::size_of_unsigned_varint(value));
        assert_eq!(varint::read_unsigned_varint(&out), Ok((value, out.len())));
    }
    if let Ok((value, used)) = varint::read_unsigned_varlong(data) {
        assert!(used >= 1 && used <= data.len());
        let mut out = Vec::new();
        varint::write_unsigned_varlong(value, &mut out);
        assert_eq!(varint::read_unsigned_varlong(&out), Ok((value, out.len())));
    }
}

/// Runs `program` (one `Reader` call per byte) over `frame` until a call fails.
fn run_reader(program: &[u8], frame: &[u8]) {
    let mut reader = Reader::new(frame);
    for &op in program {
        let before = reader.position();
        if step(&mut reader, op).is_err() {
            break;
        }
        assert!(reader.position() >= before && reader.position() <= frame.len());
        assert_eq!(reader.remaining(), frame.len() - reader.position());
    }
    let _ = reader.finish();
}

fn step(reader: &mut Reader<'_>, op: u8) -> Result<(), DecodeError> {
    let flexible = op & 0x80 != 0;
    let frame_len = reader.frame().len();
    match op & 0x0f {
        0 => _ = reader.i8()?,
        1 => _ = reader.bool()?,
        2 => _ = reader.i16()?,
        3 => _ = reader.i32()?,
        4 => _ = reader.u32()?,
        5 => _ = reader.i64()?,
        6 => _ = reader.f64()?,
        7 => _ = reader.uuid()?,
        8 => _ = reader.unsigned_varint()?,
        9 => _ = reader.varint()?,
        10 => _ = reader.nullable_string(flexible)?,
        11 => {
            if let Some(range) = reader.nullable_bytes_range(flexible)? {
                assert!(range.start <= range.end && range.end <= frame_len);
            }
        }
        12 => _ = reader.bytes(flexible)?,
        13 => {
            // Arrays of elements at least `min` bytes long, each read as that many bytes.
            let min = usize::from(op >> 4 & 0x07) + 1;
            let items = reader.array(flexible, min, |r| {
                for _ in 0..min {
                    r.i8()?;
                }
                Ok(())
            })?;
            assert!(items.len() * min <= frame_len);
        }
        14 => reader.tagged_fields(flexible, |tag, r| {
            if tag % 2 == 0 {
                let _ = r.nullable_string(true)?;
                Ok(true)
            } else {
                Ok(false)
            }
        })?,
        _ => reader.skip_tagged_fields(flexible)?,
    }
    Ok(())
}
