//! Typed configuration definitions, in the manner of Kafka's `ConfigDef`.
//!
//! A table of [`ConfigKey`]s is the one place that says which keys exist, their type,
//! default, validation and documentation. [`ConfigDef::resolve`] turns layered string
//! settings (file, environment, command line) into typed values, rejecting unknown
//! keys and bad values with errors that name the key. The tables themselves live in
//! `server_keys.rs` (broker) and `topic.rs` (topic).

use std::fmt;

use crate::error::{ConfigError, ConfigSource};

/// A key's type, named as Kafka names it in error messages (`Not a number of type INT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    Short,
    Int,
    Long,
    Double,
    String,
    /// Comma-separated, blanks around commas dropped; the empty string is the empty list.
    List,
}

impl ConfigType {
    /// Kafka's upper-case name of the type.
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::Short => "SHORT",
            ConfigType::Int => "INT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::String => "STRING",
            ConfigType::List => "LIST",
        }
    }
}

/// A parsed configuration value. Its variant always matches its key's [`ConfigType`].
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Boolean(bool),
    Short(i16),
    Int(i32),
    Long(i64),
    Double(f64),
    String(String),
    List(Vec<String>),
}

impl ConfigValue {
    /// The value of a BOOLEAN key.
    ///
    /// # Panics
    /// On another variant: the definition table and the caller disagree (a bug).
    pub fn as_bool(&self) -> bool {
        match self {
            ConfigValue::Boolean(b) => *b,
            other => panic!("expected a BOOLEAN configuration value, got {other:?}"),
        }
    }

    /// The value of a SHORT, INT or LONG key, widened.
    ///
    /// # Panics
    /// On another variant (a bug in a definition table).
    pub fn as_i64(&self) -> i64 {
        match self {
            ConfigValue::Short(v) => i64::from(*v),
            ConfigValue::Int(v) => i64::from(*v),
            ConfigValue::Long(v) => *v,
            other => panic!("expected an integer configuration value, got {other:?}"),
        }
    }

    /// The value of a DOUBLE key.
    ///
    /// # Panics
    /// On another variant (a bug in a definition table).
    pub fn as_f64(&self) -> f64 {
        match self {
            ConfigValue::Double(v) => *v,
            other => panic!("expected a DOUBLE configuration value, got {other:?}"),
        }
    }

    /// The value of a STRING key.
    ///
    /// # Panics
    /// On another variant (a bug in a definition table).
    pub fn as_str(&self) -> &str {
        match self {
            ConfigValue::String(s) => s,
            other => panic!("expected a STRING configuration value, got {other:?}"),
        }
    }

    /// The value of a LIST key.
    ///
    /// # Panics
    /// On another variant (a bug in a definition table).
    pub fn as_list(&self) -> &[String] {
        match self {
            ConfigValue::List(items) => items,
            other => panic!("expected a LIST configuration value, got {other:?}"),
        }
    }
}

impl fmt::Display for ConfigValue {
    /// Kafka's string form, as DescribeConfigs reports it: lists joined with `,`,
    /// doubles with a fractional part (`1.0`, not `1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Boolean(b) => write!(f, "{b}"),
            ConfigValue::Short(v) => write!(f, "{v}"),
            ConfigValue::Int(v) => write!(f, "{v}"),
            ConfigValue::Long(v) => write!(f, "{v}"),
            ConfigValue::Double(v) if v.is_finite() && v.fract() == 0.0 => write!(f, "{v:.1}"),
            ConfigValue::Double(v) => write!(f, "{v}"),
            ConfigValue::String(s) => f.write_str(s),
            ConfigValue::List(items) => f.write_str(&items.join(",")),
        }
    }
}

/// Checks a parsed value. The messages are Kafka's where Kafka has one.
#[derive(Debug, Clone, Copy)]
pub enum Validator {
    None,
    /// An integer at least this large.
    AtLeast(i64),
    /// An integer in this inclusive range.
    Between(i64, i64),
    /// A double in this inclusive range (NaN is rejected).
    DoubleBetween(f64, f64),
    /// A string equal to one of these (case-sensitive, as Kafka's `ValidString`).
    OneOf(&'static [&'static str]),
    /// A non-empty list whose every item is one of these (Kafka's `ValidList`).
    ListOf(&'static [&'static str]),
    /// Anything else: returns the reason the value is invalid.
    Custom(fn(&ConfigValue) -> Result<(), String>),
}

impl Validator {
    pub fn check(&self, value: &ConfigValue) -> Result<(), String> {
        match *self {
            Validator::None => Ok(()),
            Validator::AtLeast(min) => at_least(value.as_i64(), min),
            Validator::Between(min, max) => {
                let v = value.as_i64();
                at_least(v, min)?;
                if v > max {
                    return Err(format!("Value must be no more than {max}"));
                }
                Ok(())
            }
            Validator::DoubleBetween(min, max) => {
                let v = value.as_f64();
                if v.is_nan() || v < min {
                    Err(format!("Value must be at least {min}"))
                } else if v > max {
                    Err(format!("Value must be no more than {max}"))
                } else {
                    Ok(())
                }
            }
            Validator::OneOf(allowed) => {
                if allowed.contains(&value.as_str()) {
                    Ok(())
                } else {
                    Err(format!("String must be one of: {}", allowed.join(", ")))
                }
            }
            Validator::ListOf(allowed) => {
                let items = value.as_list();
                if items.is_empty() {
                    return Err("Value must not be empty".to_string());
                }
                match items.iter().find(|i| !allowed.contains(&i.as_str())) {
                    Some(bad) => Err(format!(
                        "'{bad}' is not allowed; each item must be one of: {}",
                        allowed.join(", ")
                    )),
                    None => Ok(()),
                }
            }
            Validator::Custom(check) => check(value),
        }
    }
}

fn at_least(v: i64, min: i64) -> Result<(), String> {
    if v < min {
        Err(format!("Value must be at least {min}"))
    } else {
        Ok(())
    }
}

/// One configuration key: its name, type, default, validation and documentation.
#[derive(Debug, Clone, Copy)]
pub struct ConfigKey {
    pub name: &'static str,
    pub ty: ConfigType,
    /// The default in string form, parsed like a user's value; `None` is Kafka's
    /// `null` (unset, usually meaning "derived from another key").
    pub default: Option<&'static str>,
    pub validator: Validator,
    pub doc: &'static str,
}

impl ConfigKey {
    pub const fn new(
        name: &'static str,
        ty: ConfigType,
        default: Option<&'static str>,
        validator: Validator,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            ty,
            default,
            validator,
            doc,
        }
    }

    /// Parses and validates a string value. The error is the reason only; callers add
    /// the key, value and origin.
    pub fn parse(&self, raw: &str) -> Result<ConfigValue, String> {
        let value = parse_typed(self.ty, raw.trim())?;
        self.validator.check(&value)?;
        Ok(value)
    }

    /// The parsed default, `None` for a `null` default.
    ///
    /// # Panics
    /// If the table's default does not parse (a bug, caught by the tables' tests).
    pub fn default_value(&self) -> Option<ConfigValue> {
        self.default.map(|d| {
            self.parse(d)
                .unwrap_or_else(|e| panic!("bad default {d:?} for {}: {e}", self.name))
        })
    }
}

fn parse_typed(ty: ConfigType, s: &str) -> Result<ConfigValue, String> {
    let not_a_number = || format!("Not a number of type {}", ty.name());
    Ok(match ty {
        ConfigType::Boolean => {
            if s.eq_ignore_ascii_case("true") {
                ConfigValue::Boolean(true)
            } else if s.eq_ignore_ascii_case("false") {
                ConfigValue::Boolean(false)
            } else {
                return Err("Expected value to be either true or false".to_string());
            }
        }
        ConfigType::Short => ConfigValue::Short(s.parse().map_err(|_| not_a_number())?),
        ConfigType::Int => ConfigValue::Int(s.parse().map_err(|_| not_a_number())?),
        ConfigType::Long => ConfigValue::Long(s.parse().map_err(|_| not_a_number())?),
        ConfigType::Double => {
            let v: f64 = s.parse().map_err(|_| not_a_number())?;
            if v.is_nan() {
                return Err(not_a_number());
            }
            ConfigValue::Double(v)
        }
        ConfigType::String => ConfigValue::String(s.to_string()),
        ConfigType::List => ConfigValue::List(if s.is_empty() {
            Vec::new()
        } else {
            s.split(',').map(|item| item.trim().to_string()).collect()
        }),
    })
}

/// One `key=value` setting from some source, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub origin: ConfigSource,
}

impl Setting {
    pub fn new(key: impl Into<String>, value: impl Into<String>, origin: ConfigSource) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            origin,
        }
    }
}

/// A table of keys.
#[derive(Debug, Clone, Copy)]
pub struct ConfigDef {
    keys: &'static [ConfigKey],
}

impl ConfigDef {
    pub const fn new(keys: &'static [ConfigKey]) -> Self {
        Self { keys }
    }

    pub fn keys(&self) -> &'static [ConfigKey] {
        self.keys
    }

    pub fn find(&self, name: &str) -> Option<&'static ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The known key closest to an unknown one, if it is close enough to be a typo.
    pub fn suggest(&self, unknown: &str) -> Option<&'static str> {
        suggest(self.keys.iter().map(|k| k.name), unknown)
    }

    /// Applies `settings` in order over the defaults (a later setting of a key wins).
    /// Every setting is checked, including ones a later source overrides, so that a
    /// broken line in a file is reported even when it is masked today.
    pub fn resolve(
        &self,
        settings: impl IntoIterator<Item = Setting>,
    ) -> Result<ResolvedConfig, ConfigError> {
        let mut entries: Vec<ResolvedEntry> = self
            .keys
            .iter()
            .map(|key| ResolvedEntry {
                key,
                value: key.default_value(),
                raw: key.default.map(str::to_string),
                origin: ConfigSource::Default,
            })
            .collect();
        for setting in settings {
            let Some(index) = self.keys.iter().position(|k| k.name == setting.key) else {
                return Err(ConfigError::UnknownKey {
                    suggestion: self.suggest(&setting.key),
                    key: setting.key,
                    origin: setting.origin,
                });
            };
            let key = &self.keys[index];
            let value = key
                .parse(&setting.value)
                .map_err(|reason| ConfigError::InvalidValue {
                    key: setting.key.clone(),
                    value: setting.value.trim().to_string(),
                    reason,
                    origin: setting.origin.clone(),
                })?;
            entries[index] = ResolvedEntry {
                key,
                value: Some(value),
                raw: Some(setting.value.trim().to_string()),
                origin: setting.origin,
            };
        }
        Ok(ResolvedConfig { entries })
    }
}

/// The known name closest to `unknown` by edit distance, within a typo's reach.
pub(crate) fn suggest<'a>(names: impl Iterator<Item = &'a str>, unknown: &str) -> Option<&'a str> {
    let limit = (unknown.len() / 4).clamp(1, 3);
    names
        .map(|name| (edit_distance(name, unknown), name))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A key's resolved value and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedEntry {
    pub key: &'static ConfigKey,
    /// `None` when the key is unset and its default is `null`.
    pub value: Option<ConfigValue>,
    /// The string the value was parsed from (trimmed), for error messages.
    pub raw: Option<String>,
    pub origin: ConfigSource,
}

/// Every key of a [`ConfigDef`] with its resolved value, in table order.
///
/// The typed getters panic when asked for a key that is not in the table or with the
/// wrong type: both are bugs in the code that reads the table, not bad input.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    entries: Vec<ResolvedEntry>,
}

impl ResolvedConfig {
    pub fn entries(&self) -> &[ResolvedEntry] {
        &self.entries
    }

    pub fn entry(&self, name: &str) -> &ResolvedEntry {
        self.entries
            .iter()
            .find(|e| e.key.name == name)
            .unwrap_or_else(|| panic!("configuration {name} is not defined"))
    }

    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.entry(name).value.as_ref()
    }

    pub fn origin(&self, name: &str) -> &ConfigSource {
        &self.entry(name).origin
    }

    /// True when some source set the key (it is not at its default).
    pub fn is_set(&self, name: &str) -> bool {
        !self.origin(name).is_default()
    }

    fn required(&self, name: &str) -> &ConfigValue {
        self.get(name)
            .unwrap_or_else(|| panic!("configuration {name} has a null default"))
    }

    pub fn bool(&self, name: &str) -> bool {
        self.required(name).as_bool()
    }

    pub fn int(&self, name: &str) -> i32 {
        match self.required(name) {
            ConfigValue::Int(v) => *v,
            other => panic!("{name} is not an INT: {other:?}"),
        }
    }

    pub fn short(&self, name: &str) -> i16 {
        match self.required(name) {
            ConfigValue::Short(v) => *v,
            other => panic!("{name} is not a SHORT: {other:?}"),
        }
    }

    /// A SHORT, INT or LONG key, widened to `i64`.
    pub fn long(&self, name: &str) -> i64 {
        self.required(name).as_i64()
    }

    pub fn opt_long(&self, name: &str) -> Option<i64> {
        self.get(name).map(ConfigValue::as_i64)
    }

    pub fn double(&self, name: &str) -> f64 {
        self.required(name).as_f64()
    }

    pub fn string(&self, name: &str) -> &str {
        self.required(name).as_str()
    }

    pub fn opt_string(&self, name: &str) -> Option<&str> {
        self.get(name).map(ConfigValue::as_str)
    }

    pub fn list(&self, name: &str) -> &[String] {
        self.required(name).as_list()
    }

    pub fn opt_list(&self, name: &str) -> Option<&[String]> {
        self.get(name).map(ConfigValue::as_list)
    }

    /// An error about a key's current value, for checks that involve several keys.
    pub fn invalid(&self, name: &str, reason: impl Into<String>) -> ConfigError {
        let entry = self.entry(name);
        ConfigError::InvalidValue {
            key: name.to_string(),
            value: entry.raw.clone().unwrap_or_else(|| "null".to_string()),
            reason: reason.into(),
            origin: entry.origin.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static KEYS: &[ConfigKey] = &[
        ConfigKey::new(
            "a.int",
            ConfigType::Int,
            Some("1"),
            Validator::AtLeast(1),
            "",
        ),
        ConfigKey::new("a.long", ConfigType::Long, None, Validator::None, ""),
        ConfigKey::new(
            "a.bool",
            ConfigType::Boolean,
            Some("true"),
            Validator::None,
            "",
        ),
        ConfigKey::new(
            "a.ratio",
            ConfigType::Double,
            Some("0.5"),
            Validator::DoubleBetween(0.0, 1.0),
            "",
        ),
        ConfigKey::new(
            "a.kind",
            ConfigType::String,
            Some("x"),
            Validator::OneOf(&["x", "y"]),
            "",
        ),
        ConfigKey::new(
            "a.list",
            ConfigType::List,
            Some("delete"),
            Validator::ListOf(&["compact", "delete"]),
            "",
        ),
        ConfigKey::new(
            "a.short",
            ConfigType::Short,
            Some("3"),
            Validator::Between(1, 5),
            "",
        ),
    ];
    const DEF: ConfigDef = ConfigDef::new(KEYS);

    fn set(key: &str, value: &str) -> Setting {
        Setting::new(key, value, ConfigSource::CommandLine)
    }

    fn reason(key: &str, value: &str) -> String {
        match DEF.resolve([set(key, value)]).unwrap_err() {
            ConfigError::InvalidValue { key: k, reason, .. } => {
                assert_eq!(k, key);
                reason
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn test_def_defaults_and_overrides() {
        let r = DEF.resolve([]).unwrap();
        assert_eq!(r.int("a.int"), 1);
        assert_eq!(r.opt_long("a.long"), None);
        assert!(r.bool("a.bool"));
        assert_eq!(r.double("a.ratio"), 0.5);
        assert_eq!(r.list("a.list"), ["delete"]);
        assert_eq!(r.short("a.short"), 3);
        assert!(!r.is_set("a.int"));

        let r = DEF
            .resolve([
                set("a.int", " 7 "),
                set("a.long", "-1"),
                set("a.bool", "FALSE"),
                set("a.list", "compact , delete"),
                set("a.int", "8"),
            ])
            .unwrap();
        assert_eq!(r.int("a.int"), 8);
        assert_eq!(r.opt_long("a.long"), Some(-1));
        assert!(!r.bool("a.bool"));
        assert_eq!(r.list("a.list"), ["compact", "delete"]);
        assert!(r.is_set("a.int"));
        assert_eq!(r.origin("a.int"), &ConfigSource::CommandLine);
    }

    #[test]
    fn test_def_type_errors_use_kafka_wording() {
        assert_eq!(reason("a.int", "abc"), "Not a number of type INT");
        assert_eq!(reason("a.int", "99999999999"), "Not a number of type INT");
        assert_eq!(reason("a.long", "1.5"), "Not a number of type LONG");
        assert_eq!(reason("a.short", "40000"), "Not a number of type SHORT");
        assert_eq!(reason("a.ratio", "half"), "Not a number of type DOUBLE");
        assert_eq!(reason("a.ratio", "NaN"), "Not a number of type DOUBLE");
        assert_eq!(
            reason("a.bool", "yes"),
            "Expected value to be either true or false"
        );
    }

    #[test]
    fn test_def_validators() {
        assert_eq!(reason("a.int", "0"), "Value must be at least 1");
        assert_eq!(reason("a.short", "6"), "Value must be no more than 5");
        assert_eq!(reason("a.ratio", "1.5"), "Value must be no more than 1");
        assert_eq!(reason("a.kind", "z"), "String must be one of: x, y");
        assert_eq!(
            reason("a.list", "delete,nope"),
            "'nope' is not allowed; each item must be one of: compact, delete"
        );
        assert_eq!(reason("a.list", ""), "Value must not be empty");
    }

    #[test]
    fn test_def_unknown_key_suggests_close_name() {
        let err = DEF.resolve([set("a.inr", "1")]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnknownKey { key, suggestion: Some("a.int"), .. } if key == "a.inr"),
            "{err:?}"
        );
        let err = DEF.resolve([set("completely.else", "1")]).unwrap_err();
        assert!(
            matches!(
                &err,
                ConfigError::UnknownKey {
                    suggestion: None,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn test_def_value_display_matches_kafka() {
        assert_eq!(ConfigValue::Double(1.0).to_string(), "1.0");
        assert_eq!(ConfigValue::Double(0.25).to_string(), "0.25");
        assert_eq!(
            ConfigValue::List(vec!["a".into(), "b".into()]).to_string(),
            "a,b"
        );
        assert_eq!(
            ConfigValue::Long(i64::MAX).to_string(),
            "9223372036854775807"
        );
    }

    #[test]
    fn test_edit_distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
