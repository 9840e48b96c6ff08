"""Clustered-feature model: symmetry reduction vs full solves, corruption intervals, rounds."""

import numpy as np
import pytest

from sdtheory.classification import (
    clustered_accuracy,
    clustered_features,
    clustered_gram,
    clustered_labels,
    clustered_phase_diagram,
    corruption_range,
    fit_soft_logistic,
    linearized_sd_factors,
    multi_round_sd,
    soft_targets,
)
from sdtheory.classification._clustered_solver import TIE
from tests._tol import ATOL_LOGIT


def _full(n, c, d, K, m, lam, xi, features=False):
    """Teacher and student by full N-dimensional solves on explicit features (or the Gram)."""
    y, noisy = clustered_labels(n, n_corrupted_per_class=m, n_classes=K)
    A = (
        clustered_features(n, c, d, n_classes=K)
        if features
        else clustered_gram(n, c, d, n_classes=K)
    )
    q0 = noisy.astype(float) if K == 2 else np.eye(K)[noisy]
    fT = fit_soft_logistic(A, q0, lam=lam, gram=not features)
    fS = fit_soft_logistic(
        A,
        soft_targets(fT.probs, noisy, xi=xi, n_classes=None if K == 2 else K),
        lam=lam,
        gram=not features,
    )
    return y, noisy, fT, fS


def _acc(z, y, K):
    # correct ⟺ margin > TIE (ties up to rounding count as errors, as in the package)
    if K == 2:
        return float(np.mean(np.where(y == 1, z, -z) > TIE))
    zz = np.where(np.eye(K, dtype=bool)[y], -np.inf, z)
    return float(np.mean(z[np.arange(len(y)), y] - zz.max(1) > TIE))


@pytest.mark.parametrize("K, n, m", [(2, 6, 2), (3, 6, 2), (4, 6, 3)])
@pytest.mark.parametrize("xi", [-1.0, 0.5, 1.0, 3.0, 6.0])
def test_reduced_equals_full_feature_solve(K, n, m, xi):
    c, d, lam = 0.45, 0.1, 0.2
    y, noisy, fT, fS = _full(n, c, d, K, m, lam, xi, features=True)
    r = clustered_accuracy(n, c, d, corruption=m / n, lam=lam, xi=xi, n_classes=K)
    g = y * K + noisy
    zT, zS = r.teacher_logits[g], r.student_logits[g]
    if K == 2:
        zT, zS = zT[:, 0], zS[:, 0]
    else:  # softmax logits are defined up to a constant per point; λ > 0 makes Σ_k z_k fixed
        zT, zS = zT, zS
    np.testing.assert_allclose(fT.logits, zT, atol=ATOL_LOGIT, rtol=0)
    np.testing.assert_allclose(fS.logits, zS, atol=ATOL_LOGIT, rtol=0)
    assert r.teacher_train == _acc(fT.logits, y, K)
    assert r.student_train == _acc(fS.logits, y, K)
    # fresh point of each class: features √d e0 + √(c−d) e_{1+a} (no own direction)
    Xf = np.zeros((K, 1 + K + n * K))
    Xf[:, 0] = np.sqrt(d)
    Xf[np.arange(K), 1 + np.arange(K)] = np.sqrt(c - d)
    ya = np.arange(K)
    assert r.teacher_fresh == _acc(fT.predict_logits(Xf), ya, K)
    assert r.student_fresh == _acc(fS.predict_logits(Xf), ya, K)


def test_probe_values():
    # the probe of the theory page: binary n=50, c=0.4, d=0.1, corruption 0.3
    r = clustered_accuracy(
        50, 0.4, 0.1, corruption=0.3, lam=[0.1, 0.1, 0.1, 1.0, 1.0], xi=[1.0, 1.5, 3.0, 1.0, 3.0]
    )
    np.testing.assert_array_equal(r.teacher_train, [0.7, 0.7, 0.7, 1.0, 1.0])
    np.testing.assert_array_equal(r.student_train, [0.7, 1.0, 1.0, 1.0, 0.3])
    # and the same by full solves (N = 100)
    for lam, xi, want in [(0.1, 1.5, 1.0), (1.0, 3.0, 0.3)]:
        y, _, fT, fS = _full(50, 0.4, 0.1, 2, 15, lam, xi)
        assert _acc(fS.logits, y, 2) == want


def _realizable(n, K):
    step = K - 1
    return np.arange(0, n + 1, step)


@pytest.mark.parametrize(
    "K, n, lam, xi, on, p_max",
    [
        (2, 50, 0.1, 2.0, "train", None),  # one interval (0.034, 0.451)
        (2, 50, 0.3, 4.0, "train", None),  # a narrow interior interval (0.255, 0.291)
        (2, 50, 1.0, 3.0, "train", None),  # empty
        (2, 40, 0.05, 1.5, "train", None),
        (3, 30, 0.1, 2.0, "train", None),
        (3, 30, 0.3, 6.0, "fresh", 0.99),  # fresh points: only beyond p ≈ 0.906
    ],
)
def test_interval_endpoints_confirmed_by_full_solves(K, n, lam, xi, on, p_max):
    c, d = 0.4, 0.1
    ivs = corruption_range(n, c, d, lam=lam, xi=xi, n_classes=K, on=on, corruption_max=p_max)
    ks = _realizable(n, K)
    ps = ks / n
    p_max = (K - 1) / K if p_max is None else p_max

    def gain(k):
        y, _, fT, fS = _full(n, c, d, K, int(k), lam, xi)
        if on == "train":
            return _acc(fS.logits, y, K) - _acc(fT.logits, y, K)
        Kf = np.where(np.arange(K)[:, None] == np.repeat(np.arange(K), n)[None], c, d)
        return _acc(Kf @ fS.coef, np.arange(K), K) - _acc(Kf @ fT.coef, np.arange(K), K)

    checked = 0
    for lo, hi in ivs:
        for e in (lo, hi):
            if e <= 0 or e >= p_max:
                continue
            inside = ps[(ps > lo + 1e-12) & (ps < hi - 1e-12)]
            outside = ps[(ps < lo - 1e-12) | (ps > hi + 1e-12)]
            k_in = ks[np.argmin(np.abs(ps - e) + 10 * ~np.isin(ps, inside))]
            k_out = ks[np.argmin(np.abs(ps - e) + 10 * ~np.isin(ps, outside))]
            assert gain(k_in) > 0, (e, k_in)
            assert gain(k_out) <= 0, (e, k_out)
            checked += 1
    # and the prediction is right at every realizable p (theory says where the gain is > 0)
    pred = np.array([any(lo < p < hi for lo, hi in ivs) for p in ps])
    r = clustered_accuracy(n, c, d, corruption=ps, lam=lam, xi=xi, n_classes=K)
    g = (
        (r.student_train - r.teacher_train)
        if on == "train"
        else (r.student_fresh - r.teacher_fresh)
    )
    assert ((g > 1e-12) == pred)[(ps > 0) & (ps < p_max)].all()
    assert checked == sum((lo > 0) + (hi < p_max) for lo, hi in ivs)


def test_interval_example_nonempty_and_empty():
    assert corruption_range(50, 0.4, 0.1, lam=1.0, xi=3.0) == []
    ivs = corruption_range(50, 0.4, 0.1, lam=0.1, xi=2.0)
    assert len(ivs) == 1 and 0.02 < ivs[0][0] < 0.04 and 0.44 < ivs[0][1] < 0.46


def test_phase_diagram_matches_pointwise():
    df = clustered_phase_diagram(
        20, 0.4, 0.1, corruption=[0.1, 0.25], xi=[0.5, 2.0, 4.0], lam=[0.1, 1.0]
    )
    assert len(df) == 12
    row = df[(df.corruption == 0.25) & (df.xi == 2.0) & (df.lam == 0.1)].iloc[0]
    r = clustered_accuracy(20, 0.4, 0.1, corruption=0.25, lam=0.1, xi=2.0)
    assert row.student_train == r.student_train and row.teacher_train == r.teacher_train
    assert (df.gain_train == df.student_train - df.teacher_train).all()


def test_linearized_closed_form_equals_eigen_route():
    # group-space linearized rounds (multi_round_sd) vs the eigen closed form on the full labels
    n, c, d, K, m, lam, xi, R = 8, 0.4, 0.1, 3, 2, 3.0, 1.7, 4
    fac = linearized_sd_factors(n, c, d, lam=lam, xi=xi, steps=R, n_classes=K)
    G = clustered_gram(n, c, d, n_classes=K)
    y, noisy = clustered_labels(n, n_corrupted_per_class=m, n_classes=K)
    Y = np.eye(K)[noisy] - 1.0 / K
    ev, U = np.linalg.eigh(G)
    nu_noise, nu_class = 1 - c, 1 - c + n * (c - d)
    assert np.isclose(ev, nu_noise).sum() == K * (n - 1)
    assert np.isclose(ev, nu_class).sum() == K - 1
    F = G @ np.linalg.inv(G + K * lam * np.eye(len(G)))
    u = F @ Y
    for t in range(R + 1):
        if t:
            u = F @ (xi * u + (1 - xi) * Y)
        coef = np.where(
            np.isclose(ev, nu_noise),
            fac.c_noise[t],
            np.where(np.isclose(ev, nu_class), fac.c_class[t], np.nan),
        )
        keep = ~np.isnan(coef)
        Uk = U[:, keep]
        np.testing.assert_allclose(Uk.T @ u, coef[keep, None] * (Uk.T @ Y), atol=1e-12)
    # ξ = 1: c_t = f^{t+1}
    f1 = linearized_sd_factors(n, c, d, lam=lam, xi=1.0, steps=3)
    np.testing.assert_allclose(f1.c_noise, f1.f_noise ** (np.arange(4) + 1), rtol=1e-12)


def test_multi_round_exact_rounds_and_linearization():
    n, c, d, p, lam, xi = 30, 0.4, 0.1, 0.2, 0.1, 1.5
    df = multi_round_sd(n, c, d, corruption=p, lam=lam, xi=xi, steps=3)
    # exact round 1 = the one-step student
    r = clustered_accuracy(n, c, d, corruption=p, lam=lam, xi=xi)
    assert df.train_acc[0] == r.teacher_train and df.train_acc[1] == r.student_train
    # large λ: linearization accurate; small λ: it is not (logits large)
    big = multi_round_sd(n, c, d, corruption=p, lam=20.0, xi=1.0, steps=3)
    small = multi_round_sd(n, c, d, corruption=p, lam=0.02, xi=1.0, steps=3)
    assert big.max_prob_err.max() < 1e-3
    assert small.max_prob_err.max() > 0.05
    # exact round 2 equals a student trained on the round-1 student by full solves
    y, noisy = clustered_labels(n, n_corrupted_per_class=6)
    G = clustered_gram(n, c, d)
    q0 = noisy.astype(float)
    f = fit_soft_logistic(G, q0, lam=lam, gram=True)
    for _ in range(2):
        f = fit_soft_logistic(G, soft_targets(f.probs, noisy, xi=xi), lam=lam, gram=True)
    assert df.train_acc[2] == _acc(f.logits, y, 2)


def test_simulated_labels_match_reduced_theory():
    from sdtheory.simulate import simulate_clustered_sd

    xis = np.array([-1.0, 1.0, 2.0, 6.0])
    for K, n, m in [(3, 12, 4)]:  # multinomial path (binary Gram path: logistic tests)
        sim = simulate_clustered_sd(
            n, 0.4, 0.1, n_corrupted_per_class=m, lam=0.1, xi=xis, n_classes=K, n_trials=2
        )
        th = clustered_accuracy(n, 0.4, 0.1, corruption=m / n, lam=0.1, xi=xis, n_classes=K)
        assert sim.grad_norm.max() < 1e-10
        teacher = sim[sim.role == "teacher"].sort_values("trial")
        np.testing.assert_array_equal(teacher.train_accuracy_clean, th.teacher_train[0])
        student = sim[sim.role == "student"].pivot(
            index="trial", columns="xi", values="train_accuracy_clean"
        )[xis]
        np.testing.assert_array_equal(
            student.to_numpy(), np.broadcast_to(th.student_train, (2, len(xis)))
        )


@pytest.mark.parametrize(
    "fn, kw, exc, match",
    [
        (clustered_accuracy, dict(c=0.1, d=0.4), ValueError, "d < c"),
        (clustered_accuracy, dict(c=1.0), ValueError, "c < 1"),
        (clustered_accuracy, dict(d=-0.1), ValueError, "0 <= d"),
        (clustered_accuracy, dict(corruption=1.2), ValueError, "corruption must"),
        (clustered_accuracy, dict(lam=0.0), ValueError, "lam"),
        (clustered_accuracy, dict(xi=float("nan")), ValueError, "xi"),
        (clustered_accuracy, dict(n_per_class=0), ValueError, "n_per_class"),
        (clustered_accuracy, dict(n_per_class=2.5), TypeError, "n_per_class"),
        (clustered_accuracy, dict(n_classes=1), ValueError, "n_classes"),
        (corruption_range, dict(on="test"), ValueError, "on"),
        (corruption_range, dict(corruption_max=0.0), ValueError, "corruption_max"),
        (corruption_range, dict(n_grid=2), ValueError, "n_grid"),
        (corruption_range, dict(lam=[0.1, 0.2]), TypeError, "lam must be a real number"),
    ],
)
def test_validation(fn, kw, exc, match):
    base = dict(n_per_class=10, c=0.4, d=0.1, lam=0.1, xi=2.0)
    if fn is clustered_accuracy:
        base["corruption"] = 0.2
    base.update(kw)
    with pytest.raises(exc, match=match):
        fn(**base)


def test_validation_helpers():
    with pytest.raises(ValueError, match="n_corrupted_per_class"):
        clustered_labels(10, n_corrupted_per_class=3, n_classes=3)
    with pytest.raises(ValueError, match="steps"):
        multi_round_sd(10, 0.4, 0.1, corruption=0.2, lam=0.1, xi=1.0, steps=-1)
    with pytest.raises(ValueError, match="lam"):
        linearized_sd_factors(10, 0.4, 0.1, lam=-1.0, xi=1.0, steps=2)
    with pytest.raises(ValueError, match="corruption must"):
        clustered_phase_diagram(10, 0.4, 0.1, corruption=[0.1, 2.0], xi=[1.0], lam=[0.1])


def test_validation_model_builders_and_simulation():
    from sdtheory.simulate import simulate_clustered_sd

    with pytest.raises(ValueError, match="d < c"):
        clustered_gram(5, 0.2, 0.3)
    with pytest.raises(ValueError, match="n_classes"):
        clustered_features(5, 0.4, 0.1, n_classes=1)
    with pytest.raises(TypeError, match="n_per_class"):
        clustered_gram(5.0, 0.4, 0.1)
    for kw, exc, match in [
        (dict(n_corrupted_per_class=11), ValueError, "n_corrupted_per_class"),
        (dict(c=0.1, d=0.2), ValueError, "d < c"),
        (dict(lam=0.0), ValueError, "lam"),
        (dict(xi=[np.nan]), ValueError, "xi"),
        (dict(n_trials=1.5), TypeError, "n_trials"),
    ]:
        base = dict(n_per_class=10, c=0.4, d=0.1, n_corrupted_per_class=2, lam=0.1, xi=[1.0])
        base.update(kw)
        with pytest.raises(exc, match=match):
            simulate_clustered_sd(**base)
