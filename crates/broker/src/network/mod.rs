//! Listeners and connections.
//!
//! One tokio listener per `listeners` entry. Each connection reads length-prefixed
//! frames (capped by `socket.request.max.bytes`), runs each request's ordered part at
//! once and queues its waiting part; a writer task sends the responses strictly in
//! request order. The stream type is generic so TLS and SASL can wrap it later.

mod connection;
mod listener;
mod sendfile;

pub use connection::ConnectionConfig;
pub use listener::{bind, serve, BoundListener};
