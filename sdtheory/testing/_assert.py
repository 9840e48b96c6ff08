"""The z-test assertion of theory against Monte Carlo, with a multiple-comparison correction."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from .._validate import check_broadcast, check_choice, check_int, check_scalar

__all__ = ["assert_matches_monte_carlo", "bonferroni_z"]

CORRECTIONS = ("bonferroni", "none")


# ------------------------------------------------------------------ the z-test assertion
def bonferroni_z(z, *, m):
    r"""The per-comparison z-bound of ``m`` comparisons whose family matches one test at ``z``.

    Parameters
    ----------
    z : float
        Two-sided z-bound of a single comparison, ``> 0``.
    m : int
        Number of comparisons, ``>= 1``.

    Returns
    -------
    float
        ``z_eff = Φ⁻¹(1 − (1 − Φ(z))/m)``; ``z_eff = z`` for ``m = 1``.

    Notes
    -----
    A single two-sided test ``|Z| ≤ z`` raises a false alarm with probability
    ``α = 2(1 − Φ(z))``. Bonferroni's correction tests each of ``m`` comparisons at level
    ``α/m``, i.e. at ``2(1 − Φ(z_eff)) = α/m``:

    .. math:: z_{\mathrm{eff}} = Φ^{-1}\bigl(1 − (1 − Φ(z))/m\bigr),

    so the probability of any false alarm among the ``m`` is at most ``α`` (the union bound;
    nearly equal to ``α`` when ``α`` is small). It is evaluated as ``−Φ⁻¹(Φ(−z)/m)`` with
    :func:`scipy.special.ndtr` / :func:`scipy.special.ndtri`, which keeps full precision for
    large ``z``.

    Examples
    --------
    >>> bonferroni_z(4.0, m=1)
    4.0
    >>> round(bonferroni_z(4.0, m=100), 3)
    4.981
    """
    z = check_scalar(z, "z", low=0.0, low_open=True)
    m = check_int(m, "m", minimum=1)
    if m == 1:
        return z
    return float(-ndtri(ndtr(-z) / m))


def _mc_parts(mc_result):
    """``(mean, se, n)`` from an MCResult-like object or a ``(mean, se[, n])`` tuple."""
    if hasattr(mc_result, "mean") and hasattr(mc_result, "se") and not callable(mc_result.mean):
        return mc_result.mean, mc_result.se, getattr(mc_result, "n", None)
    if isinstance(mc_result, (tuple, list)) and len(mc_result) in (2, 3):
        return mc_result[0], mc_result[1], (mc_result[2] if len(mc_result) == 3 else None)
    raise TypeError(
        "mc_result must be an MCResult, an object with .mean and .se, or a (mean, se, n) "
        f"tuple, got {type(mc_result).__name__}"
    )


def _as_real(x, name):
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {x!r}")
    try:
        arr = np.asarray(x)
        if arr.dtype.kind not in "iufb":
            raise TypeError
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, got {type(x).__name__}"
        ) from None


def assert_matches_monte_carlo(
    theory, mc_result, *, z=4.0, correction="bonferroni", rtol=0.0, atol=0.0
):
    r"""Assert that a theory value lies within ``z`` standard errors of a Monte Carlo mean.

    Parameters
    ----------
    theory : float or array_like
        The predicted expectation(s).
    mc_result : MCResult, object with ``.mean`` and ``.se``, or tuple ``(mean, se, n)``
        The Monte Carlo estimate, e.g. what :func:`sdtheory.simulate.ridge_sd_monte_carlo`
        returns: the mean over trials and its standard error (``std(ddof=1)/√n``).
        ``theory``, ``mean`` and ``se`` broadcast to one shape of ``m`` entries.
    z : float, keyword-only
        Two-sided z-bound of one comparison, ``> 0`` (default 4: a false alarm ≈ 6e-5 under
        normality).
    correction : {"bonferroni", "none"}, keyword-only
        ``"bonferroni"`` (default) widens the bound for ``m > 1`` comparisons so that the
        whole array raises a false alarm no more often than one comparison at ``z`` would (see
        Notes); ``"none"`` tests every entry at ``z``.
    rtol, atol : float, keyword-only
        Extra allowance ``≥ 0`` for a known deterministic bias (e.g. a finite-size correction
        of an asymptotic formula), added to the statistical bound. Default 0.

    Raises
    ------
    AssertionError
        If some entry has ``|mean − theory| > z_eff·se + atol + rtol·|theory|``, or if
        ``theory``, ``mean`` or ``se`` contain NaN or inf. The message lists the worst entries
        (index, theory, mean, se and their z-score ``(mean − theory)/se``).
    ValueError, TypeError
        Bad arguments: ``z ≤ 0``, an unknown ``correction``, negative ``se``/``rtol``/``atol``,
        shapes that do not broadcast, or non-numeric input.

    Notes
    -----
    Entry ``i`` passes when ``|mean_i − theory_i| ≤ z_eff·se_i + atol + rtol·|theory_i|``. With
    ``correction="none"``, ``z_eff = z``. With ``correction="bonferroni"`` and ``m`` entries,

    .. math:: z_{\mathrm{eff}} = Φ^{-1}\bigl(1 − (1 − Φ(z))/m\bigr)

    (:func:`bonferroni_z`): each entry is tested at two-sided level ``α/m`` with
    ``α = 2(1 − Φ(z))``, so the family-wise false-alarm rate is at most ``α``, that of a single
    test at ``z`` (e.g. ``z = 4`` and ``m = 100`` give ``z_eff ≈ 4.98``). A zero standard error
    allows no statistical slack: any mismatch beyond ``atol + rtol·|theory|`` fails.

    See the theory page :doc:`/theory/ridge` for the risks the package's simulators estimate.

    Examples
    --------
    >>> import numpy as np
    >>> from sdtheory.testing import assert_matches_monte_carlo
    >>> rng = np.random.default_rng(0)
    >>> draws = rng.normal(loc=[1.0, 2.0], scale=1.0, size=(10_000, 2))
    >>> mean, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(10_000)
    >>> assert_matches_monte_carlo([1.0, 2.0], (mean, se, 10_000))
    >>> assert_matches_monte_carlo([1.0, 2.1], (mean, se, 10_000))
    Traceback (most recent call last):
    ...
    AssertionError: theory and Monte Carlo disagree at 1 of 2 entries ...
    """
    z = check_scalar(z, "z", low=0.0, low_open=True)
    correction = check_choice(correction, "correction", set(CORRECTIONS))
    rtol = check_scalar(rtol, "rtol", low=0.0)
    atol = check_scalar(atol, "atol", low=0.0)
    mean, se, n = _mc_parts(mc_result)
    th, mu, s = check_broadcast(
        theory=_as_real(theory, "theory"), mean=_as_real(mean, "mean"), se=_as_real(se, "se")
    )
    if th.size == 0:
        raise ValueError("theory and mc_result must not be empty")
    if np.any(s < 0):
        raise ValueError(f"se must be >= 0 (a standard error), got min {np.nanmin(s):.6g}")
    for name, arr in (("theory", th), ("mean", mu), ("se", s)):
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
            raise AssertionError(
                f"{name} is not finite at {int(bad.sum())} of {arr.size} entries (first at index "
                f"{idx}: {arr[idx]}); a NaN or inf cannot match"
            )
    m = th.size
    z_eff = bonferroni_z(z, m=m) if correction == "bonferroni" else z
    diff = mu - th
    tol = z_eff * s + atol + rtol * np.abs(th)
    fail = np.abs(diff) > tol
    if not fail.any():
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(tol > 0, np.abs(diff) / tol, np.inf)
        zs = np.where(s > 0, diff / s, np.sign(diff) * np.inf)
    order = np.argsort(-np.where(fail, excess, -1.0), axis=None, kind="stable")
    shown = [int(i) for i in order[: min(5, int(fail.sum()))]]
    rule = f"z_eff = {z_eff:.4g}"
    if correction == "bonferroni" and m > 1:
        rule += f" (Bonferroni for {m} comparisons at z = {z:g})"
    rows = []
    for flat in shown:
        idx = np.unravel_index(flat, th.shape) if th.ndim else ()
        idx = tuple(int(i) for i in idx)
        rows.append(
            f"  index {idx}: theory {th[idx]:.8g}, mean {mu[idx]:.8g}, se {s[idx]:.3g}, "
            f"z {zs[idx]:+.3g}"
        )
    trials = f", n = {n} trials" if n is not None else ""
    raise AssertionError(
        f"theory and Monte Carlo disagree at {int(fail.sum())} of {m} entries "
        f"(|mean - theory| > z_eff*se + atol + rtol*|theory|, {rule}, atol = {atol:g}, "
        f"rtol = {rtol:g}{trials}); worst entries:\n" + "\n".join(rows)
    )
