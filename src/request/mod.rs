//! The request reader: httpbin's `get_dict`, computed from a Werkzeug request and its WSGI
//! environ, and rendered straight to the response body.
//!
//! Pure-Rust pieces (tested with `cargo test`): `url` (Werkzeug's IRI), `query` (`parse_qsl`),
//! `headers` (environ keys → header names), `base64` (`json_safe`). This file is the pyo3
//! layer: it reads the request, follows httpbin's evaluation order (body, JSON, URL, query,
//! origin, headers, files, method) so that a bad request raises what httpbin raises, and asks
//! Werkzeug itself (`httpbin_ext.views`) whenever an input is outside what the Rust code
//! reproduces with certainty.

pub mod base64;
pub mod headers;
pub mod query;
pub mod url;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::exceptions::{PyAssertionError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::encode::{dumps_bytes, DumpsArgs};
use crate::gil;
use headers::{classify, title_case, HeaderKey, ENV_HEADERS};

/// The keys `get_dict` accepts, in the order httpbin evaluates them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Url,
    Args,
    Form,
    Data,
    Origin,
    Headers,
    Files,
    Json,
    Method,
}

impl Key {
    fn parse(name: &str) -> Option<Key> {
        Some(match name {
            "url" => Key::Url,
            "args" => Key::Args,
            "form" => Key::Form,
            "data" => Key::Data,
            "origin" => Key::Origin,
            "headers" => Key::Headers,
            "files" => Key::Files,
            "json" => Key::Json,
            "method" => Key::Method,
            _ => return None,
        })
    }
}

/// `(form, data, files)` as the Python side read them (Werkzeug parses forms), or nothing for
/// a request that has no body.
struct Body<'py> {
    form: Option<Bound<'py, PyAny>>,
    data: Option<Bound<'py, PyBytes>>,
    files: Option<Bound<'py, PyAny>>,
}

impl<'py> Body<'py> {
    const EMPTY: Body<'static> = Body {
        form: None,
        data: None,
        files: None,
    };

    /// The body as httpbin's `get_dict` reads it. A request with no Content-Type (so no form
    /// parsing), no Content-Length (or "0"), not chunked, and nothing read yet has no body:
    /// Werkzeug would return `b""` and empty forms, and nothing can raise. Otherwise
    /// `read_body(request)` lets Werkzeug read and parse it, with its limits and caches.
    fn read(
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        environ: &Bound<'py, PyDict>,
        cache: &Bound<'py, PyDict>,
        read_body: &Bound<'py, PyAny>,
    ) -> PyResult<Self> {
        let no_content_type = match environ.get_item(intern!(py, "CONTENT_TYPE"))? {
            None => true,
            Some(value) => !value.is_truthy()?,
        };
        let no_length = match environ.get_item(intern!(py, "CONTENT_LENGTH"))? {
            None => true,
            Some(value) => value
                .cast_exact::<PyString>()
                .is_ok_and(|v| v.to_str().is_ok_and(|v| v == "0")),
        };
        let unread = no_content_type
            && no_length
            && environ.contains(intern!(py, "wsgi.input"))?
            && !environ.contains(intern!(py, "HTTP_TRANSFER_ENCODING"))?
            && !cache.contains(intern!(py, "_cached_data"))?
            && !cache.contains(intern!(py, "form"))?
            && cache
                .get_item(intern!(py, "shallow"))?
                .is_some_and(|s| s.is(PyBool::new(py, false)));
        if unread {
            if !environ.contains(intern!(py, "wsgi.input_terminated"))? {
                return Ok(Body::EMPTY);
            }
            // The server ends the stream itself (and may send a body without a length, as
            // HTTP/2 does): read it through Werkzeug's `request.stream` (same limits, same
            // errors). Empty — the usual case — leaves Werkzeug's state as reading it would;
            // otherwise the bytes become its cached data, and `read_body` carries on from there.
            let data = request
                .getattr(intern!(py, "stream"))?
                .call_method0(intern!(py, "read"))?;
            if data.cast::<PyBytes>().is_ok_and(|d| d.as_bytes().is_empty()) {
                return Ok(Body::EMPTY);
            }
            cache.set_item(intern!(py, "_cached_data"), data)?;
        }
        let body = read_body.call1((request,))?;
        let (form, data, files): (Bound<'py, PyAny>, Bound<'py, PyBytes>, Bound<'py, PyAny>) =
            body.extract()?;
        Ok(Body {
            form: Some(form),
            data: Some(data),
            files: Some(files),
        })
    }
}

/// Python helpers in `httpbin_ext.views`: Werkzeug's own answers for the rare inputs.
fn views_helper<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(intern!(py, "httpbin_ext.views"))?.getattr(name)
}

/// `json.loads(data.decode("utf-8"))`, `None` on `ValueError`/`TypeError`; other errors
/// (`RecursionError`) propagate as they do from httpbin.
fn body_json(py: Python<'_>, data: &Bound<'_, PyBytes>) -> PyResult<Py<PyAny>> {
    let bytes = data.as_bytes();
    // On bytes, json.loads would strip a BOM and guess UTF-16/32 from NULs; on the decoded str
    // httpbin passes, those are errors. NUL is never valid JSON outside a string, nor raw
    // inside one, so those bodies are `None` either way.
    let decodes_as_httpbin = !bytes.is_empty()
        && !bytes.starts_with(b"\xef\xbb\xbf")
        && !bytes.contains(&0)
        && std::str::from_utf8(bytes).is_ok();
    if !decodes_as_httpbin {
        return Ok(py.None());
    }
    match crate::decode::loads(py, data.as_any()) {
        Ok(value) => Ok(value),
        Err(e) if e.is_instance_of::<PyValueError>(py) || e.is_instance_of::<PyTypeError>(py) => {
            Ok(py.None())
        }
        Err(e) => Err(e),
    }
}

/// Whether a body that httpbin parses but does not show could make `json.loads` raise
/// `RecursionError`: only deeply nested documents can.
fn could_recurse_deeply(data: &[u8]) -> bool {
    data.iter().filter(|&&b| b == b'[' || b == b'{').count() >= 64
}

/// httpbin's `json_safe`: the UTF-8 text, or a base64 `data:` URL for other bytes.
fn json_safe<'py>(
    py: Python<'py>,
    data: &[u8],
    content_type: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    // `data` is borrowed from a `bytes` object the caller holds: immutable and alive.
    if let Ok(text) = gil::detach_if_large(py, data.len(), || std::str::from_utf8(data)) {
        return Ok(PyString::new(py, text));
    }
    let content_type = content_type.cast::<PyString>()?.to_str()?;
    let mut out = Vec::with_capacity(data.len() / 3 * 4 + content_type.len() + 20);
    out.extend_from_slice(b"data:");
    out.extend_from_slice(content_type.as_bytes());
    out.extend_from_slice(b";base64,");
    gil::detach_if_large(py, data.len(), || base64::encode_into(&mut out, data));
    // ASCII plus the content type's own UTF-8.
    Ok(PyString::new(py, std::str::from_utf8(&out).unwrap_or_default()))
}

/// `json_safe(data, content_type)` for Python (files).
#[pyfunction(name = "json_safe")]
#[pyo3(signature = (data, content_type=None))]
fn py_json_safe<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyBytes>,
    content_type: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyString>> {
    let default = PyString::new(py, "application/octet-stream");
    json_safe(py, data.as_bytes(), content_type.unwrap_or(default.as_any()))
}

/// `semiflatten(multi)`: a MultiDict as a dict, one value as itself, several as a list.
/// An empty one stays as it is (httpbin returns it unchanged; it serializes as `{}`).
fn semiflatten<'py>(py: Python<'py>, multi: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if !multi.is_truthy()? {
        return Ok(multi.clone());
    }
    // Werkzeug's MultiDict is a dict of key → list of values; anything else: ask it.
    let lists = match multi.cast::<PyDict>() {
        Ok(d) if d.iter().all(|(_, v)| v.is_exact_instance_of::<PyList>()) => d.clone(),
        _ => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("flat", false)?;
            multi
                .call_method("to_dict", (), Some(&kwargs))?
                .cast_into::<PyDict>()?
        }
    };
    let out = PyDict::new(py);
    for (key, values) in lists.iter() {
        let values = values.cast_into::<PyList>()?;
        if values.len() == 1 {
            out.set_item(key, values.get_item(0)?)?;
        } else {
            out.set_item(key, PyList::new(py, values.iter())?)?;
        }
    }
    Ok(out.into_any())
}

/// `semiflatten` of `parse_qsl` pairs (the MultiDict Werkzeug would build).
fn pairs_to_dict<'py>(
    py: Python<'py>,
    pairs: &[(Cow<'_, str>, Cow<'_, str>)],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, value) in pairs {
        let name = PyString::new(py, name);
        let value = PyString::new(py, value);
        // Values are str: a list means the name was seen twice already.
        match out.get_item(&name)? {
            None => out.set_item(name, value)?,
            Some(seen) => match seen.cast_into::<PyList>() {
                Ok(list) => list.append(value)?,
                Err(first) => out.set_item(name, PyList::new(py, [first.into_inner(), value.into_any()])?)?,
            },
        }
    }
    Ok(out)
}

/// `request.args`, semiflattened. Werkzeug's cached MultiDict is reused when it exists; a
/// query string that is not UTF-8 goes to Werkzeug, which raises `UnicodeDecodeError`.
fn args<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    cache: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(parsed) = cache.get_item(intern!(py, "args"))? {
        return semiflatten(py, &parsed);
    }
    let query = request.getattr(intern!(py, "query_string"))?;
    match query
        .cast::<PyBytes>()
        .ok()
        .map(|q| std::str::from_utf8(q.as_bytes()))
    {
        Some(Ok(text)) => {
            let pairs = query::parse_qsl(text);
            if pairs.is_empty() {
                // httpbin's semiflatten returns an empty MultiDict as it is.
                return empty_multidict(py, request);
            }
            Ok(pairs_to_dict(py, &pairs)?.into_any())
        }
        _ => semiflatten(py, &request.getattr(intern!(py, "args"))?),
    }
}

/// An empty `request.parameter_storage_class()`: what httpbin reports for an empty query or
/// form (it serializes as `{}`, and has the type Werkzeug gives).
fn empty_multidict<'py>(py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    request.getattr(intern!(py, "parameter_storage_class"))?.call0()
}

fn has_key(obj: &Bound<'_, PyAny>, key: &Bound<'_, PyString>) -> PyResult<bool> {
    match obj.cast::<PyDict>() {
        Ok(d) => d.contains(key),
        Err(_) => obj.contains(key),
    }
}

/// `request.url` rewritten for `X-Forwarded-Proto`/`-Protocol`/`-Ssl`, as httpbin's `get_url`.
fn url<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    environ: &Bound<'py, PyDict>,
    cache: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let fallback = || views_helper(py, "request_url")?.call1((request,));
    // protocol = headers.get(Proto) or headers.get(Protocol); then X-Forwarded-Ssl == "on".
    let mut protocol = environ.get_item(intern!(py, "HTTP_X_FORWARDED_PROTO"))?;
    if !protocol.as_ref().map_or(Ok(false), |p| p.is_truthy())? {
        protocol = environ.get_item(intern!(py, "HTTP_X_FORWARDED_PROTOCOL"))?;
    }
    if protocol.is_none() {
        if let Some(ssl) = environ.get_item(intern!(py, "HTTP_X_FORWARDED_SSL"))? {
            if ssl
                .cast::<PyString>()
                .is_ok_and(|s| s.to_str().is_ok_and(|s| s == "on"))
            {
                protocol = Some(PyString::new(py, "https").into_any());
            } else if !ssl.is_exact_instance_of::<PyString>() {
                return fallback();
            }
        }
    }
    let protocol = match &protocol {
        None => None,
        Some(p) => match p.cast_exact::<PyString>().ok().and_then(|s| s.to_str().ok()) {
            Some(text) => Some(text),
            None => return fallback(),
        },
    };
    let base = if let Some(cached) = cache.get_item(intern!(py, "url"))? {
        // Werkzeug's own value, whatever its shape: used as it is, but only URLs built here
        // are known to survive httpbin's urlparse/urlunparse unchanged.
        if protocol.is_some() {
            return fallback();
        }
        return Ok(cached);
    } else {
        match simple_url(py, request, environ)? {
            Some(text) => text,
            None => return fallback(),
        }
    };
    let url = match protocol {
        None => base,
        Some(protocol) => match url::with_protocol(&base, protocol) {
            Some(url) => url,
            None => return fallback(),
        },
    };
    Ok(PyString::new(py, &url).into_any())
}

/// `request.url` when every part is a plain `str`/`bytes` and the host is a simple one.
fn simple_url(
    py: Python<'_>,
    request: &Bound<'_, PyAny>,
    environ: &Bound<'_, PyDict>,
) -> PyResult<Option<String>> {
    let trusted = request.getattr(intern!(py, "trusted_hosts"))?;
    if !trusted.is_none() {
        return Ok(None);
    }
    let Some(host) = environ.get_item(intern!(py, "HTTP_HOST"))? else {
        return Ok(None);
    };
    let scheme = request.getattr(intern!(py, "scheme"))?;
    let root_path = request.getattr(intern!(py, "root_path"))?;
    let path = request.getattr(intern!(py, "path"))?;
    let query = request.getattr(intern!(py, "query_string"))?;
    let text = |obj: &Bound<'_, PyAny>| -> Option<String> {
        obj.cast_exact::<PyString>()
            .ok()?
            .to_str()
            .ok()
            .map(str::to_owned)
    };
    let (Some(host), Some(scheme), Some(root_path), Some(path), Ok(query)) = (
        text(&host),
        text(&scheme),
        text(&root_path),
        text(&path),
        query.cast_exact::<PyBytes>(),
    ) else {
        return Ok(None);
    };
    Ok(url::current_url(
        &scheme,
        &host,
        &root_path,
        &path,
        query.as_bytes(),
    ))
}

/// Header names by environ key (`HTTP_USER_AGENT` → `User-Agent`), with `None` for the
/// names httpbin hides without `show_env`. The same few keys arrive with every request: the
/// cached names are created (and hashed) once.
struct HeaderNames {
    names: HashMap<Box<str>, (Py<PyString>, bool)>,
}

/// Distinct names kept; beyond that, names are built per request.
const HEADER_NAMES_MAX: usize = 512;

/// Process-wide, only ever `try_lock`ed (the GIL serialises callers; a busy lock means
/// re-entrancy, and the name is simply built without the cache).
static HEADER_NAMES: Mutex<Option<HeaderNames>> = Mutex::new(None);

/// The header name for `HTTP_<name>` and whether httpbin hides it without `show_env`.
fn header_name<'py>(py: Python<'py>, name: &str) -> PyResult<(Bound<'py, PyString>, bool)> {
    let mut guard = HEADER_NAMES.try_lock().ok();
    if let Some(Some(cache)) = guard.as_deref() {
        if let Some((cached, hidden)) = cache.names.get(name) {
            return Ok((cached.bind(py).clone(), *hidden));
        }
    }
    let titled = match title_case(name) {
        Some(titled) => PyString::new(py, &titled),
        // Python's str.title has Unicode case rules: let it decide.
        None => PyString::new(py, &name.replace('_', "-"))
            .call_method0(intern!(py, "title"))?
            .cast_into::<PyString>()?,
    };
    let hidden = titled.to_str().is_ok_and(|t| ENV_HEADERS.contains(&t));
    if let Some(slot) = guard.as_deref_mut() {
        let cache = slot.get_or_insert_with(|| HeaderNames {
            names: HashMap::new(),
        });
        if cache.names.len() < HEADER_NAMES_MAX {
            // Hash once now; every later dict insert reuses CPython's cached hash.
            titled.hash()?;
            cache.names.insert(name.into(), (titled.clone().unbind(), hidden));
        }
    }
    Ok((titled, hidden))
}

/// `dict(request.headers.items())` minus httpbin's ENV_HEADERS unless `show_env`.
fn headers<'py>(
    py: Python<'py>,
    environ: &Bound<'py, PyDict>,
    show_env: bool,
    out: Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    for (key, value) in environ.iter() {
        let Some(key) = key.cast_exact::<PyString>().ok().and_then(|k| k.to_str().ok()) else {
            // A key that is not a plain str: Werkzeug's own iteration decides (and raises).
            let by_werkzeug = headers_by_werkzeug(py, environ, show_env)?;
            out.clear();
            out.update(by_werkzeug.as_mapping())?;
            return Ok(out);
        };
        match classify(key) {
            Some(HeaderKey::ContentType) if value.is_truthy()? => {
                out.set_item(intern!(py, "Content-Type"), value)?;
            }
            Some(HeaderKey::ContentLength) if value.is_truthy()? => {
                out.set_item(intern!(py, "Content-Length"), value)?;
            }
            Some(HeaderKey::Http(name)) => {
                let (titled, hidden) = header_name(py, name)?;
                // Skipping a hidden name here equals httpbin's `del headers[name]` afterwards.
                if show_env || !hidden {
                    out.set_item(titled, value)?;
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cold]
fn headers_by_werkzeug<'py>(
    py: Python<'py>,
    environ: &Bound<'py, PyDict>,
    show_env: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let out = views_helper(py, "request_headers")?
        .call1((environ,))?
        .cast_into::<PyDict>()?;
    if !show_env {
        for name in ENV_HEADERS {
            if out.contains(name)? {
                out.del_item(name)?;
            }
        }
    }
    Ok(out)
}

/// Computes httpbin's `get_dict(*keys)` into `out`, evaluating every part in httpbin's order
/// so that the same inputs raise the same exceptions; parts not asked for are skipped when
/// computing them cannot raise.
fn fill<'py>(
    py: Python<'py>,
    out: &Bound<'py, PyDict>,
    request: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyTuple>,
    read_body: &Bound<'py, PyAny>,
    headers_class: Option<&Bound<'py, PyAny>>,
) -> PyResult<()> {
    let mut wanted = Vec::with_capacity(keys.len());
    for key in keys.iter() {
        // httpbin: `assert all(map(_keys.__contains__, keys))`.
        let parsed = key
            .cast::<PyString>()
            .ok()
            .and_then(|name| Key::parse(name.to_str().ok()?));
        let Some(parsed) = parsed else {
            return Err(PyAssertionError::new_err(()));
        };
        wanted.push((key, parsed));
    }
    let wants = |k: Key| wanted.iter().any(|(_, w)| *w == k);

    let environ_obj = request.getattr(intern!(py, "environ"))?;
    let environ = environ_obj.cast::<PyDict>()?;
    let cache_obj = request.getattr(intern!(py, "__dict__"))?;
    let cache = cache_obj.cast::<PyDict>()?;

    let body = Body::read(py, request, environ, cache, read_body)?;
    let mut values: Vec<(Key, Bound<'py, PyAny>)> = Vec::with_capacity(9);
    // form, data, json: the body as Werkzeug read it (and parsed any form).
    let empty_bytes = PyBytes::new(py, b"");
    let data = body.data.unwrap_or(empty_bytes);
    if wants(Key::Form) {
        let form = match &body.form {
            Some(form) => semiflatten(py, form)?,
            None => empty_multidict(py, request)?,
        };
        values.push((Key::Form, form));
    }
    if wants(Key::Json) || could_recurse_deeply(data.as_bytes()) {
        let json = body_json(py, &data)?;
        values.push((Key::Json, json.into_bound(py)));
    }
    let url = url(py, request, environ, cache)?;
    values.push((Key::Url, url));
    let args = args(py, request, cache)?;
    let show_env = has_key(&args, intern!(py, "show_env"))?;
    values.push((Key::Args, args));
    if wants(Key::Data) {
        values.push((
            Key::Data,
            json_safe(
                py,
                data.as_bytes(),
                PyString::new(py, "application/octet-stream").as_any(),
            )?
            .into_any(),
        ));
    }
    if wants(Key::Origin) {
        let origin = match environ.get_item(intern!(py, "HTTP_X_FORWARDED_FOR"))? {
            Some(forwarded) => forwarded,
            None => request.getattr(intern!(py, "remote_addr"))?,
        };
        values.push((Key::Origin, origin));
    }
    // httpbin's CaseInsensitiveDict(headers.items()) is a plain dict copy: fill an empty
    // instance directly (the caller passes only dict subclasses with dict's own
    // __new__/__init__).
    let target = match headers_class {
        Some(cls) => cls.call0()?.cast_into::<PyDict>()?,
        None => PyDict::new(py),
    };
    let headers = headers(py, environ, show_env, target)?.into_any();
    values.push((Key::Headers, headers));
    if wants(Key::Files) {
        let files = body.files.unwrap_or_else(|| PyDict::new(py).into_any());
        values.push((Key::Files, files));
    }
    if wants(Key::Method) {
        values.push((Key::Method, request.getattr(intern!(py, "method"))?));
    }

    for (name, key) in &wanted {
        let value = values.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        out.set_item(name, value.map_or_else(|| py.None().into_bound(py), Clone::clone))?;
    }
    Ok(())
}

/// httpbin's `get_dict(*keys)` for a Werkzeug request. `headers_class`: a dict subclass
/// with dict's own `__new__`/`__init__` (httpbin's `CaseInsensitiveDict`) for the headers.
#[pyfunction]
#[pyo3(signature = (request, keys, read_body, headers_class=None))]
fn request_dict<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyTuple>,
    read_body: &Bound<'py, PyAny>,
    headers_class: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    fill(py, &out, request, keys, read_body, headers_class)?;
    Ok(out)
}

/// The response body `jsonify(get_dict(*keys, **extras))` sends, in one call: the dict is
/// built and encoded with the provider's settings (`indent`, `sort_keys`, `ensure_ascii`,
/// `default`) plus the trailing newline.
#[pyfunction]
#[pyo3(signature = (request, keys, read_body, extras, indent, separators, sort_keys, ensure_ascii, default))]
#[allow(clippy::too_many_arguments)]
fn render_request<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyTuple>,
    read_body: &Bound<'py, PyAny>,
    extras: Option<&Bound<'py, PyDict>>,
    indent: Option<&Bound<'py, PyAny>>,
    separators: Option<&Bound<'py, PyAny>>,
    sort_keys: bool,
    ensure_ascii: bool,
    default: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = PyDict::new(py);
    fill(py, &out, request, keys, read_body, None)?;
    if let Some(extras) = extras {
        out.update(extras.as_mapping())?;
    }
    let args = DumpsArgs {
        indent,
        sort_keys,
        ensure_ascii,
        separators,
        default,
        allow_nan: true,
        skipkeys: false,
    };
    dumps_bytes(py, out.as_any(), args, true)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(request_dict, m)?)?;
    m.add_function(wrap_pyfunction!(render_request, m)?)?;
    m.add_function(wrap_pyfunction!(py_json_safe, m)?)?;
    Ok(())
}
