//! `request::headers`: WSGI environ key → header name (`classify`, `title_case`).
//!
//! Oracles:
//! - `classify`: `CONTENT_TYPE`/`CONTENT_LENGTH` are headers, `HTTP_CONTENT_TYPE` and
//!   `HTTP_CONTENT_LENGTH` are not, other `HTTP_*` keys give the text after the prefix,
//!   anything else is not a header (Werkzeug's `EnvironHeaders.__iter__`);
//! - `title_case`: `None` exactly for non-ASCII names, otherwise equal to a reference of
//!   CPython's `str.title()` (`do_title`: title-case after an uncased character, lower-case
//!   after a cased one; on ASCII, cased = letters) applied to `name.replace("_", "-")`;
//!   same length, no `_` left; `ENV_HEADERS` entries are fixed points of it.
#![no_main]

use _native::pure::headers::{classify, title_case, HeaderKey, ENV_HEADERS};
use libfuzzer_sys::fuzz_target;

fn py_title_ascii(s: &str) -> String {
    let mut previous_is_cased = false;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mapped = if previous_is_cased { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() };
        out.push(mapped);
        previous_is_cased = c.is_ascii_uppercase() || c.is_ascii_lowercase();
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let key = String::from_utf8_lossy(data);
    let key: &str = &key;

    match classify(key) {
        Some(HeaderKey::ContentType) => assert_eq!(key, "CONTENT_TYPE"),
        Some(HeaderKey::ContentLength) => assert_eq!(key, "CONTENT_LENGTH"),
        Some(HeaderKey::Http(name)) => {
            assert!(key.starts_with("HTTP_") && key != "HTTP_CONTENT_TYPE" && key != "HTTP_CONTENT_LENGTH");
            assert!(std::ptr::eq(name, &key[5..]), "Http({name:?}) for {key:?}");
        }
        None => assert!(
            (!key.starts_with("HTTP_") || key == "HTTP_CONTENT_TYPE" || key == "HTTP_CONTENT_LENGTH")
                && key != "CONTENT_TYPE"
                && key != "CONTENT_LENGTH",
            "classify({key:?}) = None"
        ),
    }

    for name in [key, key.strip_prefix("HTTP_").unwrap_or(key)] {
        match title_case(name) {
            None => assert!(!name.is_ascii(), "title_case({name:?}) = None"),
            Some(titled) => {
                assert!(name.is_ascii(), "title_case took non-ASCII {name:?}");
                assert_eq!(titled, py_title_ascii(&name.replace('_', "-")), "title_case({name:?})");
                assert_eq!(titled.len(), name.len());
                assert!(!titled.contains('_'));
            }
        }
    }
    for header in ENV_HEADERS {
        assert_eq!(title_case(&header.replace('-', "_").to_ascii_uppercase()).as_deref(), Some(header));
    }
});
