"""The pyo3-log bridge: Rust ``log`` records reach Python ``logging`` under ``httpbin_ext``."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
import textwrap

import pytest

import httpbin_ext
from httpbin_ext import _native

LOGGER = "httpbin_ext"


def native_records(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == message]


@pytest.fixture
def log_at_info(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        httpbin_ext.reset_log_cache()
        yield caplog
    httpbin_ext.reset_log_cache()


def test_info_record_reaches_python(log_at_info):
    _native._log_for_test(20, "info from rust")
    [record] = native_records(log_at_info, "info from rust")
    assert record.levelno == logging.INFO
    assert record.name == "httpbin_ext._native.logging"
    assert record.name.startswith(LOGGER + ".")


@pytest.mark.parametrize(("level", "python_level"), [(30, logging.WARNING), (40, logging.ERROR)])
def test_higher_levels_reach_python(log_at_info, level, python_level):
    message = f"level {level} from rust"
    _native._log_for_test(level, message)
    [record] = native_records(log_at_info, message)
    assert record.levelno == python_level


def test_debug_record_is_dropped_on_the_rust_side(log_at_info):
    # The Python logger accepts DEBUG, but the Rust-side filter is Info.
    assert logging.getLogger("httpbin_ext._native.logging").isEnabledFor(logging.DEBUG)
    _native._log_for_test(10, "debug from rust")
    _native._log_for_test(20, "info after debug")
    assert native_records(log_at_info, "debug from rust") == []
    assert len(native_records(log_at_info, "info after debug")) == 1


def test_python_level_is_respected_after_reset(caplog):
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        httpbin_ext.reset_log_cache()
        _native._log_for_test(20, "filtered by python level")
        _native._log_for_test(40, "error passes")
    httpbin_ext.reset_log_cache()
    assert native_records(caplog, "filtered by python level") == []
    assert len(native_records(caplog, "error passes")) == 1


def test_reset_log_cache_after_changing_levels(caplog):
    logger = logging.getLogger(LOGGER)
    old = logger.level
    try:
        for level in (logging.WARNING, logging.INFO, logging.CRITICAL, logging.NOTSET):
            logger.setLevel(level)
            assert httpbin_ext.reset_log_cache() is None
            assert _native.reset_log_cache() is None
        with caplog.at_level(logging.INFO, logger=LOGGER):
            httpbin_ext.reset_log_cache()
            _native._log_for_test(20, "after many resets")
        assert len(native_records(caplog, "after many resets")) == 1
    finally:
        logger.setLevel(old)
        httpbin_ext.reset_log_cache()


def test_reimport_keeps_working(caplog):
    """Deleting the package from ``sys.modules`` and importing it again works, and logging
    still reaches Python. The original modules are restored afterwards so that other tests
    keep seeing the classes they imported."""
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] == "httpbin_ext"}
    try:
        for name in saved:
            del sys.modules[name]
        fresh = importlib.import_module("httpbin_ext")
        assert fresh is not httpbin_ext
        assert fresh.dumps({"a": [1, 2]}) == b'{"a": [1, 2]}'
        fresh_native = importlib.import_module("httpbin_ext._native")
        with caplog.at_level(logging.INFO, logger=LOGGER):
            fresh.reset_log_cache()
            fresh_native._log_for_test(20, "after re-import")
        assert len(native_records(caplog, "after re-import")) == 1
        # importlib.reload of the Python package also works.
        reloaded = importlib.reload(fresh)
        assert reloaded.dumps([None]) == b"[null]"
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "httpbin_ext"]:
            del sys.modules[name]
        sys.modules.update(saved)
        httpbin_ext.reset_log_cache()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        httpbin_ext.reset_log_cache()
        _native._log_for_test(20, "after restore")
    assert len(native_records(caplog, "after restore")) == 1


def test_logging_in_a_fresh_interpreter():
    # The bridge is installed at import time, without any pytest machinery around it.
    code = textwrap.dedent(
        """
        import logging, sys
        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s|%(message)s")
        import httpbin_ext
        from httpbin_ext import _native
        _native._log_for_test(10, "dropped")
        _native._log_for_test(20, "kept")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.splitlines() == ["httpbin_ext._native.logging|kept"]
