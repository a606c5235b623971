"""Ready WSGI apps for gunicorn: ``httpbin_ext.wsgi:app`` and ``httpbin_ext.wsgi:replaced``.

- ``app``: httpbin with the originals and the accelerated views side by side
  (``/get`` and ``/fast/get``), for comparing both in one server.
- ``replaced``: httpbin with its views swapped for the accelerated ones.

Environment:
- ``HTTPBIN_EXT_PREFIX``: the side-by-side prefix (default ``/fast``).
- ``HTTPBIN_EXT_MODE``: the mode of ``app`` (``side-by-side``, the default, or ``replace``).
"""

from __future__ import annotations

import os

from httpbin_ext.extension import HttpbinExt, fresh_httpbin_app

PREFIX = os.environ.get("HTTPBIN_EXT_PREFIX", "/fast")
MODE = os.environ.get("HTTPBIN_EXT_MODE", "side-by-side")

app = fresh_httpbin_app()
HttpbinExt(app, mode=MODE, prefix=PREFIX)

replaced = fresh_httpbin_app()
HttpbinExt(replaced, mode="replace")

__all__ = ["app", "replaced"]
