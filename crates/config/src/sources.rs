//! Where broker settings come from, turned into [`Setting`]s in precedence order:
//! the properties file, then `FJORD_*` environment variables, then `--override`s.
//!
//! Environment variables: `FJORD_` followed by the key in upper case with `.` written
//! as `_`, so `FJORD_LOG_RETENTION_MS=60000` sets `log.retention.ms`. Every variable
//! with the prefix is read as a key, so an unknown one (a typo) is an error like an
//! unknown key in the file: the `FJORD_` prefix is reserved for configuration.

use std::ffi::OsString;
use std::path::Path;

use crate::def::Setting;
use crate::error::{ConfigError, ConfigSource};
use crate::properties::Properties;

/// The prefix of configuration environment variables.
pub const ENV_PREFIX: &str = "FJORD_";

/// The settings in a properties file, in file order.
pub fn file_settings(path: &Path) -> Result<Vec<Setting>, ConfigError> {
    let props = Properties::load(path)?;
    Ok(props
        .entries()
        .iter()
        .map(|p| {
            Setting::new(
                p.key.clone(),
                p.value.clone(),
                ConfigSource::File {
                    path: path.to_path_buf(),
                    line: p.line,
                },
            )
        })
        .collect())
}

/// The key an environment variable sets, if it has the `FJORD_` prefix.
///
/// ```
/// assert_eq!(
///     fjord_config::env_var_key("FJORD_LOG_RETENTION_MS").as_deref(),
///     Some("log.retention.ms")
/// );
/// assert_eq!(fjord_config::env_var_key("HOME"), None);
/// ```
pub fn env_var_key(var: &str) -> Option<String> {
    var.strip_prefix(ENV_PREFIX)
        .map(|rest| rest.to_ascii_lowercase().replace('_', "."))
}

/// The settings given by `FJORD_*` variables among `vars`, sorted by variable name so
/// that the outcome does not depend on the environment's order.
pub fn env_settings(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<Vec<Setting>, ConfigError> {
    let mut settings: Vec<(String, Setting)> = Vec::new();
    for (var, value) in vars {
        // A variable whose name is not Unicode cannot carry our prefix meaningfully.
        let Some(var) = var.to_str() else { continue };
        let Some(key) = env_var_key(var) else {
            continue;
        };
        let origin = ConfigSource::Env {
            var: var.to_string(),
        };
        let value = value.into_string().map_err(|v| ConfigError::InvalidValue {
            key: key.clone(),
            value: v.to_string_lossy().into_owned(),
            reason: "the value is not valid UTF-8".to_string(),
            origin: origin.clone(),
        })?;
        settings.push((var.to_string(), Setting::new(key, value, origin)));
    }
    settings.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(settings.into_iter().map(|(_, s)| s).collect())
}

/// Parses a `--override key=value` argument (the value may contain `=`).
///
/// ```
/// let (k, v) = fjord_config::parse_override("listeners=PLAINTEXT://:9092").unwrap();
/// assert_eq!((k.as_str(), v.as_str()), ("listeners", "PLAINTEXT://:9092"));
/// assert!(fjord_config::parse_override("num.partitions").is_err());
/// ```
pub fn parse_override(arg: &str) -> Result<(String, String), ConfigError> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(ConfigError::MalformedOverride {
            arg: arg.to_string(),
        }),
    }
}

/// `--override` pairs as settings, in argument order.
pub fn override_settings(overrides: &[(String, String)]) -> Vec<Setting> {
    overrides
        .iter()
        .map(|(k, v)| Setting::new(k.clone(), v.clone(), ConfigSource::CommandLine))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn test_env_settings_maps_prefixed_vars_only() {
        let settings = env_settings(vars(&[
            ("PATH", "/bin"),
            ("FJORD_NUM_PARTITIONS", "3"),
            ("FJORD_LOG_RETENTION_MS", "1000"),
            ("fjord_lower", "x"),
        ]))
        .unwrap();
        let keys: Vec<_> = settings.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["log.retention.ms", "num.partitions"]);
        assert_eq!(
            settings[1].origin,
            ConfigSource::Env {
                var: "FJORD_NUM_PARTITIONS".into()
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn test_env_settings_rejects_non_utf8_value() {
        use std::os::unix::ffi::OsStringExt;
        let err = env_settings([(
            OsString::from("FJORD_LOG_DIRS"),
            OsString::from_vec(vec![0xff, 0xfe]),
        )])
        .unwrap_err();
        assert_eq!(err.key(), Some("log.dirs"));
    }

    #[test]
    fn test_parse_override() {
        assert_eq!(
            parse_override(" a.b = c=d ").unwrap(),
            ("a.b".to_string(), "c=d".to_string())
        );
        assert_eq!(
            parse_override("a=").unwrap(),
            ("a".to_string(), String::new())
        );
        assert!(matches!(
            parse_override("=x"),
            Err(ConfigError::MalformedOverride { .. })
        ));
    }

    #[test]
    fn test_file_settings_carry_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.properties");
        std::fs::write(&path, "# c\nnode.id=2\n\nnum.partitions=4\n").unwrap();
        let settings = file_settings(&path).unwrap();
        assert_eq!(settings.len(), 2);
        assert_eq!(
            settings[1].origin,
            ConfigSource::File {
                path: path.clone(),
                line: 4
            }
        );
    }
}
