//! An encoded response, ready for the connection's writer.

use std::future::Future;
use std::pin::Pin;

use fjord_protocol::codec::{Encode, ResponsePart, Writer};
use fjord_protocol::header::encode_response_header;
use fjord_protocol::ApiKey;
use fjord_storage::FileSlice;

/// Header and body bytes, with record sets that stay in log files until they are sent.
pub struct EncodedResponse {
    pub parts: Vec<ResponsePart<FileSlice>>,
    pub len: usize,
}

/// What a handler's waiting part (an fsync, a long poll) resolves to. `None` sends no
/// response (a produce with `acks=0`).
pub type ResponseFuture = Pin<Box<dyn Future<Output = Option<EncodedResponse>> + Send>>;

/// Encodes `body` with the response header of `api` at `version`.
pub fn encode<R: Encode>(
    api: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &R,
) -> EncodedResponse {
    encode_with_files(api, version, correlation_id, body, Vec::new())
}

/// As [`encode`], filling the body's file-records fields from `files`, in order.
pub fn encode_with_files<R: Encode>(
    api: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &R,
    files: Vec<FileSlice>,
) -> EncodedResponse {
    let mut writer = Writer::with_capacity(256);
    encode_response_header(
        &mut writer,
        correlation_id,
        api.response_header_version(version),
    );
    body.encode(&mut writer, version);
    let body = writer.finish(files);
    EncodedResponse {
        parts: body.parts,
        len: body.len,
    }
}

/// A response that needs no waiting.
pub fn ready(response: EncodedResponse) -> ResponseFuture {
    Box::pin(std::future::ready(Some(response)))
}

/// A response whose body a future computes (a coordinator waiting for a rebalance or
/// an fsync).
pub fn later<R, F>(api: ApiKey, version: i16, correlation_id: i32, body: F) -> ResponseFuture
where
    R: Encode + Send + 'static,
    F: Future<Output = R> + Send + 'static,
{
    Box::pin(async move { Some(encode(api, version, correlation_id, &body.await)) })
}
