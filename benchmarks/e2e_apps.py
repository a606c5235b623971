"""WSGI apps served by the end-to-end benchmark (``benchmarks/e2e.py``), one per server process.

``gunicorn benchmarks.e2e_apps:fast`` / ``granian --interface wsgi benchmarks.e2e_apps:fast``.
Each app is built on first access (module ``__getattr__``), so a server process only builds the
one it serves:

- ``bare``: a plain WSGI callable answering every request with the same prebuilt bytes
  (httpbin's ``/get`` body for ``wrk/get.lua``, with httpbin's headers), no framework at all:
  the ceiling of the server + network stack on this machine.
- ``flask_const``: a minimal Flask app whose one catch-all route (GET/POST/..., any path)
  returns those same constant bytes and headers: the floor of Flask's own per-request
  cost (request/response objects, routing) with no view work.
- ``stock``: httpbin 0.10.4 as shipped (``fresh_httpbin_app()``).
- ``orjson``: httpbin with ``app.json = flask_orjson.OrjsonProvider(app)`` (a speed reference;
  its output differs from httpbin's: raw UTF-8, key order, no trailing newline).
- ``fast``: httpbin with ``HttpbinExt(app, mode="replace")``: the accelerated views at the
  original URLs, byte-identical output.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

__all__ = ["APP_NAMES", "CONST_BODY", "CORS_HEADERS", "build", "get_body_template"]

APP_NAMES = ("bare", "flask_const", "stock", "orjson", "fast")


def get_body_template() -> dict[str, Any]:
    """What httpbin's ``/get`` answers to ``wrk/get.lua`` (browser headers, ``?foo=bar&baz=1``)
    when served on ``127.0.0.1:8000``; the constant apps send this, serialised as httpbin does."""
    ua = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36"
    )
    return {
        "args": {"baz": "1", "foo": "bar"},
        "headers": {
            "Accept": (
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                "*/*;q=0.8"
            ),
            "Accept-Encoding": "gzip, deflate, br, zstd",
            "Accept-Language": "en-US,en;q=0.9,de;q=0.8",
            "Connection": "keep-alive",
            "Host": "127.0.0.1:8000",
            "User-Agent": ua,
        },
        "origin": "127.0.0.1",
        "url": "http://127.0.0.1:8000/get?foo=bar&baz=1",
    }


# httpbin's /get body as it sends it (indent=2, sorted keys, ASCII, trailing newline): 537 B.
CONST_BODY = (json.dumps(get_body_template(), indent=2, sort_keys=True) + "\n").encode()
# httpbin adds these to every response (an after_request hook); the constant apps send them as
# fixed headers, so that their responses have the size of httpbin's.
CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Credentials", "true"),
]


def _bare() -> Callable:
    body = CONST_BODY
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        *CORS_HEADERS,
    ]

    def app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        start_response("200 OK", headers)
        return [body]

    return app


def _flask_const() -> Any:
    from flask import Flask, Response

    app = Flask("e2e_flask_const")
    body = CONST_BODY
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.route("/", defaults={"path": ""}, methods=methods)
    @app.route("/<path:path>", methods=methods)
    def constant(path: str) -> Response:
        return Response(body, mimetype="application/json", headers=CORS_HEADERS)

    return app


def quiet_fresh_app() -> Any:
    # httpbin logs a warning each time core.py runs without flasgger; keep server logs readable.
    from httpbin_ext.extension import fresh_httpbin_app

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        return fresh_httpbin_app()
    finally:
        logging.disable(previous)


def _stock() -> Any:
    return quiet_fresh_app()


def _orjson() -> Any:
    from flask_orjson import OrjsonProvider

    app = quiet_fresh_app()
    app.json = OrjsonProvider(app)
    return app


def _fast() -> Any:
    from httpbin_ext.extension import HttpbinExt

    app = quiet_fresh_app()
    HttpbinExt(app, mode="replace")
    return app


_BUILDERS: dict[str, Callable[[], Any]] = {
    "bare": _bare,
    "flask_const": _flask_const,
    "stock": _stock,
    "orjson": _orjson,
    "fast": _fast,
}
_BUILT: dict[str, Any] = {}


def build(name: str) -> Any:
    """The app called ``name`` (one of :data:`APP_NAMES`), built once per process."""
    if name not in _BUILDERS:
        raise KeyError(f"unknown e2e app {name!r}; choose from {', '.join(APP_NAMES)}")
    if name not in _BUILT:
        _BUILT[name] = _BUILDERS[name]()
    return _BUILT[name]


def __getattr__(name: str) -> Any:  # PEP 562: ``benchmarks.e2e_apps:fast`` builds only ``fast``
    if name in _BUILDERS:
        return build(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
