//! The go-plugin handshake: what Terraform tells us in the environment when it starts the
//! plugin, and the one line we answer on stdout.
//!
//! The transport is go-plugin's choice: on unix a unix socket (TCP on loopback when the
//! plugin's transport variable says `tcp`), on other systems always TCP on loopback.
//!
//! Knows the handshake's words and numbers; knows nothing of gRPC or TLS.

#[cfg(unix)]
use std::path::PathBuf;

use base64::Engine as _;

use crate::identity::PluginIdentity;

/// The environment variable holding the magic cookie, which tells the plugin that Terraform
/// started it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The magic cookie's value that Terraform sets.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own (core) protocol version, the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol major version we speak.
pub const PLUGIN_PROTOCOL_VERSION: u32 = 6;

/// Why the plugin cannot start from what the environment says. The message is meant for the
/// person who ran it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The magic cookie is missing or wrong: someone ran the plugin by hand.
    #[error(
        "{name} is a Terraform plugin, not a command to run by hand.\n\
         Terraform or OpenTofu starts it by itself: declare the provider in required_providers \
         and run `terraform init`.\n\
         To debug the provider, run it with --debug and export the TF_REATTACH_PROVIDERS line it prints."
    )]
    NotStartedByTerraform {
        /// The plugin's executable name, from [`PluginIdentity::name`].
        name: &'static str,
    },
    /// Terraform offered protocol versions, none of them ours.
    #[error(
        "this provider speaks Terraform plugin protocol {PLUGIN_PROTOCOL_VERSION}, but Terraform \
         offered only protocol version(s) {offered}. Use Terraform 1.0 or later (or OpenTofu)."
    )]
    NoCommonProtocol {
        /// `PLUGIN_PROTOCOL_VERSIONS` as Terraform set it.
        offered: String,
    },
    /// `PLUGIN_MIN_PORT` or `PLUGIN_MAX_PORT` is not a port number.
    #[error("{var} must be a port number, got {value:?}")]
    BadPort {
        /// The variable's name.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// The TCP port range is empty.
    #[error("PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})")]
    EmptyPortRange {
        /// `PLUGIN_MIN_PORT` (10000 when unset).
        min: u16,
        /// `PLUGIN_MAX_PORT` (25000 when unset).
        max: u16,
    },
}

/// Where the plugin should listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A unix socket in this directory (go-plugin's default on unix; unix only).
    #[cfg(unix)]
    Unix {
        /// `PLUGIN_UNIX_SOCKET_DIR`, or the system's temporary directory when unset.
        dir: PathBuf,
    },
    /// TCP on 127.0.0.1, on the first free port of this range.
    Tcp {
        /// The lowest port to try.
        min_port: u16,
        /// The highest port to try (included).
        max_port: u16,
    },
}

/// What Terraform told us through the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The plugin protocol version agreed on (always [`PLUGIN_PROTOCOL_VERSION`]).
    pub protocol_version: u32,
    /// Where to listen.
    pub transport: Transport,
    /// Terraform's client certificate (PEM) when AutoMTLS is on.
    pub client_cert_pem: Option<String>,
}

impl Handshake {
    /// Reads the handshake from the process environment. `require_cookie` is false in
    /// `--debug` mode, where a developer starts the plugin by hand.
    pub fn from_env(
        identity: &PluginIdentity,
        require_cookie: bool,
    ) -> Result<Self, HandshakeError> {
        Self::from_lookup(identity, |k| std::env::var(k).ok(), require_cookie)
    }

    /// Same as [`Handshake::from_env`] with any lookup, so that tests need no process env.
    pub fn from_lookup(
        identity: &PluginIdentity,
        get: impl Fn(&str) -> Option<String>,
        require_cookie: bool,
    ) -> Result<Self, HandshakeError> {
        if require_cookie && get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotStartedByTerraform {
                name: identity.name,
            });
        }
        let protocol_version = negotiate(get("PLUGIN_PROTOCOL_VERSIONS").as_deref())?;
        let transport = transport(identity, &get)?;
        let client_cert_pem = get("PLUGIN_CLIENT_CERT").filter(|c| !c.trim().is_empty());
        Ok(Handshake {
            protocol_version,
            transport,
            client_cert_pem,
        })
    }
}

/// A unix socket in `PLUGIN_UNIX_SOCKET_DIR` (or the temporary directory) unless the plugin's
/// transport variable asks for `tcp`; on other systems TCP, as go-plugin does there.
fn transport(
    identity: &PluginIdentity,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Transport, HandshakeError> {
    #[cfg(unix)]
    {
        let tcp_wanted = get(identity.transport_var)
            .map(|v| v.eq_ignore_ascii_case("tcp"))
            .unwrap_or(false);
        if !tcp_wanted {
            let dir = get("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir);
            return Ok(Transport::Unix { dir });
        }
    }
    #[cfg(not(unix))]
    let _ = identity; // only unix has a choice to make
    let min_port = port(get, "PLUGIN_MIN_PORT", 10_000)?;
    let max_port = port(get, "PLUGIN_MAX_PORT", 25_000)?;
    if min_port > max_port {
        return Err(HandshakeError::EmptyPortRange {
            min: min_port,
            max: max_port,
        });
    }
    Ok(Transport::Tcp { min_port, max_port })
}

fn port(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u16,
) -> Result<u16, HandshakeError> {
    match get(var).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| HandshakeError::BadPort {
            var,
            value: v.clone(),
        }),
    }
}

/// Picks our protocol from Terraform's comma-separated offer. No offer means the caller
/// predates negotiation and expects the plugin's own version.
pub fn negotiate(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let Some(offered) = offered.filter(|o| !o.trim().is_empty()) else {
        return Ok(PLUGIN_PROTOCOL_VERSION);
    };
    let speaks = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == PLUGIN_PROTOCOL_VERSION);
    if speaks {
        Ok(PLUGIN_PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::NoCommonProtocol {
            offered: offered.to_string(),
        })
    }
}

/// The one line printed on stdout once the server listens, e.g.
/// `1|6|unix|/tmp/plugin123|grpc|MIIB…` (the last field only with AutoMTLS: the server
/// certificate's DER in standard base64 without padding).
pub fn handshake_line(
    protocol_version: u32,
    network: &str,
    address: &str,
    server_cert_der: Option<&[u8]>,
) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{protocol_version}|{network}|{address}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::EXAMPLE;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn refuses_to_run_without_the_cookie() {
        let err = Handshake::from_lookup(&EXAMPLE, env(&[]), true).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::NotStartedByTerraform { name: EXAMPLE.name }
        );
        assert!(err.to_string().contains("is a Terraform plugin"));
        let wrong = env(&[(MAGIC_COOKIE_KEY, "nope")]);
        assert!(Handshake::from_lookup(&EXAMPLE, wrong, true).is_err());
        // --debug does not need it
        assert!(Handshake::from_lookup(&EXAMPLE, env(&[]), false).is_ok());
    }

    #[test]
    fn negotiates_protocol_six_only() {
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some(" 6 ")), Ok(6));
        assert_eq!(negotiate(None), Ok(6));
        let err = negotiate(Some("4,5")).unwrap_err();
        assert!(err
            .to_string()
            .contains("offered only protocol version(s) 4,5"));
    }

    #[test]
    fn unix_socket_by_default_and_tcp_when_asked() {
        let h = Handshake::from_lookup(
            &EXAMPLE,
            env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_UNIX_SOCKET_DIR", "/run/x"),
                ("PLUGIN_CLIENT_CERT", "PEM"),
            ]),
            true,
        )
        .unwrap();
        #[cfg(unix)]
        assert_eq!(
            h.transport,
            Transport::Unix {
                dir: "/run/x".into()
            }
        );
        #[cfg(not(unix))]
        assert_eq!(
            h.transport,
            Transport::Tcp {
                min_port: 10_000,
                max_port: 25_000
            }
        );
        assert_eq!(h.client_cert_pem.as_deref(), Some("PEM"));
        let h = Handshake::from_lookup(
            &EXAMPLE,
            env(&[
                (EXAMPLE.transport_var, "tcp"),
                ("PLUGIN_MIN_PORT", "20000"),
                ("PLUGIN_MAX_PORT", "20010"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(
            h.transport,
            Transport::Tcp {
                min_port: 20000,
                max_port: 20010
            }
        );
        let bad = Handshake::from_lookup(
            &EXAMPLE,
            env(&[
                (EXAMPLE.transport_var, "tcp"),
                ("PLUGIN_MIN_PORT", "9"),
                ("PLUGIN_MAX_PORT", "8"),
            ]),
            false,
        );
        assert!(matches!(bad, Err(HandshakeError::EmptyPortRange { .. })));
    }

    #[test]
    fn line_has_six_fields_and_unpadded_base64() {
        let line = handshake_line(6, "unix", "/tmp/plugin1", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/plugin1|grpc|AQIDBA");
        let plain = handshake_line(6, "tcp", "127.0.0.1:1234", None);
        assert_eq!(plain, "1|6|tcp|127.0.0.1:1234|grpc|");
    }
}
