"""Build ``response_class(body, mimetype=...)`` for a bytes body without Werkzeug's ``__init__``.

Werkzeug's constructor (header validation, mimetype parsing, status lookup) costs several times
more than encoding a typical JSON body. For a response class whose constructor is Werkzeug's own,
the result is always the same few attributes, so we build one real instance per
(class, mimetype) as a template, check that it has exactly the attributes we know how to
reproduce, and afterwards fill those in directly. Anything unexpected — a custom ``__init__``,
``set_data`` or ``status``, extra attributes — turns the shortcut off for that class.
"""

from __future__ import annotations

import typing as t

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

_Template = tuple[tuple[tuple[str, str], ...], str, int]
_ATTRIBUTES = frozenset(
    ("headers", "_status", "_status_code", "direct_passthrough", "_on_close", "response")
)
_templates: dict[tuple[type, str], _Template | None] = {}


def _make_template(cls: type[WerkzeugResponse], mimetype: str) -> _Template | None:
    if not (
        cls.__init__ is WerkzeugResponse.__init__
        and cls.set_data is WerkzeugResponse.set_data
        and cls.status is WerkzeugResponse.status
        and cls.automatically_set_content_length
    ):
        return None
    probe = cls(b"", mimetype=mimetype)
    state = vars(probe)
    headers = probe.headers
    if (
        set(state) != _ATTRIBUTES
        or type(headers) is not Headers
        or probe.response != [b""]
        or probe._on_close != []
        or probe.direct_passthrough is not False
    ):
        return None
    items = list(headers._list)
    if not items or items[-1] != ("Content-Length", "0"):
        return None
    return tuple(items[:-1]), probe._status, probe._status_code


def make_response(cls: type[WerkzeugResponse], body: bytes, mimetype: str) -> t.Any:
    """``cls(body, mimetype=mimetype)``, with identical attributes, faster."""
    key = (cls, mimetype)
    try:
        template = _templates[key]
    except KeyError:
        template = _templates[key] = _make_template(cls, mimetype)
    if template is None or type(body) is not bytes:
        return cls(body, mimetype=mimetype)
    header_items, status, status_code = template
    response = object.__new__(cls)
    headers = Headers()
    headers._list = [*header_items, ("Content-Length", str(len(body)))]
    response.headers = headers
    response._status = status
    response._status_code = status_code
    response.direct_passthrough = False
    response._on_close = []
    response.response = [body]
    return response
