//! The records of `__transaction_state`, in Kafka's schemas: key type 0 with the
//! transactional id; value v0 (classic) or v1 (flexible, with tagged fields), written
//! as v0 unless a tagged field has a non-default value. A null value is a tombstone.

use fjord_protocol::codec::{DecodeError, Reader, Writer};

use crate::metadata::{TransactionMetadata, TransactionState};

const KEY_VERSION: i16 = 0;
const FLEXIBLE: i16 = 1;

pub fn encode_key(transactional_id: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(KEY_VERSION);
    w.string(false, transactional_id);
    w.bytes_written().to_vec()
}

/// The transactional id of a key; `None` for a key of another (future) type.
pub fn decode_key(bytes: &[u8]) -> Result<Option<String>, DecodeError> {
    let mut r = Reader::new(bytes);
    if r.i16()? != KEY_VERSION {
        return Ok(None);
    }
    Ok(Some(r.string(false)?.to_owned()))
}

pub fn encode_value(m: &TransactionMetadata) -> Vec<u8> {
    let flexible = m.previous_producer_id >= 0 || m.client_transaction_version != 0;
    let version = i16::from(flexible);
    let mut w = Writer::new();
    w.i16(version);
    w.i64(m.producer_id);
    w.i16(m.producer_epoch);
    w.i32(m.timeout_ms);
    w.i8(m.state as i8);
    let partitions = m.partitions_by_topic();
    w.array(flexible, &partitions, |w, (topic, ids)| {
        w.string(flexible, topic);
        w.array(flexible, ids, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    });
    w.i64(m.last_update_ms);
    w.i64(m.start_ms);
    if flexible {
        let mut tags: Vec<(u32, Vec<u8>)> = Vec::new();
        if m.previous_producer_id >= 0 {
            tags.push((0, m.previous_producer_id.to_be_bytes().to_vec()));
        }
        if m.client_transaction_version != 0 {
            tags.push((2, m.client_transaction_version.to_be_bytes().to_vec()));
        }
        w.unsigned_varint(tags.len() as u32);
        for (tag, bytes) in tags {
            w.unsigned_varint(tag);
            w.unsigned_varint(bytes.len() as u32);
            for b in bytes {
                w.i8(b as i8);
            }
        }
    }
    w.bytes_written().to_vec()
}

pub fn decode_value(
    transactional_id: &str,
    bytes: &[u8],
) -> Result<TransactionMetadata, DecodeError> {
    let mut r = Reader::new(bytes);
    let position = r.position();
    let version = r.i16()?;
    if !(0..=FLEXIBLE).contains(&version) {
        return Err(DecodeError::InvalidLength {
            what: "transaction log value version",
            length: i64::from(version),
            position,
        });
    }
    let flexible = version >= FLEXIBLE;
    let producer_id = r.i64()?;
    let producer_epoch = r.i16()?;
    let timeout_ms = r.i32()?;
    let state = TransactionState::from_i8(r.i8()?);
    let topics = r
        .nullable_array(flexible, 2, |r| {
            let topic = r.string(flexible)?.to_owned();
            let ids = r.array(flexible, 4, |r| r.i32())?;
            r.skip_tagged_fields(flexible)?;
            Ok((topic, ids))
        })?
        .unwrap_or_default();
    let last_update_ms = r.i64()?;
    let start_ms = r.i64()?;
    let mut previous_producer_id = -1;
    let mut client_transaction_version = 0;
    r.tagged_fields(flexible, |tag, r| match tag {
        0 => {
            previous_producer_id = r.i64()?;
            Ok(true)
        }
        2 => {
            client_transaction_version = r.i16()?;
            Ok(true)
        }
        _ => Ok(false),
    })?;
    let mut m = TransactionMetadata::new(
        transactional_id,
        producer_id,
        producer_epoch,
        timeout_ms,
        start_ms,
    );
    m.state = state;
    m.last_update_ms = last_update_ms;
    m.previous_producer_id = previous_producer_id;
    m.client_transaction_version = client_transaction_version;
    for (topic, ids) in topics {
        for p in ids {
            m.partitions.insert((topic.clone(), p));
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample() -> TransactionMetadata {
        let mut m = TransactionMetadata::new("tx", 7, 3, 60_000, 1_000);
        m.state = TransactionState::Ongoing;
        m.partitions.insert(("orders".into(), 0));
        m.partitions.insert(("orders".into(), 2));
        m.last_update_ms = 2_000;
        m
    }

    #[test]
    fn test_key_golden() {
        assert_eq!(encode_key("tx"), [0, 0, 0, 2, b't', b'x']);
        assert_eq!(
            decode_key(&encode_key("tx")).unwrap().as_deref(),
            Some("tx")
        );
    }

    #[test]
    fn test_value_v0_golden() {
        #[rustfmt::skip]
        let expected = [
            0, 0, // version 0
            0, 0, 0, 0, 0, 0, 0, 7, // producer id
            0, 3, // producer epoch
            0, 0, 0xea, 0x60, // timeout 60000
            1, // state: Ongoing
            0, 0, 0, 1, // one topic
            0, 6, b'o', b'r', b'd', b'e', b'r', b's',
            0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, // partitions 0 and 2
            0, 0, 0, 0, 0, 0, 0x07, 0xd0, // last update 2000
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // start 1000
        ];
        assert_eq!(encode_value(&sample()), expected);
        assert_eq!(decode_value("tx", &expected).unwrap(), sample());
    }

    #[test]
    fn test_value_v1_keeps_tagged_fields() {
        let mut m = sample();
        m.previous_producer_id = 5;
        m.client_transaction_version = 2;
        let bytes = encode_value(&m);
        assert_eq!(&bytes[..2], &[0, 1]);
        assert_eq!(decode_value("tx", &bytes).unwrap(), m);
    }

    proptest! {
        #[test]
        fn test_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode_key(&bytes);
            let _ = decode_value("t", &bytes);
        }
    }
}
