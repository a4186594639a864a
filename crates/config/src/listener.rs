//! Endpoint syntax: Kafka listeners (`NAME://host:port`), the HTTP services'
//! listeners (`http://host:port`), `listener.security.protocol.map` and
//! `controller.quorum.voters` (`id@host:port`).
//!
//! Hosts: a name or IPv4 address, an IPv6 address in brackets (`[::1]`), or empty,
//! which like `0.0.0.0` binds every interface. Ports: 0..=65535, 0 asking the OS for
//! an ephemeral port. Listener names are case-insensitive and kept upper-case, as
//! Kafka's `ListenerName.normalised` does.
//!
//! ```
//! use fjord_config::listener::Listener;
//!
//! let l: Listener = "plaintext://[::1]:9092".parse().unwrap();
//! assert_eq!((l.name.as_str(), l.host.as_str(), l.port), ("PLAINTEXT", "::1", 9092));
//! assert_eq!(l.to_string(), "PLAINTEXT://[::1]:9092");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// A Kafka listener, `NAME://host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Listener {
    /// Upper-case listener name (`PLAINTEXT`, `CONTROLLER`, `INTERNAL`, ...).
    pub name: String,
    /// Host without brackets; empty means every interface.
    pub host: String,
    pub port: u16,
}

impl Listener {
    /// True when the host binds every interface (empty, `0.0.0.0` or `::`), which is
    /// not an address a client can be sent to.
    pub fn is_wildcard_host(&self) -> bool {
        is_wildcard(&self.host)
    }

    /// `host:port` to bind, with IPv6 in brackets and an empty host as `0.0.0.0`.
    pub fn bind_address(&self) -> String {
        host_port(
            if self.host.is_empty() {
                "0.0.0.0"
            } else {
                &self.host
            },
            self.port,
        )
    }
}

impl FromStr for Listener {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("'{s}' is not a listener: expected NAME://host:port"))?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(format!(
                "'{s}' has an invalid listener name '{name}': use letters, digits, '_', '-' or '.'"
            ));
        }
        let (host, port) = parse_host_port(rest).map_err(|e| format!("'{s}': {e}"))?;
        Ok(Self {
            name: name.to_ascii_uppercase(),
            host,
            port,
        })
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.name, host_port(&self.host, self.port))
    }
}

/// Parses a `listeners` / `advertised.listeners` list; names must be unique.
pub fn parse_listeners(items: &[String]) -> Result<Vec<Listener>, String> {
    let mut listeners: Vec<Listener> = Vec::with_capacity(items.len());
    for item in items {
        let listener: Listener = item.parse()?;
        if listeners.iter().any(|l| l.name == listener.name) {
            return Err(format!(
                "listener name {} is used more than once",
                listener.name
            ));
        }
        listeners.push(listener);
    }
    Ok(listeners)
}

/// The security protocol a listener speaks (`listener.security.protocol.map`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityProtocol {
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}

impl SecurityProtocol {
    pub const ALL: [SecurityProtocol; 4] = [
        SecurityProtocol::Plaintext,
        SecurityProtocol::Ssl,
        SecurityProtocol::SaslPlaintext,
        SecurityProtocol::SaslSsl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }
}

impl FromStr for SecurityProtocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown security protocol '{s}': use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
            })
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses `NAME:PROTOCOL,...`; names are upper-cased and must be unique.
pub fn parse_security_protocol_map(
    items: &[String],
) -> Result<BTreeMap<String, SecurityProtocol>, String> {
    let mut map = BTreeMap::new();
    for item in items {
        let (name, protocol) = item
            .split_once(':')
            .ok_or_else(|| format!("'{item}' is not NAME:PROTOCOL"))?;
        let name = name.trim().to_ascii_uppercase();
        if name.is_empty() {
            return Err(format!("'{item}' has an empty listener name"));
        }
        let protocol: SecurityProtocol = protocol.trim().parse()?;
        if map.insert(name.clone(), protocol).is_some() {
            return Err(format!("listener name {name} is mapped more than once"));
        }
    }
    Ok(map)
}

/// The scheme of an HTTP service listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpScheme {
    Http,
    Https,
}

/// An HTTP service listener (Schema Registry, Connect, console): `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpListener {
    pub scheme: HttpScheme,
    /// Host without brackets; empty means every interface.
    pub host: String,
    pub port: u16,
}

impl HttpListener {
    /// `host:port` to bind, with IPv6 in brackets and an empty host as `0.0.0.0`.
    pub fn bind_address(&self) -> String {
        host_port(
            if self.host.is_empty() {
                "0.0.0.0"
            } else {
                &self.host
            },
            self.port,
        )
    }
}

impl FromStr for HttpListener {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("'{s}' is not a listener: expected http://host:port"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => HttpScheme::Http,
            "https" => HttpScheme::Https,
            _ => return Err(format!("'{s}': the scheme must be http or https")),
        };
        let (host, port) =
            parse_host_port(rest.trim_end_matches('/')).map_err(|e| format!("'{s}': {e}"))?;
        Ok(Self { scheme, host, port })
    }
}

impl fmt::Display for HttpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            HttpScheme::Http => "http",
            HttpScheme::Https => "https",
        };
        write!(f, "{scheme}://{}", host_port(&self.host, self.port))
    }
}

/// Parses an HTTP service's listener list; the empty list turns the service off.
pub fn parse_http_listeners(items: &[String]) -> Result<Vec<HttpListener>, String> {
    items.iter().map(|i| i.parse()).collect()
}

/// A member of the metadata quorum, `id@host:port` (`controller.quorum.voters`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuorumVoter {
    pub id: i32,
    pub host: String,
    pub port: u16,
}

impl FromStr for QuorumVoter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (id, rest) = s
            .split_once('@')
            .ok_or_else(|| format!("'{s}' is not a voter: expected id@host:port"))?;
        let id: i32 = id
            .parse()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| format!("'{s}': the voter id must be a non-negative integer"))?;
        let (host, port) = parse_host_port(rest).map_err(|e| format!("'{s}': {e}"))?;
        if host.is_empty() || is_wildcard(&host) {
            return Err(format!("'{s}': a voter needs a routable host"));
        }
        Ok(Self { id, host, port })
    }
}

impl fmt::Display for QuorumVoter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, host_port(&self.host, self.port))
    }
}

/// Parses `controller.quorum.voters`; ids must be unique.
pub fn parse_quorum_voters(items: &[String]) -> Result<Vec<QuorumVoter>, String> {
    let mut voters: Vec<QuorumVoter> = Vec::with_capacity(items.len());
    for item in items {
        let voter: QuorumVoter = item.parse()?;
        if voters.iter().any(|v| v.id == voter.id) {
            return Err(format!("voter id {} is listed more than once", voter.id));
        }
        voters.push(voter);
    }
    Ok(voters)
}

/// True for the hosts that mean "every interface".
pub fn is_wildcard(host: &str) -> bool {
    matches!(host, "" | "0.0.0.0" | "::")
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Splits `host:port`, `[v6]:port` or `:port`.
fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, port) = rest
            .split_once("]:")
            .ok_or_else(|| "expected [ipv6-address]:port".to_string())?;
        v6.parse::<Ipv6Addr>()
            .map_err(|_| format!("'{v6}' is not an IPv6 address"))?;
        (v6.to_string(), port)
    } else {
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| "expected host:port".to_string())?;
        if host.contains(':') {
            return Err("an IPv6 address must be in brackets, as in [::1]:9092".to_string());
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        {
            return Err(format!("'{host}' is not a valid host name"));
        }
        (host.to_string(), port)
    };
    let port: u32 = port
        .parse()
        .map_err(|_| format!("port '{port}' is not a number"))?;
    let port = u16::try_from(port).map_err(|_| format!("port {port} is not in 0..65535"))?;
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<String> {
        s.split(',').map(|i| i.trim().to_string()).collect()
    }

    #[test]
    fn test_listener_parse_hosts() {
        let ls = parse_listeners(&list(
            "PLAINTEXT://:9092,controller://0.0.0.0:9093,V6://[::1]:0,H://my-host.local:1",
        ))
        .unwrap();
        assert_eq!(ls[0].host, "");
        assert!(ls[0].is_wildcard_host());
        assert_eq!(ls[0].bind_address(), "0.0.0.0:9092");
        assert_eq!(ls[1].name, "CONTROLLER");
        assert!(ls[1].is_wildcard_host());
        assert_eq!(ls[2].host, "::1");
        assert_eq!(ls[2].port, 0);
        assert_eq!(ls[2].bind_address(), "[::1]:0");
        assert_eq!(ls[3].to_string(), "H://my-host.local:1");
    }

    #[test]
    fn test_listener_parse_errors() {
        for (input, needle) in [
            ("localhost:9092", "expected NAME://host:port"),
            ("PLAINTEXT://localhost", "expected host:port"),
            ("PLAINTEXT://:65536", "port 65536 is not in 0..65535"),
            ("PLAINTEXT://:-1", "port '-1' is not a number"),
            ("PLAINTEXT://::1:9092", "must be in brackets"),
            ("PLAINTEXT://[nope]:9092", "not an IPv6 address"),
            ("PLAIN TEXT://:9092", "invalid listener name"),
            ("://:9092", "invalid listener name"),
            ("P://bad/host:9092", "not a valid host name"),
        ] {
            let err = input.parse::<Listener>().unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
        let err = parse_listeners(&list("A://:1,a://:2")).unwrap_err();
        assert_eq!(err, "listener name A is used more than once");
    }

    #[test]
    fn test_http_listener_parse() {
        let ls = parse_http_listeners(&list("http://0.0.0.0:8081,HTTPS://[::]:8443/")).unwrap();
        assert_eq!(ls[0].scheme, HttpScheme::Http);
        assert_eq!(ls[0].port, 8081);
        assert_eq!(ls[1].scheme, HttpScheme::Https);
        assert_eq!(ls[1].to_string(), "https://[::]:8443");
        assert!(parse_http_listeners(&[]).unwrap().is_empty());
        assert!("ftp://:21"
            .parse::<HttpListener>()
            .unwrap_err()
            .contains("http or https"));
        assert!("0.0.0.0:8081".parse::<HttpListener>().is_err());
    }

    #[test]
    fn test_security_protocol_map_parse() {
        let map =
            parse_security_protocol_map(&list("controller:plaintext,EXTERNAL:SASL_SSL")).unwrap();
        assert_eq!(map["CONTROLLER"], SecurityProtocol::Plaintext);
        assert_eq!(map["EXTERNAL"], SecurityProtocol::SaslSsl);
        assert!(parse_security_protocol_map(&list("A:TLS"))
            .unwrap_err()
            .contains("unknown security protocol"));
        assert!(parse_security_protocol_map(&list("A")).is_err());
        assert!(parse_security_protocol_map(&list("A:SSL,a:SSL")).is_err());
    }

    #[test]
    fn test_quorum_voters_parse() {
        let v = parse_quorum_voters(&list("1@localhost:9093,2@[::1]:9094")).unwrap();
        assert_eq!(
            v[0],
            QuorumVoter {
                id: 1,
                host: "localhost".into(),
                port: 9093
            }
        );
        assert_eq!(v[1].to_string(), "2@[::1]:9094");
        assert!(parse_quorum_voters(&list("1@a:1,1@b:2")).is_err());
        assert!(parse_quorum_voters(&list("x@a:1")).is_err());
        assert!(parse_quorum_voters(&list("1@:9093")).is_err());
    }
}
