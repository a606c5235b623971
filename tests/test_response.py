"""The response shortcut must produce objects indistinguishable from Werkzeug's constructor."""

from __future__ import annotations

import flask
import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

from httpbin_ext.response import make_response


class CustomInit(flask.Response):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers["X-Custom"] = "1"


class ExtraDefaults(flask.Response):
    default_status = 201
    default_mimetype = "text/plain"


class NoContentLength(flask.Response):
    automatically_set_content_length = False


@pytest.mark.parametrize(
    "cls", [flask.Response, WerkzeugResponse, CustomInit, ExtraDefaults, NoContentLength]
)
@pytest.mark.parametrize("mimetype", ["application/json", "text/html", "application/vnd.x+json"])
@pytest.mark.parametrize("body", [b"", b"{}\n", b'{"a":1}\n' * 100, "str body\n"])
def test_same_state_as_constructor(cls, mimetype, body):
    for _ in range(2):  # first call builds the template, second uses it
        fast = make_response(cls, body, mimetype)
        stock = cls(body, mimetype=mimetype)
        assert type(fast) is type(stock)
        assert vars(fast) == vars(stock)
        assert list(fast.headers.items()) == list(stock.headers.items())
        assert fast.status == stock.status and fast.status_code == stock.status_code
        assert fast.get_data() == stock.get_data()


def test_fresh_mutable_state_per_response():
    a = make_response(flask.Response, b"a", "application/json")
    b = make_response(flask.Response, b"bb", "application/json")
    a.headers["X-A"] = "1"
    a.call_on_close(lambda: None)
    assert "X-A" not in b.headers
    assert b._on_close == []
    assert b.headers["Content-Length"] == "2"
