//! Fjord's configuration, the Kafka way.
//!
//! This crate owns the names, types, defaults and validation of every broker and topic
//! configuration key (Kafka's names: `num.partitions`, `log.retention.ms`,
//! `listeners`, `cleanup.policy`, ...), the `server.properties` file format, and the
//! layering of defaults, file, `FJORD_*` environment variables and `--override`
//! arguments into a checked [`ServerConfig`]. It maps that configuration onto the
//! storage engine's types ([`ServerConfig::log_manager_config`], [`topic_log_config`]).
//!
//! It must not act on the configuration: no sockets, no directories created, no
//! threads or runtime. It reads the one file it is given (and the environment) and
//! returns values or a [`ConfigError`] that names the offending key.
//!
//! ```
//! use fjord_config::ServerConfig;
//!
//! let overrides = [("num.partitions".to_string(), "3".to_string())];
//! let config = ServerConfig::load_with_env(None, [], &overrides).unwrap();
//! assert_eq!(config.num_partitions, 3);
//! assert_eq!(config.log_dirs, [std::path::PathBuf::from("./fjord-data")]);
//! ```

pub mod def;
pub mod error;
pub mod listener;
pub mod properties;
pub mod server;
pub mod server_keys;
pub mod sources;
pub mod topic;

pub use def::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Setting, Validator};
pub use error::{ConfigError, ConfigSource};
pub use listener::{HttpListener, HttpScheme, Listener, QuorumVoter, SecurityProtocol};
pub use server::{ProcessRole, ServerConfig, ServerConfigEntry};
pub use server_keys::SERVER_CONFIG_DEF;
pub use sources::{env_var_key, parse_override, ENV_PREFIX};
pub use topic::{
    describe_topic_config, topic_config_keys, topic_log_config, BrokerCompressionType, TopicConfig,
    TopicConfigEntry, TopicConfigSource, TopicKey,
};
