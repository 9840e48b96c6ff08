"""Figure registry: one function per figure, saved as PNG/PDF/SVG with its data as CSV beside it
and the parameters that made it in a metadata JSON (``NAME.json``)."""

from __future__ import annotations

import functools
import math
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

__all__ = [
    "FigureOutput",
    "FigureSpec",
    "figure",
    "REGISTRY",
    "render",
    "FORMATS",
    "DEFAULT_DPI",
    "metadata",
]

#: Image formats :func:`render` writes.
FORMATS = ("png", "pdf", "svg")
#: Default resolution (dots per inch) of raster output.
DEFAULT_DPI = 120


@dataclass
class FigureOutput:
    """What a figure function returns: the matplotlib figure, the data it plots, its parameters.

    ``data`` is written as ``NAME.csv``; ``extra`` maps a suffix to more tables, written as
    ``NAME-SUFFIX.csv``; ``params`` (JSON-able values: numbers, strings, lists, dicts; arrays
    and tuples are converted) records the settings the figure function used, written with the
    rendering settings to ``NAME.json``.
    """

    fig: object
    data: object
    extra: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    description: str
    func: Callable[[bool], FigureOutput]
    module: str


REGISTRY: dict[str, FigureSpec] = {}


def figure(name: str, description: str):
    """Register ``func(quick: bool) -> FigureOutput`` under ``name`` (unique, kebab-case).

    Use it as a decorator; :func:`render` (and ``sdtheory figures NAME``) then makes the
    figure and writes its image, its data and its parameters.

    Parameters
    ----------
    name : str
        The figure's name, unique among registered figures and kebab-case; the output files
        are ``NAME.<format>``, ``NAME.csv`` (plus ``NAME-SUFFIX.csv`` per extra table) and
        ``NAME.json``.
    description : str
        One line shown by ``sdtheory list`` and stored in the metadata JSON.

    Returns
    -------
    callable
        A decorator that registers ``func`` and returns it unchanged.

    Raises
    ------
    ValueError
        If another function is already registered under ``name``.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from sdtheory.figures import REGISTRY, FigureOutput, figure, render
    >>> @figure("demo-line", "a straight line y = 2x")
    ... def demo_line(quick):
    ...     import matplotlib.pyplot as plt
    ...     x = list(range(3 if quick else 10))
    ...     fig, ax = plt.subplots()
    ...     ax.plot(x, [2 * v for v in x])
    ...     return FigureOutput(fig, pd.DataFrame({"x": x}), params={"slope": 2})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in render("demo-line", d, quick=True))
    ['demo-line.csv', 'demo-line.json', 'demo-line.png']
    >>> del REGISTRY["demo-line"]   # keep the registry to the package's own figures
    """

    def deco(func):
        prev = REGISTRY.get(name)
        # the same function imported twice (pytest --import-mode=importlib) re-registers itself
        if (
            prev is not None
            and prev.func.__qualname__ == func.__qualname__
            and (prev.func.__module__.rsplit(".", 1)[-1] == func.__module__.rsplit(".", 1)[-1])
        ):
            REGISTRY[name] = prev
            return func
        if name in REGISTRY:
            raise ValueError(f"figure {name!r} is registered twice")
        REGISTRY[name] = FigureSpec(name, description, func, func.__module__)
        return func

    return deco


def _jsonable(x):
    """Plain JSON values from numbers, strings, arrays, tuples, dicts (anything else: repr)."""
    import numpy as np

    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, Integral):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else str(v)
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (set, frozenset)):
        return [_jsonable(v) for v in sorted(x)]
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return repr(x)


@functools.cache
def _versions() -> dict:
    """Package versions for the metadata (looked up once per process: each lookup scans the
    installed distributions)."""
    import importlib.metadata as md

    out = {
        "sdtheory": getattr(sys.modules.get("sdtheory"), "__version__", None),
        "python": platform.python_version(),
    }
    for pkg in ("numpy", "matplotlib", "pandas", "jax"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    return out


def metadata(
    name: str, *, quick: bool, fmt: str, dpi: int, params: dict | None = None, files=()
) -> dict:
    """The metadata record written beside a figure's CSVs as ``NAME.json``.

    Keys: ``figure``, ``description``, ``module``, ``mode`` (``"quick"`` or ``"full"``),
    ``format``, ``dpi``, ``command`` (the command that regenerates the files), ``versions``
    (sdtheory, Python, NumPy, Matplotlib, pandas, JAX), ``params`` (what the figure function
    reported) and ``files`` (the files written, CSVs included).
    """
    spec = REGISTRY[name]
    cmd = f"sdtheory figures {name}" + (" --quick" if quick else "")
    if fmt != "png" or dpi != DEFAULT_DPI:
        cmd += f" --format {fmt} --dpi {dpi}"
    return {
        "figure": name,
        "description": spec.description,
        "module": spec.module,
        "mode": "quick" if quick else "full",
        "format": fmt,
        "dpi": int(dpi),
        "command": cmd,
        "versions": dict(_versions()),
        "params": _jsonable(dict(params or {})),
        "files": [Path(f).name for f in files],
    }


def render(
    name: str, out_dir, *, quick: bool = False, format: str = "png", dpi: int = DEFAULT_DPI
) -> list[Path]:
    """Make one registered figure and write ``NAME.<format>``, ``NAME.csv`` (plus its extra
    tables) and ``NAME.json`` (the parameters), each atomically.

    Parameters
    ----------
    name : str
        A registered figure (see ``sdtheory list``).
    out_dir : str or path
        Output folder (created if missing).
    quick : bool
        Small grids and few trials.
    format : {"png", "pdf", "svg"}
        Image format.
    dpi : int
        Resolution (``>= 1``) of raster output and of raster elements inside PDF/SVG.

    Returns
    -------
    list of pathlib.Path
        The image, the CSVs and the metadata JSON.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._io import save_figure, write_csv, write_json
    from .._validate import check_choice, check_int

    if name not in REGISTRY:
        raise ValueError(f"name must be a registered figure ({', '.join(REGISTRY)}), got {name!r}")
    check_choice(format, "format", FORMATS)
    dpi = check_int(dpi, "dpi", minimum=1)
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    out_dir = Path(out_dir)
    res = REGISTRY[name].func(quick)
    try:
        paths = [
            save_figure(res.fig, out_dir / f"{name}.{format}", dpi=dpi),
            write_csv(res.data, out_dir / f"{name}.csv"),
        ]
        for suffix, df in res.extra.items():
            paths.append(write_csv(df, out_dir / f"{name}-{suffix}.csv"))
    finally:
        plt.close(res.fig)
    meta = metadata(
        name, quick=quick, fmt=format, dpi=dpi, params=getattr(res, "params", None), files=paths
    )
    paths.append(write_json(meta, out_dir / f"{name}.json"))
    return paths


def grid_params(start, stop, num, spacing="linear") -> dict:
    """A JSON description of a ``np.linspace`` / ``np.geomspace(start, stop, num)`` grid.

    Figure modules record their grids in :attr:`FigureOutput.params` with it.

    Examples
    --------
    >>> grid_params(0.1, 10, 5, "geometric")
    {'start': 0.1, 'stop': 10, 'num': 5, 'spacing': 'geometric'}
    """
    return {"start": start, "stop": stop, "num": num, "spacing": spacing}


def pyplot():
    """``matplotlib.pyplot``, imported when a figure is drawn (not when figures are registered)."""
    import matplotlib.pyplot as plt

    return plt
