import httpbin_ext


def test_imports():
    assert httpbin_ext.__version__
