//! The records a group coordinator keeps in `__consumer_offsets`, in Kafka's own key and
//! value schemas, so a log written by Kafka loads here and one written here loads in
//! Kafka (and `kafka-console-consumer --formatter` tools can read it).
//!
//! A key starts with an int16 record type (1 offset commit, 2 group metadata — 0 is the
//! legacy offset commit key); a value starts with its int16 schema version; a null
//! value is a tombstone that compaction eventually removes.

pub mod consumer_group;
mod group_metadata;
mod offset_commit;

pub use group_metadata::{GroupMetadataValue, MemberMetadata};
pub use offset_commit::OffsetCommitValue;

use fjord_protocol::codec::{DecodeError, Reader, Writer};

/// The longest string a record key or a classic (non-flexible) value can hold: its
/// length is an int16. Requests carrying longer ones are refused before anything is
/// written, or the record could not be read back.
pub const MAX_STRING_LEN: usize = i16::MAX as usize;

/// Does every string fit a record's int16 length?
pub fn fits<'a>(strings: impl IntoIterator<Item = &'a str>) -> bool {
    strings.into_iter().all(|s| s.len() <= MAX_STRING_LEN)
}

/// Record type of the legacy offset commit key (same layout as type 1).
const LEGACY_OFFSET_COMMIT: i16 = 0;
const OFFSET_COMMIT: i16 = 1;
const GROUP_METADATA: i16 = 2;
const CONSUMER_GROUP_METADATA: i16 = 3;
const CONSUMER_GROUP_MEMBER: i16 = 5;
const TARGET_ASSIGNMENT_METADATA: i16 = 6;
const TARGET_ASSIGNMENT_MEMBER: i16 = 7;
const CURRENT_MEMBER_ASSIGNMENT: i16 = 8;

/// The key of a `__consumer_offsets` record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordKey {
    OffsetCommit {
        group: String,
        topic: String,
        partition: i32,
    },
    GroupMetadata {
        group: String,
    },
    /// KIP-848: a consumer group's epoch.
    ConsumerGroupMetadata {
        group: String,
    },
    /// KIP-848: a member's subscription.
    ConsumerGroupMember {
        group: String,
        member: String,
    },
    /// KIP-848: the epoch of the group's target assignment.
    TargetAssignmentMetadata {
        group: String,
    },
    /// KIP-848: a member's target assignment.
    TargetAssignmentMember {
        group: String,
        member: String,
    },
    /// KIP-848: a member's current assignment and epoch.
    CurrentMemberAssignment {
        group: String,
        member: String,
    },
    /// A record type this coordinator does not keep (KIP-848 and share-group records,
    /// or a future type): skipped when loading, never rewritten.
    Other(i16),
}

impl RecordKey {
    pub fn group(&self) -> Option<&str> {
        match self {
            RecordKey::OffsetCommit { group, .. }
            | RecordKey::GroupMetadata { group }
            | RecordKey::ConsumerGroupMetadata { group }
            | RecordKey::ConsumerGroupMember { group, .. }
            | RecordKey::TargetAssignmentMetadata { group }
            | RecordKey::TargetAssignmentMember { group, .. }
            | RecordKey::CurrentMemberAssignment { group, .. } => Some(group),
            RecordKey::Other(_) => None,
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let key = match r.i16()? {
            LEGACY_OFFSET_COMMIT | OFFSET_COMMIT => RecordKey::OffsetCommit {
                group: r.string(false)?.to_owned(),
                topic: r.string(false)?.to_owned(),
                partition: r.i32()?,
            },
            GROUP_METADATA => RecordKey::GroupMetadata {
                group: r.string(false)?.to_owned(),
            },
            CONSUMER_GROUP_METADATA => RecordKey::ConsumerGroupMetadata {
                group: r.string(false)?.to_owned(),
            },
            TARGET_ASSIGNMENT_METADATA => RecordKey::TargetAssignmentMetadata {
                group: r.string(false)?.to_owned(),
            },
            kind @ (CONSUMER_GROUP_MEMBER
            | TARGET_ASSIGNMENT_MEMBER
            | CURRENT_MEMBER_ASSIGNMENT) => {
                let group = r.string(false)?.to_owned();
                let member = r.string(false)?.to_owned();
                match kind {
                    CONSUMER_GROUP_MEMBER => RecordKey::ConsumerGroupMember { group, member },
                    TARGET_ASSIGNMENT_MEMBER => RecordKey::TargetAssignmentMember { group, member },
                    _ => RecordKey::CurrentMemberAssignment { group, member },
                }
            }
            other => return Ok(RecordKey::Other(other)),
        };
        r.finish()?;
        Ok(key)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            RecordKey::OffsetCommit {
                group,
                topic,
                partition,
            } => {
                w.i16(OFFSET_COMMIT);
                w.string(false, group);
                w.string(false, topic);
                w.i32(*partition);
            }
            RecordKey::GroupMetadata { group } => {
                w.i16(GROUP_METADATA);
                w.string(false, group);
            }
            RecordKey::ConsumerGroupMetadata { group } => {
                w.i16(CONSUMER_GROUP_METADATA);
                w.string(false, group);
            }
            RecordKey::TargetAssignmentMetadata { group } => {
                w.i16(TARGET_ASSIGNMENT_METADATA);
                w.string(false, group);
            }
            RecordKey::ConsumerGroupMember { group, member }
            | RecordKey::TargetAssignmentMember { group, member }
            | RecordKey::CurrentMemberAssignment { group, member } => {
                w.i16(match self {
                    RecordKey::ConsumerGroupMember { .. } => CONSUMER_GROUP_MEMBER,
                    RecordKey::TargetAssignmentMember { .. } => TARGET_ASSIGNMENT_MEMBER,
                    _ => CURRENT_MEMBER_ASSIGNMENT,
                });
                w.string(false, group);
                w.string(false, member);
            }
            RecordKey::Other(kind) => w.i16(*kind),
        }
        w.bytes_written().to_vec()
    }
}

/// One record to append: a key and a value, or a tombstone (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorRecord {
    pub key: RecordKey,
    pub value: Option<Vec<u8>>,
}

impl CoordinatorRecord {
    pub fn offset_commit(
        group: &str,
        topic: &str,
        partition: i32,
        value: &OffsetCommitValue,
    ) -> Self {
        Self {
            key: RecordKey::OffsetCommit {
                group: group.to_owned(),
                topic: topic.to_owned(),
                partition,
            },
            value: Some(value.encode()),
        }
    }

    pub fn offset_tombstone(group: &str, topic: &str, partition: i32) -> Self {
        Self {
            key: RecordKey::OffsetCommit {
                group: group.to_owned(),
                topic: topic.to_owned(),
                partition,
            },
            value: None,
        }
    }

    pub fn group_metadata(group: &str, value: &GroupMetadataValue) -> Self {
        Self {
            key: RecordKey::GroupMetadata {
                group: group.to_owned(),
            },
            value: Some(value.encode()),
        }
    }

    /// A KIP-848 record: `value` or, if `None`, a tombstone for `key`.
    pub fn keyed(key: RecordKey, value: Option<Vec<u8>>) -> Self {
        Self { key, value }
    }

    pub fn group_tombstone(group: &str) -> Self {
        Self {
            key: RecordKey::GroupMetadata {
                group: group.to_owned(),
            },
            value: None,
        }
    }
}

/// Reads the int16 schema version that opens a value and checks it is one we know.
fn value_version(r: &mut Reader<'_>, max: i16) -> Result<i16, DecodeError> {
    let position = r.position();
    let version = r.i16()?;
    if !(0..=max).contains(&version) {
        return Err(DecodeError::InvalidLength {
            what: "record value version",
            length: i64::from(version),
            position,
        });
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_offset_commit_key_golden() {
        let key = RecordKey::OffsetCommit {
            group: "g".into(),
            topic: "t".into(),
            partition: 3,
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x01, // record type 1: offset commit
            0x00, 0x01, b'g', // group
            0x00, 0x01, b't', // topic
            0x00, 0x00, 0x00, 0x03, // partition
        ];
        assert_eq!(key.encode(), expected);
        assert_eq!(RecordKey::decode(&expected).unwrap(), key);
    }

    #[test]
    fn test_legacy_offset_commit_key_reads_as_offset_commit() {
        let bytes = [0, 0, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 0];
        assert_eq!(
            RecordKey::decode(&bytes).unwrap(),
            RecordKey::OffsetCommit {
                group: "g".into(),
                topic: "t".into(),
                partition: 0
            }
        );
    }

    #[test]
    fn test_group_metadata_key_golden() {
        let key = RecordKey::GroupMetadata { group: "ab".into() };
        let expected = [0x00, 0x02, 0x00, 0x02, b'a', b'b'];
        assert_eq!(key.encode(), expected);
        assert_eq!(RecordKey::decode(&expected).unwrap(), key);
    }

    #[test]
    fn test_consumer_group_keys_round_trip() {
        let keys = [
            RecordKey::ConsumerGroupMetadata { group: "g".into() },
            RecordKey::ConsumerGroupMember {
                group: "g".into(),
                member: "m".into(),
            },
            RecordKey::TargetAssignmentMetadata { group: "g".into() },
            RecordKey::TargetAssignmentMember {
                group: "g".into(),
                member: "m".into(),
            },
            RecordKey::CurrentMemberAssignment {
                group: "g".into(),
                member: "m".into(),
            },
        ];
        for key in keys {
            assert_eq!(RecordKey::decode(&key.encode()).unwrap(), key);
        }
        #[rustfmt::skip]
        let member_key = [
            0x00, 0x05, // record type 5: consumer group member metadata
            0x00, 0x01, b'g', // group
            0x00, 0x01, b'm', // member
        ];
        assert_eq!(
            RecordKey::ConsumerGroupMember {
                group: "g".into(),
                member: "m".into()
            }
            .encode(),
            member_key
        );
    }

    #[test]
    fn test_unknown_record_types_are_kept_apart() {
        // Type 4 (subscription metadata, no longer written by Kafka) and share groups.
        assert_eq!(
            RecordKey::decode(&[0, 4, 1, 2, 3]).unwrap(),
            RecordKey::Other(4)
        );
        assert_eq!(
            RecordKey::decode(&[0, 10, 0]).unwrap(),
            RecordKey::Other(10)
        );
    }

    #[test]
    fn test_truncated_key_is_an_error() {
        assert!(RecordKey::decode(&[0, 1, 0, 5, b'g']).is_err());
        assert!(RecordKey::decode(&[0]).is_err());
    }
}
