"""Figure registry: one function per figure, saved as PNG with its data as CSV beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["FigureOutput", "FigureSpec", "figure", "REGISTRY", "render"]


@dataclass
class FigureOutput:
    """What a figure function returns: the matplotlib figure and the data it plots.

    ``data`` is written as ``NAME.csv``; ``extra`` maps a suffix to more tables, written as
    ``NAME-SUFFIX.csv``.
    """

    fig: object
    data: object
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    description: str
    func: Callable[[bool], FigureOutput]
    module: str


REGISTRY: dict[str, FigureSpec] = {}


def figure(name: str, description: str):
    """Register ``func(quick: bool) -> FigureOutput`` under ``name`` (unique, kebab-case)."""

    def deco(func):
        prev = REGISTRY.get(name)
        # the same function imported twice (pytest --import-mode=importlib) re-registers itself
        if prev is not None and prev.func.__qualname__ == func.__qualname__ and (
            prev.func.__module__.rsplit(".", 1)[-1] == func.__module__.rsplit(".", 1)[-1]
        ):
            REGISTRY[name] = prev
            return func
        if name in REGISTRY:
            raise ValueError(f"figure {name!r} is registered twice")
        REGISTRY[name] = FigureSpec(name, description, func, func.__module__)
        return func

    return deco


def render(name: str, out_dir, *, quick: bool = False) -> list[Path]:
    """Make one registered figure and write ``NAME.png`` and ``NAME.csv`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import save_figure, write_csv

    if name not in REGISTRY:
        raise KeyError(name)
    out_dir = Path(out_dir)
    res = REGISTRY[name].func(quick)
    paths = [save_figure(res.fig, out_dir / f"{name}.png"), write_csv(res.data, out_dir / f"{name}.csv")]
    for suffix, df in res.extra.items():
        paths.append(write_csv(df, out_dir / f"{name}-{suffix}.csv"))
    plt.close(res.fig)
    return paths
