r"""Several self-distillation stages on the noisy Gaussian mixture (squared loss), coupled theory.

Stage ``t`` refits the ridge classifier on the same inputs with targets
``s_t = ξ_t φ_t(h_{t−1}) + (1 − ξ_t) s``, ``φ_t(h) = tanh(β_t h/2)`` (``sign`` for ``β_t = ∞``),
where ``h_{t−1}`` are the previous stage's training predictions and ``s`` the noisy labels.
The saddle point couples every stage to all earlier ones through the joint Gaussian law of the
cavity fields ``(ω_1, …, ω_t)`` (overlap matrix ``Q_{tk} = w_tᵀw_k/N``), the response functions
``χ_{tk}`` and the reaction coefficients ``Γ_{tk}``. Derived on the theory page
:doc:`/theory/multistage`; NumPy/SciPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .._validate import check_int, check_scalar
from ._gmm import gmm_test_error

__all__ = ["GMMMultistage", "gmm_multistage"]

# quadrature range of each standard-normal coordinate: ±7 (mass outside 2.6e-12) up to two
# coordinates, ±5.5 (3.8e-8) beyond, where the node count per coordinate must stay small
_MAX_STEPS = 4
_DEFAULT_NODES = {0: 1, 1: 64, 2: 40, 3: 20, 4: 14}
# largest n_nodes per number of steps: the quadrature holds (2 n_nodes)^steps points per
# (label, noisy label) pair, so memory and time grow like n_nodes^steps (≤ ~2.6e6 points)
_MAX_NODES = {0: 1000, 1: 1000, 2: 200, 3: 50, 4: 20}


def _lim(n_coords: int) -> float:
    return 7.0 if n_coords <= 2 else 5.5


@dataclass(frozen=True)
class GMMMultistage:
    """Result of :func:`gmm_multistage`: one entry per stage ``t = 1..T``, ``T = steps + 1``.

    Stage ``t = 1`` is the teacher (step 0 of ``steps``) and stage ``t`` is distillation step
    ``t − 1``; array index ``i = t − 1`` is therefore the step number. See the theory page
    :doc:`/theory/multistage`.

    Attributes
    ----------
    m, Q, b : ndarray, shape (T,)
        Overlap ``w_tᵀμ/√N``, self-overlap ``‖w_t‖²/N`` and bias of each stage.
    test_error : ndarray, shape (T,)
        ``ε(m_t, Q_t, b_t)`` (:func:`~sdtheory.classification.gmm_test_error`).
    train_error_clean, train_error_noisy : ndarray, shape (T,)
        Training error against the clean and against the given (noisy) labels.
    chi : ndarray, shape (T,)
        Susceptibility ``χ_t`` of each stage (``V_t = Δχ_t``).
    overlaps : ndarray, shape (T, T)
        ``w_sᵀw_t/N`` (diagonal: ``Q``).
    response : ndarray, shape (T, T)
        Lower-triangular response functions ``χ_{tk}`` (diagonal: ``chi``).
    reaction : ndarray, shape (T, T)
        Strictly lower-triangular reaction coefficients ``Γ_{tk}`` (``k < t``).
    lam, inverse_temperature, xis : ndarray
        The parameters used: ``lam`` has ``T`` values (teacher first); ``inverse_temperature``
        and the schedule ``xis`` have ``steps = T − 1`` values, entry ``j`` for step ``j + 1``
        (stage ``j + 2``).
    """

    m: np.ndarray
    Q: np.ndarray
    b: np.ndarray
    test_error: np.ndarray
    train_error_clean: np.ndarray
    train_error_noisy: np.ndarray
    chi: np.ndarray
    overlaps: np.ndarray
    response: np.ndarray
    reaction: np.ndarray
    lam: np.ndarray
    inverse_temperature: np.ndarray
    xis: np.ndarray

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame`, one row per fit: ``step, m, Q, b, test_error,
        train_error_clean, train_error_noisy, chi, lam, inverse_temperature, xi`` (``step``
        runs ``0..steps`` with 0 the teacher, as in the simulators; stage ``t`` is step
        ``t − 1``; the last two columns are NaN for the teacher)."""
        import pandas as pd

        T = self.m.size
        pad = np.concatenate([[np.nan], np.asarray(self.inverse_temperature, float)])
        padx = np.concatenate([[np.nan], np.asarray(self.xis, float)])
        return pd.DataFrame(
            {
                "step": np.arange(T),
                "m": self.m,
                "Q": self.Q,
                "b": self.b,
                "test_error": self.test_error,
                "train_error_clean": self.train_error_clean,
                "train_error_noisy": self.train_error_noisy,
                "chi": self.chi,
                "lam": self.lam,
                "inverse_temperature": pad,
                "xi": padx,
            }
        )


def _H(x):
    return 0.5 * special.erfc(np.asarray(x, dtype=np.float64) / np.sqrt(2.0))


def _chi(alpha, delta, lam):
    """Positive root of ``λΔχ² + (2λ + (α − 1)Δ)χ − 2 = 0`` (the ridge susceptibility)."""
    bq = 2 * lam + (alpha - 1) * delta
    disc = np.sqrt(bq**2 + 8 * lam * delta)
    return 4.0 / (bq + disc) if bq >= 0 else (disc - bq) / (2 * lam * delta)


class _State:
    """Solved stages ``1..d`` and a tensor-product quadrature over ``ζ_1..ζ_d`` per (y, s)."""

    def __init__(self, alpha, delta, rho, flip):
        self.alpha, self.delta, self.rho = alpha, delta, rho
        self.combos = [
            (py * ps, y, s)
            for y, py in ((1.0, rho), (-1.0, 1 - rho))
            for s, ps in ((y, 1 - flip), (-y, flip))
        ]
        # per combo: Z (n, d), W (n,), F (n, d) = f_1..f_d, Hl (n,) = h_d
        self.Z = [np.zeros((1, 0)) for _ in self.combos]
        self.W = [np.ones(1) for _ in self.combos]
        self.F = [np.zeros((1, 0)) for _ in self.combos]
        self.Hl = [np.zeros(1) for _ in self.combos]
        self.m: list[float] = []
        self.b: list[float] = []
        self.chi: list[float] = []
        self.V: list[float] = []
        self.Q = np.zeros((0, 0))
        self.L = np.zeros((0, 0))
        self.resp = np.zeros((0, 0))
        self.gam = np.zeros((0, 0))
        self.E = np.zeros((0, 0))
        self.err: list[float] = []
        self.tr_clean: list[float] = []
        self.tr_noisy: list[float] = []


def _solve_stage(st: _State, lam: float, beta: float, xi: float) -> dict:
    """Stage ``d + 1`` given the solved stages ``1..d`` in ``st`` (not modified)."""
    a, dl, rho = st.alpha, st.delta, st.rho
    d = len(st.m)
    chi = _chi(a, dl, lam)
    V = dl * chi
    kap = 2 + V
    c = a * dl / kap
    Ts = []
    for (_, _, s), Hl in zip(st.combos, st.Hl):
        if d == 0:
            Ts.append(np.full(1, s))
        else:
            phi = np.sign(Hl) if np.isinf(beta) else np.tanh(0.5 * beta * Hl)
            Ts.append(xi * phi + (1 - xi) * s)
    # E[∂T/∂ω_k] by Stein's lemma: E ∇_ω T = L^{-T} E[ζ T]/√Δ (jumps included)
    ezT = sum(P * (W * T) @ Z for (P, _, _), Z, W, T in zip(st.combos, st.Z, st.W, Ts))
    g = np.linalg.solve(st.L.T, ezT) / np.sqrt(dl) if d else np.zeros(0)
    chiE = st.resp @ st.E
    gam = np.linalg.solve(np.eye(d) + c * dl * chi * chiE.T, c * g) if d else np.zeros(0)
    chirow = chi * (st.resp.T @ gam) if d else np.zeros(0)
    Vrow = dl * chirow
    Us = [T - F @ Vrow for T, F in zip(Ts, st.F)]
    eU = g - st.E.T @ Vrow if d else np.zeros(0)
    s2 = 2 * rho - 1
    EU_c = [W @ U for W, U in zip(st.W, Us)]
    EU = sum(P * e for (P, _, _), e in zip(st.combos, EU_c))
    EyU = sum(P * y * e for (P, y, _), e in zip(st.combos, EU_c))
    mprev = np.asarray(st.m)
    kk = a * chi / kap
    m = (kk * (EyU - s2 * EU) + chi * (gam @ mprev if d else 0.0)) / (1 + 4 * rho * (1 - rho) * kk)
    b = EU - s2 * m
    mh = m / chi - (gam @ mprev if d else 0.0)
    means = [y * m + b for _, y, _ in st.combos]
    Qrow = np.zeros(d)
    Prow = np.zeros(d)
    for k in range(d):
        EfU = sum(P * W @ (F[:, k] * U) for (P, _, _), W, F, U in zip(st.combos, st.W, st.F, Us))
        Efm = sum(
            P * (W @ F[:, k]) * mu for (P, _, _), W, F, mu in zip(st.combos, st.W, st.F, means)
        )
        ak = c * (EfU - Efm - dl * (Qrow[:k] @ st.E[k, :k]))
        ck = -c * dl * st.E[k, k]
        inner = ak + st.gam[k, :k] @ Prow[:k]
        rhs = chi * (mh * st.m[k] + st.chi[k] * inner + gam @ st.Q[:, k])
        Qrow[k] = rhs / (1 - chi * st.chi[k] * ck)
        Prow[k] = st.chi[k] * (inner + ck * Qrow[k])
    ETw = sum(P * e * mu for (P, _, _), e, mu in zip(st.combos, EU_c, means)) + dl * (Qrow @ eU)
    Emean2 = sum(P * mu**2 for (P, _, _), mu in zip(st.combos, means))
    EU2 = sum(P * W @ U**2 for (P, _, _), W, U in zip(st.combos, st.W, Us))
    at = c / kap * (EU2 - 2 * ETw + Emean2)
    ct = c * dl / kap
    rhs = chi * (mh * m + chi * (at + gam @ Prow) + gam @ Qrow)
    Qtt = rhs / (1 - chi**2 * ct)
    if not (np.isfinite(Qtt) and Qtt > 0):  # pragma: no cover
        raise RuntimeError("gmm_multistage: no stable solution (Q ≤ 0)")
    return dict(
        lam=lam,
        chi=chi,
        V=V,
        kap=kap,
        gam=gam,
        chirow=chirow,
        m=float(m),
        b=float(b),
        Qrow=Qrow,
        Qtt=float(Qtt),
        Ts=Ts,
        Us=Us,
        err=float(gmm_test_error(m, Qtt, b, delta=dl, rho=rho)),
    )


def _advance(st: _State, sol: dict, n_nodes: int, extend: bool, lim: float = 7.0) -> _State:
    """Append the solved stage to ``st``; with ``extend`` add its coordinate to the quadrature."""
    d = len(st.m)
    dl = st.delta
    new = _State.__new__(_State)
    new.__dict__.update(st.__dict__)
    Q = np.zeros((d + 1, d + 1))
    Q[:d, :d] = st.Q
    Q[d, :d] = Q[:d, d] = sol["Qrow"]
    Q[d, d] = sol["Qtt"]
    L = np.zeros((d + 1, d + 1))
    L[:d, :d] = st.L
    for j in range(d):
        L[d, j] = (Q[d, j] - L[d, :j] @ L[j, :j]) / L[j, j]
    L[d, d] = np.sqrt(max(Q[d, d] - L[d, :d] @ L[d, :d], 1e-14 * Q[d, d]))
    resp = np.zeros((d + 1, d + 1))
    resp[:d, :d] = st.resp
    resp[d, :d] = sol["chirow"]
    resp[d, d] = sol["chi"]
    gam = np.zeros((d + 1, d + 1))
    gam[:d, :d] = st.gam
    gam[d, :d] = sol["gam"]
    E = np.zeros((d + 1, d + 1))
    E[:d, :d] = st.E
    E[d, :d] = sol["gam"] / (st.alpha * dl)
    E[d, d] = -1 / sol["kap"]
    new.Q, new.L, new.resp, new.gam, new.E = Q, L, resp, gam, E
    new.m = st.m + [sol["m"]]
    new.b = st.b + [sol["b"]]
    new.chi = st.chi + [sol["chi"]]
    new.V = st.V + [sol["V"]]
    new.err = st.err + [sol["err"]]
    kap, sq = sol["kap"], np.sqrt(dl)
    slope = 2 * sq * L[d, d] / kap
    trc = trn = 0.0
    Zs, Ws, Fs, Hs = [], [], [], []
    x, wq = np.polynomial.legendre.leggauss(n_nodes)
    for (P, y, s), Z, W, F, T, U in zip(st.combos, st.Z, st.W, st.F, sol["Ts"], sol["Us"]):
        # h_t = A + slope·ζ_t given ζ_1..ζ_{t−1}
        om0 = y * sol["m"] + sol["b"] + sq * (Z @ L[d, :d])
        A = T - 2 * (U - om0) / kap
        p_pos = _H(-A / slope)
        trc += P * W @ (1 - p_pos if y > 0 else p_pos)
        trn += P * W @ (1 - p_pos if s > 0 else p_pos)
        if not extend:
            continue
        cut = np.clip(-A / slope, -lim, lim)
        pieces = []
        for lo, hi in ((np.full_like(cut, -lim), cut), (cut, np.full_like(cut, lim))):
            half = 0.5 * (hi - lo)
            z = lo[:, None] + half[:, None] * (x[None, :] + 1)
            wz = half[:, None] * wq[None, :] * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
            pieces.append((z, wz))
        z = np.concatenate([p[0] for p in pieces], axis=1)  # (n_parent, 2K)
        wz = np.concatenate([p[1] for p in pieces], axis=1)
        k2 = z.shape[1]
        Wn = (W[:, None] * wz).ravel()
        Zn = np.concatenate([np.repeat(Z, k2, axis=0), z.reshape(-1, 1)], axis=1)
        om = (om0[:, None] + sq * L[d, d] * z).ravel()
        fn = (np.repeat(U, k2) - om) / kap
        Fs.append(np.concatenate([np.repeat(F, k2, axis=0), fn[:, None]], axis=1))
        Hs.append((A[:, None] + slope * z).ravel())
        Zs.append(Zn)
        Ws.append(Wn)
    new.tr_clean = st.tr_clean + [float(trc)]
    new.tr_noisy = st.tr_noisy + [float(trn)]
    if extend:
        new.Z, new.W, new.F, new.Hl = Zs, Ws, Fs, Hs
    return new


def _check_model(sample_ratio, delta, rho, corruption):
    alpha = check_scalar(sample_ratio, "sample_ratio", low=0.0, low_open=True)
    delta = check_scalar(delta, "delta", low=0.0, low_open=True)
    rho = check_scalar(rho, "rho", low=0.0, high=1.0, low_open=True, high_open=True)
    flip = check_scalar(corruption, "corruption", low=0.0, high=1.0)
    return alpha, delta, rho, flip


def _per_stage(x, name, count, **kw) -> np.ndarray:
    """A scalar or a 1-D sequence of ``count`` values, each checked by ``check_scalar``."""
    if isinstance(x, (str, bytes, dict)) or x is None:
        raise TypeError(f"{name} must be a number or {count} numbers, got {type(x).__name__}")
    if np.ndim(x) == 0:
        return np.full(count, check_scalar(x, name, **kw))
    try:
        arr = np.asarray(x, dtype=object)
    except Exception:  # pragma: no cover
        raise TypeError(f"{name} must be a number or {count} numbers") from None
    if arr.ndim != 1 or arr.size != count:
        raise ValueError(f"{name} must be a number or {count} numbers, got shape {arr.shape}")
    return np.array([check_scalar(v, name, **kw) for v in arr], dtype=np.float64)


def _check_schedule(steps, xi, xis) -> np.ndarray:
    """The ξ schedule (``steps`` values) from ``steps`` and exactly one of ``xi``/``xis``."""
    if xi is not None and xis is not None:
        raise TypeError(
            "give at most one of xi (one weight on the teacher for every step, with steps) "
            "and xis (one weight per step)"
        )
    if xis is not None:
        if isinstance(xis, (str, bytes, dict)) or np.ndim(xis) != 1:
            shape = type(xis).__name__ if isinstance(xis, (str, bytes, dict)) else np.shape(xis)
            raise ValueError(f"xis must be 1-D (xi_1, ..., xi_k), got {shape}")
        sched = np.array([check_scalar(v, "xis") for v in xis], dtype=np.float64)
        k = sched.size
        if steps is not None and check_int(steps, "steps", minimum=0) != k:
            raise ValueError(f"steps must equal len(xis) = {k}, got {steps}")
    else:
        k = 1 if steps is None else check_int(steps, "steps", minimum=0)
        sched = np.full(k, 1.0 if xi is None else check_scalar(xi, "xi"))
    if k > _MAX_STEPS:
        raise ValueError(f"steps must be an int in [0, {_MAX_STEPS}], got {k}")
    return sched


def _check_args(steps, lam, inverse_temperature, xi, xis, n_nodes):
    sched = _check_schedule(steps, xi, xis)
    k = sched.size
    T = k + 1
    lams = _per_stage(lam, "lam", T, low=0.0, low_open=True)
    betas = _per_stage(
        inverse_temperature, "inverse_temperature", k, low=0.0, low_open=True, allow_inf=True
    )
    if n_nodes is None:
        n = _DEFAULT_NODES[k]
    else:
        n = check_int(n_nodes, "n_nodes", minimum=2)
        if n > _MAX_NODES[k]:
            raise ValueError(
                f"n_nodes must be an int in [2, {_MAX_NODES[k]}] for steps={k} (the quadrature "
                f"holds (2·n_nodes)^steps points), got {n}"
            )
    return T, lams, betas, sched, n


def _result(st: _State, lams, betas, xis) -> GMMMultistage:
    return GMMMultistage(
        m=np.array(st.m),
        Q=np.diag(st.Q).copy(),
        b=np.array(st.b),
        test_error=np.array(st.err),
        train_error_clean=np.array(st.tr_clean),
        train_error_noisy=np.array(st.tr_noisy),
        chi=np.array(st.chi),
        overlaps=st.Q.copy(),
        response=st.resp.copy(),
        reaction=st.gam.copy(),
        lam=np.asarray(lams, float),
        inverse_temperature=np.asarray(betas, float),
        xis=np.asarray(xis, float),
    )


def gmm_multistage(
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
    n_nodes=None,
) -> GMMMultistage:
    r"""Overlaps, bias and test error of the teacher and ``steps`` coupled SD steps (squared loss).

    ``T = steps + 1`` ridge fits in all, numbered as stages ``t = 1..T``: stage 1 is the teacher
    (step 0) on the noisy labels; stage ``t = 2..T`` (distillation step ``t − 1``, as ``steps``
    counts in :func:`~sdtheory.simulate.simulate_gmm_sd`) is a ridge fit on the same inputs
    with targets ``s_t = ξ_t tanh(β_t h_{t−1}/2) + (1 − ξ_t) s`` (``β_t = ∞``: hard
    pseudo-labels ``sign h_{t−1}``), ``h_{t−1}`` the previous stage's training predictions.

    Parameters
    ----------
    sample_ratio, delta, rho : float
        ``α = M/N > 0``, noise variance ``Δ > 0`` and prior ``ρ ∈ (0, 1)`` of class ``+1``.
    corruption : float
        Label-flip probability ``θ ∈ [0, 1]``.
    lam : float or sequence of float
        Penalty ``λ_t > 0`` on ``(λ_t/2)‖w_t‖²``: one value for every fit, or one per fit
        (``T = steps + 1`` values, teacher first).
    steps : int, optional
        Distillation steps after the teacher, ``0 <= steps <= 4`` (``T = steps + 1`` fits).
        Default: ``len(xis)`` when ``xis`` is given, else 1 (one step, as
        :func:`~sdtheory.classification.gmm_sd_stage`).
    inverse_temperature : float or sequence of float
        ``β_t > 0`` (``inf``: hard), one value or one per step (``steps`` values; entry ``j``
        makes the targets of step ``j + 1``, stage ``j + 2``). ``β = 1/τ`` for the
        ``temperature`` ``τ`` of :class:`sdtheory.bridge.BridgeConfig`.
    xi : float, optional
        Weight ``ξ`` on the pseudo-labels at every step (default 1: pure SD).
    xis : sequence of float, optional
        Per-step schedule ``(ξ_1, …, ξ_steps)`` instead of ``xi`` (give at most one of the two;
        ``steps``, if given, must equal ``len(xis)``).
    n_nodes : int, optional
        Gauss–Legendre nodes per half-line and coordinate of the quadrature (default by
        ``steps``: 64, 40, 20, 14 for ``steps = 1..4``; at most 1000, 1000, 200, 50, 20 for
        ``steps = 0..4``: the quadrature holds ``(2·n_nodes)^steps`` points).

    Returns
    -------
    GMMMultistage

    Notes
    -----
    A training point's cavity fields ``(ω_1, …, ω_T)`` are jointly Gaussian with means
    ``y m_t + b_t`` and covariance ``Δ Q_{tk}``. Its residuals obey

    .. math:: f_t = \frac{s_t − ω_t − \sum_{k<t} V_{tk} f_k}{2 + V_t}, \qquad
              h_t = s_t − 2 f_t, \qquad V_{tk} = Δ χ_{tk},

    and each weight vector obeys ``(λ_t + αΔ/(2 + V_t)) w_t = m̂_t √N μ + n_t + Σ_{k<t} Γ_{tk}
    w_k`` with ``Γ_{tk} = αΔ E ∂f_t/∂ω_k``, ``m̂_t = α E[y f_t]``, ``n_tᵀn_k/N = αΔ E f_t f_k``,
    ``χ_{tk} = χ_t Σ_{k≤j<t} Γ_{tj} χ_{jk}``. Given stages ``1..t−1`` the stage-``t`` equations
    are linear in ``(Γ_{t·}, V_{t·})``, then in ``m_t``, ``b_t``, each ``Q_{tk}`` and ``Q_{tt}``
    (solved in closed form in that order). Expectations over ``(ω_1, …, ω_{t−1})`` use a nested
    Gauss–Legendre rule on ``[−7, 7]`` (``[−5.5, 5.5]`` for ``T ≥ 4``) per coordinate, split
    where ``h_k = 0`` (exact for the jumps of hard pseudo-labels); derivatives come from Stein's
    lemma. ``steps = 1`` reproduces
    :func:`~sdtheory.classification.gmm_sd_stage`, stage 1
    :func:`~sdtheory.classification.gmm_first_stage`. See :doc:`/theory/multistage`.

    References
    ----------
    K. Takanami, T. Takahashi and A. Sakata, "The effect of optimal self-distillation in noisy
    Gaussian mixture model", NeurIPS 2025 (arXiv 2501.16226), who treat several stages with the
    replica method; the equations here are derived independently for the squared loss.

    Examples
    --------
    >>> r = gmm_multistage(2.0, 1.0, 0.5, corruption=0.2, lam=1.0, steps=2)
    >>> bool(r.test_error[1] < r.test_error[0]), r.m.shape
    (True, (3,))
    >>> gmm_multistage(2.0, 1.0, 0.5, corruption=0.2, lam=1.0, xis=[1.0, 0.8]).xis
    array([1. , 0.8])
    """
    alpha, delta, rho, flip = _check_model(sample_ratio, delta, rho, corruption)
    T, lams, betas, sched, n = _check_args(steps, lam, inverse_temperature, xi, xis, n_nodes)
    st = _State(alpha, delta, rho, flip)
    for t in range(T):
        beta = betas[t - 1] if t else np.inf
        x = sched[t - 1] if t else 1.0
        sol = _solve_stage(st, float(lams[t]), float(beta), float(x))
        st = _advance(st, sol, n, extend=t < T - 1, lim=_lim(T - 1))
    return _result(st, lams, betas, sched)
