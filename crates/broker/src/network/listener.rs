//! Accepting connections.

use std::net::SocketAddr;
use std::sync::Arc;

use fjord_config::Listener;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::connection::{self, ConnectionConfig};
use crate::Broker;

pub struct BoundListener {
    pub name: String,
    pub local_addr: SocketAddr,
    pub listener: TcpListener,
}

/// Binds every listener; port 0 picks a free port (see `local_addr`).
pub async fn bind(listeners: &[Listener]) -> std::io::Result<Vec<BoundListener>> {
    let mut bound = Vec::new();
    for l in listeners {
        let host = if l.host.is_empty() {
            "0.0.0.0"
        } else {
            l.host.as_str()
        };
        let listener = TcpListener::bind((host, l.port)).await.map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!(
                    "cannot bind listener {}://{}:{}: {err}",
                    l.name, l.host, l.port
                ),
            )
        })?;
        let local_addr = listener.local_addr()?;
        tracing::info!(listener = %l.name, %local_addr, "listening");
        bound.push(BoundListener {
            name: l.name.clone(),
            local_addr,
            listener,
        });
    }
    Ok(bound)
}

/// Accepts connections until `shutdown` turns true.
pub async fn serve(
    bound: BoundListener,
    broker: Arc<Broker>,
    config: ConnectionConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = bound.listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let (broker, config) = (Arc::clone(&broker), config.clone());
                    let ctx = crate::RequestContext::new(&bound.name, peer);
                    tokio::spawn(async move { connection::run(stream, ctx, broker, config).await });
                }
                Err(err) => {
                    tracing::warn!(listener = %bound.name, %err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}
