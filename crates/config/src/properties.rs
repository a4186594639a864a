//! A reader for Java `.properties` files, the format of Kafka's `server.properties`.
//!
//! The parts of `java.util.Properties.load` that matter for configuration files:
//!
//! - `#` or `!` as the first non-blank character makes a comment line; blank lines
//!   are skipped.
//! - `key=value`, `key: value` and `key value` (the key ends at the first unescaped
//!   `=`, `:` or whitespace; blanks around the separator are dropped).
//! - A line ending in an odd number of backslashes continues on the next line, whose
//!   leading blanks are dropped.
//! - Escapes `\t`, `\n`, `\r`, `\f`, `\uXXXX` (with surrogate pairs), and `\x` for any
//!   other `x` (so `\\`, `\=`, `\:`, `\ ` and `\#` stand for themselves).
//!
//! Differences from Java, on purpose: values are trimmed at the end too (Kafka trims
//! every value it parses anyway), an empty key is an error, and a file that is not
//! UTF-8 is read as ISO-8859-1 (Java's encoding for `.properties`). A key given twice
//! keeps its last value, as in Java; [`Properties::entries`] still lists both.
//!
//! ```
//! use fjord_config::properties::Properties;
//!
//! let props = Properties::parse("# broker\nnum.partitions = 3\nlog.dirs: /a,\\\n    /b\n", "server.properties").unwrap();
//! assert_eq!(props.get("num.partitions"), Some("3"));
//! assert_eq!(props.get("log.dirs"), Some("/a,/b"));
//! assert_eq!(props.entries()[1].line, 3);
//! ```

use std::path::Path;

use crate::error::ConfigError;

/// One `key=value` entry and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// The entries of a properties file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<Property>,
}

impl Properties {
    /// Reads and parses a properties file. Errors name the file and line.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // ISO-8859-1: every byte is the code point of the same value.
            Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
        };
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses properties text; `origin` names the input in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        let mut lines = natural_lines(text).enumerate().map(|(i, l)| (i + 1, l));
        while let Some((line_no, line)) = lines.next() {
            let first = line.trim_start_matches(is_blank);
            if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
                continue;
            }
            // Join continuation lines into one logical line.
            let mut logical = String::new();
            let mut current = first;
            loop {
                if ends_with_continuation(current) {
                    logical.push_str(&current[..current.len() - 1]);
                    match lines.next() {
                        Some((_, next)) => current = next.trim_start_matches(is_blank),
                        None => break,
                    }
                } else {
                    logical.push_str(current);
                    break;
                }
            }
            let syntax = |message: String| ConfigError::Syntax {
                origin: origin.to_string(),
                line: line_no,
                message,
            };
            let (key, value) = split_entry(&logical).map_err(syntax)?;
            if key.is_empty() {
                return Err(syntax(format!("missing key before '{}'", value.trim())));
            }
            entries.push(Property {
                key,
                value,
                line: line_no,
            });
        }
        Ok(Self { entries })
    }

    /// Every entry in file order, duplicates included.
    pub fn entries(&self) -> &[Property] {
        &self.entries
    }

    /// The value of `key`: the last one when the key appears more than once.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Java's whitespace for properties: space, tab and form feed.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Splits on `\n`, `\r\n` and lone `\r`, as Java's `LineReader` does.
fn natural_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                // A final newline does not start another (empty) line.
                (!s.is_empty()).then_some(s)
            }
        }
    })
}

/// An odd number of trailing backslashes: the last one escapes the line break.
fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits a logical line into its unescaped key and value.
fn split_entry(line: &str) -> Result<(String, String), String> {
    let mut chars = line.chars().peekable();
    let mut key = String::new();
    while let Some(&c) = chars.peek() {
        if c == '=' || c == ':' || is_blank(c) {
            break;
        }
        chars.next();
        if c == '\\' {
            key.push(unescape_one(&mut chars)?);
        } else {
            key.push(c);
        }
    }
    while chars.next_if(|&c| is_blank(c)).is_some() {}
    if chars.next_if(|&c| c == '=' || c == ':').is_some() {
        while chars.next_if(|&c| is_blank(c)).is_some() {}
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if chars.peek().is_none() {
                break; // a lone backslash at the end of the file
            }
            value.push(unescape_one(&mut chars)?);
        } else {
            value.push(c);
        }
    }
    let trimmed = value.trim_end_matches(is_blank).len();
    value.truncate(trimmed);
    Ok((key, value))
}

/// Decodes the escape after a backslash (already consumed).
fn unescape_one(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    let Some(c) = chars.next() else {
        return Ok('\\');
    };
    Ok(match c {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\u{c}',
        'u' => {
            let unit = hex4(chars)?;
            if (0xD800..0xDC00).contains(&unit) {
                // A high surrogate must be followed by `\u` and a low surrogate.
                let low = match (chars.next(), chars.next()) {
                    (Some('\\'), Some('u')) => hex4(chars)?,
                    _ => return Err(format!("unpaired surrogate \\u{unit:04X}")),
                };
                char::decode_utf16([unit, low])
                    .next()
                    .and_then(Result::ok)
                    .ok_or_else(|| format!("invalid surrogate pair \\u{unit:04X}\\u{low:04X}"))?
            } else {
                char::from_u32(u32::from(unit))
                    .ok_or_else(|| format!("unpaired surrogate \\u{unit:04X}"))?
            }
        }
        other => other,
    })
}

fn hex4(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<u16, String> {
    let digits: String = chars.by_ref().take(4).collect();
    if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        u16::from_str_radix(&digits, 16).map_err(|e| e.to_string())
    } else {
        Err(format!("malformed \\uxxxx encoding: \\u{digits}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, usize)> {
        Properties::parse(text, "test.properties")
            .unwrap()
            .entries()
            .iter()
            .map(|p| (p.key.clone(), p.value.clone(), p.line))
            .collect()
    }

    fn kv(k: &str, v: &str, line: usize) -> (String, String, usize) {
        (k.to_string(), v.to_string(), line)
    }

    #[test]
    fn test_properties_separators() {
        assert_eq!(
            pairs("a=1\nb: 2\nc 3\nd\t=\t4\ne   :5\nf\n"),
            vec![
                kv("a", "1", 1),
                kv("b", "2", 2),
                kv("c", "3", 3),
                kv("d", "4", 4),
                kv("e", "5", 5),
                kv("f", "", 6),
            ]
        );
    }

    #[test]
    fn test_properties_value_keeps_later_separators() {
        assert_eq!(
            pairs("listeners=PLAINTEXT://:9092,CONTROLLER://:9093\nx = a = b"),
            vec![
                kv("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", 1),
                kv("x", "a = b", 2)
            ]
        );
    }

    #[test]
    fn test_properties_comments_and_blank_lines() {
        assert_eq!(
            pairs("# comment\n  ! also a comment\n\n   \t\na=1 # not a comment\n"),
            vec![kv("a", "1 # not a comment", 5)]
        );
    }

    #[test]
    fn test_properties_trims_both_ends() {
        assert_eq!(pairs("   key =   value   \t"), vec![kv("key", "value", 1)]);
    }

    #[test]
    fn test_properties_line_continuation() {
        assert_eq!(
            pairs("log.dirs=/a,\\\n    /b,\\\n\t/c\nnext=1\n"),
            vec![kv("log.dirs", "/a,/b,/c", 1), kv("next", "1", 4)]
        );
        // An even number of trailing backslashes is an escaped backslash, not a
        // continuation.
        assert_eq!(
            pairs("a=x\\\\\nb=2"),
            vec![kv("a", "x\\", 1), kv("b", "2", 2)]
        );
        // A comment line does not continue.
        assert_eq!(pairs("# c \\\nb=2"), vec![kv("b", "2", 2)]);
        // A continuation at the end of input just ends the entry.
        assert_eq!(pairs("a=1\\"), vec![kv("a", "1", 1)]);
    }

    #[test]
    fn test_properties_crlf_and_cr_line_endings() {
        assert_eq!(
            pairs("a=1\r\nb=2\rc=3\r\n"),
            vec![kv("a", "1", 1), kv("b", "2", 2), kv("c", "3", 3)]
        );
    }

    #[test]
    fn test_properties_escapes() {
        assert_eq!(
            pairs(r"a\=b\:c\ d = x\ty\nz\\w\u00e9\q"),
            vec![kv("a=b:c d", "x\ty\nz\\w\u{e9}q", 1)]
        );
        assert_eq!(
            pairs(r"emoji=\uD83D\uDE00"),
            vec![kv("emoji", "\u{1F600}", 1)]
        );
    }

    #[test]
    fn test_properties_errors_name_line() {
        let err = Properties::parse("a=1\n\nb=\\u12x4\n", "server.properties").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Syntax error in server.properties line 3: malformed \\uxxxx encoding: \\u12x4"
        );
        let err = Properties::parse("ok=1\n= value\n", "f").unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { line: 2, .. }), "{err}");
        let err = Properties::parse(r"a=\uD800x", "f").unwrap_err();
        assert!(err.to_string().contains("unpaired surrogate"), "{err}");
    }

    #[test]
    fn test_properties_duplicate_key_last_wins() {
        let p = Properties::parse("a=1\na=2\n", "f").unwrap();
        assert_eq!(p.get("a"), Some("2"));
        assert_eq!(p.entries().len(), 2);
        assert_eq!(p.get("missing"), None);
    }

    #[test]
    fn test_properties_load_latin1_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.properties");
        std::fs::write(&path, b"name=caf\xe9\n").unwrap();
        let p = Properties::load(&path).unwrap();
        assert_eq!(p.get("name"), Some("caf\u{e9}"));
        let err = Properties::load(&dir.path().join("missing.properties")).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("Cannot read configuration file"));
    }
}
