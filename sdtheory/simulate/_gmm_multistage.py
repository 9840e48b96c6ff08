r"""Monte Carlo of several self-distillation stages on the noisy Gaussian mixture with per-stage
parameters (JAX, float64).

Same model and fits as :func:`~sdtheory.simulate.simulate_gmm_sd`, but each of the
``T = steps + 1`` fits (stages ``t = 1..T``) has its own penalty ``λ_t`` and every distillation
step its own ``β_t`` and ``ξ_t``: stage 1 (the teacher, step 0) fits the noisy labels, stage
``t ≥ 2`` (step ``t − 1``) the targets ``ξ_t tanh(β_t h_{t−1}/2) + (1 − ξ_t) s``
(``sign h_{t−1}`` for ``β_t = ∞``) on the same inputs, by an exact linear solve with the
bias unpenalized. This module never imports the theory it checks (theory page
:doc:`/theory/multistage`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .._validate import check_int, check_scalar
from ._aot import f64, run_batched, trial_keys
from ._common import check_n_trials, check_seed, x64
from ._gmm import step_summary

__all__ = ["gmm_multistage_summary", "simulate_gmm_multistage"]

_QUANTITIES = ("m", "Q", "b", "R_prev", "test_error", "train_error_clean")


def _H(x):
    return 0.5 * jax.scipy.special.erfc(x / jnp.sqrt(2.0))


def _batch(keys, lams, betas, xis, delta, rho, flip, N, M, stages):
    def one(key):
        k1, k2, k3 = jax.random.split(key, 3)
        y = jnp.where(jax.random.uniform(k1, (M,)) < rho, 1.0, -1.0)
        s0 = jnp.where(jax.random.uniform(k2, (M,)) < flip, -y, y)
        X = jnp.sqrt(delta) * jax.random.normal(k3, (M, N))
        X = X.at[:, 0].add(y) / jnp.sqrt(N)
        xm = X.mean(axis=0)
        Xc = X - xm
        G = Xc.T @ Xc if M >= N else Xc @ Xc.T
        ev, U = jnp.linalg.eigh(G)  # one decomposition serves every stage's λ_t
        out = []
        s = s0
        h = jnp.zeros(M)
        w_prev = jnp.zeros(N)
        for t in range(stages):
            if t > 0:
                beta = betas[t - 1]
                soft = jnp.tanh(0.5 * jnp.where(jnp.isinf(beta), 1.0, beta) * h)
                pseudo = jnp.where(jnp.isinf(beta), jnp.sign(h), soft)
                s = xis[t - 1] * pseudo + (1 - xis[t - 1]) * s0
            sc = s - s.mean()
            inv = 1.0 / (ev + 2 * lams[t])
            if M >= N:
                w = U @ (inv * (U.T @ (Xc.T @ sc)))
            else:
                w = Xc.T @ (U @ (inv * (U.T @ sc)))
            B = s.mean() - xm @ w
            h = X @ w + B
            m = w[0] / jnp.sqrt(N)
            Q = w @ w / N
            R = jnp.where(t > 0, w @ w_prev / N, jnp.nan)
            sq = jnp.sqrt(delta * Q)
            err = rho * _H((m + B) / sq) + (1 - rho) * _H((m - B) / sq)
            tr = jnp.mean(jnp.where(h * y > 0, 0.0, 1.0))
            out.append(jnp.stack([m, Q, B, R, err, tr]))
            w_prev = w
        return jnp.stack(out)

    return jax.vmap(one)(keys)


def _schedule(steps, xi, xis):
    """``(steps, ξ schedule)`` from ``steps`` and at most one of ``xi``/``xis``."""
    if xi is not None and xis is not None:
        raise TypeError(
            "give at most one of xi (one weight on the teacher for every step, with steps) "
            "and xis (one weight per step)"
        )
    if xis is not None:
        if isinstance(xis, (str, bytes, dict)) or np.ndim(xis) != 1:
            shape = type(xis).__name__ if isinstance(xis, (str, bytes, dict)) else np.shape(xis)
            raise ValueError(f"xis must be 1-D (xi_1, ..., xi_k), got {shape}")
        sched = tuple(check_scalar(v, "xis") for v in xis)
        if steps is not None and check_int(steps, "steps", minimum=0) != len(sched):
            raise ValueError(f"steps must equal len(xis) = {len(sched)}, got {steps}")
        return len(sched), sched
    k = 1 if steps is None else check_int(steps, "steps", minimum=0)
    return k, (1.0 if xi is None else check_scalar(xi, "xi"),) * k


def _seq(x, name, count, **kw):
    if isinstance(x, (str, bytes, dict)) or x is None:
        raise TypeError(f"{name} must be a number or {count} numbers, got {type(x).__name__}")
    if np.ndim(x) == 0:
        return (check_scalar(x, name, **kw),) * count
    arr = np.asarray(x, dtype=object)
    if arr.ndim != 1 or arr.size != count:
        raise ValueError(f"{name} must be a number or {count} numbers, got shape {arr.shape}")
    return tuple(check_scalar(v, name, **kw) for v in arr)


def simulate_gmm_multistage(
    n_features,
    sample_ratio,
    delta,
    rho,
    *,
    corruption,
    lam,
    steps=None,
    inverse_temperature=np.inf,
    xi=None,
    xis=None,
    n_trials=8,
    seed=0,
    batch_size=4,
):
    r"""Per-trial overlaps and errors of the teacher and ``steps`` SD steps, per-step parameters.

    Parameters
    ----------
    n_features : int
        Dimension ``N >= 2``.
    sample_ratio, delta, rho : float
        ``α = M/N > 0``, noise variance ``Δ > 0``, prior ``ρ ∈ (0, 1)`` of class ``+1``.
    corruption : float
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float or sequence of float
        ``λ_t > 0`` on ``(λ_t/2)‖w_t‖²``, one for every fit or one per fit (``T = steps + 1``
        values, teacher first).
    steps : int, optional
        Distillation steps after the teacher (``>= 0``), as in
        :func:`~sdtheory.simulate.simulate_gmm_sd`. Default: ``len(xis)`` when ``xis`` is given,
        else 1.
    inverse_temperature : float or sequence of float
        ``β_t > 0`` (``inf``: hard), one or one per step (``steps`` values).
    xi : float, optional
        Weight ``ξ`` on the pseudo-labels at every step (default 1: pure SD).
    xis : sequence of float, optional
        Per-step schedule ``(ξ_1, …, ξ_steps)`` instead of ``xi`` (at most one of the two;
        ``steps``, if given, must equal ``len(xis)``).
    n_trials : int
        Independent datasets (``>= 2``).
    seed : int or key
        An int ``>= 0`` or a ``jax.random`` key.
    batch_size : int
        Trials per vmapped call (memory: ``batch_size · M · N`` floats).

    Returns
    -------
    pandas.DataFrame
        One row per trial and fit: ``trial, step`` (``0..steps``; step 0 is the teacher, as in
        ``simulate_gmm_sd``'s ``step`` column; stage ``t`` of the theory page is step
        ``t − 1``), ``m, Q, b``, ``R_prev`` (``w_tᵀw_{t−1}/N``, NaN for the teacher),
        ``test_error`` (exact, fresh data) and ``train_error_clean``.

    See the theory page :doc:`/theory/multistage`.

    Examples
    --------
    >>> out = simulate_gmm_multistage(40, 2.0, 1.0, 0.5, corruption=0.2, lam=[1.0, 0.5],
    ...                               steps=1, n_trials=2)
    >>> len(out), list(out.columns)[:3]
    (4, ['trial', 'step', 'm'])
    """
    n_features = check_int(n_features, "n_features", minimum=2)
    alpha = check_scalar(sample_ratio, "sample_ratio", low=0.0, low_open=True)
    delta = check_scalar(delta, "delta", low=0.0, low_open=True)
    rho = check_scalar(rho, "rho", low=0.0, high=1.0, low_open=True, high_open=True)
    flip = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    k, sched = _schedule(steps, xi, xis)
    T = k + 1
    lams = _seq(lam, "lam", T, low=0.0, low_open=True)
    betas = _seq(
        inverse_temperature, "inverse_temperature", k, low=0.0, low_open=True, allow_inf=True
    )
    n_trials = check_n_trials(n_trials)
    check_seed(seed)
    batch = check_int(batch_size, "batch_size", minimum=1)
    M = int(round(alpha * n_features))
    if M < 2:
        raise ValueError(f"sample_ratio * n_features must give at least 2 samples, got {M}")
    with x64():
        raw, impl = trial_keys(check_seed(seed), n_trials)
        args = f64(*(v if len(v) else (0.0,) for v in (lams, betas, sched)), delta, rho, flip)
        arr = run_batched(
            "gmm-multistage",
            _batch,
            raw,
            args,
            batch=batch,
            static=(int(n_features), M, T),
            impl=impl,
            sources=(__file__,),
        )
    n = arr.shape[0]
    df = pd.DataFrame(arr.reshape(n * T, len(_QUANTITIES)), columns=list(_QUANTITIES))
    df.insert(0, "trial", np.repeat(np.arange(n), T))
    df.insert(1, "step", np.tile(np.arange(T), n))
    return df


def gmm_multistage_summary(
    n_features, sample_ratio, delta, rho, *, corruption, lam, **kw
) -> pd.DataFrame:
    """Mean and standard error over trials per (step, quantity), plus the paired gain
    ``test_error(step 0) − test_error(step s)`` (step 0: the teacher).

    Takes the arguments of :func:`simulate_gmm_multistage`. Returns a tidy DataFrame with columns
    ``N, sample_ratio, step, quantity, mean, se, n``.

    See the theory page :doc:`/theory/multistage`.

    Examples
    --------
    >>> df = gmm_multistage_summary(40, 2.0, 1.0, 0.5, corruption=0.2, lam=1.0, steps=1,
    ...                             n_trials=2)
    >>> sorted(df.quantity.unique())[:2]
    ['Q', 'R_prev']
    """
    out = simulate_gmm_multistage(
        n_features, sample_ratio, delta, rho, corruption=corruption, lam=lam, **kw
    )
    return step_summary(out, _QUANTITIES, n_features=n_features, sample_ratio=sample_ratio)
