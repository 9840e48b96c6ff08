"""``sdtheory bridge`` arguments and entry point (must not import JAX at import time)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true")


def run(args) -> int:
    raise ValueError("the bridge experiment is not implemented yet")
