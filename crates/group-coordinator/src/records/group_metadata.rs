//! GroupMetadataValue: a classic group's generation, protocol, leader and members with
//! their subscriptions and assignments, written when a generation's assignment is
//! settled and when the group empties.

use fjord_protocol::codec::{DecodeError, Reader, Writer};

use super::value_version;

/// Versions 0 to 4 are read; 3 is written (what Kafka writes since 2.3).
const MAX_VERSION: i16 = 4;
const WRITE_VERSION: i16 = 3;
const FLEXIBLE: i16 = 4;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMetadataValue {
    /// "consumer" for consumers, "connect" for Connect workers, "" for a group that
    /// only stores offsets.
    pub protocol_type: String,
    pub generation: i32,
    /// The chosen assignment protocol (`range`, `cooperative-sticky`, ...).
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// When the group entered its current state (-1: unknown); offsets of an empty
    /// group expire counted from here.
    pub current_state_timestamp: i64,
    pub members: Vec<MemberMetadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberMetadata {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout: i32,
    pub session_timeout: i32,
    /// The member's metadata for the chosen protocol.
    pub subscription: Vec<u8>,
    pub assignment: Vec<u8>,
}

impl GroupMetadataValue {
    pub fn encode(&self) -> Vec<u8> {
        // Strings too long for int16 lengths (read from a Kafka v4 record) keep v4.
        let version = if self.fits_classic() {
            WRITE_VERSION
        } else {
            MAX_VERSION
        };
        let f = version >= FLEXIBLE;
        let mut w = Writer::new();
        w.i16(version);
        w.string(f, &self.protocol_type);
        w.i32(self.generation);
        w.nullable_string(f, self.protocol.as_deref());
        w.nullable_string(f, self.leader.as_deref());
        w.i64(self.current_state_timestamp);
        w.array(f, &self.members, |w, m| {
            w.string(f, &m.member_id);
            w.nullable_string(f, m.group_instance_id.as_deref());
            w.string(f, &m.client_id);
            w.string(f, &m.client_host);
            w.i32(m.rebalance_timeout);
            w.i32(m.session_timeout);
            w.bytes(f, &m.subscription);
            w.bytes(f, &m.assignment);
            w.empty_tagged_fields(f);
        });
        w.empty_tagged_fields(f);
        w.bytes_written().to_vec()
    }

    fn fits_classic(&self) -> bool {
        let strings = [self.protocol_type.as_str()]
            .into_iter()
            .chain(self.protocol.as_deref())
            .chain(self.leader.as_deref())
            .chain(self.members.iter().flat_map(|m| {
                [
                    m.member_id.as_str(),
                    m.client_id.as_str(),
                    m.client_host.as_str(),
                ]
                .into_iter()
                .chain(m.group_instance_id.as_deref())
            }));
        super::fits(strings)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = value_version(&mut r, MAX_VERSION)?;
        let flexible = version >= FLEXIBLE;
        let protocol_type = r.string(flexible)?.to_owned();
        let generation = r.i32()?;
        let protocol = r.nullable_string(flexible)?.map(str::to_owned);
        let leader = r.nullable_string(flexible)?.map(str::to_owned);
        let current_state_timestamp = if version >= 2 { r.i64()? } else { -1 };
        // A member takes at least its five length prefixes and the session timeout.
        let members = r.array(flexible, 14, |r| decode_member(r, version))?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            protocol_type,
            generation,
            protocol,
            leader,
            current_state_timestamp,
            members,
        })
    }
}

fn decode_member(r: &mut Reader<'_>, version: i16) -> Result<MemberMetadata, DecodeError> {
    let flexible = version >= FLEXIBLE;
    let member_id = r.string(flexible)?.to_owned();
    let group_instance_id = if version >= 3 {
        r.nullable_string(flexible)?.map(str::to_owned)
    } else {
        None
    };
    let client_id = r.string(flexible)?.to_owned();
    let client_host = r.string(flexible)?.to_owned();
    let session_timeout_first = version == 0;
    let (rebalance_timeout, session_timeout) = if session_timeout_first {
        let session = r.i32()?;
        (session, session)
    } else {
        (r.i32()?, r.i32()?)
    };
    let member = MemberMetadata {
        member_id,
        group_instance_id,
        client_id,
        client_host,
        rebalance_timeout,
        session_timeout,
        subscription: r.bytes(flexible)?.to_vec(),
        assignment: r.bytes(flexible)?.to_vec(),
    };
    r.skip_tagged_fields(flexible)?;
    Ok(member)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample() -> GroupMetadataValue {
        GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 3,
            protocol: Some("range".into()),
            leader: Some("m-1".into()),
            current_state_timestamp: 77,
            members: vec![MemberMetadata {
                member_id: "m-1".into(),
                group_instance_id: Some("i".into()),
                client_id: "c".into(),
                client_host: "/127.0.0.1".into(),
                rebalance_timeout: 300_000,
                session_timeout: 45_000,
                subscription: vec![1, 2],
                assignment: vec![3],
            }],
        }
    }

    #[test]
    fn test_group_metadata_value_round_trips() {
        assert_eq!(
            GroupMetadataValue::decode(&sample().encode()).unwrap(),
            sample()
        );
        let empty = GroupMetadataValue {
            protocol: None,
            leader: None,
            members: vec![],
            ..sample()
        };
        assert_eq!(GroupMetadataValue::decode(&empty.encode()).unwrap(), empty);
    }

    #[test]
    fn test_group_metadata_value_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, // version 0
            0x00, 0x01, b'c', // protocol type
            0x00, 0x00, 0x00, 0x01, // generation
            0xff, 0xff, // protocol: null
            0xff, 0xff, // leader: null
            0x00, 0x00, 0x00, 0x01, // one member
            0x00, 0x01, b'm', // member id
            0x00, 0x01, b'k', // client id
            0x00, 0x01, b'h', // client host
            0x00, 0x00, 0x27, 0x10, // session timeout 10000
            0x00, 0x00, 0x00, 0x01, 0x09, // subscription
            0x00, 0x00, 0x00, 0x00, // assignment: empty
        ];
        let value = GroupMetadataValue::decode(&bytes).unwrap();
        assert_eq!(value.generation, 1);
        assert_eq!(value.current_state_timestamp, -1);
        assert_eq!(value.members[0].session_timeout, 10_000);
        assert_eq!(value.members[0].rebalance_timeout, 10_000);
        assert_eq!(value.members[0].subscription, vec![9]);
        assert_eq!(value.members[0].group_instance_id, None);
    }

    #[test]
    fn test_group_metadata_value_writes_v3() {
        let bytes = sample().encode();
        assert_eq!(&bytes[..2], &[0, 3]);
    }

    proptest! {
        #[test]
        fn test_group_metadata_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = GroupMetadataValue::decode(&bytes);
            let _ = super::super::RecordKey::decode(&bytes);
            let _ = super::super::OffsetCommitValue::decode(&bytes);
        }
    }
}
