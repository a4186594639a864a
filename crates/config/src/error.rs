//! The configuration errors, and where a setting came from.
//!
//! Every error names the key it is about (or the file and line it could not read), in
//! Kafka's wording where Kafka has one (`Invalid value abc for configuration
//! num.partitions: Not a number of type INT`), followed by the place the bad setting
//! came from, so that an operator can fix it without reading code.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from. Later sources override earlier ones:
/// defaults < properties file < `FJORD_*` environment < `--override`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// The built-in default of the key.
    Default,
    /// A line of a `server.properties`-style file (the line where the entry starts).
    File { path: PathBuf, line: usize },
    /// An environment variable such as `FJORD_LOG_RETENTION_MS`.
    Env { var: String },
    /// A `--override key=value` command-line argument.
    CommandLine,
    /// A topic-level override (CreateTopics, AlterConfigs, stored topic config).
    TopicOverride,
}

impl ConfigSource {
    /// True for the built-in default.
    pub fn is_default(&self) -> bool {
        matches!(self, ConfigSource::Default)
    }
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::Default => f.write_str("the default"),
            ConfigSource::File { path, line } => write!(f, "{} line {line}", path.display()),
            ConfigSource::Env { var } => write!(f, "environment variable {var}"),
            ConfigSource::CommandLine => f.write_str("--override"),
            ConfigSource::TopicOverride => f.write_str("topic config"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The properties file could not be read.
    #[error("Cannot read configuration file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The properties file is not valid `.properties` syntax.
    #[error("Syntax error in {origin} line {line}: {message}")]
    Syntax {
        /// The file name (or `<input>` when parsing a string).
        origin: String,
        line: usize,
        message: String,
    },
    /// A `--override` argument that is not `key=value`.
    #[error("Invalid override '{arg}': expected key=value")]
    MalformedOverride { arg: String },
    /// A key that is not a known configuration.
    #[error(
        "Unknown configuration '{key}' ({}){}",
        origin_text(.origin),
        suggestion_text(.suggestion)
    )]
    UnknownKey {
        key: String,
        origin: ConfigSource,
        /// The closest known key, when one is close enough to be a likely typo.
        suggestion: Option<&'static str>,
    },
    /// A known key with a value that does not parse or does not validate, alone or
    /// together with other keys.
    #[error(
        "Invalid value {value} for configuration {key}: {reason} ({})",
        origin_text(.origin)
    )]
    InvalidValue {
        key: String,
        value: String,
        reason: String,
        origin: ConfigSource,
    },
}

impl ConfigError {
    /// The configuration key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey { key, .. } | ConfigError::InvalidValue { key, .. } => {
                Some(key)
            }
            ConfigError::Io { .. }
            | ConfigError::Syntax { .. }
            | ConfigError::MalformedOverride { .. } => None,
        }
    }
}

fn origin_text(origin: &ConfigSource) -> String {
    match origin {
        ConfigSource::Default => "the default value".to_string(),
        other => format!("set in {other}"),
    }
}

fn suggestion_text(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean '{s}'?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_invalid_value_uses_kafka_wording_then_origin() {
        let err = ConfigError::InvalidValue {
            key: "num.partitions".into(),
            value: "abc".into(),
            reason: "Not a number of type INT".into(),
            origin: ConfigSource::CommandLine,
        };
        assert_eq!(
            err.to_string(),
            "Invalid value abc for configuration num.partitions: Not a number of type INT \
             (set in --override)"
        );
        assert_eq!(err.key(), Some("num.partitions"));
    }

    #[test]
    fn test_invalid_default_says_so() {
        let err = ConfigError::InvalidValue {
            key: "console.listeners".into(),
            value: "http://0.0.0.0:8080".into(),
            reason: "port 8080 is already used".into(),
            origin: ConfigSource::Default,
        };
        assert!(err.to_string().ends_with("(the default value)"), "{err}");
    }

    #[test]
    fn test_unknown_key_names_key_origin_and_suggestion() {
        let err = ConfigError::UnknownKey {
            key: "num.partition".into(),
            origin: ConfigSource::File {
                path: "server.properties".into(),
                line: 3,
            },
            suggestion: Some("num.partitions"),
        };
        assert_eq!(
            err.to_string(),
            "Unknown configuration 'num.partition' (set in server.properties line 3); \
             did you mean 'num.partitions'?"
        );
        let env = ConfigError::UnknownKey {
            key: "foo.bar".into(),
            origin: ConfigSource::Env {
                var: "FJORD_FOO_BAR".into(),
            },
            suggestion: None,
        };
        assert_eq!(
            env.to_string(),
            "Unknown configuration 'foo.bar' (set in environment variable FJORD_FOO_BAR)"
        );
    }
}
