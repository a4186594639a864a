//! The Fetch request: what to read, from which partitions and offsets, and the fetch
//! session it belongs to.

use super::{
    compact_string_size, decode_topic_ref, encode_topic_ref, topic_min_size, FLEXIBLE,
    REPLICA_STATE,
};
use crate::codec::min_size::{tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};

/// `replica_id` of a consumer (anything but a follower).
pub const CONSUMER_REPLICA_ID: i32 = -1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// The cluster id if the sender knows it (v12+, tagged field 0).
    pub cluster_id: Option<String>,
    /// The follower's broker id, or [`CONSUMER_REPLICA_ID`]. A plain field up to v14;
    /// from v15 part of the ReplicaState tagged field (tag 1) with `replica_epoch`,
    /// written only when either differs from -1.
    pub replica_id: i32,
    /// The follower's broker epoch, or -1 (v15+).
    pub replica_epoch: i64,
    pub max_wait_ms: i32,
    pub min_bytes: i32,
    pub max_bytes: i32,
    /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED.
    pub isolation_level: i8,
    /// The fetch session (KIP-227): 0 for none (v7+).
    pub session_id: i32,
    /// -1 for a full fetch without a session (v7+).
    pub session_epoch: i32,
    pub topics: Vec<FetchTopic>,
    /// Partitions an incremental fetch drops from its session (v7+).
    pub forgotten_topics_data: Vec<ForgottenTopic>,
    /// The consumer's rack, for follower fetching (v11+).
    pub rack_id: String,
}

/// Kafka's defaults: no session, no limit, a consumer.
impl Default for FetchRequest {
    fn default() -> Self {
        Self {
            cluster_id: None,
            replica_id: CONSUMER_REPLICA_ID,
            replica_epoch: -1,
            max_wait_ms: 0,
            min_bytes: 0,
            max_bytes: i32::MAX,
            isolation_level: 0,
            session_id: 0,
            session_epoch: -1,
            topics: Vec::new(),
            forgotten_topics_data: Vec::new(),
            rack_id: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchTopic {
    /// v4-12.
    pub topic: String,
    /// v13+.
    pub topic_id: [u8; 16],
    pub partitions: Vec<FetchPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPartition {
    pub partition: i32,
    /// For fencing (KIP-320), -1 if unknown (v9+).
    pub current_leader_epoch: i32,
    pub fetch_offset: i64,
    /// The epoch of the last record fetched, for divergence checks, -1 if none (v12+).
    pub last_fetched_epoch: i32,
    /// The follower's log start offset; -1 from consumers (v5+).
    pub log_start_offset: i64,
    pub partition_max_bytes: i32,
}

impl Default for FetchPartition {
    fn default() -> Self {
        Self {
            partition: 0,
            current_leader_epoch: -1,
            fetch_offset: 0,
            last_fetched_epoch: -1,
            log_start_offset: -1,
            partition_max_bytes: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgottenTopic {
    /// v7-12.
    pub topic: String,
    /// v13+.
    pub topic_id: [u8; 16],
    pub partitions: Vec<i32>,
}

impl Decode for FetchRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version < REPLICA_STATE {
            request.replica_id = r.i32()?;
        }
        request.max_wait_ms = r.i32()?;
        request.min_bytes = r.i32()?;
        request.max_bytes = r.i32()?;
        request.isolation_level = r.i8()?;
        if version >= 7 {
            request.session_id = r.i32()?;
            request.session_epoch = r.i32()?;
        }
        let partition_min = fetch_partition_min_size(version);
        request.topics = r.array(flexible, topic_min_size(version), |r| {
            let (topic, topic_id) = decode_topic_ref(r, version)?;
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = FetchPartition {
                    partition: r.i32()?,
                    ..Default::default()
                };
                if version >= 9 {
                    p.current_leader_epoch = r.i32()?;
                }
                p.fetch_offset = r.i64()?;
                if version >= 12 {
                    p.last_fetched_epoch = r.i32()?;
                }
                if version >= 5 {
                    p.log_start_offset = r.i64()?;
                }
                p.partition_max_bytes = r.i32()?;
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(FetchTopic {
                topic,
                topic_id,
                partitions,
            })
        })?;
        if version >= 7 {
            request.forgotten_topics_data = r.array(flexible, topic_min_size(version), |r| {
                let (topic, topic_id) = decode_topic_ref(r, version)?;
                let partitions = r.array(flexible, 4, Reader::i32)?;
                r.skip_tagged_fields(flexible)?;
                Ok(ForgottenTopic {
                    topic,
                    topic_id,
                    partitions,
                })
            })?;
        }
        if version >= 11 {
            request.rack_id = r.string(flexible)?.to_owned();
        }
        r.tagged_fields(flexible, |tag, r| {
            match tag {
                0 => request.cluster_id = r.nullable_string(true)?.map(str::to_owned),
                1 if version >= REPLICA_STATE => {
                    request.replica_id = r.i32()?;
                    request.replica_epoch = r.i64()?;
                    r.skip_tagged_fields(true)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(request)
    }
}

impl Encode for FetchRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version < REPLICA_STATE {
            w.i32(self.replica_id);
        }
        w.i32(self.max_wait_ms);
        w.i32(self.min_bytes);
        w.i32(self.max_bytes);
        w.i8(self.isolation_level);
        if version >= 7 {
            w.i32(self.session_id);
            w.i32(self.session_epoch);
        }
        w.array(flexible, &self.topics, |w, topic| {
            encode_topic_ref(w, version, &topic.topic, &topic.topic_id);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition);
                if version >= 9 {
                    w.i32(p.current_leader_epoch);
                }
                w.i64(p.fetch_offset);
                if version >= 12 {
                    w.i32(p.last_fetched_epoch);
                }
                if version >= 5 {
                    w.i64(p.log_start_offset);
                }
                w.i32(p.partition_max_bytes);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        if version >= 7 {
            w.array(flexible, &self.forgotten_topics_data, |w, topic| {
                encode_topic_ref(w, version, &topic.topic, &topic.topic_id);
                w.array(flexible, &topic.partitions, |w, p| w.i32(*p));
                w.empty_tagged_fields(flexible);
            });
        }
        if version >= 11 {
            w.string(flexible, &self.rack_id);
        }
        if flexible {
            let cluster_id = self.cluster_id.as_deref();
            let replica_state = version >= REPLICA_STATE
                && (self.replica_id != CONSUMER_REPLICA_ID || self.replica_epoch != -1);
            w.unsigned_varint(u32::from(cluster_id.is_some()) + u32::from(replica_state));
            if let Some(cluster_id) = cluster_id {
                w.unsigned_varint(0);
                w.unsigned_varint(compact_string_size(Some(cluster_id)) as u32);
                w.nullable_string(true, Some(cluster_id));
            }
            if replica_state {
                // int32, int64 and an empty tagged-field section.
                w.unsigned_varint(1);
                w.unsigned_varint(13);
                w.i32(self.replica_id);
                w.i64(self.replica_epoch);
                w.unsigned_varint(0);
            }
        }
    }
}

// The smallest encodings of array elements, which bound array lengths on decode.

/// A request partition: int32, int64, int32, from v5 an int64, from v9 an int32, from
/// v12 another (and tagged fields).
fn fetch_partition_min_size(version: i16) -> usize {
    16 + when(version >= 5, 8)
        + when(version >= 9, 4)
        + when(version >= 12, 4)
        + tags_min(version >= FLEXIBLE)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
        encode_to_vec,
    };
    use crate::messages::fetch::{FetchResponse, TOPIC_IDS, VERSIONS};

    const TOPIC_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    fn sample_request(version: i16) -> FetchRequest {
        let by_name = version < TOPIC_IDS;
        FetchRequest {
            cluster_id: (version >= FLEXIBLE).then(|| "fjord-cluster".into()),
            replica_id: 3,
            replica_epoch: if version >= REPLICA_STATE { 42 } else { -1 },
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: 52_428_800,
            isolation_level: 1,
            session_id: if version >= 7 { 77 } else { 0 },
            session_epoch: if version >= 7 { 4 } else { -1 },
            topics: vec![FetchTopic {
                topic: if by_name {
                    "orders".into()
                } else {
                    String::new()
                },
                topic_id: if by_name { [0; 16] } else { TOPIC_ID },
                partitions: vec![
                    FetchPartition {
                        partition: 2,
                        current_leader_epoch: if version >= 9 { 6 } else { -1 },
                        fetch_offset: 1_000,
                        last_fetched_epoch: if version >= 12 { 5 } else { -1 },
                        log_start_offset: if version >= 5 { 10 } else { -1 },
                        partition_max_bytes: 1_048_576,
                    },
                    FetchPartition {
                        partition: 3,
                        fetch_offset: 7,
                        partition_max_bytes: 4096,
                        ..Default::default()
                    },
                ],
            }],
            forgotten_topics_data: if version >= 7 {
                vec![ForgottenTopic {
                    topic: if by_name { "old".into() } else { String::new() },
                    topic_id: if by_name { [0; 16] } else { [0xee; 16] },
                    partitions: vec![0, 5],
                }]
            } else {
                Vec::new()
            },
            rack_id: if version >= 11 {
                "rack-a".into()
            } else {
                String::new()
            },
        }
    }

    #[test]
    fn test_fetch_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
    }

    #[test]
    fn test_fetch_request_consumer_sends_no_replica_state_from_v15() {
        let request = FetchRequest {
            max_wait_ms: 1,
            ..Default::default()
        };
        let bytes = encode_to_vec(&request, 15);
        // max_wait_ms, min_bytes, max_bytes, isolation_level, session id and epoch,
        // empty topics, empty forgotten topics, empty rack id, no tagged fields.
        assert_eq!(bytes.len(), 4 + 4 + 4 + 1 + 4 + 4 + 1 + 1 + 1 + 1);
        assert_round_trips(&request, [15]);
    }

    #[test]
    fn test_fetch_request_v4_golden() {
        #[rustfmt::skip]
        let bytes = [
            0xff, 0xff, 0xff, 0xff, // replica_id: -1
            0x00, 0x00, 0x01, 0xf4, // max_wait_ms: 500
            0x00, 0x00, 0x00, 0x01, // min_bytes: 1
            0x00, 0x10, 0x00, 0x00, // max_bytes: 1 MiB
            0x01, // isolation_level: READ_COMMITTED
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // topic: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition: 0
            0, 0, 0, 0, 0, 0, 0, 100, // fetch_offset: 100
            0x00, 0x01, 0x00, 0x00, // partition_max_bytes: 64 KiB
        ];
        let request: FetchRequest = decode_exact(&bytes, 4);
        assert_eq!(
            request,
            FetchRequest {
                replica_id: -1,
                max_wait_ms: 500,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: 1,
                topics: vec![FetchTopic {
                    topic: "t".into(),
                    topic_id: [0; 16],
                    partitions: vec![FetchPartition {
                        partition: 0,
                        fetch_offset: 100,
                        partition_max_bytes: 1 << 16,
                        ..Default::default()
                    }],
                }],
                ..Default::default()
            }
        );
    }

    #[test]
    fn test_fetch_request_v15_golden_with_topic_ids_and_replica_state() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x01, 0xf4, // max_wait_ms: 500
            0x00, 0x00, 0x00, 0x01, // min_bytes: 1
            0x7f, 0xff, 0xff, 0xff, // max_bytes: i32::MAX
            0x00, // isolation_level: READ_UNCOMMITTED
            0x00, 0x00, 0x00, 0x00, // session_id: 0
            0xff, 0xff, 0xff, 0xff, // session_epoch: -1
            0x02, // topics: 1 (compact)
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // topic_id
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition: 1
            0x00, 0x00, 0x00, 0x03, // current_leader_epoch: 3
            0, 0, 0, 0, 0, 0, 0, 10, // fetch_offset: 10
            0x00, 0x00, 0x00, 0x02, // last_fetched_epoch: 2
            0, 0, 0, 0, 0, 0, 0, 0, // log_start_offset: 0
            0x00, 0x10, 0x00, 0x00, // partition_max_bytes: 1 MiB
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x02, // forgotten_topics_data: 1
            0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
            0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, // topic_id
            0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, // partitions: [4, 5]
            0x00, // forgotten topic tagged fields
            0x02, b'r', // rack_id: "r"
            0x02, // two tagged fields:
            0x00, 0x02, 0x02, b'c', // tag 0 (cluster_id), 2 bytes: "c"
            0x01, 0x0d, // tag 1 (replica_state), 13 bytes:
            0x00, 0x00, 0x00, 0x02, // replica_id: 2
            0, 0, 0, 0, 0, 0, 0, 7, // replica_epoch: 7
            0x00, // its tagged fields
        ];
        let expected = FetchRequest {
            cluster_id: Some("c".into()),
            replica_id: 2,
            replica_epoch: 7,
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: i32::MAX,
            isolation_level: 0,
            session_id: 0,
            session_epoch: -1,
            topics: vec![FetchTopic {
                topic: String::new(),
                topic_id: TOPIC_ID,
                partitions: vec![FetchPartition {
                    partition: 1,
                    current_leader_epoch: 3,
                    fetch_offset: 10,
                    last_fetched_epoch: 2,
                    log_start_offset: 0,
                    partition_max_bytes: 1 << 20,
                }],
            }],
            forgotten_topics_data: vec![ForgottenTopic {
                topic: String::new(),
                topic_id: [0x11; 16],
                partitions: vec![4, 5],
            }],
            rack_id: "r".into(),
        };
        assert_golden(&expected, 15, &bytes);
    }

    #[test]
    fn test_fetch_request_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let request = |topics: usize, partitions: usize, forgotten: usize| FetchRequest {
                topics: vec![
                    FetchTopic {
                        partitions: vec![FetchPartition::default(); partitions],
                        ..Default::default()
                    };
                    topics
                ],
                forgotten_topics_data: vec![ForgottenTopic::default(); forgotten],
                ..Default::default()
            };
            let empty = encode_to_vec(&request(0, 0, 0), version).len();
            let topic = encode_to_vec(&request(1, 0, 0), version).len();
            let partition = encode_to_vec(&request(1, 1, 0), version).len();
            assert_eq!(topic - empty, topic_min_size(version), "v{version}");
            assert_eq!(
                partition - topic,
                fetch_partition_min_size(version),
                "v{version}"
            );
            if version >= 7 {
                let forgotten = encode_to_vec(&request(0, 0, 1), version).len();
                assert_eq!(forgotten - empty, topic_min_size(version), "v{version}");
            }
        }
    }

    proptest! {
        #[test]
        fn test_fetch_request_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<FetchRequest>(&bytes, [version]);
        }

        /// A damaged request is also fed to the response decoder.
        #[test]
        fn test_fetch_request_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = damage(encode_to_vec(&sample_request(version), version), at, byte, cut);
            decode_without_panicking::<FetchRequest>(&bytes, [version]);
            decode_without_panicking::<FetchResponse>(&bytes, [version]);
        }
    }
}
