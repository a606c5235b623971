//! Query strings and urlencoded forms as Werkzeug 3.1 parses them: `urllib.parse.parse_qsl(
//! s, keep_blank_values=True, errors="werkzeug.url_quote")` over the UTF-8 decoded text.
//!
//! Split on `&` only, empty pieces skipped, a piece without `=` has an empty value, `+` is a
//! space, and `unquote` decodes each maximal ASCII run separately (non-ASCII text is kept),
//! re-quoting bytes that are not UTF-8 as uppercase escapes.

use std::borrow::Cow;

use super::url::{push_utf8_or_quoted, split_escape};

/// `urllib.parse.unquote(s.replace("+", " "), "utf-8", "werkzeug.url_quote")`.
pub fn unquote_plus(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(bytes.len());
    if !bytes.contains(&b'%') {
        out.extend(bytes.iter().map(|&b| if b == b'+' { b' ' } else { b }));
    } else {
        let mut pending = Vec::new();
        let mut rest = bytes;
        while let Some((&b, after_byte)) = rest.split_first() {
            if b >= 0x80 {
                // Non-ASCII text ends an ASCII run and is copied as it is.
                push_utf8_or_quoted(&mut out, &pending);
                pending.clear();
                let run = rest.iter().position(|&c| c < 0x80).unwrap_or(rest.len());
                let (text, after) = rest.split_at_checked(run).unwrap_or((rest, &[]));
                out.extend_from_slice(text);
                rest = after;
            } else if let Some((decoded, _, after)) = split_escape(rest) {
                pending.push(decoded);
                rest = after;
            } else {
                pending.push(if b == b'+' { b' ' } else { b });
                rest = after_byte;
            }
        }
        push_utf8_or_quoted(&mut out, &pending);
    }
    // Valid UTF-8: copied str slices and `push_utf8_or_quoted` output only.
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

/// `parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")`, in order.
pub fn parse_qsl(text: &str) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    text.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (unquote_plus(name), unquote_plus(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_qsl(text)
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect()
    }

    fn p(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    #[test]
    fn splitting() {
        assert_eq!(
            pairs("a=1&&b&c=&=d&a=2;x"),
            vec![p("a", "1"), p("b", ""), p("c", ""), p("", "d"), p("a", "2;x")]
        );
        assert_eq!(pairs("k=v=w"), vec![p("k", "v=w")]);
        assert!(pairs("").is_empty());
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote_plus("a+b%20c%2B"), "a b c+");
        assert_eq!(unquote_plus("%E2%82%AC%e2%82%ac"), "\u{20ac}\u{20ac}");
        assert_eq!(unquote_plus("%ff%e2%82x%zz%4"), "%FF%E2%82x%zz%4");
        // Runs on either side of non-ASCII text are decoded separately.
        assert_eq!(unquote_plus("%E2\u{e9}%82%AC"), "%E2\u{e9}%82%AC");
        assert_eq!(unquote_plus("\u{e9}+"), "\u{e9} ");
    }
}
