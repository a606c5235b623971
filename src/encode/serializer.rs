//! The encoder: walks Python objects depth-first and writes JSON straight into one byte
//! buffer, following CPython 3.11's `json` encoder rule for rule (type order, key conversion,
//! circular-reference markers, `Py_EnterRecursiveCall` per nesting level).
//!
//! Compact output follows the C encoder (`c_make_encoder`), `indent` the Python encoder
//! (`_make_iterencode`); they differ for subclasses and mutation: the C encoder snapshots
//! (`PySequence_Fast`, `PyMapping_Items`), the Python one iterates live and asks `not obj`.
//!
//! Ownership: a container holds a strong reference to itself while it is being written, and
//! dict items are snapshotted with strong references or iterated as owned pairs, so a
//! `default` that mutates or frees what is being serialized cannot leave us with a dangling
//! pointer. Scalars are written from borrowed pointers: writing them runs no Python code.

use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::ptr::addr_of_mut;

use pyo3::exceptions::{PyRecursionError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::obtype::{ob_type, ObType};
use super::{dict_entries, number, output, sort_cache, string};
use crate::gil;
use crate::writer::{
    escape, extend_small, float_repr, int, write_separator, OutBuf, ShortSeparator, Tail, SHORT_SEPARATOR_MAX,
};

/// Nesting cap whatever `sys.getrecursionlimit()` allows: the Rust stack must never overflow
/// (gunicorn's threads have smaller stacks than the main thread).
pub const MAX_DEPTH: usize = 5_000;

pub struct Options<'a, 'py> {
    /// `None`: compact layout (json's C encoder); `Some`: one level's indent string.
    pub indent: Option<Cow<'a, [u8]>>,
    pub item_separator: Cow<'a, [u8]>,
    pub key_separator: Cow<'a, [u8]>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub allow_nan: bool,
    pub skipkeys: bool,
    pub default: Option<Bound<'py, PyAny>>,
}

/// A dict entry with a strong reference to its key and its value.
#[derive(Clone, Copy)]
struct Item {
    key: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
    /// [`string::sort_prefix`] of a compact-ASCII key when sorting, else 0.
    prefix: u64,
}

/// Buffers kept between calls, so a call allocates nothing after warm-up.
pub struct Buffers {
    pub out: OutBuf,
    pub scratch: Scratch,
}

/// The encoder's working buffers besides the output.
#[derive(Default)]
pub struct Scratch {
    /// Objects on the current path (non-empty containers and `default` inputs): json's
    /// circular-reference markers. Depth is bounded, so a linear scan is cheapest.
    path: Vec<*mut ffi::PyObject>,
    /// Item buffers for the dicts being written (one per nesting level in use).
    item_pool: Vec<Vec<Item>>,
    /// With `indent`: the item separator, `"\n"`, then the indent repeated (at most
    /// [`NEWLINE_INDENTS_MAX`] bytes after the separator), then zero padding up to
    /// [`SHORT_SEPARATOR_MAX`] bytes. A new line is one slice of it, and so is a separator with
    /// the new line that follows it. Kept across calls, rebuilt when the indent or the
    /// separator changes.
    separator_lines: Vec<u8>,
    /// Where the padding of `separator_lines` starts.
    separator_lines_end: usize,
    /// The item separator and the indent `separator_lines` was built from.
    separator_lines_key: (Vec<u8>, Vec<u8>),
}

/// Longest `"\n"` + indents prefix kept; deeper levels are written piece by piece.
const NEWLINE_INDENTS_MAX: usize = 256;

/// Room for one value written by [`write_scalar_raw`] (at least [`escape::QUOTE_PLAIN_ROOM`],
/// [`int::I64_ROOM`], [`float_repr::FLOAT_ROOM`] and an 8-byte literal store).
const SCALAR_ROOM: usize = 64;

/// Longest list or tuple of scalars [`Encoder::write_leaf_container_raw`] writes in place.
const FLAT_SEQUENCE_MAX: usize = 8;

/// Most items of a dict [`Encoder::write_leaf_container_raw`] writes in place.
const LEAF_DICT_MAX: usize = 8;

/// Room for one value written by the fast loops: a scalar, a flat sequence, or a leaf dict
/// (each item: a separator, a key, a separator, a scalar or `[]`/`{}`).
const VALUE_ROOM: usize = {
    // Brackets, the closing line, and per item its line or separator and its value.
    let sequence = 2 + SHORT_SEPARATOR_MAX + FLAT_SEQUENCE_MAX * (SHORT_SEPARATOR_MAX + SCALAR_ROOM);
    let dict = 2
        + SHORT_SEPARATOR_MAX
        + LEAF_DICT_MAX * (2 * SHORT_SEPARATOR_MAX + escape::QUOTE_PLAIN_ROOM + SCALAR_ROOM);
    if sequence > dict {
        sequence
    } else {
        dict
    }
};

impl Buffers {
    pub const fn new() -> Self {
        Buffers {
            out: OutBuf::with_spill(&output::BYTES_SPILL),
            scratch: Scratch::new(),
        }
    }

    /// Empties the output and the marker path (the rest is kept as is between calls).
    pub fn clear(&mut self) {
        self.out.clear();
        self.scratch.path.clear();
    }

    /// `false` when the buffers grew too large to keep for the next call.
    pub fn worth_keeping(&self, keep_bytes: usize) -> bool {
        self.out.capacity() <= keep_bytes
            && self
                .scratch
                .item_pool
                .iter()
                .all(|items| items.capacity() <= 4096)
    }
}

impl Scratch {
    pub const fn new() -> Self {
        Scratch {
            path: Vec::new(),
            item_pool: Vec::new(),
            separator_lines: Vec::new(),
            separator_lines_end: 0,
            separator_lines_key: (Vec::new(), Vec::new()),
        }
    }

    /// Builds `separator_lines` for this separator and indent (a no-op when it already is:
    /// Flask always passes `indent=2` and the default separator).
    fn prepare_separator_lines(&mut self, item_separator: &[u8], indent: &[u8]) {
        let (built_separator, built_indent) = &self.separator_lines_key;
        if !self.separator_lines.is_empty() && built_separator == item_separator && built_indent == indent {
            return;
        }
        let lines = &mut self.separator_lines;
        lines.clear();
        lines.extend_from_slice(item_separator);
        lines.push(b'\n');
        let (built_separator, built_indent) = &mut self.separator_lines_key;
        built_separator.clear();
        built_separator.extend_from_slice(item_separator);
        built_indent.clear();
        built_indent.extend_from_slice(indent);
        // `indent=""` needs nothing past the "\n".
        if !indent.is_empty() {
            let limit = item_separator.len() + NEWLINE_INDENTS_MAX;
            while lines.len() + indent.len() <= limit {
                lines.extend_from_slice(indent);
            }
        }
        self.separator_lines_end = lines.len();
        // Blocks are read from the start and from past the item separator (the new line).
        lines.resize(lines.len().max(SHORT_SEPARATOR_MAX + item_separator.len()), 0);
    }
}

pub struct Encoder<'a, 'py> {
    py: Python<'py>,
    opts: &'a Options<'a, 'py>,
    /// The output. Borrowed, not moved in and out: the hot loops hold its end in locals
    /// ([`Tail`]), and a move of the buffer costs more per call than the loads it saves.
    pub out: &'a mut OutBuf,
    scratch: &'a mut Scratch,
    depth: usize,
    indent_level: usize,
    /// A string could not be written as UTF-8 (lone surrogates, `ensure_ascii=False`).
    pub unencodable: bool,
    /// The separators as the fast loops write them (`None` when too long for them); under
    /// `indent`, the item separator comes with its new line, from `scratch.separator_lines`.
    compact_item_separator: Option<ShortSeparator>,
    short_key_separator: Option<ShortSeparator>,
}

impl<'a, 'py> Encoder<'a, 'py> {
    pub fn new(py: Python<'py>, opts: &'a Options<'a, 'py>, buffers: &'a mut Buffers) -> Self {
        let Buffers { out, scratch } = buffers;
        if let Some(indent) = &opts.indent {
            scratch.prepare_separator_lines(&opts.item_separator, indent);
        }
        Encoder {
            py,
            opts,
            out,
            scratch,
            depth: 0,
            indent_level: 0,
            unencodable: false,
            compact_item_separator: ShortSeparator::new(&opts.item_separator),
            short_key_separator: ShortSeparator::new(&opts.key_separator),
        }
    }

    /// Writes one value.
    pub fn encode(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        self.encode_inline(obj)
    }

    /// [`Self::encode`], inlined into the container loops: scalars are written without a
    /// call; containers and `default` go out of line.
    #[inline(always)]
    fn encode_inline(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        // SAFETY: `obj` is alive (owned by a container or a caller that holds a reference)
        // and the GIL is held for the whole encoder lifetime ('py).
        unsafe {
            match ob_type(obj) {
                ObType::Str => string::write_str(
                    self.py,
                    self.out,
                    obj,
                    self.opts.ensure_ascii,
                    &mut self.unencodable,
                ),
                ObType::Int => number::write_int(self.py, self.out, obj),
                ObType::Float => self.write_float(obj),
                ObType::True => self.literal(b"true"),
                ObType::False => self.literal(b"false"),
                ObType::None => self.literal(b"null"),
                ObType::List | ObType::Tuple => self.nested(obj, Self::encode_sequence),
                ObType::Dict | ObType::DictSubclass => self.nested(obj, Self::encode_dict),
                ObType::Other => self.encode_default(obj),
            }
        }
    }

    #[inline(always)]
    fn literal(&mut self, text: &[u8]) -> PyResult<()> {
        extend_small(self.out, text);
        Ok(())
    }

    /// A float as json writes it; out-of-range values raise unless `allow_nan`.
    #[inline]
    unsafe fn write_float(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        let value = ffi::PyFloat_AS_DOUBLE(obj);
        if number::write_float(self.out, value, self.opts.allow_nan) {
            Ok(())
        } else {
            Err(self.out_of_range(obj))
        }
    }

    /// json's C encoder (compact) and Python encoder (indent) word this differently; the
    /// latter appends `repr(o)`, which a float subclass may override.
    #[cold]
    fn out_of_range(&self, obj: *mut ffi::PyObject) -> PyErr {
        const MESSAGE: &str = "Out of range float values are not JSON compliant";
        if self.opts.indent.is_none() {
            return PyValueError::new_err(MESSAGE);
        }
        // SAFETY: `obj` is alive; GIL held.
        let obj = unsafe { Bound::from_borrowed_ptr(self.py, obj) };
        match obj.repr() {
            Ok(repr) => PyValueError::new_err(format!("{MESSAGE}: {repr}")),
            Err(err) => err,
        }
    }

    /// One nesting level: json's `Py_EnterRecursiveCall(" while encoding a JSON object")`,
    /// plus our own hard cap.
    fn nested(
        &mut self,
        obj: *mut ffi::PyObject,
        write: fn(&mut Self, *mut ffi::PyObject) -> PyResult<()>,
    ) -> PyResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(PyRecursionError::new_err(
                "maximum recursion depth exceeded while encoding a JSON object",
            ));
        }
        // SAFETY: plain C-API call with a NUL-terminated message; GIL held.
        if unsafe { ffi::Py_EnterRecursiveCall(c" while encoding a JSON object".as_ptr()) } != 0 {
            return Err(PyErr::fetch(self.py));
        }
        self.depth += 1;
        let result = write(self, obj);
        self.depth -= 1;
        // SAFETY: paired with the successful Py_EnterRecursiveCall above.
        unsafe { ffi::Py_LeaveRecursiveCall() };
        result
    }

    /// A container inside a container, written at `dst` without a call when it holds no other
    /// container: an empty exact list, tuple or dict (`[]`, `{}`); with `lines` (see
    /// [`Self::leaf_lines`]: compact output, or indents short enough) also an exact list or
    /// tuple of at most [`FLAT_SEQUENCE_MAX`] values [`write_scalar_raw`] takes (coordinates,
    /// id lists), or an exact dict of at most [`LEAF_DICT_MAX`] plain short
    /// compact-ASCII keys whose values are such scalars or empty containers. Returns its
    /// length; `None` when it does not apply, with nothing to keep: the general path writes
    /// it (or raises).
    ///
    /// json enters a nesting level for any container, so each needs its levels to be allowed
    /// ([`NestProbe`]). No marker is needed: a container of scalars cannot be on the path of
    /// the one being written. No reference is taken: its owner holds one, and no Python code
    /// runs while it is written.
    ///
    /// # Safety
    /// `obj` must be alive, the GIL held, and `dst` must have room for [`VALUE_ROOM`] bytes.
    #[inline(always)]
    unsafe fn write_leaf_container_raw(
        &self,
        obj: *mut ffi::PyObject,
        dst: *mut u8,
        nest: &mut NestProbe,
        lines: Option<&LeafLines>,
    ) -> Option<usize> {
        if ffi::Py_TYPE(obj) == addr_of_mut!(ffi::PyDict_Type) {
            let used = (*(obj as *mut ffi::PyDictObject)).ma_used as usize;
            if used > 0 {
                if used > LEAF_DICT_MAX {
                    return None;
                }
                return self.write_leaf_dict_raw(obj, dst, nest, lines?);
            }
        }
        self.write_leaf_sequence_raw(obj, dst, nest, lines, 1)
    }

    /// An empty exact list, tuple or dict, or a flat list or tuple, `levels` below
    /// the container being written (see [`Self::write_leaf_container_raw`]).
    ///
    /// # Safety
    /// As [`Self::write_leaf_container_raw`].
    #[inline(always)]
    unsafe fn write_leaf_sequence_raw(
        &self,
        obj: *mut ffi::PyObject,
        dst: *mut u8,
        nest: &mut NestProbe,
        lines: Option<&LeafLines>,
        levels: usize,
    ) -> Option<usize> {
        let tp = ffi::Py_TYPE(obj);
        let (items, len) = if tp == addr_of_mut!(ffi::PyList_Type) {
            sequence_items(obj, true)
        } else if tp == addr_of_mut!(ffi::PyTuple_Type) {
            sequence_items(obj, false)
        } else if tp == addr_of_mut!(ffi::PyDict_Type) && (*(obj as *mut ffi::PyDictObject)).ma_used == 0 {
            (std::ptr::null_mut(), 0)
        } else {
            return None;
        };
        if len == 0 {
            if !nest.allows(self, levels) {
                return None;
            }
            let text = if tp == addr_of_mut!(ffi::PyDict_Type) {
                b"{}"
            } else {
                b"[]"
            };
            std::ptr::write_unaligned(dst as *mut [u8; 2], *text);
            return Some(2);
        }
        let lines = lines.filter(|_| levels == 1)?;
        if len > FLAT_SEQUENCE_MAX || !nest.allows(self, levels) {
            return None;
        }
        *dst = b'[';
        let at = lines.write(dst, FlatItems { items, len, dst })?;
        *dst.add(at) = b']';
        Some(at + 1)
    }

    /// A dict of 1 to [`LEAF_DICT_MAX`] items: see
    /// [`Self::write_leaf_container_raw`]. Its items are read into a stack array (borrowed:
    /// nothing runs that could free them), sorted there when asked: no item snapshot, no
    /// reference counts, no marker, no call.
    ///
    /// # Safety
    /// As [`Self::write_leaf_container_raw`]; `obj` is an exact dict.
    #[inline(never)]
    unsafe fn write_leaf_dict_raw(
        &self,
        obj: *mut ffi::PyObject,
        dst: *mut u8,
        nest: &mut NestProbe,
        lines: &LeafLines,
    ) -> Option<usize> {
        let key_separator = self.short_key_separator?;
        let sort = self.opts.sort_keys;
        let mut entries = [const { MaybeUninit::<LeafEntry>::uninit() }; LEAF_DICT_MAX];
        let mut count = 0;
        // Stops at the first item that cannot be written here: most dicts that fail do so
        // on a long string, and are given up before anything else is done.
        let leaf = dict_entries::try_for_each(obj, |key, value| {
            let Some(entry) = entries.get_mut(count) else {
                return false;
            };
            if !is_short_ascii_str(key) || !is_leaf_value(value) {
                return false;
            }
            entry.write(LeafEntry {
                prefix: 0,
                key: string::ascii_bytes(key),
                value,
            });
            count += 1;
            true
        });
        let entries = entries.get_mut(..count).filter(|_| leaf)?;
        // SAFETY: the first `count` entries were written above.
        let entries = &mut *(entries as *mut [MaybeUninit<LeafEntry>] as *mut [LeafEntry]);
        if sort {
            for entry in entries.iter_mut() {
                entry.prefix = string::sort_prefix(entry.key);
            }
            // Keys are unique: an unstable sort gives json's order.
            sort_few(entries, |a, b| {
                a.prefix.cmp(&b.prefix).then_with(|| a.key.cmp(b.key))
            });
        }
        if !nest.allows(self, 1) {
            return None;
        }
        *dst = b'{';
        let body = LeafEntries {
            encoder: self,
            entries,
            dst,
            nest,
            key_separator,
        };
        let at = lines.write(dst, body)?;
        *dst.add(at) = b'}';
        Some(at + 1)
    }

    /// Whether [`Self::nested`] would enter `levels` more levels now: our cap, then CPython's
    /// recursion check, entered and left again (a failed check restores its counter; its
    /// RecursionError is dropped here and raised again by the general path).
    #[inline(never)]
    fn can_nest(&self, levels: usize) -> bool {
        if self.depth + levels > MAX_DEPTH {
            return false;
        }
        let mut entered = 0;
        // SAFETY: GIL held; each successful enter is paired with a leave, and a failed one
        // leaves only the exception, which is cleared (none was set before: encoding was
        // under way).
        unsafe {
            while entered < levels {
                if ffi::Py_EnterRecursiveCall(c" while encoding a JSON object".as_ptr()) != 0 {
                    ffi::PyErr_Clear();
                    break;
                }
                entered += 1;
            }
            for _ in 0..entered {
                ffi::Py_LeaveRecursiveCall();
            }
        }
        entered == levels
    }

    fn enter_marker(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        if self.scratch.path.contains(&obj) {
            return Err(PyValueError::new_err("Circular reference detected"));
        }
        self.scratch.path.push(obj);
        Ok(())
    }

    #[inline(always)]
    fn newline_indent(&mut self) {
        if self.opts.indent.is_some() {
            self.write_newline_indent();
        }
    }

    /// `"\n"` + the indent repeated `indent_level` times: a slice of the prepared lines. Out of
    /// line: inlined at every call site, it slowed compact output (citm_catalog) by 5%.
    #[inline(never)]
    fn write_newline_indent(&mut self) {
        let Some(indent) = &self.opts.indent else { return };
        let start = self.opts.item_separator.len();
        let end = indent
            .len()
            .saturating_mul(self.indent_level)
            .saturating_add(start + 1);
        let lines = (self.scratch.separator_lines)
            .get(..self.scratch.separator_lines_end)
            .unwrap_or_default();
        match lines.get(start..end) {
            Some(line) => extend_small(self.out, line),
            None => self.write_deep_newline_indent(),
        }
    }

    /// The item separator (under `indent`, with the new line that follows it) for the fast
    /// loops; `None` when it is too long for them.
    #[inline(always)]
    fn short_item_separator(&self) -> Option<ShortSeparator> {
        let Some(indent) = &self.opts.indent else {
            return self.compact_item_separator;
        };
        let end = indent
            .len()
            .saturating_mul(self.indent_level)
            .saturating_add(self.opts.item_separator.len() + 1);
        if end > self.scratch.separator_lines_end {
            return None;
        }
        ShortSeparator::from_block(&self.scratch.separator_lines, end)
    }

    /// What goes around and between the items of a leaf container written by the fast loops
    /// (its items one level below the current one): compact, only the item separator; with
    /// `indent`, new lines. `None` past the prepared indents.
    fn leaf_lines(&self) -> Option<LeafLines> {
        let Some(indent) = &self.opts.indent else {
            return self.compact_item_separator.map(LeafLines::Compact);
        };
        // "\n" and the indents of the items' level; the closing line has one indent less.
        let item_line = indent.len().checked_mul(self.indent_level + 1)?.checked_add(1)?;
        let separator = self.opts.item_separator.len();
        if separator + item_line > self.scratch.separator_lines_end {
            return None;
        }
        let lines = &self.scratch.separator_lines;
        let new_lines = lines.get(separator..)?;
        Some(LeafLines::Indented {
            first: ShortSeparator::from_block(new_lines, item_line)?,
            between: ShortSeparator::from_block(lines, separator + item_line)?,
            close: ShortSeparator::from_block(new_lines, item_line - indent.len())?,
        })
    }

    /// Past the prepared prefix: written piece by piece.
    #[cold]
    #[inline(never)]
    fn write_deep_newline_indent(&mut self) {
        let Some(indent) = &self.opts.indent else { return };
        let out = &mut *self.out;
        out.push(b'\n');
        for _ in 0..self.indent_level {
            out.extend_from_slice(indent);
        }
    }

    #[inline(always)]
    fn open_level(&mut self) {
        if self.opts.indent.is_some() {
            self.indent_level += 1;
            self.write_newline_indent();
        }
    }

    #[inline(always)]
    fn close_level(&mut self) {
        if self.opts.indent.is_some() {
            self.indent_level -= 1;
            self.write_newline_indent();
        }
    }

    #[inline(always)]
    fn item_separator(&mut self) {
        write_separator(self.out, &self.opts.item_separator);
        self.newline_indent();
    }

    /// list, tuple and their subclasses (namedtuple included). Exact lists and tuples are read
    /// in place; in compact mode a subclass is iterated first (`PySequence_Fast`, so an
    /// overridden `__iter__` counts), as json's C encoder does. A list's length is re-read each
    /// step: `default` may mutate it.
    fn encode_sequence(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        // SAFETY: GIL held; `obj` is a live list/tuple (checked by ob_type). `items` holds a
        // strong reference, so it stays alive even if `default` drops every other one.
        unsafe {
            let exact = ffi::PyList_CheckExact(obj) != 0 || ffi::PyTuple_CheckExact(obj) != 0;
            // `items` is what is read: the list/tuple itself, or a subclass's `PySequence_Fast`
            // snapshot. The object is held while it is on the marker path, as json's markers
            // dict holds it: a freed address taken over by a new object would read as a cycle.
            let (items, _subclass_alive) = if exact {
                (Bound::from_borrowed_ptr(self.py, obj), None)
            } else if self.opts.indent.is_some() {
                return self.encode_sequence_live(obj);
            } else {
                let snapshot = Bound::from_owned_ptr_or_err(
                    self.py,
                    ffi::PySequence_Fast(obj, c"_iterencode_list needs a sequence".as_ptr()),
                )?;
                (snapshot, Some(Bound::from_borrowed_ptr(self.py, obj)))
            };
            let seq = items.as_ptr();
            let is_list = ffi::PyList_Check(seq) != 0;
            let (mut item_array, mut size) = sequence_items(seq, is_list);
            if size == 0 {
                self.out.extend_from_slice(b"[]");
                return Ok(());
            }
            self.enter_marker(obj)?;
            self.out.push(b'[');
            self.open_level();
            // The item array and its length are re-read after each value that went through
            // `encode`: only there can `default` have run and changed the list.
            let separator = self.short_item_separator();
            let leaf_lines = self.leaf_lines();
            // Separators and scalars are written with the output's end in registers; `tail`
            // is committed before anything else touches `out`.
            let mut tail = Tail::of(self.out);
            let mut nest = NestProbe::default();
            let mut index = 0;
            while index < size {
                let item = *item_array.add(index);
                if let Some(separator) = &separator {
                    tail.reserve(self.out, SHORT_SEPARATOR_MAX + VALUE_ROOM);
                    let dst = tail.end();
                    let separator_len = separator.write_between(dst, index == 0);
                    let value_at = dst.add(separator_len);
                    let room = tail.spare() - separator_len;
                    let written = write_scalar_raw(item, value_at, room).or_else(|| {
                        self.write_leaf_container_raw(item, value_at, &mut nest, leaf_lines.as_ref())
                    });
                    if let Some(written) = written {
                        tail.advance(separator_len + written);
                        index += 1;
                        continue;
                    }
                    tail.advance(separator_len);
                    tail.commit(self.out);
                } else if index > 0 {
                    tail.commit(self.out);
                    self.item_separator();
                }
                self.encode_inline(item)?;
                tail = Tail::of(self.out);
                (item_array, size) = sequence_items(seq, is_list);
                index += 1;
            }
            tail.commit(self.out);
            self.close_level();
            self.out.push(b']');
            self.scratch.path.pop();
            Ok(())
        }
    }

    /// A list/tuple subclass with `indent`, as json's Python encoder writes it: `if not lst`
    /// (so `__bool__`/`__len__` decide), then `for value in lst` on the live object. Its `[`
    /// goes out with the first value, so a truthy sequence that yields nothing is `"\n]"`.
    #[cold]
    unsafe fn encode_sequence_live(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        // Held while it is on the marker path (see `encode_sequence`); a custom `__iter__` need
        // not keep it alive.
        let _alive = Bound::from_borrowed_ptr(self.py, obj);
        if !self.is_truthy(obj)? {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.enter_marker(obj)?;
        let iter = Bound::from_owned_ptr_or_err(self.py, ffi::PyObject_GetIter(obj))?;
        self.indent_level += 1;
        let mut first = true;
        while let Some(item) = self.next_item(&iter)? {
            if first {
                first = false;
                self.out.push(b'[');
                self.write_newline_indent();
            } else {
                self.item_separator();
            }
            self.encode_inline(item.as_ptr())?;
        }
        self.close_level();
        self.out.push(b']');
        self.scratch.path.pop();
        Ok(())
    }

    /// `bool(obj)`, which may run Python code and raise.
    unsafe fn is_truthy(&self, obj: *mut ffi::PyObject) -> PyResult<bool> {
        match ffi::PyObject_IsTrue(obj) {
            -1 => Err(PyErr::fetch(self.py)),
            truth => Ok(truth != 0),
        }
    }

    /// The iterator's next item; `None` once exhausted.
    unsafe fn next_item(&self, iter: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let item = ffi::PyIter_Next(iter.as_ptr());
        if !item.is_null() {
            return Ok(Some(Bound::from_owned_ptr(self.py, item)));
        }
        match PyErr::take(self.py) {
            Some(err) => Err(err),
            None => Ok(None),
        }
    }

    fn encode_dict(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        // SAFETY: GIL held; `obj` is a live dict (or subclass).
        unsafe {
            let _alive = Bound::from_borrowed_ptr(self.py, obj);
            let exact = ffi::PyDict_CheckExact(obj) != 0;
            // json's C encoder (compact) reads the storage size, its Python encoder (indent)
            // asks `not dct`, which a subclass may override.
            let empty = if exact || self.opts.indent.is_none() {
                (*(obj as *mut ffi::PyDictObject)).ma_used == 0
            } else {
                !self.is_truthy(obj)?
            };
            if empty {
                self.out.extend_from_slice(b"{}");
                return Ok(());
            }
            self.enter_marker(obj)?;
            self.out.push(b'{');
            self.open_level();
            if exact {
                self.write_exact_dict(obj)?;
            } else {
                self.write_items_python(obj)?;
            }
            self.close_level();
            self.out.push(b'}');
            self.scratch.path.pop();
            Ok(())
        }
    }

    /// An exact dict: live (indent, unsorted), or a snapshot of its items, sorted here when
    /// every key is an exact str; other keys are sorted by Python.
    unsafe fn write_exact_dict(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        if self.opts.indent.is_some() && !self.opts.sort_keys {
            return self.write_dict_live(obj);
        }
        let mut items = self.scratch.item_pool.pop().unwrap_or_default();
        let snapshot = self.snapshot_items(obj, &mut items);
        let result = if snapshot {
            self.write_items(&items)
        } else {
            Ok(())
        };
        for Item { key, value, .. } in items.drain(..) {
            ffi::Py_DECREF(key);
            ffi::Py_DECREF(value);
        }
        self.scratch.item_pool.push(items);
        if !snapshot {
            return self.write_items_python(obj);
        }
        result
    }

    /// The items of an exact dict in json's order (`PyDict_Items`, then sorted when asked):
    /// `false`, with `items` left empty, when some key is not an exact str and Python must sort.
    unsafe fn snapshot_items(&mut self, obj: *mut ffi::PyObject, items: &mut Vec<Item>) -> bool {
        let mut all_str = true;
        let mut all_ascii = true;
        let sort = self.opts.sort_keys;
        // Only INCREFs run inside: no Python code can touch the table being read.
        dict_entries::for_each(obj, |key, value| {
            let is_str = ffi::PyUnicode_CheckExact(key) != 0;
            let is_ascii = is_str && ffi::PyUnicode_IS_COMPACT_ASCII(key) != 0;
            all_str &= is_str;
            all_ascii &= is_ascii;
            let prefix = if sort && is_ascii {
                string::sort_prefix(string::ascii_bytes(key))
            } else {
                0
            };
            items.push(Item {
                key: owned(key),
                value: owned(value),
                prefix,
            });
        });
        if !sort {
            return true;
        }
        // Dict keys are unique, so an unstable sort gives json's order.
        if all_ascii {
            self.sort_ascii_items(items);
            return true;
        }
        if all_str {
            items.sort_unstable_by(|a, b| string::compare(a.key, b.key));
            return true;
        }
        for Item { key, value, .. } in items.drain(..) {
            ffi::Py_DECREF(key);
            ffi::Py_DECREF(value);
        }
        false
    }

    /// Sorts items whose keys are all exact compact-ASCII `str`s: by the cached order of the
    /// same key objects when there is one (see `sort_cache`), else by prefix, then bytes.
    unsafe fn sort_ascii_items(&mut self, items: &mut Vec<Item>) {
        let by_key = |a: &Item, b: &Item| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| string::ascii_bytes(a.key).cmp(string::ascii_bytes(b.key)))
        };
        if !(sort_cache::MIN_KEYS..=sort_cache::MAX_KEYS).contains(&items.len()) {
            sort_few(items, by_key);
            return;
        }
        let hash = sort_cache::shape_hash(items.iter().map(|item| item.key));
        let pool = &mut self.scratch.item_pool;
        // Sorting runs no Python code: nothing can re-enter the cache while it is held.
        let sorted = sort_cache::with_sort_cache(|cache| {
            match cache.lookup(hash, items.iter().map(|item| item.key)) {
                sort_cache::Lookup::Order(order) => {
                    // A permutation of the items (the same key objects): each reference is
                    // still released exactly once, from `items`.
                    let mut permuted = pool.pop().unwrap_or_default();
                    permuted.extend(order.iter().filter_map(|&i| items.get(usize::from(i)).copied()));
                    let complete = permuted.len() == items.len();
                    if complete {
                        std::mem::swap(items, &mut permuted);
                    }
                    permuted.clear();
                    pool.push(permuted);
                    complete
                }
                sort_cache::Lookup::Record => {
                    let in_dict_order: Vec<_> = items.iter().map(|item| item.key).collect();
                    items.sort_unstable_by(by_key);
                    cache.record(hash, &in_dict_order, items.iter().map(|item| item.key));
                    true
                }
                sort_cache::Lookup::Sort => false,
            }
        });
        if sorted != Some(true) {
            items.sort_unstable_by(by_key);
        }
    }

    /// json's own paths, pair by pair (a pair's error comes after the pairs before it are
    /// written, `default` calls included), for dict subclasses and keys only Python can sort:
    /// - compact (C encoder): `PyMapping_Items` (an overridden `items()` counts, e.g. werkzeug's
    ///   MultiDict; an exact list it returns is used, and sorted, in place), `list.sort()`,
    ///   then 2-tuples only;
    /// - indent, sorted: `sorted(dct.items())`, then `key, value = pair`;
    /// - indent, unsorted: `for key, value in dct.items()`, live.
    #[cold]
    unsafe fn write_items_python(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        let py = self.py;
        let items = if self.opts.indent.is_none() {
            let list = Bound::from_owned_ptr_or_err(py, ffi::PyMapping_Items(obj))?;
            if self.opts.sort_keys && ffi::PyList_Sort(list.as_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
            list
        } else {
            let view = Bound::from_borrowed_ptr(py, obj).call_method0(pyo3::intern!(py, "items"))?;
            if self.opts.sort_keys {
                let list = Bound::from_owned_ptr_or_err(py, ffi::PySequence_List(view.as_ptr()))?;
                if ffi::PyList_Sort(list.as_ptr()) != 0 {
                    return Err(PyErr::fetch(py));
                }
                list
            } else {
                view
            }
        };
        let iter = Bound::from_owned_ptr_or_err(py, ffi::PyObject_GetIter(items.as_ptr()))?;
        let mut first = true;
        while let Some(pair) = self.next_item(&iter)? {
            let (key, value) = self.key_and_value(&pair)?;
            self.write_item(key.as_ptr(), value.as_ptr(), &mut first)?;
        }
        Ok(())
    }

    /// One pair from `items()`: the C encoder (compact) wants 2-tuples, the Python encoder
    /// (indent) unpacks anything with two items.
    fn key_and_value(&self, pair: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        if let Ok(tuple) = pair.cast::<PyTuple>() {
            let exact = pair.is_exact_instance_of::<PyTuple>();
            if tuple.len() == 2 && (exact || self.opts.indent.is_none()) {
                return Ok((tuple.get_item(0)?, tuple.get_item(1)?));
            }
        }
        if self.opts.indent.is_none() {
            return Err(PyValueError::new_err("items must return 2-tuples"));
        }
        unpack_pair(pair)
    }

    /// A snapshot's items. A compact-ASCII key that needs no escaping, its separators and a
    /// scalar value are written with the output's end in registers ([`Tail`]); anything else
    /// goes through [`Self::write_item`] or [`Self::encode`].
    fn write_items(&mut self, items: &[Item]) -> PyResult<()> {
        let mut first = true;
        let separators = self.short_item_separator().zip(self.short_key_separator);
        let Some((item_separator, key_separator)) = separators else {
            for &Item { key, value, .. } in items {
                self.write_item(key, value, &mut first)?;
            }
            return Ok(());
        };
        // SAFETY: the items hold strong references; GIL held. `tail` is committed before
        // anything else writes to `out`.
        unsafe {
            let room = 2 * SHORT_SEPARATOR_MAX + SCALAR_ROOM + VALUE_ROOM;
            let leaf_lines = self.leaf_lines();
            let mut tail = Tail::of(self.out);
            let mut nest = NestProbe::default();
            for &Item { key, value, .. } in items {
                tail.reserve(self.out, room);
                let dst = tail.end();
                let mut at = item_separator.write_between(dst, first);
                let quoted_key = if ffi::Py_TYPE(key) == addr_of_mut!(ffi::PyUnicode_Type)
                    && ffi::PyUnicode_IS_COMPACT_ASCII(key) != 0
                {
                    escape::quote_plain_raw(string::ascii_bytes(key), dst.add(at))
                } else {
                    None
                };
                let Some(key_len) = quoted_key else {
                    tail.commit(self.out);
                    self.write_item(key, value, &mut first)?;
                    tail = Tail::of(self.out);
                    continue;
                };
                at += key_len;
                at += key_separator.write(dst.add(at));
                first = false;
                let written = write_scalar_raw(value, dst.add(at), tail.spare() - at).or_else(|| {
                    self.write_leaf_container_raw(value, dst.add(at), &mut nest, leaf_lines.as_ref())
                });
                if let Some(written) = written {
                    tail.advance(at + written);
                    continue;
                }
                tail.advance(at);
                tail.commit(self.out);
                self.encode_inline(value)?;
                tail = Tail::of(self.out);
            }
            tail.commit(self.out);
        }
        Ok(())
    }

    /// `"key": value`, preceded by the item separator unless it is the first written.
    #[inline]
    fn write_item(
        &mut self,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        first: &mut bool,
    ) -> PyResult<()> {
        let mark = self.out.len();
        if !*first {
            self.item_separator();
        }
        if !self.write_key(key)? {
            // skipkeys: drop the separator written for it.
            self.out.truncate(mark);
            return Ok(());
        }
        write_separator(self.out, &self.opts.key_separator);
        self.encode_inline(value)?;
        *first = false;
        Ok(())
    }

    /// json's Python encoder (used with `indent`, unsorted) iterates the live dict: a `default`
    /// that mutates it changes what follows, or raises RuntimeError, as a dict iterator does.
    unsafe fn write_dict_live(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        let used = |obj: *mut ffi::PyObject| (*(obj as *mut ffi::PyDictObject)).ma_used;
        let expected = used(obj);
        let mut remaining = expected;
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        let mut first = true;
        loop {
            if used(obj) != expected {
                return Err(PyRuntimeError::new_err(
                    "dictionary changed size during iteration",
                ));
            }
            if ffi::PyDict_Next(obj, &mut pos, &mut key, &mut value) == 0 {
                return Ok(());
            }
            if remaining == 0 {
                return Err(PyRuntimeError::new_err(
                    "dictionary keys changed during iteration",
                ));
            }
            remaining -= 1;
            let (key, value) = (
                Bound::from_borrowed_ptr(self.py, key),
                Bound::from_borrowed_ptr(self.py, value),
            );
            self.write_item(key.as_ptr(), value.as_ptr(), &mut first)?;
        }
    }

    /// Writes a key as json converts it; `Ok(false)` when `skipkeys` drops it.
    fn write_key(&mut self, key: *mut ffi::PyObject) -> PyResult<bool> {
        // SAFETY: `key` is kept alive by the item snapshot; GIL held.
        unsafe {
            let literal: &[u8] = match ob_type(key) {
                ObType::Str => {
                    string::write_str(
                        self.py,
                        self.out,
                        key,
                        self.opts.ensure_ascii,
                        &mut self.unencodable,
                    )?;
                    return Ok(true);
                }
                ObType::Float => {
                    self.out.push(b'"');
                    self.write_float(key)?;
                    self.out.push(b'"');
                    return Ok(true);
                }
                ObType::True => b"\"true\"",
                ObType::False => b"\"false\"",
                ObType::None => b"\"null\"",
                ObType::Int => {
                    self.out.push(b'"');
                    number::write_int(self.py, self.out, key)?;
                    self.out.push(b'"');
                    return Ok(true);
                }
                _ if self.opts.skipkeys => return Ok(false),
                _ => return Err(self.bad_key(key)),
            };
            self.out.extend_from_slice(literal);
            Ok(true)
        }
    }

    #[cold]
    fn bad_key(&self, key: *mut ffi::PyObject) -> PyErr {
        // SAFETY: `key` is alive; GIL held.
        let key = unsafe { Bound::from_borrowed_ptr(self.py, key) };
        // json's C encoder (compact) names `tp_name`; its Python encoder (indent) `__name__`.
        let name = if self.opts.indent.is_none() {
            type_name(&key, 100)
        } else {
            class_name(&key)
        };
        PyTypeError::new_err(format!("keys must be str, int, float, bool or None, not {name}"))
    }

    /// Anything else: `default(obj)` replaces it (marked against cycles first, as json does).
    #[cold]
    fn encode_default(&mut self, obj: *mut ffi::PyObject) -> PyResult<()> {
        // SAFETY: `obj` is alive; holding a reference keeps it so while `default` runs.
        let obj = unsafe { Bound::from_borrowed_ptr(self.py, obj) };
        self.enter_marker(obj.as_ptr())?;
        let Some(default) = &self.opts.default else {
            return Err(PyTypeError::new_err(format!(
                "Object of type {} is not JSON serializable",
                class_name(&obj)
            )));
        };
        let replacement = default.call1((&obj,))?;
        self.nested(replacement.as_ptr(), Self::encode)?;
        self.scratch.path.pop();
        Ok(())
    }
}

/// `key, value = pair`, with Python's errors.
#[cold]
fn unpack_pair<'py>(pair: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let iter = match pair.try_iter() {
        Ok(iter) => iter,
        // Python rewords only the TypeError of an object that is neither iterable nor a
        // sequence; an error raised by an `__iter__` goes out as it is.
        Err(err) => {
            // SAFETY: `pair` is alive; reading its type's slot and a C-API check.
            let plain = unsafe {
                (*ffi::Py_TYPE(pair.as_ptr())).tp_iter.is_none() && ffi::PySequence_Check(pair.as_ptr()) == 0
            };
            if !(plain && err.is_instance_of::<PyTypeError>(pair.py())) {
                return Err(err);
            }
            let name = type_name(pair, 200);
            return Err(PyTypeError::new_err(format!(
                "cannot unpack non-iterable {name} object"
            )));
        }
    };
    let mut values = Vec::with_capacity(2);
    for value in iter {
        values.push(value?);
        if values.len() > 2 {
            return Err(PyValueError::new_err("too many values to unpack (expected 2)"));
        }
    }
    let count = values.len();
    let mut values = values.into_iter();
    match (values.next(), values.next()) {
        (Some(key), Some(value)) => Ok((key, value)),
        _ => Err(PyValueError::new_err(format!(
            "not enough values to unpack (expected 2, got {count})"
        ))),
    }
}

/// The item array and length of an exact list (`is_list`) or tuple, read in place.
///
/// # Safety
/// `seq` must be a live list or tuple as `is_list` says, and the GIL held.
#[inline(always)]
unsafe fn sequence_items(seq: *mut ffi::PyObject, is_list: bool) -> (*mut *mut ffi::PyObject, usize) {
    if is_list {
        let list = seq as *mut ffi::PyListObject;
        ((*list).ob_item, ffi::PyList_GET_SIZE(seq) as usize)
    } else {
        let tuple = seq as *mut ffi::PyTupleObject;
        ((*tuple).ob_item.as_mut_ptr(), ffi::PyTuple_GET_SIZE(seq) as usize)
    }
}

/// Writes at `dst` a value that needs no Python call and no escaping and returns its length:
/// an exact compact-ASCII `str` that needs no escaping (written the same with or without
/// `ensure_ascii`) and fits `room`, an exact `int` that fits [`number::small_int`], a float
/// whose repr is positional, `None`, `True`, `False`. `None` for anything else (no byte
/// written is to be kept): the general path decides.
///
/// # Safety
/// `obj` must be alive, the GIL held, and `dst` must have room for `room` bytes, at least
/// [`SCALAR_ROOM`].
#[inline(always)]
unsafe fn write_scalar_raw(obj: *mut ffi::PyObject, dst: *mut u8, room: usize) -> Option<usize> {
    let tp = ffi::Py_TYPE(obj);
    if tp == addr_of_mut!(ffi::PyUnicode_Type) {
        if ffi::PyUnicode_IS_COMPACT_ASCII(obj) == 0 {
            return None;
        }
        let bytes = string::ascii_bytes(obj);
        if bytes.len() <= 32 {
            return escape::quote_plain_raw(bytes, dst);
        }
        // Longer: copied in blocks when the output already has room (it has, once warm).
        // Strings the general path writes with the GIL released stay there.
        if bytes.len() + escape::QUOTE_PLAIN_ROOM > room || bytes.len() >= gil::DETACH_AT_BYTES {
            return None;
        }
        return escape::quote_long_plain_raw(bytes, dst);
    }
    if tp == addr_of_mut!(ffi::PyDict_Type) {
        return None;
    }
    if tp == addr_of_mut!(ffi::PyLong_Type) {
        return number::small_int(obj).map(|value| int::write_i64_raw(dst, value));
    }
    if tp == addr_of_mut!(ffi::PyList_Type) {
        return None;
    }
    if tp == addr_of_mut!(ffi::PyFloat_Type) {
        return float_repr::write_positional_float_raw(dst, ffi::PyFloat_AS_DOUBLE(obj));
    }
    // The literal padded to a word: one store, the padding left in spare room.
    let (word, len) = if obj == ffi::Py_None() {
        (*b"null\0\0\0\0", 4)
    } else if obj == ffi::Py_True() {
        (*b"true\0\0\0\0", 4)
    } else if obj == ffi::Py_False() {
        (*b"false\0\0\0", 5)
    } else {
        return None;
    };
    std::ptr::write_unaligned(dst as *mut [u8; 8], word);
    Some(len)
}

/// Sorts items, a handful in line: two or three with compare-and-swap steps (most small
/// dicts; the library sort is an out-of-line call there), more with the library's sort.
#[inline(always)]
fn sort_few<T>(items: &mut [T], order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    let swap_if_greater = |items: &mut [T], i: usize, j: usize| {
        if let (Some(a), Some(b)) = (items.get(i), items.get(j)) {
            if order(a, b) == std::cmp::Ordering::Greater {
                items.swap(i, j);
            }
        }
    };
    match items.len() {
        0 | 1 => {}
        2 => swap_if_greater(items, 0, 1),
        3 => {
            swap_if_greater(items, 0, 1);
            swap_if_greater(items, 1, 2);
            swap_if_greater(items, 0, 1);
        }
        _ => items.sort_unstable_by(order),
    }
}

/// An exact compact-ASCII `str` short enough for [`escape::quote_plain_raw`].
///
/// # Safety
/// `obj` must be alive and the GIL held.
#[inline(always)]
unsafe fn is_short_ascii_str(obj: *mut ffi::PyObject) -> bool {
    ffi::Py_TYPE(obj) == addr_of_mut!(ffi::PyUnicode_Type)
        && ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0
        && ffi::PyUnicode_GET_LENGTH(obj) <= 32
}

/// A cheap first look at a leaf dict's value, so that a dict the fast path cannot write is
/// given up before it is sorted and written: a short ASCII `str`, an exact `int`, `float`,
/// `None`, `True`, `False`, or an empty exact container. Writing it still checks everything.
///
/// # Safety
/// `obj` must be alive and the GIL held.
#[inline(always)]
unsafe fn is_leaf_value(obj: *mut ffi::PyObject) -> bool {
    let tp = ffi::Py_TYPE(obj);
    if tp == addr_of_mut!(ffi::PyUnicode_Type) {
        return is_short_ascii_str(obj);
    }
    if tp == addr_of_mut!(ffi::PyLong_Type) || tp == addr_of_mut!(ffi::PyFloat_Type) {
        return true;
    }
    if tp == addr_of_mut!(ffi::PyList_Type) {
        return ffi::PyList_GET_SIZE(obj) == 0;
    }
    if tp == addr_of_mut!(ffi::PyDict_Type) {
        return (*(obj as *mut ffi::PyDictObject)).ma_used == 0;
    }
    if tp == addr_of_mut!(ffi::PyTuple_Type) {
        return ffi::PyTuple_GET_SIZE(obj) == 0;
    }
    obj == ffi::Py_None() || obj == ffi::Py_True() || obj == ffi::Py_False()
}

/// How the items of a leaf container are laid out: see [`Encoder::leaf_lines`].
#[derive(Clone, Copy)]
enum LeafLines {
    /// The item separator between items, nothing around them.
    Compact(ShortSeparator),
    /// With `indent`: the new line before the first item, the separator and new line before
    /// each other one, and the new line after the last.
    Indented {
        first: ShortSeparator,
        between: ShortSeparator,
        close: ShortSeparator,
    },
}

impl LeafLines {
    /// Writes `body` at `dst` (past the opening bracket at offset 0) laid out with these
    /// lines; returns the offset past the last item or the closing line. One loop per layout:
    /// compact, the separator's block stays in registers.
    ///
    /// # Safety
    /// As [`Encoder::write_leaf_container_raw`].
    #[inline(always)]
    unsafe fn write(&self, dst: *mut u8, mut body: impl LeafBody) -> Option<usize> {
        match self {
            LeafLines::Compact(separator) => body.write(|at, index| separator.write_between(at, index == 0)),
            LeafLines::Indented {
                first,
                between,
                close,
            } => {
                let at = body.write(|at, index| {
                    if index == 0 {
                        first.write(at)
                    } else {
                        between.write(at)
                    }
                })?;
                Some(at + close.write(dst.add(at)))
            }
        }
    }
}

/// The items of a leaf container, written from offset 1 of its output, each after what
/// `before(at, index)` writes at `at`; returns the offset past the last (`None`: an item
/// does not fit the fast path, nothing to keep).
trait LeafBody {
    /// # Safety
    /// As [`Encoder::write_leaf_container_raw`].
    unsafe fn write(&mut self, before: impl Fn(*mut u8, usize) -> usize) -> Option<usize>;
}

/// A flat list's or tuple's `len` items.
struct FlatItems {
    items: *mut *mut ffi::PyObject,
    len: usize,
    dst: *mut u8,
}

impl LeafBody for FlatItems {
    #[inline(always)]
    unsafe fn write(&mut self, before: impl Fn(*mut u8, usize) -> usize) -> Option<usize> {
        let dst = self.dst;
        let mut at = 1;
        for index in 0..self.len {
            at += before(dst.add(at), index);
            at += write_scalar_raw(*self.items.add(index), dst.add(at), SCALAR_ROOM)?;
        }
        Some(at)
    }
}

/// A leaf dict's entries, in output order.
struct LeafEntries<'e, 'x, 'a, 'py> {
    encoder: &'x Encoder<'a, 'py>,
    entries: &'e [LeafEntry<'e>],
    dst: *mut u8,
    nest: &'x mut NestProbe,
    key_separator: ShortSeparator,
}

impl LeafBody for LeafEntries<'_, '_, '_, '_> {
    #[inline(always)]
    unsafe fn write(&mut self, before: impl Fn(*mut u8, usize) -> usize) -> Option<usize> {
        let dst = self.dst;
        let mut at = 1;
        for (index, entry) in self.entries.iter().enumerate() {
            at += before(dst.add(at), index);
            at += escape::quote_plain_raw(entry.key, dst.add(at))?;
            at += self.key_separator.write(dst.add(at));
            at += write_scalar_raw(entry.value, dst.add(at), SCALAR_ROOM).or_else(|| {
                (self.encoder).write_leaf_sequence_raw(entry.value, dst.add(at), self.nest, None, 2)
            })?;
        }
        Some(at)
    }
}

/// What [`Encoder::can_nest`] found for the container being written, whose values all sit at
/// one depth: asked at most once per number of levels below it.
#[derive(Default)]
struct NestProbe {
    /// Levels below known to be allowed.
    allowed: usize,
    /// Levels below known not to be (0: none known).
    denied: usize,
}

impl NestProbe {
    #[inline(always)]
    fn allows(&mut self, encoder: &Encoder<'_, '_>, levels: usize) -> bool {
        if levels <= self.allowed {
            return true;
        }
        if self.denied != 0 && levels >= self.denied {
            return false;
        }
        if encoder.can_nest(levels) {
            self.allowed = levels;
            true
        } else {
            self.denied = levels;
            false
        }
    }
}

/// An item of a dict written by [`Encoder::write_leaf_dict_raw`]: its key's bytes (compact
/// ASCII) and sort prefix, its value.
#[derive(Clone, Copy)]
struct LeafEntry<'a> {
    prefix: u64,
    key: &'a [u8],
    value: *mut ffi::PyObject,
}

/// A new strong reference (released when the dict's items are drained).
#[inline(always)]
unsafe fn owned(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    ffi::Py_INCREF(obj);
    obj
}

/// The type's `tp_name` as C code formats it with `%.<max_bytes>s`: qualified for C types
/// (`decimal.Decimal`), the bare name for classes defined in Python.
fn type_name(obj: &Bound<'_, PyAny>, max_bytes: usize) -> String {
    // SAFETY: a live object's type has a NUL-terminated `tp_name`.
    let name = unsafe { std::ffi::CStr::from_ptr((*ffi::Py_TYPE(obj.as_ptr())).tp_name) };
    let bytes = name.to_bytes();
    String::from_utf8_lossy(bytes.get(..max_bytes).unwrap_or(bytes)).into_owned()
}

/// `obj.__class__.__name__`, as json's messages use it.
fn class_name(obj: &Bound<'_, PyAny>) -> String {
    obj.getattr(pyo3::intern!(obj.py(), "__class__"))
        .and_then(|cls| cls.getattr(pyo3::intern!(obj.py(), "__name__")))
        .map(|name| name.to_string())
        .unwrap_or_else(|_| obj.get_type().to_string())
}
