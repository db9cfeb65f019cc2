//! The one guard every outbound call (pieces, functions, URL training, webhooks) passes
//! before its fetch subrequest, and again on every redirect hop.
//!
//! Outbound URLs come from users, so without a guard the Worker could be turned against
//! loopback services, cloud metadata endpoints or private networks (SSRF). A Worker cannot
//! resolve DNS itself, so only what the URL itself says can be judged here: literal
//! addresses (in whatever spelling the WHATWG parser accepts, which is why addresses are
//! read from the parsed `Host` and never matched as strings) and host names that are local
//! by definition. A public name that resolves to a private address is left to the platform.
//!
//! `allow_private` (`ALLOW_PRIVATE_UPSTREAMS=true`) exists because local development and
//! end-to-end tests point upstreams at a mock on 127.0.0.1 / `localhost`; it lifts the
//! address and local-name rules only. Scheme and credential rules protect against other
//! mistakes (non-HTTP fetches, secrets leaking into logs and upstreams) and always apply.
//!
//! Kept pure (no `worker` import) so every rule is unit-tested on the host.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Redirects are followed by hand so each hop can be checked; past this many, give up.
pub const MAX_REDIRECTS: usize = 3;
/// Upstream answers (functions, pieces, webhook receivers) are cut off past this size
/// (`OUTBOUND_MAX_RESPONSE_BYTES`) so one answer cannot exhaust an isolate's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Pages read for URL training are cut off past this size (`TRAINING_MAX_PAGE_BYTES`).
pub const DEFAULT_MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// No configuration may raise a cap past this: an isolate has 128 MB in all.
pub const MAX_CONFIGURABLE_BYTES: usize = 16 * 1024 * 1024;

/// A byte cap from its configuration value: a positive integer up to
/// `MAX_CONFIGURABLE_BYTES`; anything else is the default.
pub fn byte_cap(configured: &str, default: usize) -> usize {
    match configured.trim().parse::<usize>() {
        Ok(n) if n > 0 => n.min(MAX_CONFIGURABLE_BYTES),
        _ => default,
    }
}

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a parseable absolute URL, or one without a host.
    InvalidUrl,
    /// Not `http` or `https`.
    Scheme,
    /// A user name or password in the URL.
    Credentials,
    /// A literal address that is loopback, private, link-local, multicast, reserved, ...
    PrivateAddress,
    /// `localhost`, `*.localhost`, `*.local`, `*.internal` or a cloud metadata name.
    ForbiddenHost,
}

impl Refusal {
    /// A sentence fit to show the user who supplied the URL.
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::InvalidUrl => "The URL is not a valid absolute URL.",
            Refusal::Scheme => "The URL must use http or https.",
            Refusal::Credentials => "The URL must not contain a user name or password.",
            Refusal::PrivateAddress => {
                "The URL must not point to a loopback, private, link-local, multicast or otherwise non-public address."
            }
            Refusal::ForbiddenHost => {
                "The URL must not point to localhost, a .local or .internal host, or a metadata service."
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Refusal {}

/// Reads `ALLOW_PRIVATE_UPSTREAMS`: only the exact value `"true"` lifts the address rules,
/// so a typo or an unset variable fails closed.
pub fn allow_private_flag(value: Option<&str>) -> bool {
    value == Some("true")
}

/// The statuses whose `Location` a manual redirect loop follows.
pub fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The URLs a caller may give (webhook receivers, function endpoints, pages to train on),
/// as the OpenAPI document states them: `http` or `https`, a DNS name whose last label
/// starts with a letter (or a dotted IPv4 address), an optional port, a path and a query of
/// RFC 3986 characters, no user info, no fragment. `http_url_problem` checks exactly this.
pub const HTTP_URL_PATTERN: &str = concat!(
    "^https?://",
    "(([A-Za-z0-9-]+\\.)+[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?",
    "|((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))",
    "(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?",
    "(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*",
    "(\\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$"
);

/// `None` when `s` matches `HTTP_URL_PATTERN`, else why not.
pub fn http_url_problem(s: &str) -> Option<&'static str> {
    const BAD: Option<&str> =
        Some("The url must be an absolute http(s) URL with a host name (no user info, spaces or fragment).");
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    let Some(rest) = rest else { return BAD };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if !(is_dns_name(host) || is_ipv4(host)) {
        return BAD;
    }
    if let Some(p) = port {
        let ok = !p.is_empty() && p.len() <= 5 && !p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit());
        if !ok || p.parse::<u32>().map_or(true, |n| n > 65_535) {
            return BAD;
        }
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    if !path.is_empty() && !path.starts_with('/') {
        return BAD;
    }
    let pchar = |b: u8| b.is_ascii_alphanumeric() || b"._~!$&'()*+,;=:@-".contains(&b);
    if !uri_chars(path, |b| pchar(b) || b == b'/')
        || !query.is_none_or(|q| uri_chars(q, |b| pchar(b) || b == b'/' || b == b'?'))
    {
        return BAD;
    }
    None
}

/// Every byte allowed by `ok`, or a `%` followed by two hex digits.
fn uri_chars(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else if ok(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Labels of letters, digits and hyphens, at least two, the last starting with a letter and
/// not ending with a hyphen.
fn is_dns_name(h: &str) -> bool {
    let labels: Vec<&str> = h.split('.').collect();
    let Some((last, rest)) = labels.split_last() else { return false };
    let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    !rest.is_empty()
        && rest.iter().all(|l| label_ok(l))
        && label_ok(last)
        && last.as_bytes()[0].is_ascii_alphabetic()
        && !last.ends_with('-')
}

/// Four decimal octets 0-255 without leading zeros.
fn is_ipv4(h: &str) -> bool {
    let parts: Vec<&str> = h.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Parses and checks a URL; returns the parsed `url::Url` on success.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refusal> {
    let url = Url::parse(raw).map_err(|_| Refusal::InvalidUrl)?;
    check_parsed(&url, allow_private)?;
    Ok(url)
}

/// Resolves a redirect `Location` against the current URL and checks it again (same rules).
pub fn check_redirect(current: &Url, location: &str, allow_private: bool) -> Result<Url, Refusal> {
    // An empty Location would resolve to the current URL and just loop.
    if location.trim().is_empty() {
        return Err(Refusal::InvalidUrl);
    }
    let next = current.join(location).map_err(|_| Refusal::InvalidUrl)?;
    check_parsed(&next, allow_private)?;
    Ok(next)
}

fn check_parsed(url: &Url, allow_private: bool) -> Result<(), Refusal> {
    match url.scheme() {
        "http" | "https" => {}
        _ => return Err(Refusal::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    match url.host() {
        None => Err(Refusal::InvalidUrl),
        Some(Host::Domain(name)) => check_host_name(name, allow_private),
        Some(Host::Ipv4(ip)) => {
            if !allow_private && is_forbidden_ipv4(ip) {
                Err(Refusal::PrivateAddress)
            } else {
                Ok(())
            }
        }
        Some(Host::Ipv6(ip)) => {
            if !allow_private && is_forbidden_ipv6(ip) {
                Err(Refusal::PrivateAddress)
            } else {
                Ok(())
            }
        }
    }
}

/// Names that reach a cloud provider's instance metadata service from inside it.
const METADATA_NAMES: &[&str] =
    &["metadata", "metadata.goog", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"];

/// Suffixes that never name a public host: a name equal to one, or ending in `.` + one.
const LOCAL_SUFFIXES: &[&str] = &["localhost", "local", "internal"];

fn check_host_name(name: &str, allow_private: bool) -> Result<(), Refusal> {
    // The parser lower-cases special-scheme hosts already; lowering again keeps this safe
    // if that ever changes. Trailing dots name the same DNS host, so `localhost.` and
    // `localhost..` must not slip past the comparison.
    let lowered = name.to_ascii_lowercase();
    let name = lowered.trim_end_matches('.');
    if name.is_empty() {
        return Err(Refusal::InvalidUrl);
    }
    if allow_private {
        return Ok(());
    }
    if METADATA_NAMES.contains(&name) {
        return Err(Refusal::ForbiddenHost);
    }
    let local = LOCAL_SUFFIXES.iter().any(|suffix| {
        name == *suffix
            || (name.len() > suffix.len()
                && name.ends_with(suffix)
                && name.as_bytes()[name.len() - suffix.len() - 1] == b'.')
    });
    if local {
        return Err(Refusal::ForbiddenHost);
    }
    Ok(())
}

/// True for IPv4 addresses an outbound call must not reach: anything that is not a
/// public unicast address.
pub fn is_forbidden_ipv4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", including the unspecified 0.0.0.0
        || a == 10 // private
        || (a == 100 && (64..=127).contains(&b)) // CGNAT 100.64/10 (Alibaba metadata lives here)
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, AWS/GCP/Azure metadata
        || (a == 172 && (16..=31).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

/// True for IPv6 addresses an outbound call must not reach. Formats that carry an IPv4
/// address are judged by that address, since that is where the packet ends up.
pub fn is_forbidden_ipv6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);

    // :: and ::1 fall in the IPv4-compatible range below and are refused through it.
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks).
        return is_forbidden_ipv4(embedded_tail());
    }
    if s[..6] == [0, 0, 0, 0, 0, 0xffff] {
        // IPv4-mapped ::ffff:a.b.c.d
        return is_forbidden_ipv4(embedded_tail());
    }
    if s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
        return is_forbidden_ipv4(embedded_tail());
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix 64:ff9b::/96
        return is_forbidden_ipv4(embedded_tail());
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        // 64:ff9b:1::/48, local-use NAT64: a private translator by definition.
        return true;
    }
    if s[0] == 0x2002 {
        // 6to4 2002:a.b.c.d::/48
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return is_forbidden_ipv4(v4);
    }
    if s[0] == 0x2001 && s[1] == 0 {
        // Teredo 2001::/32: server address in clear, client address bit-inverted.
        let server = Ipv4Addr::new((s[2] >> 8) as u8, s[2] as u8, (s[3] >> 8) as u8, s[3] as u8);
        let client = Ipv4Addr::new(!(s[6] >> 8) as u8, !s[6] as u8, !(s[7] >> 8) as u8, !s[7] as u8);
        return is_forbidden_ipv4(server) || is_forbidden_ipv4(client);
    }
    (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7 (AWS IMDS fd00:ec2::254)
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10, still private in practice
        || (s[0] & 0xff00) == 0xff00 // multicast ff00::/8
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[..4] == [0x0100, 0, 0, 0]) // discard-only 100::/64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_url_rule() {
        for ok in [
            "https://example.com",
            "http://a.b.co/",
            "https://hooks.example.com:8443/in/x?a=1&b=%20c",
            "http://127.0.0.1:9999/slack/x",
            "https://M.2.xTmE.E.pMNwXog",
            "https://api.example.com/v1/it's(ok)*;,=:@~",
            "http://0.AA",
            "https://xn--p1ai.xn--p1ai/",
        ] {
            assert_eq!(http_url_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "ftp://example.com",
            "HTTPS://example.com",
            "https://example",
            "https://localhost",
            "https://M.2.xTmE.E.pMNwXog*",
            "https://example.com/a b",
            "https://example.com/#frag",
            "https://u:p@example.com/",
            "https://example.com:0/",
            "https://example.com:65536/",
            "https://example.com:08/",
            "https://256.1.1.1/",
            "https://01.1.1.1/",
            "https://example.com/%zz",
            "https://example.com/%2",
            " https://example.com",
            "https://exa_mple.com",
            "https://example.1com",
            "https://example.com-",
        ] {
            assert!(http_url_problem(bad).is_some(), "{bad}");
        }
    }

    fn refused(raw: &str) -> Refusal {
        check_url(raw, false).expect_err(raw)
    }

    fn refused_private(raw: &str) -> Refusal {
        check_url(raw, true).expect_err(raw)
    }

    fn accepted(raw: &str, allow_private: bool) -> Url {
        match check_url(raw, allow_private) {
            Ok(url) => url,
            Err(e) => panic!("{raw} refused with allow_private={allow_private}: {e:?}"),
        }
    }

    // ---- constants, messages, helpers ----

    #[test]
    fn constants() {
        assert_eq!(MAX_REDIRECTS, 3);
        assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 1_048_576);
        assert_eq!(DEFAULT_MAX_PAGE_BYTES, 2_097_152);
        assert_eq!(byte_cap("", 7), 7);
        assert_eq!(byte_cap("0", 7), 7);
        assert_eq!(byte_cap("-5", 7), 7);
        assert_eq!(byte_cap("abc", 7), 7);
        assert_eq!(byte_cap(" 2048 ", 7), 2048);
        assert_eq!(byte_cap("999999999999", 7), MAX_CONFIGURABLE_BYTES);
    }

    #[test]
    fn messages_are_sentences_and_display_matches() {
        for r in [
            Refusal::InvalidUrl,
            Refusal::Scheme,
            Refusal::Credentials,
            Refusal::PrivateAddress,
            Refusal::ForbiddenHost,
        ] {
            let m = r.message();
            assert!(m.starts_with("The URL"), "{m}");
            assert!(m.ends_with('.'), "{m}");
            assert_eq!(r.to_string(), m);
        }
        assert_eq!(Refusal::Scheme.message(), "The URL must use http or https.");
    }

    #[test]
    fn flag_only_exact_true() {
        assert!(allow_private_flag(Some("true")));
        for v in [None, Some(""), Some("false"), Some("TRUE"), Some("1"), Some("yes"), Some(" true")] {
            assert!(!allow_private_flag(v), "{v:?}");
        }
    }

    #[test]
    fn redirect_statuses() {
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect_status(s));
        }
        for s in [200, 204, 300, 304, 305, 306, 309, 400, 500] {
            assert!(!is_redirect_status(s));
        }
    }

    // ---- public URLs pass ----

    #[test]
    fn public_urls_pass_with_either_flag() {
        for flag in [false, true] {
            for raw in [
                "https://example.com/",
                "http://example.com:8080/path?q=1#frag",
                "https://api.github.com/repos/a/b/issues",
                "HTTPS://EXAMPLE.COM/",
                "https://example.com./",
                "http://8.8.8.8/",
                "http://1.1.1.1:443/",
                "http://[2606:4700:4700::1111]/",
                "http://[::ffff:8.8.8.8]/",
                "http://[64:ff9b::808:808]/",
                "http://[2002:808:808::1]/",
                "https://localhost.example.com/",
                "https://mylocal/",
                "https://internal.example.com/",
                "https://metadata.example.com/",
                "https://notlocalhost/",
                "https://xn--nxasmq6b.com/",
            ] {
                let url = accepted(raw, flag);
                assert!(url.scheme() == "http" || url.scheme() == "https");
            }
        }
    }

    #[test]
    fn returns_the_parsed_url() {
        let url = accepted("HTTP://Example.COM:80/a/../b?x=1", false);
        assert_eq!(url.as_str(), "http://example.com/b?x=1");
        assert_eq!(url.host_str(), Some("example.com"));
    }

    // ---- invalid ----

    #[test]
    fn invalid_urls() {
        for flag in [false, true] {
            for raw in [
                "",
                "   ",
                "not a url",
                "/relative/path",
                "example.com",
                "http://",
                "https://exa mple.com/",
                "http://[::1/",
                "http://1.2.3.4.5/",
                "http://256.0.0.1/",
                "http://0x100000000/",
                "http://./",
                "http://../",
            ] {
                assert_eq!(check_url(raw, flag), Err(Refusal::InvalidUrl), "{raw} flag={flag}");
            }
        }
    }

    // ---- scheme ----

    #[test]
    fn only_http_and_https() {
        for flag in [false, true] {
            for raw in [
                "ftp://example.com/",
                "file:///etc/passwd",
                "javascript:alert(1)",
                "data:text/plain,hi",
                "ws://example.com/",
                "wss://example.com/",
                "gopher://example.com/",
                "mailto:a@example.com",
                "blob:https://example.com/uuid",
                "httpx://example.com/",
                "file://localhost/etc/passwd",
            ] {
                assert_eq!(check_url(raw, flag), Err(Refusal::Scheme), "{raw} flag={flag}");
            }
        }
    }

    // ---- credentials ----

    #[test]
    fn credentials_refused_always() {
        for flag in [false, true] {
            for raw in [
                "https://user:pass@example.com/",
                "https://user@example.com/",
                "https://:pass@example.com/",
                "https://user:@example.com/",
                "http://a%40b:c@example.com/",
                "http://user:pass@127.0.0.1/",
                "http://user:pass@localhost/",
            ] {
                assert_eq!(check_url(raw, flag), Err(Refusal::Credentials), "{raw} flag={flag}");
            }
        }
    }

    #[test]
    fn empty_userinfo_is_not_credentials() {
        // The parser drops an empty userinfo, so nothing is sent.
        let url = accepted("https://@example.com/", false);
        assert_eq!(url.username(), "");
        assert_eq!(url.password(), None);
    }

    #[test]
    fn at_sign_tricks_judge_the_real_host() {
        // The real host is after the last '@'.
        assert_eq!(refused("http://example.com@127.0.0.1/"), Refusal::Credentials);
        assert_eq!(check_url("http://example.com%40127.0.0.1/", false), Err(Refusal::InvalidUrl));
    }

    // ---- IPv4 literals in every spelling ----

    #[test]
    fn loopback_every_spelling() {
        for raw in [
            "http://127.0.0.1/",
            "http://127.0.0.1:8787/x",
            "http://127.1/",
            "http://127.0.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0X7F000001/",
            "http://0x7f.1/",
            "http://0x7f.0x0.0x0.0x1/",
            "http://0177.0.0.1/",
            "http://0177.1/",
            "http://017700000001/",
            "http://0000177.0.0.1/",
            "http://127.255.255.254/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
            "https://[::1]/",
            "https://[0:0:0:0:0:0:0:1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::127.0.0.1]/",
            "http://[2002:7f00:1::]/",
        ] {
            let url = accepted(raw, true);
            assert!(matches!(url.host(), Some(Host::Ipv4(_)) | Some(Host::Ipv6(_))), "{raw}");
            assert_eq!(refused(raw), Refusal::PrivateAddress, "{raw}");
        }
    }

    #[test]
    fn spellings_normalise_to_ipv4_host() {
        for raw in ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/"] {
            let url = accepted(raw, true);
            assert_eq!(url.host(), Some(Host::Ipv4(Ipv4Addr::new(127, 0, 0, 1))), "{raw}");
        }
    }

    #[test]
    fn private_and_special_ipv4_literals() {
        for raw in [
            "http://0.0.0.0/",
            "http://0/",
            "http://0x0/",
            "http://0.1.2.3/",
            "http://10.0.0.1/",
            "http://10.255.255.255/",
            "http://167772161/",
            "http://012.0.0.1/",
            "http://0xa.0.0.1/",
            "http://100.64.0.1/",
            "http://100.100.100.200/",
            "http://100.127.255.255/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://0xa9fea9fe/",
            "http://0251.0376.0251.0376/",
            "http://169.254.0.1/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.0.0.1/",
            "http://192.0.0.170/",
            "http://192.168.0.1/",
            "http://192.168.1.1:8080/",
            "http://3232235777/",
            "http://198.18.0.1/",
            "http://198.19.255.255/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://240.0.0.1/",
            "http://255.255.255.255/",
            "http://4294967295/",
            "http://[::ffff:10.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:192.168.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
        ] {
            assert_eq!(refused(raw), Refusal::PrivateAddress, "{raw}");
            accepted(raw, true);
        }
    }

    #[test]
    fn ipv4_boundaries() {
        let ok = |a, b, c, d| assert!(!is_forbidden_ipv4(Ipv4Addr::new(a, b, c, d)), "{a}.{b}.{c}.{d}");
        let no = |a, b, c, d| assert!(is_forbidden_ipv4(Ipv4Addr::new(a, b, c, d)), "{a}.{b}.{c}.{d}");
        no(0, 0, 0, 0);
        no(0, 255, 255, 255);
        ok(1, 0, 0, 0);
        ok(9, 255, 255, 255);
        no(10, 0, 0, 0);
        no(10, 255, 255, 255);
        ok(11, 0, 0, 0);
        ok(100, 63, 255, 255);
        no(100, 64, 0, 0);
        no(100, 127, 255, 255);
        ok(100, 128, 0, 0);
        ok(126, 255, 255, 255);
        no(127, 0, 0, 0);
        no(127, 255, 255, 255);
        ok(128, 0, 0, 0);
        ok(169, 253, 255, 255);
        no(169, 254, 0, 0);
        no(169, 254, 255, 255);
        ok(169, 255, 0, 0);
        ok(172, 15, 255, 255);
        no(172, 16, 0, 0);
        no(172, 31, 255, 255);
        ok(172, 32, 0, 0);
        no(192, 0, 0, 0);
        no(192, 0, 0, 255);
        ok(192, 0, 1, 0);
        ok(192, 167, 255, 255);
        no(192, 168, 0, 0);
        no(192, 168, 255, 255);
        ok(192, 169, 0, 0);
        ok(198, 17, 255, 255);
        no(198, 18, 0, 0);
        no(198, 19, 255, 255);
        ok(198, 20, 0, 0);
        ok(223, 255, 255, 255);
        no(224, 0, 0, 0);
        no(239, 255, 255, 255);
        no(240, 0, 0, 0);
        no(255, 255, 255, 254);
        no(255, 255, 255, 255);
        ok(8, 8, 8, 8);
        ok(104, 16, 0, 1);
    }

    // ---- IPv6 literals ----

    #[test]
    fn private_and_special_ipv6_literals() {
        for raw in [
            "http://[::]/",
            "http://[::1]/",
            "http://[fc00::1]/",
            "http://[fd00::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fdff:ffff::1]/",
            "http://[fe80::1]/",
            "http://[febf::1]/",
            "http://[fec0::1]/",
            "http://[ff02::1]/",
            "http://[ff05::1:3]/",
            "http://[2001:db8::1]/",
            "http://[100::1]/",
            "http://[64:ff9b::a00:1]/",
            "http://[64:ff9b::169.254.169.254]/",
            "http://[64:ff9b:1::8.8.8.8]/",
            "http://[::ffff:0:127.0.0.1]/",
            "http://[::10.0.0.1]/",
            "http://[2002:a00:1::1]/",
            "http://[2002:c0a8:101::]/",
            "http://[2001:0:a00:1::8.8.8.8]/",
            "http://[2001:0:808:808::f5ff:fffe]/",
        ] {
            assert_eq!(refused(raw), Refusal::PrivateAddress, "{raw}");
            accepted(raw, true);
        }
    }

    #[test]
    fn ipv6_classification() {
        let v6 = |s: &str| s.parse::<Ipv6Addr>().expect(s);
        for s in [
            "::",
            "::1",
            "fc00::",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "fe80::",
            "febf:ffff::",
            "ff00::",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:127.0.0.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::ffff:100.64.0.1",
            "::ffff:198.18.0.1",
            "::ffff:0:10.1.2.3",
            "::127.0.0.1",
            "::0.0.0.2",
            "64:ff9b::127.0.0.1",
            "64:ff9b::ffff:ffff",
            "64:ff9b:1::1",
            "2002:7f00:0001::",
            "2002:a9fe:a9fe:1234::1",
            "2001::",
            "2001:db8::",
            "2001:db8:ffff::1",
            "100::",
        ] {
            assert!(is_forbidden_ipv6(v6(s)), "{s}");
        }
        for s in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001:82a::200e",
            "::ffff:8.8.8.8",
            "::ffff:0:8.8.8.8",
            "::8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "2001:0:808:808::f7f7:f7f7",
            "2001:db9::1",
            "fbff::1",
            "fe00::1",
            "100:0:0:1::",
            "64:ff9b:2::1",
        ] {
            assert!(!is_forbidden_ipv6(v6(s)), "{s}");
        }
    }

    // ---- host names ----

    #[test]
    fn local_and_metadata_names_refused() {
        for raw in [
            "http://localhost/",
            "http://localhost:8787/",
            "http://LOCALHOST/",
            "http://LocalHost./",
            "http://localhost../",
            "http://api.localhost/",
            "http://a.b.localhost./",
            "http://printer.local/",
            "http://PRINTER.LOCAL./",
            "http://service.internal/",
            "http://db.svc.cluster.internal/",
            "http://local/",
            "http://internal/",
            "http://metadata/",
            "http://METADATA./",
            "http://metadata.goog/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://instance-data/",
            "http://instance-data.ec2.internal/",
            "http://%6c%6f%63%61%6c%68%6f%73%74/",
        ] {
            assert_eq!(refused(raw), Refusal::ForbiddenHost, "{raw}");
            accepted(raw, true);
        }
    }

    #[test]
    fn suffix_match_needs_a_label_boundary() {
        for raw in [
            "http://notlocalhost/",
            "http://localhostx/",
            "http://mylocal/",
            "http://sublocal.com/",
            "http://local.example/",
            "http://localhost.com/",
            "http://notinternal/",
            "http://internal.example.org/",
            "http://metadata.goog.example/",
            "http://instance-data.example.com/",
            "http://metadatax/",
        ] {
            accepted(raw, false);
        }
    }

    // ---- allow_private lifts only the address rules ----

    #[test]
    fn allow_private_lifts_address_and_name_rules_only() {
        for raw in [
            "http://127.0.0.1:8787/mock",
            "http://localhost:8787/mock",
            "http://[::1]:8787/",
            "http://10.0.0.1/",
            "http://169.254.169.254/",
            "http://metadata.google.internal/",
        ] {
            assert!(check_url(raw, false).is_err(), "{raw}");
            accepted(raw, true);
        }
        assert_eq!(refused_private("ftp://127.0.0.1/"), Refusal::Scheme);
        assert_eq!(refused_private("file:///etc/passwd"), Refusal::Scheme);
        assert_eq!(refused_private("http://u:p@localhost/"), Refusal::Credentials);
        assert_eq!(refused_private("http://u@127.0.0.1/"), Refusal::Credentials);
        assert_eq!(refused_private("http://"), Refusal::InvalidUrl);
    }

    #[test]
    fn scheme_is_judged_before_credentials_and_host() {
        assert_eq!(refused("ftp://u:p@127.0.0.1/"), Refusal::Scheme);
        assert_eq!(refused("http://u:p@127.0.0.1/"), Refusal::Credentials);
        assert_eq!(refused("http://u:p@localhost/"), Refusal::Credentials);
    }

    // ---- redirects ----

    fn base() -> Url {
        accepted("https://api.example.com/v1/items/42?x=1", false)
    }

    fn hop(location: &str, allow_private: bool) -> Result<Url, Refusal> {
        check_redirect(&base(), location, allow_private)
    }

    #[test]
    fn redirect_relative_locations_resolve() {
        let cases = [
            ("/v2/items/42", "https://api.example.com/v2/items/42"),
            ("43", "https://api.example.com/v1/items/43"),
            ("../other", "https://api.example.com/v1/other"),
            ("./43?y=2", "https://api.example.com/v1/items/43?y=2"),
            ("?page=2", "https://api.example.com/v1/items/42?page=2"),
            ("#frag", "https://api.example.com/v1/items/42?x=1#frag"),
            ("//cdn.example.net/a", "https://cdn.example.net/a"),
            ("https://other.example.org/b", "https://other.example.org/b"),
            ("http://other.example.org/c", "http://other.example.org/c"),
            ("  /trimmed  ", "https://api.example.com/trimmed"),
        ];
        for flag in [false, true] {
            for (location, want) in cases {
                let got = hop(location, flag).unwrap_or_else(|e| panic!("{location}: {e:?}"));
                assert_eq!(got.as_str(), want, "{location}");
            }
        }
    }

    #[test]
    fn redirect_hops_are_checked_again() {
        let cases = [
            ("http://127.0.0.1/", Refusal::PrivateAddress),
            ("//127.0.0.1/", Refusal::PrivateAddress),
            ("\\\\127.0.0.1\\", Refusal::PrivateAddress),
            ("http://2130706433/", Refusal::PrivateAddress),
            ("//0x7f.1/admin", Refusal::PrivateAddress),
            ("http://[::ffff:169.254.169.254]/", Refusal::PrivateAddress),
            ("http://169.254.169.254/latest/meta-data/", Refusal::PrivateAddress),
            ("//localhost:8080/", Refusal::ForbiddenHost),
            ("http://metadata.google.internal/", Refusal::ForbiddenHost),
            ("http://printer.local/", Refusal::ForbiddenHost),
        ];
        for (location, want) in cases {
            assert_eq!(hop(location, false), Err(want.clone()), "{location}");
            assert!(hop(location, true).is_ok(), "{location}");
        }
    }

    #[test]
    fn redirect_scheme_credentials_and_garbage_always_refused() {
        for flag in [false, true] {
            assert_eq!(hop("ftp://example.com/", flag), Err(Refusal::Scheme));
            assert_eq!(hop("file:///etc/passwd", flag), Err(Refusal::Scheme));
            assert_eq!(hop("javascript:alert(1)", flag), Err(Refusal::Scheme));
            assert_eq!(hop("data:text/html,x", flag), Err(Refusal::Scheme));
            assert_eq!(hop("https://u:p@example.com/", flag), Err(Refusal::Credentials));
            assert_eq!(hop("//u@example.com/", flag), Err(Refusal::Credentials));
            assert_eq!(hop("", flag), Err(Refusal::InvalidUrl));
            assert_eq!(hop("   ", flag), Err(Refusal::InvalidUrl));
            assert_eq!(hop("http://", flag), Err(Refusal::InvalidUrl));
            assert_eq!(hop("http://[::1", flag), Err(Refusal::InvalidUrl));
            assert_eq!(hop("http://256.1.1.1/", flag), Err(Refusal::InvalidUrl));
        }
    }

    #[test]
    fn redirect_relative_from_a_private_origin_stays_private() {
        // Only reachable with the flag on; a relative hop keeps the private host.
        let current = accepted("http://127.0.0.1:8787/start", true);
        let next = check_redirect(&current, "/next", true).expect("allowed with flag");
        assert_eq!(next.as_str(), "http://127.0.0.1:8787/next");
        assert_eq!(check_redirect(&current, "/next", false), Err(Refusal::PrivateAddress));
    }

    #[test]
    fn redirect_chain_of_max_hops() {
        let mut current = accepted("https://a.example.com/0", false);
        for i in 1..=MAX_REDIRECTS {
            current = check_redirect(&current, &format!("/{i}"), false).expect("public hop");
        }
        assert_eq!(current.as_str(), "https://a.example.com/3");
    }

    // The wasm build pins idna_adapter 1.0 (no Unicode back end, see Cargo.toml): a
    // non-ASCII host name is not mapped to ASCII but refused outright, whatever the flag,
    // so full-width or ideographic spellings of loopback and localhost cannot slip through.
    #[test]
    fn non_ascii_spellings_are_refused_whatever_the_flag() {
        for raw in [
            "http://\u{ff11}\u{ff12}\u{ff17}.0.0.1/",
            "http://127\u{3002}0\u{3002}0\u{3002}1/",
            "http://\u{ff4c}\u{ff4f}\u{ff43}\u{ff41}\u{ff4c}\u{ff48}\u{ff4f}\u{ff53}\u{ff54}/",
            "http://localhost\u{3002}/",
        ] {
            assert!(check_url(raw, false).is_err(), "{raw}");
            assert!(check_url(raw, true).is_err(), "{raw}");
        }
    }
}
