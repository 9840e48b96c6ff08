"""Figures for this module (registered with @figure)."""

from ._registry import FigureOutput, figure  # noqa: F401
