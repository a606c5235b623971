"""httpbin-ext: Rust acceleration for Flask and httpbin — byte-identical output, much faster."""

from httpbin_ext import _native
from httpbin_ext._native import dumps, loads, reset_log_cache
from httpbin_ext.provider import RustJSONProvider, jsonify

__version__: str = _native.__version__

__all__ = [
    "HttpbinExt",
    "RustJSONProvider",
    "__version__",
    "dumps",
    "get_dict",
    "jsonify",
    "loads",
    "reset_log_cache",
]


def __getattr__(name: str) -> object:
    # httpbin is an optional dependency: import its accelerated views only when asked for.
    if name == "HttpbinExt":
        from httpbin_ext.extension import HttpbinExt

        return HttpbinExt
    if name == "get_dict":
        from httpbin_ext.views import get_dict

        return get_dict
    raise AttributeError(f"module 'httpbin_ext' has no attribute {name!r}")
