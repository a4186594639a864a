//! The Kafka broker.
//!
//! A request walks through this crate's folders in order: [`network`] (listeners,
//! framing, per-connection ordering) → [`dispatch`] (API key and version → handler,
//! nothing else) → [`handlers`] (one file per API, each returning a response value) →
//! the storage engine and the [`metadata`] view.
//!
//! It must not touch log files itself (that is `fjord-storage`) or define wire layouts
//! (that is `fjord-protocol`), and handlers must not assume a single node: leaders,
//! replicas and ISR come from the metadata view.

pub mod broker;
pub mod dispatch;
pub mod error;
pub mod group_coordination;
pub mod handlers;
pub mod metadata;
pub mod network;
pub mod request_context;
pub mod response;
pub mod transaction_coordination;

pub use broker::Broker;
pub use request_context::RequestContext;
