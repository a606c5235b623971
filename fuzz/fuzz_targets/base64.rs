//! `base64::encode_into` (httpbin's `data:...;base64,` bodies).
//!
//! Oracle: equals the `base64` crate's standard padded engine, appended after a prefix; and
//! the `base64` crate decodes it back to the input.
#![no_main]

use _native::pure::base64::encode_into;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let prefix_len = data.len() % 5;
    let mut out = vec![b'#'; prefix_len];
    encode_into(&mut out, data);
    assert!(out[..prefix_len].iter().all(|&b| b == b'#'), "prefix clobbered");
    let encoded = &out[prefix_len..];
    let expected = STANDARD.encode(data);
    assert_eq!(encoded, expected.as_bytes(), "base64 of {data:?}");
    assert_eq!(STANDARD.decode(encoded).expect("decodes"), data);
});
