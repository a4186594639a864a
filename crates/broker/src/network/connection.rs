//! One client connection: framing, ordering, idle timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fjord_protocol::codec::ResponsePart;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::dispatch;
use crate::response::ResponseFuture;
use crate::{Broker, RequestContext};

#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// `socket.request.max.bytes`.
    pub max_request_bytes: usize,
    /// `connections.max.idle.ms`.
    pub idle_timeout: Duration,
    /// Requests read ahead of their responses.
    pub max_in_flight: usize,
}

pub async fn run(
    stream: TcpStream,
    ctx: RequestContext,
    broker: Arc<Broker>,
    config: ConnectionConfig,
) {
    let peer = ctx.peer;
    let (mut reader, writer) = stream.into_split();
    let (pending_tx, pending_rx) = mpsc::channel::<ResponseFuture>(config.max_in_flight.max(1));
    let writer = tokio::spawn(write_responses(writer, pending_rx, peer));
    loop {
        let frame = match read_frame(&mut reader, &config).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(reason) => {
                tracing::warn!(%peer, %reason, "closing connection");
                break;
            }
        };
        match dispatch::dispatch(&broker, &ctx, frame).await {
            Ok(Some(pending)) => {
                if pending_tx.send(pending).await.is_err() {
                    break;
                }
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(%peer, %err, "closing connection after a bad request");
                break;
            }
        }
    }
    drop(pending_tx);
    let _ = writer.await;
}

/// Reads one frame; `Ok(None)` at a clean end of stream or idle timeout.
async fn read_frame(
    reader: &mut tokio::net::tcp::OwnedReadHalf,
    config: &ConnectionConfig,
) -> Result<Option<Vec<u8>>, String> {
    let mut size = [0u8; 4];
    match tokio::time::timeout(config.idle_timeout, reader.read_exact(&mut size)).await {
        Err(_) => return Ok(None),
        Ok(Err(err)) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Ok(Err(err)) => return Err(err.to_string()),
        Ok(Ok(_)) => {}
    }
    let size = i32::from_be_bytes(size);
    if size < 0 {
        return Err(format!("invalid request size {size}"));
    }
    if size as usize > config.max_request_bytes {
        return Err(format!(
            "request of {size} bytes is larger than socket.request.max.bytes {}",
            config.max_request_bytes
        ));
    }
    let mut frame = vec![0u8; size as usize];
    reader
        .read_exact(&mut frame)
        .await
        .map_err(|err| err.to_string())?;
    Ok(Some(frame))
}

/// Sends responses in request order.
async fn write_responses(
    mut writer: OwnedWriteHalf,
    mut pending: mpsc::Receiver<ResponseFuture>,
    peer: SocketAddr,
) {
    while let Some(response) = pending.recv().await {
        let Some(response) = response.await else {
            continue;
        };
        if let Err(err) = write_response(&mut writer, response).await {
            tracing::debug!(%peer, %err, "cannot write response");
            return;
        }
    }
    let _ = writer.shutdown().await;
}

async fn write_response(
    writer: &mut OwnedWriteHalf,
    response: crate::response::EncodedResponse,
) -> std::io::Result<()> {
    // The size prefix and the bytes we encoded go out together; stored batches are
    // written between them as they are on disk.
    let mut pending = Vec::with_capacity(4 + 256);
    pending.extend_from_slice(&(response.len as u32).to_be_bytes());
    for part in response.parts {
        match part {
            ResponsePart::Bytes(bytes) => pending.extend_from_slice(&bytes),
            ResponsePart::File(slice) => {
                if !pending.is_empty() {
                    writer.write_all(&pending).await?;
                    pending.clear();
                }
                super::sendfile::send_file(writer.as_ref(), &slice).await?;
            }
        }
    }
    if !pending.is_empty() {
        writer.write_all(&pending).await?;
    }
    Ok(())
}
