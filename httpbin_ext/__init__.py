"""httpbin-ext: Rust acceleration for Flask and httpbin — byte-identical output, much faster."""

from httpbin_ext import _native
from httpbin_ext._native import dumps, loads, reset_log_cache
from httpbin_ext.provider import RustJSONProvider, jsonify

__version__: str = _native.__version__

__all__ = ["RustJSONProvider", "__version__", "dumps", "jsonify", "loads", "reset_log_cache"]
