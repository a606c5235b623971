//! The request URL as Werkzeug 3.1 builds it (`request.url`, an IRI) and as httpbin rewrites
//! it for `X-Forwarded-Proto`: pure Rust, for the common shapes only.
//!
//! Werkzeug percent-quotes the decoded root path, path and query (`urllib.parse.quote`), then
//! converts the URI back to an IRI (`uri_to_iri`): every escape is decoded again, except
//! those of characters that must stay quoted in that part, and bytes that do not form UTF-8
//! are re-quoted in uppercase. The host is lowercased. Anything this module cannot reproduce
//! with certainty (IPv6 or punycode hosts, odd schemes, a missing host) returns `None`, and
//! the caller asks Werkzeug itself.

/// `urllib.parse.quote`'s always-safe bytes: letters, digits and `_.-~`.
fn always_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// Werkzeug's `safe` argument for the root path and path.
fn path_safe(b: u8) -> bool {
    always_safe(b) || b"!$&'()*+,/:;=@%".contains(&b)
}

/// Werkzeug's `safe` argument for the query string.
fn query_safe(b: u8) -> bool {
    always_safe(b) || b"!$&'()*+,/:;=?@%".contains(&b)
}

/// Characters `uri_to_iri` keeps quoted everywhere: controls, space, `%` and DEL.
fn always_unsafe(b: u8) -> bool {
    b <= 0x20 || b == b'%' || b == 0x7f
}

/// Escapes `uri_to_iri` leaves as they are in the path.
fn path_keeps_quoted(b: u8) -> bool {
    always_unsafe(b) || matches!(b, b'/' | b'?' | b'#')
}

/// Escapes `uri_to_iri` leaves as they are in the query.
fn query_keeps_quoted(b: u8) -> bool {
    always_unsafe(b) || matches!(b, b'&' | b'=' | b'+' | b'#')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn hex_digit(nibble: u8) -> u8 {
    HEX_UPPER.get(usize::from(nibble & 15)).copied().unwrap_or(b'0')
}

fn push_escape(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[b'%', hex_digit(b >> 4), hex_digit(b & 15)]);
}

/// `urllib.parse.quote(input, safe)` (uppercase escapes), appended to `out`.
pub fn quote_into(out: &mut Vec<u8>, input: &[u8], safe: fn(u8) -> bool) {
    for &b in input {
        if safe(b) {
            out.push(b);
        } else {
            push_escape(out, b);
        }
    }
}

pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The escape `%XY` at the start of `s`: its byte, its three characters, and what follows.
pub fn split_escape(s: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    match s {
        [b'%', hi, lo, ..] => {
            let byte = hex_value(*hi)? << 4 | hex_value(*lo)?;
            let (escape, rest) = s.split_at_checked(3)?;
            Some((byte, escape, rest))
        }
        _ => None,
    }
}

/// Appends `bytes` decoded as UTF-8, each byte that is not part of a valid sequence written
/// as an uppercase escape: Python's `bytes.decode("utf-8", "werkzeug.url_quote")`.
pub fn push_utf8_or_quoted(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        for &b in chunk.invalid() {
            push_escape(out, b);
        }
    }
}

/// Werkzeug's `_unquote_path` / `_unquote_query` over an ASCII, already quoted part: escapes
/// of characters in `keep` stay as they are (original case); the text between them is
/// percent-decoded and read as UTF-8 with invalid bytes re-quoted.
pub fn unquote_part_into(out: &mut Vec<u8>, quoted: &[u8], keep: fn(u8) -> bool) {
    let mut pending: Vec<u8> = Vec::with_capacity(quoted.len());
    let mut rest = quoted;
    while let Some((&b, after_byte)) = rest.split_first() {
        match split_escape(rest) {
            Some((decoded, escape, after)) if decoded < 0x80 && keep(decoded) => {
                push_utf8_or_quoted(out, &pending);
                pending.clear();
                out.extend_from_slice(escape);
                rest = after;
            }
            Some((decoded, _, after)) => {
                pending.push(decoded);
                rest = after;
            }
            None => {
                pending.push(b);
                rest = after_byte;
            }
        }
    }
    push_utf8_or_quoted(out, &pending);
}

/// The `Host` header as `get_host` validates it (`host_is_trusted` with no trusted list) and
/// `uri_to_iri` rewrites it, for plain domain names and IPv4 addresses. `None`: not such a
/// host (empty, IPv6, punycode, invalid characters...): let Werkzeug decide.
pub fn simple_netloc(scheme: &str, host_header: &str) -> Option<String> {
    let host = match scheme {
        "http" => host_header.strip_suffix(":80").unwrap_or(host_header),
        "https" => host_header.strip_suffix(":443").unwrap_or(host_header),
        _ => return None,
    };
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !name_ok {
        return None;
    }
    // IDNA: labels with the ACE prefix are decoded from punycode; leave those to Python.
    let lower = name.to_ascii_lowercase();
    if lower.contains("xn--") {
        return None;
    }
    if let Some(port) = port {
        // `[1-9][0-9]{,4}` and at most 65535; anything else makes the host invalid ("").
        let digits_ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0');
        if !digits_ok || port.parse::<u32>().ok()? > 65535 {
            return None;
        }
        return Some(format!("{lower}:{port}"));
    }
    Some(lower)
}

/// `request.url` for a request with a simple host: scheme, host, then the root path, path
/// and query quoted by `get_current_url` and turned back into an IRI by `uri_to_iri`.
pub fn current_url(
    scheme: &str,
    host_header: &str,
    root_path: &str,
    path: &str,
    query: &[u8],
) -> Option<String> {
    // Werkzeug glues the root path straight onto the host: one that does not start with
    // `/` becomes part of the host (or port) when the URL is split again.
    if !(root_path.is_empty() || root_path.starts_with('/')) {
        return None;
    }
    let netloc = simple_netloc(scheme, host_header)?;
    let root_path = root_path.trim_end_matches('/').as_bytes();
    let path = path.trim_start_matches('/').as_bytes();
    let mut url =
        Vec::with_capacity(scheme.len() + netloc.len() + root_path.len() + path.len() + query.len() + 8);
    url.extend_from_slice(scheme.as_bytes());
    url.extend_from_slice(b"://");
    url.extend_from_slice(netloc.as_bytes());
    // Text made only of characters `quote` keeps, with no `%`, is unchanged by the round
    // trip through quoting and `uri_to_iri`: the common case, copied as it is.
    let plain = |text: &[u8], safe: fn(u8) -> bool| text.iter().all(|&b| b != b'%' && safe(b));
    if plain(root_path, path_safe) && plain(path, path_safe) {
        url.extend_from_slice(root_path);
        url.push(b'/');
        url.extend_from_slice(path);
    } else {
        let mut quoted = Vec::with_capacity(root_path.len() + path.len() + 2);
        quote_into(&mut quoted, root_path, path_safe);
        quoted.push(b'/');
        quote_into(&mut quoted, path, path_safe);
        unquote_part_into(&mut url, &quoted, path_keeps_quoted);
    }
    if !query.is_empty() {
        url.push(b'?');
        if plain(query, query_safe) {
            url.extend_from_slice(query);
        } else {
            let mut quoted = Vec::with_capacity(query.len() * 3);
            quote_into(&mut quoted, query, query_safe);
            unquote_part_into(&mut url, &quoted, query_keeps_quoted);
        }
    }
    // Valid by construction: ASCII pieces plus `push_utf8_or_quoted` output.
    String::from_utf8(url).ok()
}

/// httpbin's `get_url` with a forwarded protocol: `urlunparse` of `urlparse(url)` with the
/// scheme replaced. For URLs from [`current_url`] that round trip only changes the scheme,
/// unless a `;` starts path parameters (an empty one is dropped): `None` then.
pub fn with_protocol(url: &str, protocol: &str) -> Option<String> {
    if url.contains(';') {
        return None;
    }
    let (_, rest) = url.split_once("://")?;
    let mut out = String::with_capacity(protocol.len() + rest.len() + 3);
    if !protocol.is_empty() {
        out.push_str(protocol);
        out.push(':');
    }
    out.push_str("//");
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(host: &str, root: &str, path: &str, query: &[u8]) -> Option<String> {
        current_url("http", host, root, path, query)
    }

    #[test]
    fn plain_urls() {
        assert_eq!(
            url("example.com", "", "/get", b"").as_deref(),
            Some("http://example.com/get")
        );
        assert_eq!(
            url("Example.COM:8080", "", "/get", b"a=1").as_deref(),
            Some("http://example.com:8080/get?a=1")
        );
        assert_eq!(
            url("h:80", "/app/", "//x", b"").as_deref(),
            Some("http://h/app/x")
        );
        assert_eq!(
            current_url("https", "h:443", "", "/", b"").as_deref(),
            Some("https://h/")
        );
        assert_eq!(
            current_url("https", "h:80", "", "/", b"").as_deref(),
            Some("https://h:80/")
        );
    }

    #[test]
    fn iri_conversion() {
        // Decoded UTF-8 is shown, reserved escapes stay, invalid bytes are re-quoted upper.
        assert_eq!(
            url("h", "", "/caf\u{e9} x", b"").as_deref(),
            Some("http://h/caf\u{e9}%20x")
        );
        assert_eq!(url("h", "", "/a%2fb%41", b"").as_deref(), Some("http://h/a%2fbA"));
        assert_eq!(
            url("h", "", "/", b"q=%e2%82%ac&r=%ff%2B+").as_deref(),
            Some("http://h/?q=\u{20ac}&r=%FF%2B+")
        );
        assert_eq!(
            url("h", "", "/", b"x=%e2%82").as_deref(),
            Some("http://h/?x=%E2%82")
        );
        assert_eq!(url("h", "", "/", b"%zz%4").as_deref(), Some("http://h/?%zz%4"));
        assert_eq!(url("h", "", "/", b"\xff#").as_deref(), Some("http://h/?%FF%23"));
    }

    #[test]
    fn hosts_left_to_werkzeug() {
        for host in [
            "",
            "[::1]:5000",
            "xn--n3h.net",
            "a b",
            "h:080",
            "h:65536",
            "h:",
            "h:x",
            "h@x",
        ] {
            assert_eq!(url(host, "", "/", b""), None, "{host:?}");
        }
        assert_eq!(current_url("HTTP", "h", "", "/", b""), None);
        assert_eq!(current_url("http", "h", ":", "/", b""), None);
    }

    #[test]
    fn forwarded_protocol() {
        assert_eq!(
            with_protocol("http://h/a?b", "https").as_deref(),
            Some("https://h/a?b")
        );
        assert_eq!(with_protocol("http://h/a", "").as_deref(), Some("//h/a"));
        assert_eq!(with_protocol("http://h/a;", "https"), None);
    }
}
