//! The records the group coordinator reads back from `__consumer_offsets` when it loads
//! a partition (`fjord-group-coordinator`'s `records` and `ShardState::replay`).
//!
//! The input is a sequence of records, each a key and a value with a 2-byte big-endian
//! length before each (see [`records`]; [`input`] builds one). A length of `0xffff` is
//! a null key or a null value (a tombstone); a length past the end of the input takes
//! what is left. Every record:
//! - is replayed, in order, into one `ShardState::default()`, as loading does;
//! - has its key decoded as a `RecordKey` and its value with every value decoder (and
//!   as a classic "consumer" subscription); whatever decodes is encoded again, and that
//!   must decode to the same value.
//!
//! Then the loaded state is used as the coordinator would: each group's state and
//! deadlines, its subscriptions, its offsets' expiry, and the records it would write
//! next (a classic group's GroupMetadataValue must decode again).

use std::fmt::Debug;

use fjord_group_coordinator::classic::subscription_topics;
use fjord_group_coordinator::records::consumer_group::{
    decode_assignment, decode_epoch, encode_assignment, encode_epoch, CurrentAssignmentValue,
    MemberSubscription,
};
use fjord_group_coordinator::records::{GroupMetadataValue, OffsetCommitValue, RecordKey};
use fjord_group_coordinator::shard::{Group, ShardState};
use fjord_protocol::codec::DecodeError;

/// The clock the records are replayed at (2023-11-14), as the broker's would be.
pub const NOW_MS: i64 = 1_700_000_000_000;

/// A null key or value.
const NULL: u16 = 0xffff;

/// Kafka's defaults for `group.consumer.session.timeout.ms` and
/// `offsets.retention.minutes`.
const CONSUMER_SESSION_TIMEOUT_MS: i32 = 45_000;
const OFFSETS_RETENTION_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One record of an input: its key and value, `None` when null.
pub type Record<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Splits an input into its records.
pub fn records(mut data: &[u8]) -> Vec<Record<'_>> {
    let mut records = Vec::new();
    while !data.is_empty() {
        let key = field(&mut data);
        let value = field(&mut data);
        records.push((key, value));
    }
    records
}

/// A length-prefixed field from the front of `data`; `None` when null or when no
/// length is left.
fn field<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    if data.len() < 2 {
        *data = &[];
        return None;
    }
    let len = u16::from_be_bytes([data[0], data[1]]);
    *data = &data[2..];
    if len == NULL {
        return None;
    }
    let len = usize::from(len).min(data.len());
    let (field, rest) = data.split_at(len);
    *data = rest;
    Some(field)
}

/// The input that [`records`] splits into `records` (fields of 65,535 bytes or more do
/// not fit).
pub fn input(records: &[Record<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in records {
        for field in [key, value] {
            match field {
                Some(bytes) => {
                    let len = u16::try_from(bytes.len())
                        .ok()
                        .filter(|&len| len != NULL)
                        .expect("a field shorter than 65,535 bytes");
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(bytes);
                }
                None => out.extend_from_slice(&NULL.to_be_bytes()),
            }
        }
    }
    out
}

/// The `coordinator_records` target.
pub fn check(data: &[u8]) {
    let records = records(data);
    let mut state = ShardState::default();
    for &(key, value) in &records {
        if let Some(key) = key {
            check_key(key);
        }
        if let Some(value) = value {
            check_value(value);
        }
        state.replay(key, value, NOW_MS);
    }
    use_loaded_state(&state);
}

/// True if every record of `data` has a key that decodes and a value (unless a
/// tombstone) that the decoder for its key's record type reads (for seed tests).
pub fn decodes_completely(data: &[u8]) -> bool {
    let records = records(data);
    !records.is_empty()
        && records.iter().all(|&(key, value)| {
            let Some(Ok(key)) = key.map(RecordKey::decode) else {
                return false;
            };
            let Some(value) = value else { return true };
            match key {
                RecordKey::OffsetCommit { .. } => OffsetCommitValue::decode(value).is_ok(),
                RecordKey::GroupMetadata { .. } => GroupMetadataValue::decode(value).is_ok(),
                RecordKey::ConsumerGroupMetadata { .. }
                | RecordKey::TargetAssignmentMetadata { .. } => decode_epoch(value).is_ok(),
                RecordKey::ConsumerGroupMember { .. } => MemberSubscription::decode(value).is_ok(),
                RecordKey::TargetAssignmentMember { .. } => decode_assignment(value).is_ok(),
                RecordKey::CurrentMemberAssignment { .. } => {
                    CurrentAssignmentValue::decode(value).is_ok()
                }
                RecordKey::Other(_) => true,
            }
        })
}

fn check_key(bytes: &[u8]) {
    if let Ok(key) = RecordKey::decode(bytes) {
        round_trip("RecordKey", &key, RecordKey::encode, RecordKey::decode);
        let group = key.group();
        assert_eq!(group.is_none(), matches!(key, RecordKey::Other(_)));
    }
}

/// Every value decoder on `bytes`, whatever the key says: a value of one type read as
/// another is what a corrupt or foreign log holds.
fn check_value(bytes: &[u8]) {
    if let Ok(value) = OffsetCommitValue::decode(bytes) {
        round_trip(
            "OffsetCommitValue",
            &value,
            OffsetCommitValue::encode,
            OffsetCommitValue::decode,
        );
    }
    if let Ok(value) = GroupMetadataValue::decode(bytes) {
        round_trip(
            "GroupMetadataValue",
            &value,
            GroupMetadataValue::encode,
            GroupMetadataValue::decode,
        );
    }
    if let Ok(value) = MemberSubscription::decode(bytes) {
        round_trip(
            "MemberSubscription",
            &value,
            MemberSubscription::encode,
            MemberSubscription::decode,
        );
    }
    if let Ok(value) = CurrentAssignmentValue::decode(bytes) {
        round_trip(
            "CurrentAssignmentValue",
            &value,
            CurrentAssignmentValue::encode,
            CurrentAssignmentValue::decode,
        );
    }
    if let Ok(value) = decode_assignment(bytes) {
        round_trip("assignment", &value, encode_assignment, decode_assignment);
    }
    if let Ok(epoch) = decode_epoch(bytes) {
        round_trip("epoch", &epoch, |e| encode_epoch(*e), decode_epoch);
    }
    // A classic member's subscription, read for OffsetDelete's "is it subscribed?".
    let topics = subscription_topics(bytes);
    assert!(topics.iter().map(String::len).sum::<usize>() <= bytes.len());
}

/// `decode(encode(value)) == value`.
fn round_trip<T: PartialEq + Debug>(
    what: &str,
    value: &T,
    encode: impl Fn(&T) -> Vec<u8>,
    decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
) {
    let bytes = encode(value);
    let again = decode(&bytes).unwrap_or_else(|err| {
        panic!("{what}: the re-encoding of {value:?} does not decode: {err}\n{bytes:02x?}")
    });
    assert_eq!(&again, value, "{what}: decode(encode(value)) != value");
}

/// What the coordinator does with a loaded partition: the group clock, OffsetDelete's
/// subscription check, offset expiry, and the records it writes for a group next.
fn use_loaded_state(state: &ShardState) {
    for (id, group) in &state.groups {
        let _ = (
            group.is_empty(),
            group.uses_protocol(),
            group.state_since_ms(),
        );
        let _ = group.is_subscribed_to("events");
        for record in group.removal_records(id) {
            assert_eq!(record.key.group(), Some(id.as_str()));
            assert!(record.value.is_none(), "a removal record with a value");
        }
        match group {
            Group::Classic(classic) => {
                let _ = classic.next_deadline_ms();
                let record = classic.metadata_record(NOW_MS);
                assert_eq!(record.key, RecordKey::GroupMetadata { group: id.clone() });
                let value = record.value.expect("a group metadata record has a value");
                let decoded = GroupMetadataValue::decode(&value).unwrap_or_else(|err| {
                    panic!("the metadata record of loaded group {id:?} does not decode: {err}")
                });
                assert_eq!(decoded.members.len(), classic.member_count());
            }
            Group::Consumer(consumer) => {
                let _ = consumer.next_deadline_ms(CONSUMER_SESSION_TIMEOUT_MS);
                let _ = (consumer.state_name(), consumer.assignor_name("uniform"));
            }
        }
    }
    for (group, offsets) in state.offsets.groups() {
        let expired = state
            .offsets
            .expired(group, NOW_MS, OFFSETS_RETENTION_MS, |v| v.commit_timestamp);
        assert!(expired.len() <= offsets.len());
    }
}

#[cfg(test)]
mod tests {
    use fjord_group_coordinator::records::CoordinatorRecord;

    use super::*;
    use crate::seeds::{
        consumer_group_records, coordinator_input, group_metadata_record, offset_commit_record,
        offset_commit_value,
    };

    fn load(records: &[CoordinatorRecord]) -> ShardState {
        let input = coordinator_input(records);
        check(&input);
        let mut state = ShardState::default();
        for (key, value) in super::records(&input) {
            state.replay(key, value, NOW_MS);
        }
        state
    }

    /// The seeds' records, encoded by the coordinator's own encoders, load as it wrote
    /// them: the harness feeds `replay` what loading would.
    #[test]
    fn test_seed_records_load() {
        let state = load(&[
            group_metadata_record("orders-app"),
            offset_commit_record("orders-app", 0, 42),
            offset_commit_record("orders-app", 1, 43),
        ]);
        assert_eq!(
            state.offsets.get("orders-app", "events", 0),
            Some(&offset_commit_value(42))
        );
        assert_eq!(
            state.offsets.get("orders-app", "events", 1).unwrap().offset,
            43
        );
        let Some(Group::Classic(group)) = state.groups.get("orders-app") else {
            panic!("the classic group did not load");
        };
        assert_eq!(group.member_count(), 2);
        assert!(group.is_subscribed_to("events"));

        let state = load(&consumer_group_records("payments", "member-1"));
        let Some(Group::Consumer(group)) = state.groups.get("payments") else {
            panic!("the consumer group did not load");
        };
        assert!(!group.is_empty());
        assert!(group.is_subscribed_to("events"));
    }

    #[test]
    fn test_tombstones_remove_what_they_name() {
        let state = load(&[
            group_metadata_record("orders-app"),
            offset_commit_record("orders-app", 0, 42),
            offset_commit_record("orders-app", 1, 43),
            CoordinatorRecord::offset_tombstone("orders-app", "events", 0),
            CoordinatorRecord::group_tombstone("orders-app"),
        ]);
        assert!(!state.groups.contains_key("orders-app"));
        assert_eq!(state.offsets.get("orders-app", "events", 0), None);
        assert!(state.offsets.get("orders-app", "events", 1).is_some());
    }

    #[test]
    fn test_input_splits_back_into_its_records() {
        let records: Vec<Record<'_>> = vec![
            (Some(b"key"), Some(b"value")),
            (None, Some(b"")),
            (Some(b""), None),
            (None, None),
        ];
        assert_eq!(super::records(&input(&records)), records);
    }

    #[test]
    fn test_lengths_past_the_end_take_the_rest() {
        assert_eq!(
            records(&[0, 9, b'k', 0xff]),
            vec![(Some(&b"k\xff"[..]), None)]
        );
        assert_eq!(records(&[0]), vec![(None, None)]);
        assert!(records(&[]).is_empty());
    }
}
