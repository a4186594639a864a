//! Records inside a v2 batch.

/// A record that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("records truncated")]
    Truncated,
}
