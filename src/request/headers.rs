//! Header names as Werkzeug's `EnvironHeaders` yields them from WSGI environ keys.

/// httpbin hides these (exact, case-sensitive names) unless `show_env` is in the query.
pub const ENV_HEADERS: [&str; 15] = [
    "X-Varnish",
    "X-Request-Start",
    "X-Heroku-Queue-Depth",
    "X-Real-Ip",
    "X-Forwarded-Proto",
    "X-Forwarded-Protocol",
    "X-Forwarded-Ssl",
    "X-Heroku-Queue-Wait-Time",
    "X-Forwarded-For",
    "X-Heroku-Dynos-In-Use",
    "X-Forwarded-Port",
    "X-Request-Id",
    "Via",
    "Total-Route-Time",
    "Connect-Time",
];

/// The header name for an environ key, `None` when the key is not a header.
/// Werkzeug: `HTTP_*` (but not `HTTP_CONTENT_TYPE`/`HTTP_CONTENT_LENGTH`) gives
/// `key[5:].replace("_", "-").title()`; `CONTENT_TYPE`/`CONTENT_LENGTH` are headers too.
pub enum HeaderKey<'a> {
    /// `HTTP_...`: the part after the prefix, still to be title-cased.
    Http(&'a str),
    ContentType,
    ContentLength,
}

pub fn classify(key: &str) -> Option<HeaderKey<'_>> {
    match key {
        "HTTP_CONTENT_TYPE" | "HTTP_CONTENT_LENGTH" => None,
        "CONTENT_TYPE" => Some(HeaderKey::ContentType),
        "CONTENT_LENGTH" => Some(HeaderKey::ContentLength),
        _ => key.strip_prefix("HTTP_").map(HeaderKey::Http),
    }
}

/// `name.replace("_", "-").title()` for an ASCII name (`None` otherwise: Python's
/// `str.title` has Unicode case rules, so non-ASCII names are left to it).
/// `title()` upper-cases a letter that follows a non-letter and lower-cases the others:
/// `DNT` → `Dnt`, `X_1ABC` → `X-1Abc`.
pub fn title_case(name: &str) -> Option<String> {
    if !name.is_ascii() {
        return None;
    }
    let mut after_letter = false;
    let titled = name
        .bytes()
        .map(|b| {
            let b = if b == b'_' { b'-' } else { b };
            let out = if !b.is_ascii_alphabetic() {
                b
            } else if after_letter {
                b.to_ascii_lowercase()
            } else {
                b.to_ascii_uppercase()
            };
            after_letter = b.is_ascii_alphabetic();
            char::from(out)
        })
        .collect();
    Some(titled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_like_python() {
        assert_eq!(title_case("USER_AGENT").as_deref(), Some("User-Agent"));
        assert_eq!(title_case("DNT").as_deref(), Some("Dnt"));
        assert_eq!(title_case("X_1ABC").as_deref(), Some("X-1Abc"));
        assert_eq!(title_case("x-fOO__bar9z").as_deref(), Some("X-Foo--Bar9Z"));
        assert_eq!(title_case("").as_deref(), Some(""));
        assert_eq!(title_case("\u{df}"), None);
    }

    #[test]
    fn environ_keys() {
        assert!(matches!(classify("HTTP_HOST"), Some(HeaderKey::Http("HOST"))));
        assert!(matches!(classify("CONTENT_TYPE"), Some(HeaderKey::ContentType)));
        assert!(classify("HTTP_CONTENT_LENGTH").is_none());
        assert!(classify("REMOTE_ADDR").is_none());
    }
}
