//! The fast path: one pass over UTF-8 JSON that builds Python objects directly.
//!
//! Division of labour:
//! - sonic-rs does the byte-level work it is built for: SIMD UTF-8 validation of the input
//!   (`Read::from(&[u8])`) and SIMD whitespace skipping (`Parser::skip_space`).
//! - `unescape.rs` finds string ends and undoes escapes (SSE2 block scan; rejects raw
//!   control characters, bad escapes and lone surrogates, which go to the fallback).
//! - This module owns the grammar (Python's, incl. `NaN`/`Infinity`), numbers
//!   (`number.rs`, so ints and floats are typed and rounded exactly like Python's) and object
//!   construction, and it refuses anything it cannot reproduce exactly: every refusal is a
//!   `Fail`, on which `loads` calls `json.loads` for the authoritative result or exception.

use std::ffi::CStr;

use pyo3::ffi;
use sonic_rs::parser::Parser;
use sonic_rs::reader::Reader;
use sonic_rs::Read;

use super::number::{scan_number, Number};
use super::strings::{new_str, KeyCache, MAX_CACHED_KEY_LEN};
use super::unescape::parse_string;

/// The fast path gave up; a Python exception may be set (the caller clears it).
#[derive(Debug)]
pub struct Fail;

type PyPtr = *mut ffi::PyObject;
type Res<T> = Result<T, Fail>;

/// Hard cap on nesting, independent of Python's recursion limit (whose default, 1000, stops
/// us first), so the Rust stack can never overflow. Deeper documents go to `json.loads`,
/// which raises `RecursionError` unless the recursion limit was raised.
pub const MAX_DEPTH: usize = 1000;

/// Second guard: the most native stack the nested containers may use (measured from
/// `decode`), whatever the frame size of the build (debug frames are much larger).
const STACK_BUDGET: usize = 1 << 20;

/// Approximate current stack position.
#[inline(always)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// `json.loads(s)` reaches the C scanner through three Python frames (`loads`, `decode`,
/// `raw_decode`) and one C call (the scanner object), each counted by the interpreter's
/// recursion check (CPython 3.11); calling our builtin counts none. Entering the difference
/// up front makes `RecursionError` start at the same depth as with `json.loads` (checked by
/// the test suite).
pub const EXTRA_RECURSION_LEVELS: usize = 4;

const RECURSION_MSG: &CStr = c" while decoding a JSON document";

#[inline(always)]
unsafe fn decref(obj: PyPtr) {
    unsafe { ffi::Py_DECREF(obj) }
}

#[inline(always)]
fn not_null(obj: PyPtr) -> Res<PyPtr> {
    if obj.is_null() {
        Err(Fail)
    } else {
        Ok(obj)
    }
}

/// Enters `n` levels of the interpreter's recursion check; on failure leaves what it entered.
pub fn enter_recursion(n: usize) -> Res<()> {
    for i in 0..n {
        // SAFETY: the GIL is held by our caller.
        if unsafe { ffi::Py_EnterRecursiveCall(RECURSION_MSG.as_ptr()) } != 0 {
            leave_recursion(i);
            return Err(Fail);
        }
    }
    Ok(())
}

pub fn leave_recursion(n: usize) {
    for _ in 0..n {
        // SAFETY: the GIL is held by our caller; balanced with `enter_recursion`.
        unsafe { ffi::Py_LeaveRecursiveCall() };
    }
}

pub struct Decoder<'a, 'c> {
    parser: Parser<Read<'a>>,
    input: &'a [u8],
    /// Scratch buffer for strings with escapes.
    scratch: Vec<u8>,
    /// Elements of the arrays being parsed (owned references), innermost last.
    items: Vec<PyPtr>,
    cache: Option<&'c mut KeyCache>,
    depth: usize,
    /// Levels of the interpreter's recursion check entered so far (see [`Self::enter`]).
    entered_levels: usize,
    stack_base: usize,
}

impl<'a, 'c> Decoder<'a, 'c> {
    /// A decoder over text already known to be valid UTF-8 (a `str`'s UTF-8 buffer).
    pub fn from_str(input: &'a str, cache: Option<&'c mut KeyCache>) -> Self {
        Self::with_read(Read::from(input), input.as_bytes(), cache)
    }

    /// A decoder over bytes; `None` if they are not valid UTF-8 (sonic-rs validates them
    /// with SIMD up front; the fallback then decides between `surrogatepass` decoding and
    /// `UnicodeDecodeError`).
    pub fn from_bytes(input: &'a [u8], cache: Option<&'c mut KeyCache>) -> Option<Self> {
        let read = Read::from(input);
        if read.next_invalid_utf8() != usize::MAX {
            return None;
        }
        Some(Self::with_read(read, input, cache))
    }

    fn with_read(read: Read<'a>, input: &'a [u8], cache: Option<&'c mut KeyCache>) -> Self {
        Decoder {
            parser: Parser::new(read),
            input,
            scratch: Vec::new(),
            items: Vec::new(),
            cache,
            depth: 0,
            entered_levels: 0,
            stack_base: 0,
        }
    }

    /// Parses the whole document. The GIL must be held.
    pub fn decode(&mut self) -> Res<PyPtr> {
        self.stack_base = stack_position();
        let result = self.document();
        leave_recursion(std::mem::take(&mut self.entered_levels));
        // On failure, release the elements of unfinished arrays.
        for obj in self.items.drain(..) {
            // SAFETY: owned references, GIL held.
            unsafe { decref(obj) };
        }
        result
    }

    fn document(&mut self) -> Res<PyPtr> {
        let ch = self.next_token()?;
        let value = self.value(ch)?;
        // Trailing whitespace may be long: sonic-rs skips it with SIMD.
        if self.parser.skip_space().is_some() {
            // SAFETY: owned reference, GIL held.
            unsafe { decref(value) };
            return Err(Fail);
        }
        Ok(value)
    }

    /// The next non-whitespace byte, consumed.
    ///
    /// Whitespace between tokens is usually absent or short (a space after `:`, a newline
    /// plus indentation), so a plain loop over the slice beats going through the reader.
    #[inline(always)]
    fn next_token(&mut self) -> Res<u8> {
        let mut pos = self.pos();
        while let Some(&ch) = self.input.get(pos) {
            pos += 1;
            if !matches!(ch, b' ' | b'\t' | b'\n' | b'\r') {
                self.parser.read.set_index(pos);
                return Ok(ch);
            }
        }
        self.parser.read.set_index(pos);
        Err(Fail)
    }

    #[inline(always)]
    fn pos(&self) -> usize {
        self.parser.read.index()
    }

    /// Consumes `rest` if the input continues with it.
    #[inline(always)]
    fn expect(&mut self, rest: &[u8]) -> Res<()> {
        let pos = self.pos();
        if self.input.get(pos..pos + rest.len()) == Some(rest) {
            self.parser.read.set_index(pos + rest.len());
            Ok(())
        } else {
            Err(Fail)
        }
    }

    #[inline(always)]
    fn value(&mut self, ch: u8) -> Res<PyPtr> {
        match ch {
            b'"' => self.string(),
            b'{' => self.object(),
            b'[' => self.array(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => {
                self.expect(b"rue")?;
                Ok(new_ref(unsafe { ffi::Py_True() }))
            }
            b'f' => {
                self.expect(b"alse")?;
                Ok(new_ref(unsafe { ffi::Py_False() }))
            }
            b'n' => {
                self.expect(b"ull")?;
                Ok(new_ref(unsafe { ffi::Py_None() }))
            }
            b'N' => {
                self.expect(b"aN")?;
                not_null(unsafe { ffi::PyFloat_FromDouble(f64::NAN) })
            }
            b'I' => {
                self.expect(b"nfinity")?;
                not_null(unsafe { ffi::PyFloat_FromDouble(f64::INFINITY) })
            }
            _ => Err(Fail),
        }
    }

    #[inline]
    fn string(&mut self) -> Res<PyPtr> {
        let (text, end) = parse_string(self.input, self.pos(), &mut self.scratch).ok_or(Fail)?;
        self.parser.read.set_index(end);
        // SAFETY: GIL held; the body of a string in valid UTF-8 input is valid UTF-8.
        not_null(unsafe { new_str(std::str::from_utf8_unchecked(text)) })
    }

    #[inline]
    fn key(&mut self) -> Res<PyPtr> {
        let (text, end) = parse_string(self.input, self.pos(), &mut self.scratch).ok_or(Fail)?;
        self.parser.read.set_index(end);
        // SAFETY: as in `string`.
        let s = unsafe { std::str::from_utf8_unchecked(text) };
        let obj = match self.cache.as_deref_mut() {
            // SAFETY: GIL held.
            Some(cache) if s.len() <= MAX_CACHED_KEY_LEN => unsafe { cache.get(s) },
            _ => unsafe { new_str(s) },
        };
        not_null(obj)
    }

    #[inline]
    fn number(&mut self) -> Res<PyPtr> {
        // The first byte (`-` or a digit) has been consumed.
        let start = self.pos().checked_sub(1).ok_or(Fail)?;
        let Some((number, end)) = scan_number(self.input, start) else {
            // `-` without a digit: `-Infinity`, or malformed.
            return self.negative_infinity(start);
        };
        self.parser.read.set_index(end);
        match number {
            Number::Int(v) => not_null(unsafe { ffi::PyLong_FromLongLong(v) }),
            Number::Float(v) => not_null(unsafe { ffi::PyFloat_FromDouble(v) }),
            Number::BigInt => {
                let digits = self.input.get(start..end).ok_or(Fail)?;
                big_int(digits)
            }
        }
    }

    /// `-Infinity` at `start`, which the number scanner refused (no digit after the `-`).
    #[cold]
    fn negative_infinity(&mut self, start: usize) -> Res<PyPtr> {
        if self.input.get(start..start + 2) != Some(b"-I") {
            return Err(Fail);
        }
        self.parser.read.set_index(start + 2);
        self.expect(b"nfinity")?;
        not_null(unsafe { ffi::PyFloat_FromDouble(f64::NEG_INFINITY) })
    }

    /// Enters a container. The interpreter's recursion check is entered once per new level
    /// of the deepest point so far and left only when decoding ends ([`Self::decode`]): json
    /// raises `RecursionError` exactly when the document's greatest depth exceeds the budget,
    /// and so do we, without two calls per container (a third of the per-list cost of
    /// canada.json's coordinate pairs). Python code run meanwhile (a finaliser, on an
    /// allocation) sees the headroom left at the deepest point so far.
    fn enter(&mut self) -> Res<()> {
        if self.depth >= MAX_DEPTH || self.stack_base.abs_diff(stack_position()) > STACK_BUDGET {
            return Err(Fail);
        }
        if self.depth == self.entered_levels {
            enter_recursion(1)?;
            self.entered_levels += 1;
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    #[inline(never)]
    fn array(&mut self) -> Res<PyPtr> {
        self.enter()?;
        let base = self.items.len();
        let body = self.array_body();
        self.leave();
        body?;
        let elements = self.items.get(base..).ok_or(Fail)?;
        // SAFETY: GIL held; the list takes over the element references below.
        let list = not_null(unsafe { ffi::PyList_New(elements.len() as ffi::Py_ssize_t) })?;
        for (i, &obj) in elements.iter().enumerate() {
            unsafe { ffi::PyList_SET_ITEM(list, i as ffi::Py_ssize_t, obj) };
        }
        self.items.truncate(base);
        Ok(list)
    }

    /// Pushes the elements onto `self.items`; on failure they stay there for `decode` to free.
    fn array_body(&mut self) -> Res<()> {
        let mut ch = self.next_token()?;
        if ch == b']' {
            return Ok(());
        }
        loop {
            let value = self.value(ch)?;
            self.items.push(value);
            match self.next_token()? {
                b',' => ch = self.next_token()?,
                b']' => return Ok(()),
                _ => return Err(Fail),
            }
        }
    }

    #[inline(never)]
    fn object(&mut self) -> Res<PyPtr> {
        self.enter()?;
        let dict = unsafe { ffi::PyDict_New() };
        let body = if dict.is_null() {
            Err(Fail)
        } else {
            self.object_body(dict)
        };
        self.leave();
        match body {
            Ok(()) => Ok(dict),
            Err(fail) => {
                if !dict.is_null() {
                    unsafe { decref(dict) };
                }
                Err(fail)
            }
        }
    }

    fn object_body(&mut self, dict: PyPtr) -> Res<()> {
        let mut ch = self.next_token()?;
        if ch == b'}' {
            return Ok(());
        }
        loop {
            if ch != b'"' {
                return Err(Fail);
            }
            let key = self.key()?;
            let value = match self.entry_value() {
                Ok(value) => value,
                Err(fail) => {
                    unsafe { decref(key) };
                    return Err(fail);
                }
            };
            // Same as `dict[key] = value`: the last duplicate wins, the first fixes the order.
            let rc = unsafe { ffi::PyDict_SetItem(dict, key, value) };
            unsafe {
                decref(key);
                decref(value);
            }
            if rc != 0 {
                return Err(Fail);
            }
            match self.next_token()? {
                b',' => ch = self.next_token()?,
                b'}' => return Ok(()),
                _ => return Err(Fail),
            }
        }
    }

    /// `: value` after a key.
    #[inline(always)]
    fn entry_value(&mut self) -> Res<PyPtr> {
        if self.next_token()? != b':' {
            return Err(Fail);
        }
        let ch = self.next_token()?;
        self.value(ch)
    }
}

#[inline(always)]
fn new_ref(obj: PyPtr) -> PyPtr {
    // SAFETY: `obj` is an immortal-or-owned singleton; GIL held.
    unsafe { ffi::Py_INCREF(obj) };
    obj
}

/// `int(digits)` for integers too long for the `i64` fast path. Python's int-string digit
/// limit makes this fail with `ValueError` (then `json.loads` raises the same).
#[cold]
fn big_int(digits: &[u8]) -> Res<PyPtr> {
    let mut text = Vec::with_capacity(digits.len() + 1);
    text.extend_from_slice(digits);
    text.push(0);
    // SAFETY: NUL-terminated ASCII; GIL held.
    not_null(unsafe { ffi::PyLong_FromString(text.as_ptr().cast(), std::ptr::null_mut(), 10) })
}
