//! Round trips, goldens and hostile bytes for OffsetFetch.
use proptest::prelude::*;

use super::*;
use crate::codec::test_support::{
    assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
    encode_to_vec, written_len,
};

fn request_topics() -> Vec<OffsetFetchRequestTopic> {
    vec![
        OffsetFetchRequestTopic {
            name: "orders".into(),
            partition_indexes: vec![0, 1, 7],
        },
        OffsetFetchRequestTopic {
            name: "empty".into(),
            partition_indexes: Vec::new(),
        },
    ]
}

fn sample_request(version: i16) -> OffsetFetchRequest {
    let require_stable = version >= 7;
    if version < GROUPS {
        return OffsetFetchRequest {
            group_id: "billing".into(),
            topics: Some(request_topics()),
            require_stable,
            ..Default::default()
        };
    }
    let v9 = version >= 9;
    OffsetFetchRequest {
        groups: vec![
            OffsetFetchRequestGroup {
                group_id: "billing".into(),
                member_id: v9.then(|| "member-a".into()),
                member_epoch: if v9 { 12 } else { -1 },
                topics: Some(request_topics()),
            },
            OffsetFetchRequestGroup {
                group_id: "audit".into(),
                topics: None,
                ..Default::default()
            },
        ],
        require_stable,
        ..Default::default()
    }
}

fn response_topics(version: i16) -> Vec<OffsetFetchResponseTopic> {
    vec![OffsetFetchResponseTopic {
        name: "orders".into(),
        partitions: vec![
            OffsetFetchResponsePartition {
                partition_index: 0,
                committed_offset: 4_096,
                committed_leader_epoch: if version >= 5 { 3 } else { -1 },
                metadata: Some("checkpoint".into()),
                error_code: ErrorCode::NONE,
            },
            OffsetFetchResponsePartition {
                partition_index: 7,
                metadata: Some(String::new()),
                error_code: ErrorCode::UNSTABLE_OFFSET_COMMIT,
                ..Default::default()
            },
            OffsetFetchResponsePartition {
                partition_index: 9,
                ..Default::default()
            },
        ],
    }]
}

fn sample_response(version: i16) -> OffsetFetchResponse {
    let throttle_time_ms = if version >= 3 { 40 } else { 0 };
    if version < GROUPS {
        return OffsetFetchResponse {
            throttle_time_ms,
            topics: response_topics(version),
            error_code: if version >= 2 {
                ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
            } else {
                ErrorCode::NONE
            },
            ..Default::default()
        };
    }
    OffsetFetchResponse {
        throttle_time_ms,
        groups: vec![
            OffsetFetchResponseGroup {
                group_id: "billing".into(),
                topics: response_topics(version),
                error_code: ErrorCode::NONE,
            },
            OffsetFetchResponseGroup {
                group_id: "audit".into(),
                topics: Vec::new(),
                error_code: ErrorCode::GROUP_ID_NOT_FOUND,
            },
        ],
        ..Default::default()
    }
}

#[test]
fn test_offset_fetch_request_round_trips_in_every_version() {
    for version in VERSIONS {
        assert_round_trips(&sample_request(version), [version]);
        if (2..GROUPS).contains(&version) {
            let all_topics = OffsetFetchRequest {
                topics: None,
                ..sample_request(version)
            };
            assert_round_trips(&all_topics, [version]);
        }
    }
}

#[test]
fn test_offset_fetch_response_round_trips_in_every_version() {
    for version in VERSIONS {
        assert_round_trips(&sample_response(version), [version]);
    }
}

#[test]
fn test_offset_fetch_request_v1_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x00, 0x01, b'g', // group_id: "g"
        0x00, 0x00, 0x00, 0x01, // topics: 1
        0x00, 0x01, b't', // name: "t"
        0x00, 0x00, 0x00, 0x02, // partition_indexes: 2
        0x00, 0x00, 0x00, 0x00, // 0
        0x00, 0x00, 0x00, 0x05, // 5
    ];
    let request = OffsetFetchRequest {
        group_id: "g".into(),
        topics: Some(vec![OffsetFetchRequestTopic {
            name: "t".into(),
            partition_indexes: vec![0, 5],
        }]),
        ..Default::default()
    };
    assert_golden(&request, 1, &bytes);
}

#[test]
fn test_offset_fetch_request_null_topics_need_v2() {
    let request = OffsetFetchRequest {
        group_id: "g".into(),
        topics: None,
        ..Default::default()
    };
    #[rustfmt::skip]
    let v1 = [
        0x00, 0x01, b'g', // group_id: "g"
        0x00, 0x00, 0x00, 0x00, // topics: empty (v1 has no null array)
    ];
    assert_eq!(encode_to_vec(&request, 1), v1);
    #[rustfmt::skip]
    let v2 = [
        0x00, 0x01, b'g', // group_id: "g"
        0xff, 0xff, 0xff, 0xff, // topics: null (all)
    ];
    assert_golden(&request, 2, &v2);
}

#[test]
fn test_offset_fetch_request_v7_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x02, b'g', // group_id: "g" (compact)
        0x00, // topics: null (all)
        0x01, // require_stable: true
        0x00, // request tagged fields
    ];
    let request = OffsetFetchRequest {
        group_id: "g".into(),
        topics: None,
        require_stable: true,
        ..Default::default()
    };
    assert_golden(&request, 7, &bytes);
}

#[test]
fn test_offset_fetch_request_v9_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x03, // groups: 2 (compact)
        0x02, b'g', // group_id: "g"
        0x02, b'm', // member_id: "m"
        0x00, 0x00, 0x00, 0x04, // member_epoch: 4
        0x02, // topics: 1
        0x02, b't', // name: "t"
        0x02, 0x00, 0x00, 0x00, 0x03, // partition_indexes: [3]
        0x00, // topic tagged fields
        0x00, // group tagged fields
        0x02, b'h', // group_id: "h"
        0x00, // member_id: null
        0xff, 0xff, 0xff, 0xff, // member_epoch: -1
        0x00, // topics: null (all)
        0x00, // group tagged fields
        0x00, // require_stable: false
        0x00, // request tagged fields
    ];
    let request = OffsetFetchRequest {
        groups: vec![
            OffsetFetchRequestGroup {
                group_id: "g".into(),
                member_id: Some("m".into()),
                member_epoch: 4,
                topics: Some(vec![OffsetFetchRequestTopic {
                    name: "t".into(),
                    partition_indexes: vec![3],
                }]),
            },
            OffsetFetchRequestGroup {
                group_id: "h".into(),
                topics: None,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    assert_golden(&request, 9, &bytes);
    // v8 is the same without the member fields.
    #[rustfmt::skip]
    let v8 = [
        0x02, 0x02, b'h', // groups: 1, group_id: "h"
        0x00, 0x00, // topics: null, group tagged fields
        0x01, 0x00, // require_stable: true, request tagged fields
    ];
    let v8: OffsetFetchRequest = decode_exact(&v8, 8);
    assert_eq!(v8.groups, vec![request.groups[1].clone()]);
    assert!(v8.require_stable);
}

#[test]
fn test_offset_fetch_response_v2_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x00, 0x00, 0x00, 0x01, // topics: 1
        0x00, 0x01, b't', // name: "t"
        0x00, 0x00, 0x00, 0x01, // partitions: 1
        0x00, 0x00, 0x00, 0x01, // partition_index: 1
        0, 0, 0, 0, 0, 0, 0, 0x2a, // committed_offset: 42
        0x00, 0x02, b'm', b'd', // metadata: "md"
        0x00, 0x00, // error_code: NONE
        0x00, 0x0e, // error_code: COORDINATOR_LOAD_IN_PROGRESS (14)
    ];
    let response = OffsetFetchResponse {
        topics: vec![OffsetFetchResponseTopic {
            name: "t".into(),
            partitions: vec![OffsetFetchResponsePartition {
                partition_index: 1,
                committed_offset: 42,
                metadata: Some("md".into()),
                ..Default::default()
            }],
        }],
        error_code: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
        ..Default::default()
    };
    assert_golden(&response, 2, &bytes);
}

#[test]
fn test_offset_fetch_response_v5_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x00, 0x00, 0x00, 0x05, // throttle_time_ms: 5
        0x00, 0x00, 0x00, 0x01, // topics: 1
        0x00, 0x01, b't', // name: "t"
        0x00, 0x00, 0x00, 0x01, // partitions: 1
        0x00, 0x00, 0x00, 0x00, // partition_index: 0
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // committed_offset: -1
        0xff, 0xff, 0xff, 0xff, // committed_leader_epoch: -1
        0xff, 0xff, // metadata: null
        0x00, 0x00, // error_code: NONE
        0x00, 0x00, // error_code: NONE
    ];
    let response = OffsetFetchResponse {
        throttle_time_ms: 5,
        topics: vec![OffsetFetchResponseTopic {
            name: "t".into(),
            partitions: vec![OffsetFetchResponsePartition::default()],
        }],
        ..Default::default()
    };
    assert_golden(&response, 5, &bytes);
}

#[test]
fn test_offset_fetch_response_v9_golden() {
    #[rustfmt::skip]
    let bytes = [
        0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
        0x02, // groups: 1 (compact)
        0x02, b'g', // group_id: "g"
        0x02, // topics: 1
        0x02, b't', // name: "t"
        0x02, // partitions: 1
        0x00, 0x00, 0x00, 0x02, // partition_index: 2
        0, 0, 0, 0, 0, 0, 0x01, 0x00, // committed_offset: 256
        0x00, 0x00, 0x00, 0x07, // committed_leader_epoch: 7
        0x01, // metadata: ""
        0x00, 0x00, // error_code: NONE
        0x00, // partition tagged fields
        0x00, // topic tagged fields
        0x00, 0x71, // error_code: STALE_MEMBER_EPOCH (113)
        0x00, // group tagged fields
        0x00, // response tagged fields
    ];
    let response = OffsetFetchResponse {
        groups: vec![OffsetFetchResponseGroup {
            group_id: "g".into(),
            topics: vec![OffsetFetchResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetFetchResponsePartition {
                    partition_index: 2,
                    committed_offset: 256,
                    committed_leader_epoch: 7,
                    metadata: Some(String::new()),
                    error_code: ErrorCode::NONE,
                }],
            }],
            error_code: ErrorCode::STALE_MEMBER_EPOCH,
        }],
        ..Default::default()
    };
    assert_golden(&response, 9, &bytes);
}

#[test]
fn test_offset_fetch_min_sizes_match_the_smallest_encodings() {
    for version in VERSIONS {
        let flexible = version >= FLEXIBLE;
        let topic = OffsetFetchRequestTopic::default();
        let topics = Some(std::slice::from_ref(&topic));
        assert_eq!(
            written_len(|w| OffsetFetchRequestTopic::write_list(w, flexible, true, topics)),
            array_min(flexible) + OffsetFetchRequestTopic::min_size(flexible),
            "v{version}"
        );
        let partition = OffsetFetchResponsePartition::default();
        assert_eq!(
            written_len(|w| partition.write(w, version)),
            OffsetFetchResponsePartition::min_size(version),
            "v{version}"
        );
        let topic = OffsetFetchResponseTopic::default();
        let topics = std::slice::from_ref(&topic);
        assert_eq!(
            written_len(|w| OffsetFetchResponseTopic::write_list(w, version, topics)),
            array_min(flexible) + OffsetFetchResponseTopic::min_size(flexible),
            "v{version}"
        );
        if version >= GROUPS {
            let group = OffsetFetchRequestGroup {
                topics: None,
                ..Default::default()
            };
            assert_eq!(
                written_len(|w| group.write(w, version)),
                OffsetFetchRequestGroup::min_size(version),
                "v{version}"
            );
            assert_eq!(
                written_len(|w| OffsetFetchResponseGroup::default().write(w, version)),
                OffsetFetchResponseGroup::MIN_SIZE,
                "v{version}"
            );
        }
    }
}

proptest! {
    #[test]
    fn test_offset_fetch_decode_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        version in VERSIONS,
    ) {
        decode_without_panicking::<OffsetFetchRequest>(&bytes, [version]);
        decode_without_panicking::<OffsetFetchResponse>(&bytes, [version]);
    }

    #[test]
    fn test_offset_fetch_decode_never_panics_on_damaged_messages(
        version in VERSIONS,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        for message in [
            encode_to_vec(&sample_request(version), version),
            encode_to_vec(&sample_response(version), version),
        ] {
            let bytes = damage(message, at, byte, cut);
            decode_without_panicking::<OffsetFetchRequest>(&bytes, [version]);
            decode_without_panicking::<OffsetFetchResponse>(&bytes, [version]);
        }
    }
}
