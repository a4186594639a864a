//! `RequestContext`: what is known about where a request came from — the listener it
//! arrived on and the peer. Metadata answers with the endpoints of that listener; the
//! security layer will add the authenticated principal here.

use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The listener name (`PLAINTEXT`, `INTERNAL`, ...).
    pub listener: Arc<str>,
    pub peer: SocketAddr,
}

impl RequestContext {
    pub fn new(listener: &str, peer: SocketAddr) -> Self {
        Self {
            listener: Arc::from(listener),
            peer,
        }
    }
}
