"""httpbin-ext: Rust acceleration for Flask and httpbin — byte-identical output, much faster."""

from httpbin_ext import _native
from httpbin_ext._native import reset_log_cache

__version__ = _native.__version__

__all__ = ["reset_log_cache", "__version__"]
