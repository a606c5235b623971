//! `request::url`: Werkzeug 3.1's `request.url` (quote, then `uri_to_iri`) and httpbin's
//! forwarded-protocol rewrite.
//!
//! Oracles (references written here as ports of the Python code, not of the Rust code):
//! - `split_escape`: `%` + two hex digits (any case) at the start, else `None`;
//! - `quote_into`: `urllib.parse.quote(bytes, safe)`: safe bytes copied, others `%XX`
//!   uppercase; only safe bytes and such escapes in the output; `unquote_to_bytes` gives the
//!   input back whenever `%` is not itself safe (or the input has none);
//! - `unquote_part_into` on ASCII input: Werkzeug's `_unquote_partial` (regex split on runs
//!   of kept escapes, `urllib.parse.unquote(part, "utf-8", "werkzeug.url_quote")` between
//!   them); on any input: no panic, UTF-8 output;
//! - `simple_netloc`: Werkzeug's `get_host` (default port removed, `_host_re` fullmatch,
//!   port 1..=65535) then `uri_to_iri`'s lowercase hostname; `None` for other schemes and
//!   for punycode (`xn--`) names, which are left to Python by contract;
//! - `current_url`: `get_current_url` + `uri_to_iri` composed from the references above, so
//!   the plain-text fast path is checked against the full quote/unquote round trip; the
//!   output has no raw controls, space, DEL or `#`, and no `?` before the query;
//! - `with_protocol`: `None` exactly when the URL has a `;` or no `://`, else the URL with
//!   its scheme replaced (`//` + rest when the protocol is empty, as `urlunparse` does).
#![no_main]

mod common;

use _native::pure::url::{current_url, quote_into, simple_netloc, split_escape, unquote_part_into, with_protocol};
use common::{decode_url_quote, unquote_to_bytes};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    scheme: u8,
    other_scheme: &'a str,
    host: &'a str,
    root_path: &'a str,
    path: &'a str,
    query: &'a [u8],
    protocol: &'a str,
    raw: &'a [u8],
}

const ALWAYS_SAFE_EXTRA: &[u8] = b"_.-~";
const PATH_SAFE: &[u8] = b"!$&'()*+,/:;=@%";
const QUERY_SAFE: &[u8] = b"!$&'()*+,/:;=?@%";

fn py_safe(b: u8, extra: &[u8]) -> bool {
    b.is_ascii_alphanumeric() || ALWAYS_SAFE_EXTRA.contains(&b) || extra.contains(&b)
}

fn always_safe(b: u8) -> bool {
    py_safe(b, b"")
}
fn path_safe(b: u8) -> bool {
    py_safe(b, PATH_SAFE)
}
fn query_safe(b: u8) -> bool {
    py_safe(b, QUERY_SAFE)
}

/// Werkzeug's `_always_unsafe`: controls, space, `%`, DEL.
fn always_unsafe_chars() -> Vec<u8> {
    let mut chars: Vec<u8> = (0..=0x20).collect();
    chars.extend([0x25, 0x7f]);
    chars
}
fn path_chars() -> Vec<u8> {
    let mut c = always_unsafe_chars();
    c.extend_from_slice(b"/?#");
    c
}
fn query_chars() -> Vec<u8> {
    let mut c = always_unsafe_chars();
    c.extend_from_slice(b"&=+#");
    c
}
fn path_keep(b: u8) -> bool {
    path_chars().contains(&b)
}
fn query_keep(b: u8) -> bool {
    query_chars().contains(&b)
}

/// `urllib.parse.quote(bytes, safe=extra)`.
fn ref_quote(input: &[u8], extra: &[u8]) -> String {
    let mut out = String::new();
    for &b in input {
        if py_safe(b, extra) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `urllib.parse.unquote(s, "utf-8", "werkzeug.url_quote")` for ASCII `s`.
fn py_unquote_ascii(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    decode_url_quote(&unquote_to_bytes(s.as_bytes()))
}

/// Werkzeug `_make_unquote_part(name, chars)(value)` for ASCII `value`.
fn ref_unquote_partial(value: &str, chars: &[u8]) -> String {
    let v = value.as_bytes();
    // Is there an escape of one of `chars` at `i` (the regex `%(?:XX|YY...)`, re.I)?
    let kept_at = |i: usize| -> bool {
        if v.get(i) != Some(&b'%') || i + 2 >= v.len() {
            return false;
        }
        let pair = std::str::from_utf8(&v[i + 1..i + 3]).unwrap_or("").to_ascii_uppercase();
        chars.iter().any(|&c| format!("{c:02X}") == pair)
    };
    let mut out = String::new();
    let mut part_start = 0;
    let mut i = 0;
    while i < v.len() {
        if kept_at(i) {
            out.push_str(&py_unquote_ascii(&value[part_start..i]));
            let run_start = i;
            while kept_at(i) {
                i += 3;
            }
            out.push_str(&value[run_start..i]);
            part_start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&py_unquote_ascii(&value[part_start..]));
    out
}

/// `get_host` (no trusted list) + `uri_to_iri`'s netloc, for the hosts handled natively.
fn ref_netloc(scheme: &str, host_header: &str) -> Option<String> {
    let host = match scheme {
        "http" => host_header.strip_suffix(":80").unwrap_or(host_header),
        "https" => host_header.strip_suffix(":443").unwrap_or(host_header),
        _ => return None,
    };
    // _host_re fullmatch, domain/IPv4 branch: [a-z0-9.-]+(?::([1-9][0-9]{,4}))?
    let name_len = host
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-')
        .count();
    if name_len == 0 {
        return None;
    }
    let (name, port) = host.split_at(name_len);
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        None => return None,
        Some(p) => {
            let ok = (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && !p.starts_with('0')
                && (1..=65535).contains(&p.parse::<u32>().ok()?);
            if !ok {
                return None;
            }
            Some(p)
        }
    };
    let hostname = name.to_ascii_lowercase();
    if hostname.contains("xn--") {
        return None; // punycode: left to Python by contract
    }
    Some(match port {
        Some(p) => format!("{hostname}:{p}"),
        None => hostname,
    })
}

fn ref_current_url(scheme: &str, host: &str, root: &str, path: &str, query: &[u8]) -> Option<String> {
    if !(root.is_empty() || root.starts_with('/')) {
        return None;
    }
    let netloc = ref_netloc(scheme, host)?;
    let quoted_path = format!(
        "{}/{}",
        ref_quote(root.trim_end_matches('/').as_bytes(), PATH_SAFE),
        ref_quote(path.trim_start_matches('/').as_bytes(), PATH_SAFE)
    );
    let mut url = format!("{scheme}://{netloc}{}", ref_unquote_partial(&quoted_path, &path_chars()));
    if !query.is_empty() {
        url.push('?');
        url.push_str(&ref_unquote_partial(&ref_quote(query, QUERY_SAFE), &query_chars()));
    }
    Some(url)
}

fn check_quote(raw: &[u8], safe: fn(u8) -> bool, extra: &[u8], percent_safe: bool) {
    let mut out = b"pre".to_vec();
    quote_into(&mut out, raw, safe);
    assert_eq!(&out[..3], b"pre");
    let quoted = &out[3..];
    assert_eq!(quoted, ref_quote(raw, extra).as_bytes(), "quote_into({raw:?})");
    let mut i = 0;
    while i < quoted.len() {
        if quoted[i] == b'%' && !percent_safe {
            let esc = &quoted[i + 1..i + 3];
            assert!(esc.iter().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)), "escape {esc:?}");
            i += 3;
        } else {
            assert!(safe(quoted[i]) || quoted[i] == b'%', "unsafe byte {:#x} in quote output", quoted[i]);
            i += 1;
        }
    }
    if !percent_safe || !raw.contains(&b'%') {
        assert_eq!(unquote_to_bytes(quoted), raw, "unquote(quote(x)) != x");
    }
}

fuzz_target!(|input: Input<'_>| {
    let raw = input.raw;

    // split_escape.
    let expected = match raw {
        [b'%', h, l, ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
            let byte = u8::from_str_radix(std::str::from_utf8(&raw[1..3]).unwrap(), 16).unwrap();
            Some((byte, &raw[..3], &raw[3..]))
        }
        _ => None,
    };
    assert_eq!(split_escape(raw), expected, "split_escape({raw:?})");

    // quote_into with Python's default, Werkzeug's path and query `safe` sets.
    check_quote(raw, always_safe, b"", false);
    check_quote(raw, path_safe, PATH_SAFE, true);
    check_quote(raw, query_safe, QUERY_SAFE, true);

    // unquote_part_into: on quoted text (its contract) and on the raw bytes (no panic).
    for (keep, chars) in [(path_keep as fn(u8) -> bool, path_chars()), (query_keep, query_chars())] {
        let mut out = b"pre".to_vec();
        unquote_part_into(&mut out, raw, keep);
        let text = std::str::from_utf8(&out[3..]).expect("unquote_part_into output is UTF-8");
        if raw.is_ascii() {
            let value = std::str::from_utf8(raw).unwrap();
            assert_eq!(text, ref_unquote_partial(value, &chars), "unquote_part_into({value:?})");
        }
    }

    // simple_netloc / current_url / with_protocol.
    let scheme = match input.scheme % 3 {
        0 => "http",
        1 => "https",
        _ => input.other_scheme,
    };
    assert_eq!(
        simple_netloc(scheme, input.host),
        ref_netloc(scheme, input.host),
        "simple_netloc({scheme:?}, {:?})",
        input.host
    );
    let got = current_url(scheme, input.host, input.root_path, input.path, input.query);
    let expected = ref_current_url(scheme, input.host, input.root_path, input.path, input.query);
    assert_eq!(got, expected, "current_url for {input:?}");
    if let Some(url) = &got {
        let prefix = format!("{scheme}://");
        let after = url.strip_prefix(&prefix).expect("scheme://");
        assert!(
            !after.bytes().any(|b| b <= 0x20 || b == 0x7f || b == b'#'),
            "raw control/space/DEL/# in {url:?}"
        );
        let (netloc_and_path, query) = after.split_once('?').unwrap_or((after, ""));
        assert_eq!(query.is_empty(), input.query.is_empty(), "query presence in {url:?}");
        assert!(netloc_and_path.contains('/'), "no path in {url:?}");
        let rest = &url[scheme.len() + 3..];
        match with_protocol(url, input.protocol) {
            None => assert!(url.contains(';'), "with_protocol refused {url:?}"),
            Some(out) => {
                assert!(!url.contains(';'));
                let expected = if input.protocol.is_empty() {
                    format!("//{rest}")
                } else {
                    format!("{}://{rest}", input.protocol)
                };
                assert_eq!(out, expected, "with_protocol({url:?}, {:?})", input.protocol);
            }
        }
    }
    // with_protocol on arbitrary text: no panic, None for `;` or no `://`.
    let text = String::from_utf8_lossy(raw);
    match with_protocol(&text, input.protocol) {
        None => assert!(text.contains(';') || !text.contains("://")),
        Some(out) => {
            let rest = text.split_once("://").unwrap().1;
            assert!(out.ends_with(rest) && out.contains("//"));
        }
    }
});
