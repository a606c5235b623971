"""``HttpbinExt``: the Flask extension that puts the accelerated views into an httpbin app."""

from __future__ import annotations

import importlib.util
import sys
import typing as t

from flask import Blueprint, Flask

from httpbin_ext.views import accelerated_views

__all__ = ["MODES", "HttpbinExt", "fresh_httpbin_app"]

MODES = ("replace", "side-by-side")


class HttpbinExt:
    """Flask extension that puts the accelerated views into an httpbin app.

    ``mode="replace"`` swaps ``app.view_functions`` for the endpoints in
    :data:`ACCELERATED_ENDPOINTS`: URLs, endpoint names and ``url_for`` stay the same.
    ``mode="side-by-side"`` keeps the originals and serves the accelerated views under
    ``prefix`` too (``/fast/get`` next to ``/get``), for comparing both in one server.
    """

    def __init__(
        self, app: Flask | None = None, mode: str = "replace", prefix: str = "/fast"
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode == "side-by-side" and not prefix.startswith("/"):
            raise ValueError(f"prefix must start with '/', not {prefix!r}")
        self.mode = mode
        self.prefix = prefix.rstrip("/")
        self.endpoints: tuple[str, ...] = ()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if getattr(app, "_got_first_request", False):
            raise RuntimeError(
                "HttpbinExt.init_app() must run before the app handles its first request:"
                " Flask does not allow changing views or routes afterwards."
            )
        if "httpbin_ext" in app.extensions:
            raise RuntimeError("HttpbinExt is already initialised on this app")
        views = accelerated_views(app.view_functions)
        if not views:
            raise RuntimeError("this app has none of httpbin's endpoints to accelerate")
        if self.mode == "replace":
            app.view_functions.update(views)
        else:
            blueprint = Blueprint("httpbin_ext", __name__, url_prefix=self.prefix)
            for rule in list(app.url_map.iter_rules()):
                view = views.get(rule.endpoint)
                if view is None:
                    continue
                # Same methods as the original rule; OPTIONS stays Flask's automatic answer.
                automatic_options = getattr(rule, "provide_automatic_options", False)
                methods = set(rule.methods or ()) - ({"OPTIONS"} if automatic_options else set())
                options: dict[str, t.Any] = {}
                if not automatic_options:
                    options["provide_automatic_options"] = False
                if rule.defaults:
                    options["defaults"] = dict(rule.defaults)
                blueprint.add_url_rule(
                    rule.rule,
                    endpoint=rule.endpoint,
                    view_func=view,
                    methods=sorted(methods),
                    **options,
                )
            app.register_blueprint(blueprint)
        self.endpoints = tuple(views)
        app.extensions["httpbin_ext"] = self


def fresh_httpbin_app() -> Flask:
    """A new, independent instance of httpbin's app (``httpbin.core`` executed again).

    ``httpbin.app`` is a module-level singleton; a second instance lets one process serve the
    original and the accelerated app, or compare them, without one changing the other.
    """
    import httpbin.core

    fresh_httpbin_app.count += 1  # type: ignore[attr-defined]
    name = f"httpbin._httpbin_ext_copy{fresh_httpbin_app.count}"  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location(name, httpbin.core.__file__)
    if spec is None or spec.loader is None:  # pragma: no cover - httpbin is a plain package
        raise ImportError("cannot load a copy of httpbin.core")
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "httpbin"
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.app


fresh_httpbin_app.count = 0  # type: ignore[attr-defined]
