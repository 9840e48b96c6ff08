"""Checks for this module (registered with @check)."""

from ._registry import check  # noqa: F401
