"""Tests that need a tool from an extra (ruff, mypy, nbconvert, Chromium).

Locally, a missing tool skips the test with the install command; in CI (``CI`` set) it fails,
because CI installs every extra and must run every test.
"""

import os

import pytest


def missing_tool(msg: str) -> None:
    """Skip (locally) or fail (in CI) because a required tool is not installed."""
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI must run this test)")
    pytest.skip(msg)


def require(module: str, extra: str):
    """Import ``module`` (installed by the ``extra`` extra), or skip locally / fail in CI."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        missing_tool(f"needs {module}: pip install -e '.[{extra}]'")
