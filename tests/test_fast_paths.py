"""Fast paths against the routes they replaced, on the same inputs.

- ``sd_risk`` (per-λ coefficients by matrix–vector products, grid by broadcasting) against the
  filter itself (``filter_risk(sd_filter(...))``, elementwise) and against the earlier
  vertex-form evaluation kept here (``_quadratic._rnd``: one ``(λ, r)`` array per term), with
  teacher penalties, risk weights, a null-space part and zero noise; its peak memory at
  d = 2000 on a 512 × 512 grid.
- the JAX batch Newton's features Hessian (matrix products) against the einsum form it replaced,
  its compiled temporary memory, and the fitted logits against the einsum-Hessian fit and the
  NumPy ``fit_soft_logistic``.
"""

import tracemalloc

import numpy as np
import pytest

from sdtheory import (
    Spectrum,
    filter_risk,
    optimal_xi,
    ridge_risk,
    sd_filter,
    sd_gain,
    sd_min_risk,
    sd_risk,
)
from sdtheory.ridge import _quadratic, _risk
from tests._tol import RTOL_EXACT

RTOL_FAST = 1e-12  # agreement with the route replaced (same formula, other rounding)


def _spectrum(seed, r, *, weights=False, null=0.0, noise=2.0, signal=True):
    rng = np.random.default_rng(seed)
    s2 = np.sort(rng.uniform(0.05, 5.0, r)) ** 2
    kw = {"weights": rng.uniform(0.3, 2.0, r)} if weights else {}
    energy = rng.exponential(1.0, r) if signal else np.zeros(r)
    return Spectrum(eigvals=s2, signal_energy=energy, noise=noise, null_risk=null, **kw)


def _old_grid(sp, lam, xi, lam_t=None):
    """The earlier vertex-form evaluation: E = P + D(ξ − ξ*)², R at ξ = 0 (per grid point)."""
    lam_b, xi_b = np.broadcast_arrays(lam, xi)
    lt = None if lam_t is None else np.broadcast_to(lam_t, lam_b.shape).ravel().copy()
    q = _quadratic._rnd(sp, lam_b.ravel().copy(), lt)
    E = q["P"] + q["D"] * (xi_b.ravel() - q["xi"]) ** 2
    return np.where(xi_b.ravel() == 0, q["R"], E).reshape(lam_b.shape)


CASES = [
    {"weights": False},
    {"weights": True},
    {"weights": True, "null": 0.7},
    {"noise": 0.0},
    {"signal": False},
    {"noise": 1e-6},  # SD removes almost all of the teacher's risk: the vertex must keep digits
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("teacher", [False, True])
def test_sd_risk_grid_matches_filter_and_earlier_route(case, teacher):
    sp = _spectrum(3, 60, **case)
    lam = np.geomspace(1e-3, 1e3, 17)[:, None]
    xi = np.concatenate([np.linspace(-3.0, 5.0, 12), [0.0, 1.0]])
    lam_t = np.geomspace(0.01, 30.0, 17)[:, None] if teacher else None
    got = sd_risk(sp, lam=lam, xi=xi, teacher_lam=lam_t)
    f = sd_filter(sp.eigvals, lam=lam, xi=xi, teacher_lam=lam_t)
    own = filter_risk(sp, f=f)
    np.testing.assert_allclose(got, own, rtol=1e-11, atol=0)
    np.testing.assert_allclose(got, _old_grid(sp, lam, xi, lam_t), rtol=RTOL_FAST, atol=0)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("teacher", [False, True])
def test_per_lambda_quantities_match_earlier_route(case, teacher):
    sp = _spectrum(5, 80, **case)
    lam = np.geomspace(1e-4, 1e4, 41)
    lam_t = np.geomspace(0.1, 10.0, 41) if teacher else None
    old = _quadratic._rnd(sp, lam, lam_t)
    kw = {} if lam_t is None else {"teacher_lam": lam_t}
    np.testing.assert_allclose(sd_min_risk(sp, lam=lam, **kw), old["P"], rtol=RTOL_FAST, atol=0)
    np.testing.assert_allclose(optimal_xi(sp, lam=lam, **kw), old["xi"], rtol=RTOL_FAST, atol=0)
    gain_old = np.where(old["D"] > 0, old["N"] ** 2 / np.where(old["D"] > 0, old["D"], 1), 0)
    np.testing.assert_allclose(sd_gain(sp, lam=lam, **kw), gain_old, rtol=1e-11, atol=0)
    if not teacher:
        np.testing.assert_allclose(ridge_risk(sp, lam=lam), old["R"], rtol=RTOL_FAST, atol=0)


def test_min_risk_far_below_teacher_keeps_its_digits():
    """Equal eigenvalues, tiny noise: min_ξ E ≪ R (R − N²/D would cancel); the filter's risk."""
    sp = Spectrum(eigvals=[2.0, 2.0, 2.0], signal_energy=[1.0, 0.5, 2.0], noise=1e-10)
    lam = np.geomspace(1e-2, 1e2, 9)
    P = sd_min_risk(sp, lam=lam)
    xs = optimal_xi(sp, lam=lam)
    own = np.array([filter_risk(sp, f=sd_filter(sp.eigvals, lam=a, xi=x)) for a, x in zip(lam, xs)])
    assert (P < 1e-5 * ridge_risk(sp, lam=lam)).all()
    np.testing.assert_allclose(P, own, rtol=1e-8, atol=0)


def test_xi_zero_is_ridge_exactly_and_scalar_inputs():
    sp = _spectrum(2, 30, weights=True)
    lam = np.geomspace(0.01, 100, 7)
    assert np.array_equal(sd_risk(sp, lam=lam, xi=0.0), ridge_risk(sp, lam=lam))
    assert isinstance(sd_risk(sp, lam=1.0, xi=0.5), float)
    assert sd_risk(sp, lam=1.0, xi=0.5) == pytest.approx(
        float(filter_risk(sp, f=sd_filter(sp.eigvals, lam=1.0, xi=0.5))), rel=RTOL_EXACT
    )


def test_extreme_penalties_stay_finite_and_exact():
    """λ from 1e-200 to 1e200: the filter factors lie in [0, 1], nothing overflows or vanishes."""
    sp = _spectrum(6, 40, weights=True, null=0.1)
    lam = np.array([1e-200, 1e-100, 1e-20, 1e20, 1e100, 1e200])
    xi = np.array([-2.0, 0.0, 0.5, 3.0])
    got = sd_risk(sp, lam=lam[:, None], xi=xi)
    own = filter_risk(sp, f=sd_filter(sp.eigvals, lam=lam[:, None], xi=xi))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, own, rtol=1e-11, atol=0)
    old = _quadratic._rnd(sp, lam)
    np.testing.assert_allclose(sd_min_risk(sp, lam=lam), old["P"], rtol=RTOL_FAST, atol=0)
    np.testing.assert_allclose(ridge_risk(sp, lam=lam), old["R"], rtol=RTOL_FAST, atol=0)


def test_non_diagonal_weights_use_the_matrix_route():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(8, 9))
    sp = Spectrum(
        eigvals=rng.uniform(0.5, 3.0, 8),
        signal=rng.normal(size=8),
        noise=0.4,
        weights=G @ G.T / 9,
    )
    lam, xi = np.geomspace(0.1, 10, 5)[:, None], np.linspace(-1, 2, 4)
    own = filter_risk(sp, f=sd_filter(sp.eigvals, lam=lam, xi=xi))
    np.testing.assert_allclose(sd_risk(sp, lam=lam, xi=xi), own, rtol=1e-11, atol=0)


def test_sd_risk_grid_peak_memory_is_a_few_results():
    """d = 2000, 512 × 512 grid: no (λ × r) array per term (the earlier route peaked at ~60 MB)."""
    sp = _spectrum(1, 2000, weights=True)
    lam, xi = np.geomspace(1e-3, 1e3, 512)[:, None], np.linspace(-1, 3, 512)
    sd_risk(sp, lam=lam, xi=xi)
    tracemalloc.start()
    try:
        E = sd_risk(sp, lam=lam, xi=xi)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the result, one grid-sized temporary, at most six (block × r) buffers and O(r) vectors
    bound = 2 * E.nbytes + 6 * _risk._BLOCK * 8 + 20 * 2000 * 8 + (1 << 20)
    assert peak <= bound, (peak, bound)


# ---------------------------------------------------------------------------- JAX Newton
def _hess_einsum(jnp, A, p):
    N, D = A.shape
    K = p.shape[1]
    S = jnp.einsum("ik,kl->ikl", p, jnp.eye(K)) - p[:, :, None] * p[:, None, :]
    return jnp.einsum("ia,ib,ikl->akbl", A, A, S).reshape(D * K, D * K)


@pytest.mark.parametrize("K", [2, 3, 5])
def test_jax_features_hessian_matches_einsum(K):
    import jax

    jnp = jax.numpy
    from sdtheory.simulate import _logistic
    from sdtheory.simulate._common import x64

    rng = np.random.default_rng(K)
    X = rng.standard_normal((30, 7))
    p = rng.dirichlet(np.ones(K), 30)
    with x64():
        got = np.asarray(_logistic._hess_features(jnp.asarray(X), jnp.asarray(p)))
        ref = np.asarray(_hess_einsum(jnp, jnp.asarray(X), jnp.asarray(p)))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    # no intermediate larger than B = (x_ia p_ik) and the result (the einsum is N·D²·K²)
    N, D = X.shape
    with x64():
        mem = (
            jax.jit(_logistic._hess_features)
            .lower(jnp.zeros((500, 50)), jnp.zeros((500, K)))
            .compile()
            .memory_analysis()
        )
    if mem is not None:
        assert mem.temp_size_in_bytes <= 2 * 8 * (500 * 50 * K + (50 * K) ** 2)


def test_jax_batch_logits_match_einsum_hessian_and_numpy(monkeypatch):
    import jax

    from sdtheory.classification import fit_soft_logistic
    from sdtheory.simulate import _logistic, fit_soft_logistic_batch

    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 6))
    Q = rng.dirichlet(np.ones(3), (3, 40)) * 1.4 - 0.4 / 3
    _, z_new, gn = fit_soft_logistic_batch(X, Q, lam=0.7)
    assert gn.max() <= 1e-10
    jax.clear_caches()
    monkeypatch.setattr(_logistic, "_hess_features", lambda A, p: _hess_einsum(jax.numpy, A, p))
    try:
        _, z_old, _ = fit_soft_logistic_batch(X, Q, lam=0.7)
    finally:
        jax.clear_caches()
    np.testing.assert_allclose(z_new, z_old, rtol=0, atol=1e-10)
    z_np = np.array([fit_soft_logistic(X, q, lam=0.7).logits for q in Q])
    np.testing.assert_allclose(z_new, z_np, rtol=0, atol=1e-10)


@pytest.mark.parametrize("K, gram", [(1, False), (1, True), (3, True)])
def test_jax_batch_other_modes_match_numpy(K, gram):
    """Binary features (Cholesky step), and the Gram forms, against the NumPy Newton."""
    from sdtheory.classification import fit_soft_logistic
    from sdtheory.simulate import fit_soft_logistic_batch

    rng = np.random.default_rng(10 + K)
    X = rng.standard_normal((30, 5))
    A = X @ X.T if gram else X
    if K == 1:
        Q = rng.uniform(-0.3, 1.3, (2, 30))
    else:
        Q = rng.dirichlet(np.ones(K), (2, 30)) * 1.4 - 0.4 / K
    _, z, gn = fit_soft_logistic_batch(A, Q, lam=0.4, gram=gram)
    assert gn.max() <= 1e-10
    z_np = np.array([fit_soft_logistic(A, q, lam=0.4, gram=gram).logits for q in Q])
    np.testing.assert_allclose(z, z_np, rtol=0, atol=1e-10)
