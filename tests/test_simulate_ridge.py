"""The ridge self-distillation Monte Carlo on its own: inputs, determinism, shapes, noise laws,
and each trial's fit against an independent NumPy solve (no theory involved)."""

import numpy as np
import pytest

from sdtheory import LinearProblem
from sdtheory.simulate import NOISE_DISTS, ridge_sd_monte_carlo, ridge_sd_noise
from tests._env import require
from tests._tol import RTOL_EXACT, Z

RNG = np.random.default_rng(20230131)
X_TALL = RNG.standard_normal((12, 5))
TH_TALL = RNG.standard_normal(5)
X_WIDE = RNG.standard_normal((6, 9))
TH_WIDE = RNG.standard_normal(9)


def _numpy_student(X, theta, eta, lam, xi, lam_t, W):
    """Per-trial reference: np.linalg.solve (LU) on the normal equations, loss (θ−θ*)ᵀW(θ−θ*)."""
    d = X.shape[1]
    y = X @ theta + eta
    A_t = X.T @ X + lam_t * np.eye(d)
    A_s = X.T @ X + lam * np.eye(d)
    th_t = np.linalg.solve(A_t, X.T @ y)
    target = xi * (X @ th_t) + (1.0 - xi) * y
    th_s = np.linalg.solve(A_s, X.T @ target)
    e = th_s - theta
    return e @ W @ e


LAM = np.array([[0.2], [1.5]])
XI = np.array([-1.5, 0.0, 1.0, 2.5])
N_TRIALS = 20


def _mc(X, theta, noise, lam, xi, n_trials, seed, *, weights="parameter", **kw):
    """One Monte Carlo call on the LinearProblem (X, θ*, σ², weights)."""
    prob = LinearProblem(X, theta, noise, weights=weights)
    return ridge_sd_monte_carlo(prob, lam=lam, xi=xi, n_trials=n_trials, seed=seed, **kw)


def _std(X, theta, *, noise=0.7, seed=11, **kw):
    """The standard call (one grid shape, one trial count, Laplace noise): compiled once per
    design shape and weighting, reused across tests."""
    kw.setdefault("noise_dist", "laplace")
    return _mc(X, theta, noise, LAM, XI, N_TRIALS, seed, **kw)


# ------------------------------------------------------------------ per-trial fits
@pytest.mark.parametrize("X,theta", [(X_TALL, TH_TALL), (X_WIDE, TH_WIDE)], ids=["d<n", "d>n"])
@pytest.mark.parametrize("weights", ["parameter", "prediction", "matrix"])
def test_each_trial_matches_numpy_solve(X, theta, weights):
    n, d = X.shape
    if weights == "matrix":
        A = np.random.default_rng(3).standard_normal((d, d))
        W_arg = W = A @ A.T / d
    else:
        W_arg = weights
        W = np.eye(d) if weights == "parameter" else X.T @ X / n
    lam, xi, n_trials, noise = LAM, XI, N_TRIALS, 0.7
    res, trials = _std(X, theta, noise=noise, seed=11, weights=W_arg, return_trials=True)
    eta = ridge_sd_noise(n, noise=noise, n_trials=n_trials, seed=11, noise_dist="laplace")
    ref = np.empty((n_trials, 2, 4))
    for t in range(n_trials):
        for i in range(2):
            for j in range(4):
                ref[t, i, j] = _numpy_student(X, theta, eta[t], lam[i, 0], xi[j], lam[i, 0], W)
    np.testing.assert_allclose(trials, ref, rtol=RTOL_EXACT, atol=0)
    np.testing.assert_allclose(res.mean, ref.mean(0), rtol=RTOL_EXACT)
    np.testing.assert_allclose(res.se, ref.std(0, ddof=1) / np.sqrt(n_trials), rtol=1e-8)


def test_xi_zero_is_ridge_and_teacher_lam():
    """ξ = 0 is the teacher's ridge fit; a separate teacher λ_t changes only ξ ≠ 0."""
    X, theta = X_TALL, TH_TALL
    n, d = X.shape
    eta = ridge_sd_noise(n, noise=2.0, n_trials=N_TRIALS, seed=4, noise_dist="laplace")
    _, tr = _std(X, theta, noise=2.0, seed=4, return_trials=True)
    for t in range(N_TRIALS):
        for i in range(2):
            ridge = np.linalg.solve(X.T @ X + LAM[i, 0] * np.eye(d), X.T @ (X @ theta + eta[t]))
            assert tr[t, i, 1] == pytest.approx(np.sum((ridge - theta) ** 2), rel=RTOL_EXACT)
    lam_t = np.array([[5.0], [0.1]])
    _, tr2 = _std(X, theta, noise=2.0, seed=4, teacher_lam=lam_t, return_trials=True)
    np.testing.assert_allclose(tr2[:, :, 1], tr[:, :, 1], rtol=RTOL_EXACT)
    for t in range(N_TRIALS):
        for i in range(2):
            for j in (0, 2, 3):
                ref = _numpy_student(X, theta, eta[t], LAM[i, 0], XI[j], lam_t[i, 0], np.eye(d))
                assert tr2[t, i, j] == pytest.approx(ref, rel=RTOL_EXACT)


def test_zero_noise_is_deterministic():
    res = _std(X_TALL, TH_TALL, noise=0.0)
    # identical trials; only batched rounding (SIMD lane position) can differ between rows
    assert np.all(res.se <= RTOL_EXACT * res.mean)
    for i in range(2):
        for j in range(4):
            ref = _numpy_student(
                X_TALL, TH_TALL, np.zeros(12), LAM[i, 0], XI[j], LAM[i, 0], np.eye(5)
            )
            assert res.mean[i, j] == pytest.approx(ref, rel=RTOL_EXACT)


# ------------------------------------------------------------------ determinism and shapes
def test_same_seed_same_numbers_other_seed_other_numbers():
    a = _std(X_TALL, TH_TALL, seed=5)
    b = _std(X_TALL, TH_TALL, seed=5)
    c = _std(X_TALL, TH_TALL, seed=6)
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.se, b.se)
    assert not np.array_equal(a.mean, c.mean)


def test_batch_size_changes_only_rounding():
    a, ta = _std(X_WIDE, TH_WIDE, seed=1, return_trials=True)
    b, tb = _std(X_WIDE, TH_WIDE, seed=1, batch_size=7, return_trials=True)
    np.testing.assert_allclose(ta, tb, rtol=RTOL_EXACT)  # same noise, same trial order
    assert a.n == b.n == N_TRIALS


def test_shapes():
    r = _mc(X_TALL, TH_TALL, 1.0, 0.5, 1.0, N_TRIALS, 0, noise_dist="laplace")
    assert isinstance(r.mean, float) and isinstance(r.se, float) and r.n == N_TRIALS
    mean, se, n = _std(X_TALL, TH_TALL)
    assert mean.shape == se.shape == (2, 4) and n == N_TRIALS
    r, tr = _mc(
        X_TALL, TH_TALL, 1.0, 0.5, 1.0, N_TRIALS, 0, noise_dist="laplace", return_trials=True
    )
    assert tr.shape == (N_TRIALS,)
    assert r.mean == pytest.approx(tr.mean(), rel=1e-14)


def test_weight_matrix_identity_equals_parameter():
    a = _std(X_WIDE, TH_WIDE, seed=2)
    b = _std(X_WIDE, TH_WIDE, seed=2, weights=np.eye(9))
    np.testing.assert_allclose(a.mean, b.mean, rtol=RTOL_EXACT)


# ------------------------------------------------------------------ noise laws
@pytest.mark.parametrize("dist", NOISE_DISTS)
def test_noise_laws_have_mean_zero_and_the_given_variance(dist):
    noise = 2.5
    eta = ridge_sd_noise(
        50, noise=noise, n_trials=400, seed=9, noise_dist=dist
    ).ravel()  # 20,000 draws
    m = eta.mean()
    assert abs(m) <= Z * eta.std(ddof=1) / np.sqrt(eta.size)
    sq = eta**2
    assert abs(sq.mean() - noise) <= Z * sq.std(ddof=1) / np.sqrt(sq.size) + 1e-12 * noise
    if dist == "rademacher":
        np.testing.assert_allclose(np.abs(eta), np.sqrt(noise), rtol=1e-15)
    if dist == "uniform":
        assert np.abs(eta).max() <= np.sqrt(3 * noise)
    if dist == "gaussian":  # excess kurtosis 0 (SE √(24/N) for a normal sample); others −2, −1.2, 3
        k = (eta**4).mean() / noise**2 - 3
        assert abs(k) <= Z * np.sqrt(24 / eta.size)


def test_noise_draws_are_those_of_the_simulation():
    """The draws scale with γ (that they are the simulation's own η is checked per trial in
    test_each_trial_matches_numpy_solve)."""
    a = ridge_sd_noise(7, noise=1.0, n_trials=30, seed=3)
    b = ridge_sd_noise(7, noise=4.0, n_trials=30, seed=3)
    np.testing.assert_allclose(b, 2.0 * a, rtol=1e-15)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"n_trials": 1}, ValueError, "n_trials"),
        ({"n_trials": 2.5}, TypeError, "n_trials"),
        ({"noise": -1.0}, ValueError, "noise"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": [1.0, 2.0]}, TypeError, "noise"),
        ({"lam": 0.0}, ValueError, "lam"),
        ({"lam": -1.0}, ValueError, "lam"),
        ({"lam": float("nan")}, ValueError, "lam"),
        ({"xi": float("nan")}, ValueError, "xi"),
        ({"xi": float("inf")}, ValueError, "xi"),
        ({"lam": [1.0, 2.0], "xi": [1.0, 2.0, 3.0]}, ValueError, "broadcast"),
        ({"teacher_lam": [1.0, 2.0, 3.0]}, ValueError, "teacher_lam"),
        ({"teacher_lam": -1.0}, ValueError, "teacher_lam"),
        ({"X": np.ones((3, 2, 1))}, ValueError, "X"),
        ({"X": np.ones((0, 5))}, ValueError, "X"),
        ({"X": np.full((12, 5), np.nan)}, ValueError, "X"),
        ({"theta_star": np.ones(4)}, ValueError, "theta_star"),
        ({"theta_star": np.ones((5, 1))}, ValueError, "theta_star"),
        ({"noise_dist": "cauchy"}, ValueError, "noise_dist"),
        ({"weights": "population"}, ValueError, "weights"),
        ({"weights": -np.eye(5)}, ValueError, "weights"),
        ({"weights": np.eye(4)}, ValueError, "weights"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "a"}, TypeError, "seed"),
        ({"devices": "gpu0"}, ValueError, "devices"),
    ],
)
def test_bad_input_names_the_argument(kwargs, exc, match):
    args = dict(X=X_TALL, theta_star=TH_TALL, noise=1.0, lam=0.5, xi=1.0, n_trials=4, seed=0)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        prob = LinearProblem(
            args.pop("X"),
            args.pop("theta_star"),
            args.pop("noise"),
            weights=args.pop("weights", "parameter"),
        )
        ridge_sd_monte_carlo(prob, **args)


def test_bad_input_noise_helper():
    with pytest.raises(ValueError, match="noise_dist"):
        ridge_sd_noise(3, noise=1.0, n_trials=2, seed=0, noise_dist="t")
    with pytest.raises(ValueError, match="noise"):
        ridge_sd_noise(3, noise=-1.0, n_trials=2, seed=0)
    with pytest.raises(ValueError, match="n"):
        ridge_sd_noise(0, noise=1.0, n_trials=2, seed=0)


def test_progress_bar_does_not_change_the_numbers(capsys):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 5))
    th = rng.standard_normal(5)
    a = _mc(X, th, 1.0, 0.5, [0.0, 2.0], 40, seed=3)
    b = _mc(X, th, 1.0, 0.5, [0.0, 2.0], 40, seed=3, progress=True, batch_size=8)
    c = _mc(X, th, 1.0, 0.5, [0.0, 2.0], 40, seed=3, batch_size=8)
    np.testing.assert_array_equal(b.mean, c.mean)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
    assert "trial" in capsys.readouterr().err


# ------------------------------------------------------------------ import hygiene
def test_import_prints_no_warning():
    """Importing the simulators warns about nothing (in particular no TqdmWarning)."""
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-W", "error::Warning", "-c", "import sdtheory.simulate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Warning" not in res.stderr


def test_no_tqdm_warning_inside_a_notebook_kernel():
    """In a Jupyter kernel, importing the simulators and showing the progress bar prints no
    TqdmWarning (the bar is tqdm's plain text bar, which needs no ipywidgets)."""
    nbformat = require("nbformat", "test")
    nbclient = require("nbclient", "test")
    require("ipykernel", "test")
    code = (
        "import warnings\nwarnings.simplefilter('always')\nimport numpy as np\n"
        "from sdtheory import LinearProblem\nfrom sdtheory.simulate import ridge_sd_monte_carlo\n"
        "p = LinearProblem(np.eye(3), np.ones(3), noise=1.0)\n"
        "r = ridge_sd_monte_carlo(p, lam=1.0, xi=0.5, n_trials=20, progress=True)\n"
        "print('done', r.n)"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    text = "".join(out.get("text", "") + str(out.get("data", "")) for out in nb.cells[0].outputs)
    assert "done 20" in text
    assert "TqdmWarning" not in text and "IProgress" not in text
