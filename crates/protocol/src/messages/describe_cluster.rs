//! DescribeCluster (key 60): the cluster id, the controller and the brokers (or, from
//! v1, the controllers), for admin clients (KIP-700, KIP-919).
//!
//! `endpoint_type` is absent in v0 and then decodes as 1 (brokers), Kafka's default.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=1;
const FLEXIBLE: i16 = 0;

/// `endpoint_type` values: describe the brokers, or the controllers.
pub const ENDPOINT_TYPE_BROKERS: i8 = 1;
pub const ENDPOINT_TYPE_CONTROLLERS: i8 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeClusterRequest {
    pub include_cluster_authorized_operations: bool,
    /// v1+.
    pub endpoint_type: i8,
}

impl Default for DescribeClusterRequest {
    fn default() -> Self {
        Self {
            include_cluster_authorized_operations: false,
            endpoint_type: ENDPOINT_TYPE_BROKERS,
        }
    }
}

impl Decode for DescribeClusterRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            include_cluster_authorized_operations: r.bool()?,
            ..Self::default()
        };
        if version >= 1 {
            request.endpoint_type = r.i8()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for DescribeClusterRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.bool(self.include_cluster_authorized_operations);
        if version >= 1 {
            w.i8(self.endpoint_type);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeClusterResponse {
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
    /// v1+.
    pub endpoint_type: i8,
    pub cluster_id: String,
    /// -1 when there is none.
    pub controller_id: i32,
    pub brokers: Vec<DescribeClusterBroker>,
    /// `i32::MIN` when not requested.
    pub cluster_authorized_operations: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeClusterBroker {
    pub broker_id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl DescribeClusterBroker {
    /// The smallest encoding: two int32s, two compact strings, no tagged fields.
    const MIN_SIZE: usize = 4 + string_min(true) + 4 + string_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let broker = Self {
            broker_id: r.i32()?,
            host: r.string(flexible)?.to_owned(),
            port: r.i32()?,
            rack: r.nullable_string(flexible)?.map(str::to_owned),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(broker)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i32(self.broker_id);
        w.string(flexible, &self.host);
        w.i32(self.port);
        w.nullable_string(flexible, self.rack.as_deref());
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeClusterResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let error_code = ErrorCode(r.i16()?);
        let error_message = r.nullable_string(flexible)?.map(str::to_owned);
        let endpoint_type = if version >= 1 {
            r.i8()?
        } else {
            ENDPOINT_TYPE_BROKERS
        };
        let cluster_id = r.string(flexible)?.to_owned();
        let controller_id = r.i32()?;
        let brokers = r.array(flexible, DescribeClusterBroker::MIN_SIZE, |r| {
            DescribeClusterBroker::read(r, flexible)
        })?;
        let cluster_authorized_operations = r.i32()?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            error_code,
            error_message,
            endpoint_type,
            cluster_id,
            controller_id,
            brokers,
            cluster_authorized_operations,
        })
    }
}

impl Encode for DescribeClusterResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.i16(self.error_code.0);
        w.nullable_string(flexible, self.error_message.as_deref());
        if version >= 1 {
            w.i8(self.endpoint_type);
        }
        w.string(flexible, &self.cluster_id);
        w.i32(self.controller_id);
        w.array(flexible, &self.brokers, |w, broker| {
            broker.write(w, flexible)
        });
        w.i32(self.cluster_authorized_operations);
        w.empty_tagged_fields(flexible);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_without_panicking, encode_to_vec,
        written_len,
    };

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> DescribeClusterRequest {
        DescribeClusterRequest {
            include_cluster_authorized_operations: true,
            endpoint_type: if version >= 1 {
                ENDPOINT_TYPE_CONTROLLERS
            } else {
                ENDPOINT_TYPE_BROKERS
            },
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> DescribeClusterResponse {
        DescribeClusterResponse {
            throttle_time_ms: 10,
            error_code: ErrorCode::CLUSTER_AUTHORIZATION_FAILED,
            error_message: Some("not allowed".to_owned()),
            endpoint_type: if version >= 1 {
                ENDPOINT_TYPE_CONTROLLERS
            } else {
                ENDPOINT_TYPE_BROKERS
            },
            cluster_id: "fjord-cluster".to_owned(),
            controller_id: 3,
            brokers: vec![
                DescribeClusterBroker {
                    broker_id: 3,
                    host: "controller-3".to_owned(),
                    port: 9093,
                    rack: Some("rack-b".to_owned()),
                },
                DescribeClusterBroker {
                    broker_id: 4,
                    host: "controller-4".to_owned(),
                    port: 9094,
                    rack: None,
                },
            ],
            cluster_authorized_operations: 0x2000,
        }
    }

    #[test]
    fn test_describe_cluster_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&DescribeClusterRequest::default(), VERSIONS);
    }

    #[test]
    fn test_describe_cluster_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_describe_cluster_request_golden_bytes() {
        let v0 = [1, 0]; // include_cluster_authorized_operations, no tagged fields
        let request = DescribeClusterRequest::decode(&mut Reader::new(&v0), 0).unwrap();
        assert_eq!(
            request,
            DescribeClusterRequest {
                include_cluster_authorized_operations: true,
                endpoint_type: ENDPOINT_TYPE_BROKERS,
            }
        );
        let v1 = [0, 2, 0]; // false, endpoint_type 2, no tagged fields
        let request = DescribeClusterRequest {
            include_cluster_authorized_operations: false,
            endpoint_type: ENDPOINT_TYPE_CONTROLLERS,
        };
        assert_eq!(encode_to_vec(&request, 1), v1);
        assert_eq!(
            DescribeClusterRequest::decode(&mut Reader::new(&v1), 1).unwrap(),
            request
        );
    }

    #[test]
    fn test_describe_cluster_response_v1_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms
            0, 0,                   // error_code NONE
            0,                      // error_message null
            1,                      // endpoint_type brokers
            3, b'c', b'1',          // cluster_id "c1"
            0, 0, 0, 7,             // controller_id 7
            2,                      // 1 broker
            0, 0, 0, 7,             // broker_id 7
            2, b'h',                // host "h"
            0, 0, 0x23, 0x84,       // port 9092
            3, b'r', b'1',          // rack "r1"
            0,                      // no tagged fields
            0x80, 0, 0, 0,          // cluster_authorized_operations i32::MIN
            0,                      // no tagged fields
        ];
        let response = DescribeClusterResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            error_message: None,
            endpoint_type: ENDPOINT_TYPE_BROKERS,
            cluster_id: "c1".to_owned(),
            controller_id: 7,
            brokers: vec![DescribeClusterBroker {
                broker_id: 7,
                host: "h".to_owned(),
                port: 9092,
                rack: Some("r1".to_owned()),
            }],
            cluster_authorized_operations: i32::MIN,
        };
        assert_golden(&response, 1, &bytes);
    }

    #[test]
    fn test_describe_cluster_broker_min_size_matches_the_smallest_encoding() {
        assert_eq!(
            written_len(|w| DescribeClusterBroker::default().write(w, true)),
            DescribeClusterBroker::MIN_SIZE
        );
    }

    proptest! {
        #[test]
        fn test_describe_cluster_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            for version in VERSIONS {
                decode_without_panicking::<DescribeClusterRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeClusterResponse>(&bytes, [version]);
            }
        }

        #[test]
        fn test_describe_cluster_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<DescribeClusterRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeClusterResponse>(&bytes, [version]);
            }
        }
    }
}
