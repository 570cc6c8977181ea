//! Which requests skip the proxy: a `NO_PROXY` list read the way Go reads it, and so the way
//! Terraform and the AWS provider read the same variable, so that one `NO_PROXY` means the
//! same to every provider of a configuration:
//!
//! - a comma list; blanks around entries and case do not matter; `*` alone: every host;
//! - `10.0.0.0/8`, `fd00::/8`: every address in the range, on every port;
//! - `10.1.2.3`, `fd00::1`, `10.1.2.3:8443`, `[fd00::1]:443`: that address, on every port or
//!   on the port given;
//! - `corp.example`, `corp.example:443`: that name and every name under it, on every port or
//!   on the port given; `.corp.example` and `*.corp.example` (with a port or not): the names
//!   under it only, not `corp.example` itself.
//!
//! A request's port is its URL's, else 443 for `https` and 80 for `http`. Requests to
//! `localhost` and to loopback addresses (`127.0.0.0/8`, `::1`) never take a proxy, as in Go:
//! a local emulator is reached directly even where a corporate `HTTP_PROXY` is set.
//!
//! Knows host names, addresses and ports; nothing of proxies, URLs' other parts or HTTP
//! clients.

use std::fmt;
use std::net::IpAddr;

/// Why a request skips the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direct {
    /// `localhost` or a loopback address.
    Loopback,
    /// The list names it.
    Listed,
}

/// A `NO_PROXY` list, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    /// The list as given, for messages.
    text: String,
    /// `*` was among the entries.
    every_host: bool,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// An address range: every address in it, on every port.
    Range { network: IpAddr, prefix: u8 },
    /// One address, on `port` only when one is given.
    Address { ip: IpAddr, port: Option<String> },
    /// A name: `.name` ends every host it matches; `itself` when the bare name matches too.
    Domain {
        suffix: String,
        itself: bool,
        port: Option<String>,
    },
}

impl NoProxy {
    /// Parses a list; entries that cannot match anything (`:443`, `[]`) are left out, as Go
    /// leaves them out.
    pub fn parse(text: &str) -> NoProxy {
        let mut list = NoProxy {
            text: text.trim().to_string(),
            ..NoProxy::default()
        };
        for entry in text.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                list.every_host = true;
                continue;
            }
            if let Some(rule) = range(&entry) {
                list.rules.push(rule);
                continue;
            }
            let (host, port) = split_host_port(&entry).unwrap_or_else(|| {
                let bare = entry.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
                (bare.unwrap_or(&entry), None)
            });
            if host.is_empty() {
                continue;
            }
            if let Ok(ip) = host.parse::<IpAddr>() {
                list.rules.push(Rule::Address { ip, port });
                continue;
            }
            let host = host
                .strip_prefix('*')
                .filter(|h| h.starts_with('.'))
                .unwrap_or(host);
            let (suffix, itself) = match host.strip_prefix('.') {
                Some(_) => (host.to_string(), false),
                None => (format!(".{host}"), true),
            };
            list.rules.push(Rule::Domain {
                suffix,
                itself,
                port,
            });
        }
        list
    }

    /// True when a request to `host` on `port` goes directly: `host` as in a URL (an IPv6
    /// address in brackets or not).
    pub fn bypasses(&self, host: &str, port: u16) -> bool {
        self.why_direct(host, port).is_some()
    }

    /// Why a request to `host` on `port` goes directly, if it does.
    pub fn why_direct(&self, host: &str, port: u16) -> Option<Direct> {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        let ip = host.parse::<IpAddr>().ok();
        if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) {
            return Some(Direct::Loopback);
        }
        (self.every_host || self.names(host, ip, port)).then_some(Direct::Listed)
    }

    fn names(&self, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
        let port = port.to_string();
        let on_port = |p: &Option<String>| p.as_ref().is_none_or(|p| *p == port);
        self.rules.iter().any(|rule| match rule {
            Rule::Range { network, prefix } => ip.is_some_and(|ip| in_range(ip, *network, *prefix)),
            Rule::Address { ip: a, port: p } => ip == Some(*a) && on_port(p),
            Rule::Domain {
                suffix,
                itself,
                port: p,
            } => {
                (host.ends_with(suffix.as_str()) || (*itself && host == &suffix[1..])) && on_port(p)
            }
        })
    }

    /// True when the list names nothing.
    pub fn is_empty(&self) -> bool {
        !self.every_host && self.rules.is_empty()
    }
}

impl fmt::Display for NoProxy {
    /// The list as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `addr/len` as a range, its address cut to its first `len` bits.
fn range(entry: &str) -> Option<Rule> {
    let (addr, len) = entry.split_once('/')?;
    let network: IpAddr = addr.parse().ok()?;
    let prefix: u8 = len.parse().ok()?;
    let bits = match network {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    (prefix <= bits).then_some(Rule::Range { network, prefix })
}

fn in_range(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let mask = |bits: u32| -> u128 {
        match u32::from(prefix) {
            0 => 0,
            p => u128::MAX << (bits - p.min(bits)),
        }
    };
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let m = mask(32) & u128::from(u32::MAX);
            u128::from(u32::from(ip)) & m == u128::from(u32::from(net)) & m
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let m = mask(128);
            u128::from(ip) & m == u128::from(net) & m
        }
        _ => false,
    }
}

/// `host:port` or `[v6]:port` split as Go's `net.SplitHostPort` splits it, the brackets
/// left off; `None` when the entry has no port (a bare IPv6 address has colons and no port).
/// An empty port (`host:`) is no port.
fn split_host_port(entry: &str) -> Option<(&str, Option<String>)> {
    let (host, port) = match entry.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            (inside, after.strip_prefix(':')?)
        }
        None => entry
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains(':'))?,
    };
    if port.contains(':') {
        return None;
    }
    Some((host, Some(port.to_string()).filter(|p| !p.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(list: &str, host: &str, port: u16) -> bool {
        NoProxy::parse(list).bypasses(host, port)
    }

    #[test]
    fn a_name_matches_itself_and_the_names_under_it_and_nothing_else() {
        let list = "corp.example";
        assert!(direct(list, "corp.example", 443));
        assert!(direct(list, "api.corp.example", 443));
        assert!(direct(list, "API.Corp.Example.", 443));
        assert!(!direct(list, "notcorp.example", 443));
        assert!(!direct(list, "corp.example.com", 443));
    }

    #[test]
    fn a_leading_dot_or_star_dot_matches_the_names_under_it_only() {
        for list in [".corp.example", "*.corp.example"] {
            assert!(direct(list, "api.corp.example", 443), "{list}");
            assert!(!direct(list, "corp.example", 443), "{list}");
            assert!(!direct(list, "xcorp.example", 443), "{list}");
        }
    }

    #[test]
    fn an_entry_with_a_port_matches_that_port_only() {
        let list = "vpce.internal:8443, 10.1.2.3:443, [fd00::1]:443";
        assert!(direct(list, "vpce.internal", 8443));
        assert!(direct(list, "x.vpce.internal", 8443));
        assert!(!direct(list, "vpce.internal", 443));
        assert!(direct(list, "10.1.2.3", 443));
        assert!(!direct(list, "10.1.2.3", 8443));
        assert!(direct(list, "[fd00::1]", 443));
        assert!(direct(list, "fd00::1", 443));
        assert!(!direct(list, "fd00::1", 80));
    }

    #[test]
    fn addresses_and_ranges_of_both_families() {
        let list = "10.0.0.0/8, 192.168.1.7, fd00::/8, 2001:db8::5, 0.0.0.0/0x";
        assert!(direct(list, "10.200.3.4", 443));
        assert!(!direct(list, "11.0.0.1", 443));
        assert!(direct(list, "192.168.1.7", 8443));
        assert!(!direct(list, "192.168.1.8", 443));
        assert!(direct(list, "fd12:3456::1", 443));
        assert!(!direct(list, "fe80::1", 443));
        assert!(direct(list, "[2001:db8::5]", 443));
        assert!(!direct(list, "2001:db8::6", 443));
        // A name is never an address, and an address never matches a name's rule.
        assert!(!direct(list, "ten.example", 443));
        assert!(direct("0.0.0.0/0", "203.0.113.9", 443));
        assert!(!direct("0.0.0.0/0", "2001:db8::1", 443));
        assert!(!direct("10.0.0.0/33", "10.0.0.1", 443), "not a range");
    }

    #[test]
    fn star_alone_is_every_host_and_empty_entries_are_nothing() {
        assert!(direct(
            "example.com, *",
            "cloudhsmv2.eu-west-1.amazonaws.com",
            443
        ));
        let empty = NoProxy::parse(" , ,:443,[]");
        assert!(empty.is_empty(), "{empty:?}");
        assert!(!empty.bypasses("cloudhsmv2.eu-west-1.amazonaws.com", 443));
        assert!(!direct("*example.com", "api.example.com", 443));
    }

    #[test]
    fn localhost_and_loopback_are_always_direct() {
        for host in ["localhost", "127.0.0.1", "127.9.9.9", "::1", "[::1]"] {
            assert!(direct("", host, 8080), "{host}");
        }
        assert!(!direct("", "localhost.example", 443));
    }

    #[test]
    fn the_list_is_shown_as_given() {
        assert_eq!(
            NoProxy::parse(" .corp.example,10.0.0.0/8 ").to_string(),
            ".corp.example,10.0.0.0/8"
        );
    }
}
