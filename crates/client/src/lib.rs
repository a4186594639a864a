//! A Kafka client for Fjord's command-line tools: one blocking connection to a broker
//! that negotiates API versions (ApiVersions) and sends requests with the protocol
//! crate's message types. The tools speak only the public protocol, so they work
//! against Apache Kafka too.
//!
//! It must not reach into the broker: everything goes over a socket.

mod connection;

pub use connection::{ClientError, Connection};
