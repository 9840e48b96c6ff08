"""Partial-label (top-2) student in the clustered model: the reduced solve against full solves,
the tie rule, the winning intervals at their end points, and Monte Carlo against the exact
expectation under Bernoulli corruption."""

import numpy as np
import pytest

from sdtheory.classification import (
    clustered_features,
    clustered_gram,
    clustered_labels,
    fit_soft_logistic,
    partial_label_accuracy,
    partial_label_corruption_range,
    partial_label_expected_accuracy,
    partial_label_targets,
)

C, D = 0.4, 0.1


def _top2_ref(z, tol=1e-7):
    """Independent loop version of the tie rule (mean of ½·1{top-2} over random tie-breaks)."""
    out = np.zeros_like(z)
    for i, r in enumerate(z):
        t1 = np.flatnonzero(r >= r.max() - tol)
        if len(t1) >= 2:
            out[i, t1] = 1 / len(t1)
            continue
        rr = r.copy()
        rr[t1] = -np.inf
        t2 = np.flatnonzero(rr >= rr.max() - tol)
        out[i, t1] = 0.5
        out[i, t2] = 0.5 / len(t2)
    return out


def _accuracy(z, y):
    K = z.shape[1]
    other = np.where(np.eye(K, dtype=bool)[y], -np.inf, z).max(1)
    return float(np.mean(z[np.arange(y.size), y] - other > 1e-10))


def _full(K, n, noisy, lam, xi, gram=False):
    A = clustered_gram(n, C, D, n_classes=K) if gram else clustered_features(n, C, D, n_classes=K)
    Y = np.eye(K)[noisy]
    fT = fit_soft_logistic(A, Y, lam=lam, gram=gram)
    fP = fit_soft_logistic(A, _top2_ref(fT.logits), lam=lam, gram=gram)
    fS = fit_soft_logistic(A, xi * fT.probs + (1 - xi) * Y, lam=lam, gram=gram)
    return fT, fS, fP


@pytest.mark.parametrize("K, n, m, lam, xi", [(3, 6, 2, 0.1, 2.0), (4, 6, 3, 0.5, -1.0)])
def test_reduced_equals_full_solve_evenly_spread(K, n, m, lam, xi):
    y, noisy = clustered_labels(n, n_corrupted_per_class=m, n_classes=K)
    fT, fS, fP = _full(K, n, noisy, lam, xi)
    r = partial_label_accuracy(n, C, D, corruption=m / n, lam=lam, xi=xi, n_classes=K)
    g = y * K + noisy
    assert np.abs(fT.logits - r.teacher_logits[g]).max() < 1e-8
    assert np.abs(fP.logits - r.partial_logits[g]).max() < 1e-8
    assert np.array_equal(_top2_ref(fT.logits), r.partial_targets[g])
    assert r.teacher_train == _accuracy(fT.logits, y)
    assert r.student_train == _accuracy(fS.logits, y)
    assert r.partial_train == _accuracy(fP.logits, y)
    # the structural tie: a clean point's teacher logits on the other classes are equal, so its
    # target is 1/2 on its class and 1/(2(K-1)) on each other class
    clean = r.partial_targets[np.arange(K) * (K + 1)]
    assert np.allclose(clean, 0.5 * np.eye(K) + 0.5 / (K - 1) * (1 - np.eye(K)))


def test_reduced_equals_full_solve_uneven_counts():
    from sdtheory.classification._partial_label import _fits

    K, n, lam, xi = 3, 6, 0.3, 1.5
    counts = np.array([[4, 2, 0], [1, 5, 0], [1, 1, 4]])
    y = np.repeat(np.arange(K), n)
    noisy = np.concatenate([np.repeat(np.arange(K), counts[a]) for a in range(K)])
    fT, fS, fP = _full(K, n, noisy, lam, xi)
    red = _fits(n, C, D, K, counts.reshape(1, -1).astype(float), np.array([lam]), np.array([xi]))
    g = y * K + noisy
    for name, f in (("teacher", fT), ("student", fS), ("partial", fP)):
        assert np.abs(f.logits - red[name][1][0][g]).max() < 1e-8, name


def test_tie_rule():
    z = np.array([[2.0, 1.0, 0.0], [2.0, 0.0, 0.0], [1.0, 1.0, 0.0], [3.0, 3.0, 3.0]])
    assert np.array_equal(partial_label_targets(z), _top2_ref(z))
    assert partial_label_targets([1.0, 1.0, 1.0, -2.0]).tolist() == [1 / 3, 1 / 3, 1 / 3, 0.0]
    rng = np.random.default_rng(0)
    z = rng.integers(0, 3, size=(200, 5)).astype(float)  # many ties
    q = partial_label_targets(z)
    assert np.array_equal(q, _top2_ref(z))
    assert np.allclose(q.sum(1), 1.0)
    # equivariant under permuting the classes
    perm = rng.permutation(5)
    assert np.array_equal(partial_label_targets(z[:, perm]), q[:, perm])


def test_interval_end_points_against_full_solves():
    # accuracy by full solves at the corruption counts next to each end point (inside: the
    # partial-label student is strictly better; outside: it is not)
    K, n, lam, xi = 3, 60, 1.0, 2.0
    y = np.repeat(np.arange(K), n)
    ivs = partial_label_corruption_range(n, C, D, lam=lam, xi=xi, n_classes=K)
    assert ivs["teacher"] and ivs["student"]
    feasible = np.arange(0, 2 * n // 3 + 1, 2) / n  # even counts: evenly spread over 2 classes
    checked = 0
    for versus, col in (("teacher", 0), ("student", 1)):
        for lo, hi in ivs[versus]:
            for end, sign in ((lo, +1), (hi, -1)):
                if end < 1e-9 or end > 2 / 3 - 1e-6:
                    continue  # p = 0 and p = (K-1)/K are not interior end points
                p_in = feasible[(sign * (feasible - end) > 0) & (feasible > lo) & (feasible < hi)]
                p_out = feasible[sign * (feasible - end) < 0]
                p_in = p_in.min() if sign > 0 else p_in.max()
                p_out = p_out.max() if sign > 0 else p_out.min()
                for pv, wins in ((p_in, True), (p_out, False)):
                    _, noisy = clustered_labels(n, n_corrupted_per_class=round(pv * n), n_classes=K)
                    fits = _full(K, n, noisy, lam, xi, gram=True)
                    acc = [_accuracy(f.logits, y) for f in fits]
                    assert (acc[2] > acc[col]) == wins, (versus, end, pv, acc)
                checked += 1
    assert checked >= 2


def test_fresh_range_and_accuracy_shapes():
    r = partial_label_accuracy(10, C, D, corruption=[[0.1], [0.3]], lam=[0.1, 1.0], n_classes=3)
    assert r.partial_train.shape == (2, 2) and r.student_train is None
    f = partial_label_corruption_range(10, C, D, lam=0.3, xi=2.0, on="fresh", n_grid=41)
    assert set(f) == {"teacher", "student"}


def test_expected_accuracy_limits():
    # p = 0: no corruption, every fit is right; the teacher's training accuracy with small lam
    # equals the expected fraction of uncorrupted labels, 1 - p
    df = partial_label_expected_accuracy(3, C, D, corruption=0.0, lam=0.1, xi=2.0)
    assert np.allclose(df.train_accuracy_clean, 1.0)
    df = partial_label_expected_accuracy(4, C, D, corruption=0.3, lam=0.01, xi=2.0)
    assert abs(df.train_accuracy_clean.iloc[0] - 0.7) < 1e-12


def test_k2_rejected():
    with pytest.raises(ValueError, match="n_classes must be >= 3"):
        partial_label_accuracy(5, C, D, corruption=0.1, lam=0.1, n_classes=2)


def test_monte_carlo_matches_expectation():
    from sdtheory.simulate import simulate_partial_label
    from sdtheory.simulate._common import mean_se

    n, p, lam, xi = 4, 0.3, 0.1, 2.0
    sim = simulate_partial_label(n, C, D, corruption=p, lam=lam, xi=xi, n_trials=300, seed=3)
    assert sim.grad_norm.max() < 1e-9
    th = partial_label_expected_accuracy(n, C, D, corruption=p, lam=lam, xi=xi)
    for role in ("teacher", "student", "partial"):
        for q in ("train_accuracy_clean", "fresh_accuracy"):
            ms = mean_se(sim[sim.role == role][q].to_numpy())
            t = float(th[th.role == role][q].iloc[0])
            assert ms.se > 0
            assert abs(ms.mean - t) <= 4 * ms.se, (role, q, ms, t)
