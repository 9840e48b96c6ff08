"""Registry of theory-vs-Monte-Carlo checks run by ``sdtheory check``.

A check function ``func(quick: bool) -> list[dict]`` returns one row per compared quantity with
keys ``problem, quantity, theory, mc_mean, mc_se, n``; :func:`run_checks` adds ``z`` and ``ok``.
Simulation never imports the theory it checks; checks are where the two meet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["check", "REGISTRY", "run_checks", "Z_LIMIT"]

Z_LIMIT = 4.0


@dataclass(frozen=True)
class CheckSpec:
    name: str
    description: str
    func: Callable[[bool], list]


REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, description: str):
    """Register a check function under ``name``.

    Use it as a decorator on ``func(quick: bool) -> list[dict]``: one dict per compared
    quantity with keys ``problem``, ``quantity``, ``theory``, ``mc_mean``, ``mc_se`` and ``n``
    (or ``mc_se = 0`` and an absolute ``tol`` for a deterministic comparison).
    :func:`run_checks` (and ``sdtheory check``) runs it.

    Parameters
    ----------
    name : str
        The check's name, unique among registered checks (``sdtheory check NAME``).
    description : str
        One line shown by ``sdtheory list``.

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
    >>> import numpy as np
    >>> from sdtheory.checks import REGISTRY, check, run_checks
    >>> @check("demo-mean", "sample mean of N(0, 1) draws against 0")
    ... def demo_mean(quick):
    ...     x = np.random.default_rng(0).standard_normal(100 if quick else 10_000)
    ...     se = x.std(ddof=1) / np.sqrt(x.size)
    ...     return [{"problem": "N(0, 1)", "quantity": "mean", "theory": 0.0,
    ...              "mc_mean": x.mean(), "mc_se": se, "n": x.size}]
    >>> "demo-mean" in REGISTRY
    True
    >>> del REGISTRY["demo-mean"]   # keep the registry to the package's own checks
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
            raise ValueError(f"check {name!r} is registered twice")
        REGISTRY[name] = CheckSpec(name, description, func)
        return func

    return deco


def run_checks(names=None, *, quick: bool = False, z_limit: float = Z_LIMIT) -> pd.DataFrame:
    """Run the named checks (all by default) and return one table with ``z`` and ``ok``.

    ``z = (mc_mean − theory)/mc_se``; a row is ``ok`` when ``|z| ≤ z_limit``. A row may instead
    give ``tol`` (an absolute tolerance for a deterministic comparison with ``mc_se = 0``; its
    ``z`` is NaN and it is ``ok`` when ``|mc_mean − theory| ≤ tol``).

    Parameters
    ----------
    names : str, sequence of str or None
        Registered checks to run (see ``sdtheory list``); ``None`` or empty runs all of them,
        in registration order.
    quick : bool
        Small problems and few trials (seconds instead of minutes).
    z_limit : float
        Largest accepted ``|z|``, a real number ``> 0`` (default ``Z_LIMIT = 4``).

    Returns
    -------
    pandas.DataFrame
        One row per compared quantity: ``check``, ``problem``, ``quantity``, ``theory``,
        ``mc_mean``, ``mc_se``, ``n``, ``z``, ``ok``, then any extra keys the check returned.

    Raises
    ------
    ValueError
        If a name is not a registered check or ``z_limit`` is not ``> 0``.
    TypeError
        If ``quick`` is not a bool.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory.checks import REGISTRY, check, run_checks
    >>> @check("demo-mean", "sample mean of N(0, 1) draws against 0")
    ... def demo_mean(quick):
    ...     x = np.random.default_rng(0).standard_normal(100 if quick else 10_000)
    ...     se = x.std(ddof=1) / np.sqrt(x.size)
    ...     return [{"problem": "N(0, 1)", "quantity": "mean", "theory": 0.0,
    ...              "mc_mean": x.mean(), "mc_se": se, "n": x.size}]
    >>> df = run_checks("demo-mean", quick=True)
    >>> list(df.columns)
    ['check', 'problem', 'quantity', 'theory', 'mc_mean', 'mc_se', 'n', 'z', 'ok']
    >>> bool(df.ok.all())
    True
    >>> del REGISTRY["demo-mean"]   # keep the registry to the package's own checks
    """
    from .._validate import check_scalar

    if isinstance(names, str):
        names = [names]
    names = list(REGISTRY) if not names else list(names)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(
            f"names must be registered checks ({', '.join(REGISTRY)}), got "
            f"{', '.join(map(repr, unknown))}"
        )
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    z_limit = check_scalar(z_limit, "z_limit", low=0, low_open=True)
    rows = []
    for name in names:
        for row in REGISTRY[name].func(quick):
            row = {"check": name, **row}
            se = float(row.get("mc_se", 0.0))
            diff = float(row["mc_mean"]) - float(row["theory"])
            if se > 0:
                row["z"] = diff / se
                row["ok"] = bool(abs(row["z"]) <= z_limit)
            else:
                tol = float(row.get("tol", 0.0))
                row["z"] = np.nan
                row["ok"] = bool(abs(diff) <= tol)
            rows.append(row)
    cols = ["check", "problem", "quantity", "theory", "mc_mean", "mc_se", "n", "z", "ok"]
    df = pd.DataFrame(rows)
    return df[[c for c in cols if c in df.columns] + [c for c in df.columns if c not in cols]]
