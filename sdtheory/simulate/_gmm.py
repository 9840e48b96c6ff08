r"""Monte Carlo of multi-stage self-distillation on the noisy Gaussian mixture (JAX, float64).

``x = y μ + √Δ z`` (``μ = e_1`` without loss of generality: the ridge fit is rotation equivariant
and ``z`` isotropic), ``P(y = +1) = ρ``, labels flipped with probability ``θ`` (``corruption``,
Bernoulli), ``M = round(αN)`` samples (``α``: ``sample_ratio``). Every stage fits ``h = wᵀx/√N +
B`` with the squared loss ``Σ_μ (h_μ − s_μ)²/4 + (λ/2)‖w‖²`` (``s = 2t − 1``) by an exact linear
solve; stage 0 (the teacher) uses the noisy labels, stage ``k = 1..steps`` the targets ``s = ξ
tanh(β h_{k−1}/2) + (1 − ξ) s_noisy`` (``t = σ(β h)``, ``β``: ``inverse_temperature``; ``β = ∞``:
hard pseudo-labels ``sign(h)``) on the same inputs. Reported per stage: ``m = wᵀμ/√N``, ``Q =
‖w‖²/N``, ``b = B``, the exact test error of the fitted classifier on fresh data and the training
error against the clean labels. This module never imports the theory it checks; the theory it
is checked against is on the theory page :doc:`/theory/classification`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .._validate import check_int, check_scalar
from ._aot import f64, run_batched, trial_keys
from ._common import check_n_trials, check_seed, mean_se, x64

__all__ = [
    "gmm_sd_convergence",
    "gmm_sd_corruption_scan",
    "gmm_sd_summary",
    "simulate_gmm_sd",
]

_QUANTITIES = ("m", "Q", "b", "test_error", "train_error_clean")


def _H(x):
    return 0.5 * jax.scipy.special.erfc(x / jnp.sqrt(2.0))


def _batch(keys, m_used, betas, delta, rho, flip, lam, xi, N, M, stages):
    """``M`` rows are drawn; only the first ``m_used`` enter the fit (one compile serves every
    sample size up to ``M``)."""
    mask = (jnp.arange(M) < m_used).astype(jnp.float64)
    cnt = mask.sum()

    def one(key):
        k1, k2, k3 = jax.random.split(key, 3)
        y = jnp.where(jax.random.uniform(k1, (M,)) < rho, 1.0, -1.0)
        s0 = jnp.where(jax.random.uniform(k2, (M,)) < flip, -y, y)
        X = jnp.sqrt(delta) * jax.random.normal(k3, (M, N))
        X = X.at[:, 0].add(y) / jnp.sqrt(N)
        xm = (mask @ X) / cnt
        Xc = (X - xm) * mask[:, None]
        if M >= N:
            A = Xc.T @ Xc + 2 * lam * jnp.eye(N)
            cf = jax.scipy.linalg.cho_factor(A)

            def solve(s):
                return jax.scipy.linalg.cho_solve(cf, Xc.T @ (s - (mask @ s) / cnt))
        else:
            Kd = Xc @ Xc.T + 2 * lam * jnp.eye(M)
            cf = jax.scipy.linalg.cho_factor(Kd)

            def solve(s):
                return Xc.T @ jax.scipy.linalg.cho_solve(cf, (s - (mask @ s) / cnt) * mask)

        out = []
        s = s0
        h = jnp.zeros(M)  # the previous stage's predictions (set by stage 0 before use)
        for k in range(stages + 1):
            if k > 0:
                beta = betas[k - 1]
                soft = jnp.tanh(0.5 * jnp.where(jnp.isinf(beta), 1.0, beta) * h)
                pseudo = jnp.where(jnp.isinf(beta), jnp.sign(h), soft)
                s = xi * pseudo + (1 - xi) * s0
            w = solve(s)
            B = (mask @ s) / cnt - xm @ w
            h = X @ w + B
            m = w[0] / jnp.sqrt(N)
            Q = w @ w / N
            sq = jnp.sqrt(delta * Q)
            err = rho * _H((m + B) / sq) + (1 - rho) * _H((m - B) / sq)
            tr = (mask @ jnp.where(h * y > 0, 0.0, 1.0)) / cnt
            out.append(jnp.stack([m, Q, B, err, tr]))
        return jnp.stack(out)  # (stages+1, 5)

    return jax.vmap(one)(keys)


def _check(
    n_features,
    sample_ratio,
    delta,
    rho,
    corruption,
    lam,
    xi,
    steps,
    inverse_temperature,
    n_trials,
    seed,
    batch_size,
):
    n_features = check_int(n_features, "n_features", minimum=2)
    alpha = check_scalar(sample_ratio, "sample_ratio", low=0.0, low_open=True)
    delta = check_scalar(delta, "delta", low=0.0, low_open=True)
    lam = check_scalar(lam, "lam", low=0.0, low_open=True)
    rho = check_scalar(rho, "rho", low=0.0, high=1.0, low_open=True, high_open=True)
    flip = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    xi = check_scalar(xi, "xi")
    steps = check_int(steps, "steps", minimum=0)
    if isinstance(inverse_temperature, (str, bytes)) or inverse_temperature is None:
        raise TypeError(
            "inverse_temperature must be a number > 0 (inf: hard pseudo-labels) or "
            f"one per step, got {type(inverse_temperature).__name__}"
        )
    temps = np.atleast_1d(inverse_temperature)
    if temps.ndim != 1 or temps.size not in (1, steps) and steps > 0:
        raise ValueError(
            f"inverse_temperature must be a number or {steps} numbers (one per "
            f"step), got shape {temps.shape}"
        )
    betas = tuple(
        check_scalar(b, "inverse_temperature", low=0.0, low_open=True, allow_inf=True)
        for b in np.broadcast_to(temps, (steps,))
    )
    n_trials = check_n_trials(n_trials)
    check_seed(seed)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    M = int(round(alpha * n_features))
    if M < 2:
        raise ValueError(f"sample_ratio * n_features must give at least 2 samples, got {M}")
    return M, betas, (delta, rho, flip, lam, xi)


def simulate_gmm_sd(
    n_features,
    sample_ratio,
    delta,
    rho,
    *,
    corruption,
    lam,
    steps=1,
    inverse_temperature=np.inf,
    xi=1.0,
    n_trials=8,
    seed=0,
    batch_size=4,
    max_samples=None,
):
    r"""Per-trial overlaps and errors of the teacher and ``steps`` SD stages.

    Parameters
    ----------
    n_features : int
        Dimension ``N >= 2``.
    sample_ratio, delta, rho : float
        ``α = M/N > 0``, noise variance ``Δ > 0``, prior ``ρ ∈ (0, 1)`` of class ``+1``.
    corruption : float
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float
        Penalty ``λ > 0`` on ``(λ/2)‖w‖²`` (summed loss ``(h − s)²/4``).
    steps : int
        Number of SD stages after the teacher (``>= 0``).
    inverse_temperature : float or sequence
        ``β > 0`` of the pseudo-labels ``σ(β h)``, one or one per step (``inf``: hard labels).
    xi : float
        Weight on the teacher's pseudo-labels (1: pure SD as in Takanami et al.).
    n_trials : int
        Independent datasets (``>= 2``; ``jax.random.key(seed)`` split ``n_trials`` ways).
    seed : int or key
        An int ``>= 0`` or a ``jax.random`` key.
    batch_size : int
        Trials per vmapped call (memory: ``batch_size · M · N`` floats).
    max_samples : int, optional
        Draw this many rows (``≥ M``) and fit on the first ``M``: one JIT compilation then
        serves a whole sweep over ``α`` at fixed ``N`` (the draws differ from an unpadded run
        but have the same distribution).

    Returns
    -------
    pandas.DataFrame
        Tidy per-trial draws, one row per trial and step (``n_trials · (steps + 1)`` rows,
        trial-major), columns ``trial`` (``0..n_trials-1``), ``step`` (``0``: the teacher,
        ``1..steps``: the SD stages), ``m`` (``wᵀμ/√N``), ``Q`` (``‖w‖²/N``), ``b`` (the bias
        ``B``), ``test_error`` (exact test error on fresh data) and ``train_error_clean``
        (training error against the clean labels). :func:`gmm_sd_summary` turns them into means
        and standard errors.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> out = simulate_gmm_sd(50, 2.0, 1.0, 0.5, corruption=0.2, lam=0.5, steps=1, n_trials=2)
    >>> list(out.columns)
    ['trial', 'step', 'm', 'Q', 'b', 'test_error', 'train_error_clean']
    >>> len(out)
    4
    """
    M, betas, vals = _check(
        n_features,
        sample_ratio,
        delta,
        rho,
        corruption,
        lam,
        xi,
        steps,
        inverse_temperature,
        n_trials,
        seed,
        batch_size,
    )
    n_seeds, batch = n_trials, batch_size
    Mdraw = M
    if max_samples is not None:
        Mdraw = check_int(max_samples, "max_samples", minimum=M)
    with x64():
        raw, impl = trial_keys(check_seed(seed), n_seeds)
        args = f64(M, np.reshape(betas, -1), *vals)
        arr = run_batched(
            "gmm-sd",
            _batch,
            raw,
            args,
            batch=batch,
            static=(int(n_features), Mdraw, len(betas)),
            impl=impl,
            sources=(__file__,),
        )
    return _tidy(arr, _QUANTITIES)


def _tidy(arr, names):
    """``(n_trials, [n_steps,] len(names))`` draws → tidy frame ``trial, [step,] *names``."""
    n, n_steps = arr.shape[0], (arr.shape[1] if arr.ndim == 3 else 1)
    df = pd.DataFrame(arr.reshape(n * n_steps, len(names)), columns=list(names))
    df.insert(0, "trial", np.repeat(np.arange(n), n_steps))
    if arr.ndim == 3:
        df.insert(1, "step", np.tile(np.arange(n_steps), n))
    return df


def gmm_sd_summary(n_features, sample_ratio, delta, rho, *, corruption, lam, **kw) -> pd.DataFrame:
    """Mean and standard error over trials, one row per (stage, quantity), plus the paired gain
    ``test_error(teacher) − test_error(stage)`` (positive: the stage beats the teacher).

    Takes the arguments of :func:`simulate_gmm_sd`. Returns a tidy DataFrame with columns
    ``N, sample_ratio, stage, quantity, mean, se, n``.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> df = gmm_sd_summary(50, 2.0, 1.0, 0.5, corruption=0.2, lam=0.5, n_trials=2)
    >>> sorted(df.quantity.unique())[:2]
    ['Q', 'b']
    """
    out = simulate_gmm_sd(
        n_features, sample_ratio, delta, rho, corruption=corruption, lam=lam, **kw
    )
    return step_summary(out, _QUANTITIES, n_features=n_features, sample_ratio=sample_ratio)


def step_summary(out, quantities, *, n_features, sample_ratio) -> pd.DataFrame:
    """Mean ± SE over trials per (step, quantity) of a per-trial frame with ``trial, step``
    columns, plus the paired ``gain`` = teacher's test error − the step's (step 0: teacher).
    A quantity that is NaN in every trial of a step (e.g. ``R_prev`` of the teacher) is left out.
    """
    rows = []
    teacher = out[out.step == 0].set_index("trial").test_error
    for st, g in out.groupby("step", sort=True):
        g = g.set_index("trial")
        for qn in quantities:
            if g[qn].isna().all():
                continue
            ms = mean_se(g[qn].to_numpy())
            rows.append({"step": st, "quantity": qn, "mean": ms.mean, "se": ms.se, "n": ms.n})
        if st > 0:  # paired over trials
            ms = mean_se((teacher - g.test_error).to_numpy())
            rows.append({"step": st, "quantity": "gain", "mean": ms.mean, "se": ms.se, "n": ms.n})
    df = pd.DataFrame(rows)
    df.insert(0, "N", int(n_features))
    df.insert(1, "sample_ratio", float(sample_ratio))
    return df


def gmm_sd_convergence(
    ns, sample_ratio, delta, rho, *, corruption, lam, n_trials_at=None, **kw
) -> pd.DataFrame:
    """:func:`gmm_sd_summary` at growing ``N`` (keeping ``α``), stacked (tidy DataFrame).

    ``n_trials_at`` maps ``N`` to the number of trials (default: ``n_trials`` from ``kw`` or 8). The
    finite-``N`` means approach their limit as ``N`` grows (bias ``O(1/N)``, spread
    ``O(1/√N)`` per seed), which is what makes the largest ``N`` usable as a reference.

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> df = gmm_sd_convergence([50], 2.0, 1.0, 0.5, corruption=0.2, lam=0.5, n_trials=2)
    >>> [int(v) for v in df.N.unique()]
    [50]
    """
    if isinstance(ns, (str, bytes)) or ns is None:
        raise TypeError(f"ns must be a sequence of ints >= 2, got {type(ns).__name__}")
    ns = [check_int(n, "ns", minimum=2) for n in np.atleast_1d(np.asarray(ns, dtype=object))]
    frames = []
    for n in ns:
        kk = dict(kw)
        if n_trials_at is not None:
            if not hasattr(n_trials_at, "get") or n not in n_trials_at:
                raise TypeError(
                    f"n_trials_at must map every N in ns to a number of trials "
                    f"(an int >= 2), missing N = {n}"
                )
            kk["n_trials"] = check_int(n_trials_at[n], "n_trials_at", minimum=2)
        frames.append(
            gmm_sd_summary(n, sample_ratio, delta, rho, corruption=corruption, lam=lam, **kk)
        )
    return pd.concat(frames, ignore_index=True)


def gmm_sd_corruption_scan(n_features, sample_ratio, delta, rho, *, corruptions, lam, z=4.0, **kw):
    """Paired gain of one SD stage over the teacher across flip probabilities, and where it wins.

    Parameters
    ----------
    n_features, sample_ratio, delta, rho, lam
        As in :func:`simulate_gmm_sd`.
    corruptions : array_like
        Flip probabilities ``θ ∈ [0, 1]`` to scan.
    z : float
        Significance threshold ``> 0`` of a win (``gain > z·gain_se``).
    **kw
        Further arguments of :func:`simulate_gmm_sd` (``steps`` is fixed to 1).

    Returns
    -------
    table : pandas.DataFrame
        Tidy, one row per corruption: ``corruption, teacher_error, teacher_se, sd_error, sd_se,
        gain, gain_se``.
    wins : list of (float, float)
        Maximal runs of consecutive corruptions where ``gain > z·gain_se`` (first and last
        such value of each run).

    See the theory page :doc:`/theory/classification`.

    Examples
    --------
    >>> tab, wins = gmm_sd_corruption_scan(50, 2.0, 1.0, 0.5, corruptions=[0.1, 0.3], lam=0.5,
    ...                                    n_trials=2)
    >>> list(tab.columns)[:3]
    ['corruption', 'teacher_error', 'teacher_se']
    """
    z = check_scalar(z, "z", low=0.0, low_open=True)
    if isinstance(corruptions, (str, bytes)) or corruptions is None:
        raise TypeError(f"corruptions must be numbers in [0, 1], got {type(corruptions).__name__}")
    if np.ndim(corruptions) > 1:
        raise ValueError(f"corruptions must be 1-D, got shape {np.shape(corruptions)}")
    grid = [check_scalar(v, "corruptions", low=0.0, high=1.0) for v in np.atleast_1d(corruptions)]
    rows = []
    kw = {**kw, "steps": 1}
    for th in grid:
        out = simulate_gmm_sd(n_features, sample_ratio, delta, rho, corruption=th, lam=lam, **kw)
        e = out.pivot(index="trial", columns="step", values="test_error")
        t, s, g = (mean_se(v.to_numpy()) for v in (e[0], e[1], e[0] - e[1]))
        rows.append(
            {
                "corruption": th,
                "teacher_error": t.mean,
                "teacher_se": t.se,
                "sd_error": s.mean,
                "sd_se": s.se,
                "gain": g.mean,
                "gain_se": g.se,
            }
        )
    tab = pd.DataFrame(rows)
    wins, cur = [], None
    for th, ok in zip(tab.corruption, tab.gain > z * tab.gain_se):
        if ok:
            cur = (th, th) if cur is None else (cur[0], th)
        elif cur is not None:
            wins.append(cur)
            cur = None
    if cur is not None:
        wins.append(cur)
    return tab, [(float(a), float(b)) for a, b in wins]
