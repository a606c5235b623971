//! Argument parsing for `METH_FASTCALL | METH_KEYWORDS` functions shaped like
//! `json.dumps(obj, *, flag=..., ...)`, whose every hot call passes keywords.
//!
//! pyo3's generic parser reads each keyword name as UTF-8 and compares it with every
//! parameter name: ~130 instructions per keyword, a tenth of a small `dumps`. CPython interns
//! the keyword names written in source, so comparing pointers with our own interned copies
//! matches them in a few instructions; anything else (names built at run time) is compared
//! by value, as CPython does.

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

/// One positional-or-keyword parameter followed by `N` keyword-only ones, all optional but
/// the first.
pub struct Signature<const N: usize> {
    function: &'static str,
    positional: &'static str,
    keywords: [&'static str; N],
    interned: PyOnceLock<[Py<PyString>; N]>,
}

/// The arguments of one call, borrowed from the caller's argument array.
pub struct Arguments<'a, 'py, const N: usize> {
    pub positional: Borrowed<'a, 'py, PyAny>,
    /// In declaration order; `None` when not passed.
    pub keywords: [Option<Borrowed<'a, 'py, PyAny>>; N],
}

/// Where a keyword name binds.
enum Slot {
    Positional,
    Keyword(usize),
}

impl<const N: usize> Signature<N> {
    pub const fn new(function: &'static str, positional: &'static str, keywords: [&'static str; N]) -> Self {
        Signature {
            function,
            positional,
            keywords,
            interned: PyOnceLock::new(),
        }
    }

    /// Binds a vectorcall's arguments, raising the `TypeError`s CPython raises for a Python
    /// function with this signature.
    ///
    /// # Safety
    /// `args`, `nargsf` and `kwnames` are what CPython passed to a `METH_FASTCALL |
    /// METH_KEYWORDS` function: `nargs` positional values followed by one value per name in
    /// the `kwnames` tuple (or NULL), all alive for `'a`.
    pub unsafe fn parse<'a, 'py>(
        &self,
        py: Python<'py>,
        args: *const *mut ffi::PyObject,
        nargsf: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> PyResult<Arguments<'a, 'py, N>> {
        // SAFETY: the caller's contract: the array holds `nargs + len(kwnames)` live objects.
        unsafe {
            let nargs = ffi::PyVectorcall_NARGS(nargsf as usize);
            let mut positional = (nargs > 0).then(|| Borrowed::from_ptr(py, *args));
            let mut keywords = [None; N];
            let mut keyword_count = 0;
            if !kwnames.is_null() {
                let values = args.add(nargs.max(0) as usize);
                for i in 0..ffi::PyTuple_GET_SIZE(kwnames) {
                    let name = ffi::PyTuple_GET_ITEM(kwnames, i);
                    let value = Borrowed::from_ptr(py, *values.offset(i));
                    match self.slot(py, name)? {
                        Slot::Keyword(k) => match &mut keywords[k] {
                            Some(_) => return Err(self.repeated(self.keywords[k])),
                            empty => {
                                *empty = Some(value);
                                keyword_count += 1;
                            }
                        },
                        Slot::Positional if positional.is_some() => {
                            return Err(self.repeated(self.positional))
                        }
                        Slot::Positional => positional = Some(value),
                    }
                }
            }
            if nargs > 1 {
                return Err(self.too_many_positional(nargs, keyword_count));
            }
            match positional {
                Some(positional) => Ok(Arguments { positional, keywords }),
                None => Err(PyTypeError::new_err(format!(
                    "{}() missing 1 required positional argument: '{}'",
                    self.function, self.positional
                ))),
            }
        }
    }

    #[inline]
    fn slot(&self, py: Python<'_>, name: *mut ffi::PyObject) -> PyResult<Slot> {
        let interned = self.interned.get_or_init(py, || {
            self.keywords
                .map(|keyword| PyString::intern(py, keyword).unbind())
        });
        match interned.iter().position(|known| known.as_ptr() == name) {
            Some(k) => Ok(Slot::Keyword(k)),
            None => self.slot_by_value(py, name),
        }
    }

    /// Names that are not our interned objects: built at run time, or not even a `str`.
    #[cold]
    fn slot_by_value(&self, py: Python<'_>, name: *mut ffi::PyObject) -> PyResult<Slot> {
        // SAFETY: `name` is a live entry of the caller's kwnames tuple.
        let name = unsafe { Borrowed::from_ptr(py, name) };
        let Ok(name) = name.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "{}() keywords must be strings",
                self.function
            )));
        };
        let text = name.to_string_lossy();
        if text == self.positional {
            return Ok(Slot::Positional);
        }
        match self.keywords.iter().position(|keyword| *keyword == text) {
            Some(k) => Ok(Slot::Keyword(k)),
            // Formatted by Python: the name may hold lone surrogates, kept as given.
            None => Err(
                match PyString::new(py, "{}() got an unexpected keyword argument '{}'")
                    .call_method1("format", (self.function, name))
                {
                    Ok(message) => PyTypeError::new_err(message.unbind()),
                    Err(err) => err,
                },
            ),
        }
    }

    #[cold]
    fn repeated(&self, parameter: &str) -> PyErr {
        PyTypeError::new_err(format!(
            "{}() got multiple values for argument '{parameter}'",
            self.function
        ))
    }

    /// CPython's wording, keyword-only arguments included.
    #[cold]
    fn too_many_positional(&self, given: ffi::Py_ssize_t, keyword_only: usize) -> PyErr {
        let given = match keyword_only {
            0 => format!("{given}"),
            n => format!(
                "{given} positional arguments (and {n} keyword-only argument{})",
                if n == 1 { "" } else { "s" }
            ),
        };
        PyTypeError::new_err(format!(
            "{}() takes 1 positional argument but {given} were given",
            self.function
        ))
    }
}

/// A flag read the way `json` reads it: by truthiness (`sort_keys=1` works), booleans
/// without a call.
#[inline]
pub fn truthy(value: Borrowed<'_, '_, PyAny>) -> PyResult<bool> {
    // SAFETY: comparing with the two singletons' addresses; no dereference.
    unsafe {
        if value.as_ptr() == ffi::Py_True() {
            return Ok(true);
        }
        if value.as_ptr() == ffi::Py_False() {
            return Ok(false);
        }
    }
    value.is_truthy()
}
