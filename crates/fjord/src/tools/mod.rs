//! The Kafka command-line tools, one module per tool, each with a `run(args)` that the
//! command line in `cli.rs` dispatches to.

pub mod broker_api_versions;
pub mod console_producer;
pub mod dump_log;
pub mod install_aliases;
pub mod topics;
