//! API key and version → handler. Nothing else happens here.

use std::sync::Arc;

use fjord_protocol::codec::{Decode, DecodeError, Reader};
use fjord_protocol::header::RequestHeader;
use fjord_protocol::messages::produce::ProduceRequest;
use fjord_protocol::{ApiKey, ErrorCode};

use crate::handlers::{self, supported_versions};
use crate::response::{encode, ready, ResponseFuture};
use crate::{Broker, RequestContext};

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
    ctx: &RequestContext,
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
    let r = &mut reader;
    let v = version;
    Ok(Some(match api {
        ApiKey::ApiVersions => respond(&handlers::api_versions::handle(&decode(r, v)?)),
        ApiKey::Metadata => respond(&handlers::metadata::handle(broker, ctx, &decode(r, v)?, v)),
        ApiKey::Fetch => {
            handlers::fetch::handle(Arc::clone(broker), decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::ListOffsets => respond(&handlers::list_offsets::handle(broker, &decode(r, v)?, v)),
        ApiKey::CreateTopics => {
            respond(&handlers::create_topics::handle(broker, &decode(r, v)?, v))
        }
        ApiKey::DeleteTopics => {
            respond(&handlers::delete_topics::handle(broker, &decode(r, v)?, v))
        }
        ApiKey::CreatePartitions => respond(&handlers::create_partitions::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DescribeCluster => respond(&handlers::describe_cluster::handle(
            broker,
            ctx,
            &decode(r, v)?,
            v,
        )),
        ApiKey::InitProducerId => {
            handlers::init_producer_id::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::DescribeConfigs => respond(&handlers::describe_configs::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::AlterConfigs => {
            respond(&handlers::alter_configs::handle(broker, &decode(r, v)?, v))
        }
        ApiKey::IncrementalAlterConfigs => respond(&handlers::incremental_alter_configs::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DeleteRecords => {
            respond(&handlers::delete_records::handle(broker, &decode(r, v)?, v))
        }
        ApiKey::OffsetForLeaderEpoch => respond(&handlers::offset_for_leader_epoch::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DescribeLogDirs => respond(&handlers::describe_log_dirs::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DescribeTopicPartitions => respond(&handlers::describe_topic_partitions::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::FindCoordinator => respond(&handlers::find_coordinator::handle(
            broker,
            ctx,
            &decode(r, v)?,
            v,
        )),
        ApiKey::JoinGroup => handlers::join_group::handle(
            broker,
            ctx,
            header.client_id.unwrap_or_default(),
            decode(r, v)?,
            v,
            header.correlation_id,
        ),
        ApiKey::SyncGroup => {
            handlers::sync_group::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::Heartbeat => {
            handlers::heartbeat::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::LeaveGroup => {
            handlers::leave_group::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::OffsetCommit => {
            handlers::offset_commit::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::OffsetFetch => respond(&handlers::offset_fetch::handle(broker, &decode(r, v)?, v)),
        ApiKey::OffsetDelete => {
            handlers::offset_delete::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::ListGroups => respond(&handlers::list_groups::handle(broker, &decode(r, v)?, v)),
        ApiKey::DescribeGroups => respond(&handlers::describe_groups::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DeleteGroups => {
            handlers::delete_groups::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::ConsumerGroupHeartbeat => handlers::consumer_group_heartbeat::handle(
            broker,
            ctx,
            header.client_id.unwrap_or_default(),
            decode(r, v)?,
            v,
            header.correlation_id,
        ),
        ApiKey::ConsumerGroupDescribe => respond(&handlers::consumer_group_describe::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::AddPartitionsToTxn => {
            handlers::add_partitions_to_txn::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::AddOffsetsToTxn => {
            handlers::add_offsets_to_txn::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::EndTxn => {
            handlers::end_txn::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::TxnOffsetCommit => {
            handlers::txn_offset_commit::handle(broker, decode(r, v)?, v, header.correlation_id)
        }
        ApiKey::DescribeTransactions => respond(&handlers::describe_transactions::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::ListTransactions => respond(&handlers::list_transactions::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        ApiKey::DescribeProducers => respond(&handlers::describe_producers::handle(
            broker,
            &decode(r, v)?,
            v,
        )),
        _ => return Err(DispatchError::UnknownApi(key)),
    }))
}

/// Decodes a request body; the handler's signature picks the type.
fn decode<T: Decode>(reader: &mut Reader<'_>, version: i16) -> Result<T, DecodeError> {
    T::decode(reader, version)
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
