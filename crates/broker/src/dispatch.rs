//! API key and version → handler. Nothing else happens here.

use std::sync::Arc;

use fjord_protocol::codec::{Decode, DecodeError, Reader};
use fjord_protocol::header::RequestHeader;
use fjord_protocol::messages::api_versions::ApiVersionsRequest;
use fjord_protocol::messages::fetch::FetchRequest;
use fjord_protocol::messages::metadata::MetadataRequest;
use fjord_protocol::messages::produce::ProduceRequest;
use fjord_protocol::{ApiKey, ErrorCode};

use crate::handlers::{self, supported_versions};
use crate::response::{encode, ready, ResponseFuture};
use crate::Broker;

/// A request the broker does not answer: like Kafka, it closes the connection.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("unknown API key {0}")]
    UnknownApi(i16),
    #[error("unsupported version {version} of {api:?}")]
    UnsupportedVersion { api: ApiKey, version: i16 },
    #[error("malformed request: {0}")]
    Malformed(#[from] DecodeError),
}

/// Decodes one request frame, runs its handler's ordered part, and returns the response
/// to send (or `None` for requests that get none).
pub async fn dispatch(
    broker: &Arc<Broker>,
    mut frame: Vec<u8>,
) -> Result<Option<ResponseFuture>, DispatchError> {
    let (key, version, correlation_id) = RequestHeader::peek(&frame)?;
    let api = ApiKey::from_i16(key).ok_or(DispatchError::UnknownApi(key))?;
    let Some(versions) = supported_versions(api) else {
        return Err(DispatchError::UnknownApi(key));
    };
    if !versions.contains(&version) {
        if api == ApiKey::ApiVersions {
            // KIP-511: answer with v0 and UNSUPPORTED_VERSION so the client can retry.
            let body = handlers::api_versions::response(ErrorCode::UNSUPPORTED_VERSION);
            return Ok(Some(ready(encode(api, 0, correlation_id, &body))));
        }
        return Err(DispatchError::UnsupportedVersion { api, version });
    }
    if api == ApiKey::Produce {
        // Decoded to ranges first, so the batches can be rewritten in the frame itself.
        let (correlation_id, request) = {
            let mut reader = Reader::new(&frame);
            let header = RequestHeader::decode(&mut reader, api)?;
            (
                header.correlation_id,
                ProduceRequest::decode(&mut reader, version)?,
            )
        };
        return Ok(handlers::produce::handle(
            broker,
            &request,
            &mut frame,
            version,
            correlation_id,
        ));
    }
    let mut reader = Reader::new(&frame);
    let header = RequestHeader::decode(&mut reader, api)?;
    let respond =
        |body: &dyn EncodeDyn| ready(body.encode_response(api, version, header.correlation_id));
    Ok(Some(match api {
        ApiKey::ApiVersions => {
            let request = ApiVersionsRequest::decode(&mut reader, version)?;
            respond(&handlers::api_versions::handle(&request))
        }
        ApiKey::Metadata => {
            let request = MetadataRequest::decode(&mut reader, version)?;
            respond(&handlers::metadata::handle(broker, &request, version))
        }
        ApiKey::Fetch => {
            let request = FetchRequest::decode(&mut reader, version)?;
            handlers::fetch::handle(Arc::clone(broker), request, version, header.correlation_id)
        }
        ApiKey::ListOffsets => {
            let request = fjord_protocol::messages::list_offsets::ListOffsetsRequest::decode(
                &mut reader,
                version,
            )?;
            respond(&handlers::list_offsets::handle(broker, &request, version))
        }
        ApiKey::CreateTopics => {
            let request = fjord_protocol::messages::create_topics::CreateTopicsRequest::decode(
                &mut reader,
                version,
            )?;
            respond(&handlers::create_topics::handle(broker, &request, version))
        }
        ApiKey::DeleteTopics => {
            let request = fjord_protocol::messages::delete_topics::DeleteTopicsRequest::decode(
                &mut reader,
                version,
            )?;
            respond(&handlers::delete_topics::handle(broker, &request, version))
        }
        ApiKey::CreatePartitions => {
            let request =
                fjord_protocol::messages::create_partitions::CreatePartitionsRequest::decode(
                    &mut reader,
                    version,
                )?;
            respond(&handlers::create_partitions::handle(
                broker, &request, version,
            ))
        }
        ApiKey::DescribeCluster => {
            let request =
                fjord_protocol::messages::describe_cluster::DescribeClusterRequest::decode(
                    &mut reader,
                    version,
                )?;
            respond(&handlers::describe_cluster::handle(
                broker, &request, version,
            ))
        }
        ApiKey::InitProducerId => {
            let request =
                fjord_protocol::messages::init_producer_id::InitProducerIdRequest::decode(
                    &mut reader,
                    version,
                )?;
            respond(&handlers::init_producer_id::handle(
                broker, &request, version,
            ))
        }
        ApiKey::DescribeConfigs => {
            let request =
                fjord_protocol::messages::describe_configs::DescribeConfigsRequest::decode(
                    &mut reader,
                    version,
                )?;
            respond(&handlers::describe_configs::handle(
                broker, &request, version,
            ))
        }
        ApiKey::AlterConfigs => {
            let request = fjord_protocol::messages::alter_configs::AlterConfigsRequest::decode(
                &mut reader,
                version,
            )?;
            respond(&handlers::alter_configs::handle(broker, &request, version))
        }
        ApiKey::IncrementalAlterConfigs => {
            let request = fjord_protocol::messages::incremental_alter_configs::IncrementalAlterConfigsRequest::decode(&mut reader, version)?;
            respond(&handlers::incremental_alter_configs::handle(
                broker, &request, version,
            ))
        }
        ApiKey::DeleteRecords => {
            let request = fjord_protocol::messages::delete_records::DeleteRecordsRequest::decode(
                &mut reader,
                version,
            )?;
            respond(&handlers::delete_records::handle(broker, &request, version))
        }
        ApiKey::OffsetForLeaderEpoch => {
            let request = fjord_protocol::messages::offset_for_leader_epoch::OffsetForLeaderEpochRequest::decode(&mut reader, version)?;
            respond(&handlers::offset_for_leader_epoch::handle(
                broker, &request, version,
            ))
        }
        ApiKey::DescribeLogDirs => {
            let request =
                fjord_protocol::messages::describe_log_dirs::DescribeLogDirsRequest::decode(
                    &mut reader,
                    version,
                )?;
            respond(&handlers::describe_log_dirs::handle(
                broker, &request, version,
            ))
        }
        ApiKey::DescribeTopicPartitions => {
            let request = fjord_protocol::messages::describe_topic_partitions::DescribeTopicPartitionsRequest::decode(&mut reader, version)?;
            respond(&handlers::describe_topic_partitions::handle(
                broker, &request, version,
            ))
        }
        _ => return Err(DispatchError::UnknownApi(key)),
    }))
}

/// Lets dispatch encode any response type through one closure.
trait EncodeDyn {
    fn encode_response(
        &self,
        api: ApiKey,
        version: i16,
        correlation_id: i32,
    ) -> crate::response::EncodedResponse;
}

impl<T: fjord_protocol::codec::Encode> EncodeDyn for T {
    fn encode_response(
        &self,
        api: ApiKey,
        version: i16,
        correlation_id: i32,
    ) -> crate::response::EncodedResponse {
        encode(api, version, correlation_id, self)
    }
}
