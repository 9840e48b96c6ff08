"""Multi-device Monte Carlo: sharded over 4 (virtual CPU) devices equals the single-device path.

The 4 devices are made with ``XLA_FLAGS=--xla_force_host_platform_device_count=4``, which must be
set before JAX starts, hence a subprocess. Eigen's intra-op threading is switched off there:
with more virtual devices than cores, XLA:CPU was seen to stall on large per-device blocks
sharing its thread pool. The subprocess has a timeout so a stall fails instead of hanging.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent(
    """
    import json
    import jax
    import numpy as np
    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo
    from sdtheory.simulate._sharding import TrialRunner, run_trials, trial_keys
    from sdtheory.simulate._common import x64

    out = {"n_devices": len(jax.devices())}
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8))
    theta = rng.standard_normal(8)
    lam, xi = np.array([[0.3], [2.0]]), np.array([-1.0, 0.5, 3.0])
    cases = []
    for dist, weights, n_trials, bs in [("gaussian", "parameter", 301, 32),
                                        ("rademacher", "prediction", 250, 16)]:
        prob = LinearProblem(X, theta, 1.5, weights=weights)
        seed = 7 if dist == "gaussian" else jax.random.key(7)  # an int seed and a typed key
        kw = dict(lam=lam, xi=xi, n_trials=n_trials, seed=seed, noise_dist=dist, batch_size=bs,
                  return_trials=True)
        a, ta = ridge_sd_monte_carlo(prob, **kw)
        b, tb = ridge_sd_monte_carlo(prob, devices="all", **kw)
        cases.append({
            "trials_equal": bool(np.array_equal(ta, tb)),
            "mean_equal": bool(np.array_equal(a.mean, b.mean)),
            "se_equal": bool(np.array_equal(a.se, b.se)),
            "n": [a.n, b.n],
            "max_abs_diff": float(np.max(np.abs(ta - tb))),
        })
    out["cases"] = cases

    # the multi-step and kernel simulators go through the same runner
    from sdtheory import KernelProblem
    from sdtheory.simulate import simulate_kernel_sd, simulate_multistep

    Z = rng.standard_normal((15, 3))
    kprob = KernelProblem(Z @ Z.T, rng.standard_normal(15), 0.5)
    lprob = LinearProblem(X, theta, 1.5, weights="prediction")
    multi = []
    for fn, prob in [(simulate_multistep, lprob), (simulate_kernel_sd, kprob)]:
        kw = dict(lam=0.7, xis=[1.5, -0.5], n_trials=90, seed=2, batch_size=8)
        a, b = fn(prob, **kw), fn(prob, devices="all", **kw)
        multi.append(bool(np.array_equal(a.mean, b.mean) and np.array_equal(a.se, b.se)))
    out["multistep_kernel_equal"] = multi

    # the generic helper: a runner over all devices really spreads each block over 4 devices
    def one_trial(key, scale):
        return scale * jax.random.normal(key, (3,))

    with x64():
        keys = trial_keys(seed=3, n_trials=50)
        runner = TrialRunner(one_trial, devices="all", batch_size=4)
        sharded = np.concatenate([v for _, v in runner.blocks(keys, np.float64(2.0))])
        out["runner_devices"] = runner.n_devices
        out["output_devices"] = runner.last_output_devices
        single = run_trials(one_trial, keys, np.float64(2.0), batch_size=4)
        out["helper_equal"] = bool(np.array_equal(sharded, single))
        out["helper_shape"] = list(sharded.shape)
    print("RESULT" + json.dumps(out))
    """
)


def _run_4_devices():
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        "--xla_force_host_platform_device_count=4 --xla_cpu_multi_thread_eigen=false "
        "intra_op_parallelism_threads=1"
    )
    env["JAX_PLATFORMS"] = "cpu"
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert res.returncode == 0, res.stderr[-3000:]
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT") :])


def test_sharded_equals_unsharded_on_4_cpu_devices():
    out = _run_4_devices()
    assert out["n_devices"] == 4
    assert out["runner_devices"] == 4
    assert out["output_devices"] == 4  # each block's output lived on all 4 devices
    assert out["helper_equal"] and out["helper_shape"] == [50, 3]
    assert out["multistep_kernel_equal"] == [True, True]
    for case in out["cases"]:
        assert case["trials_equal"], case  # bitwise, per trial
        assert case["mean_equal"] and case["se_equal"], case
        assert case["n"][0] == case["n"][1]


def test_devices_argument_validation():
    from sdtheory.simulate._sharding import resolve_devices

    with pytest.raises(ValueError, match="devices"):
        resolve_devices("some")
    with pytest.raises(TypeError, match="devices"):
        resolve_devices(3)
    with pytest.raises(TypeError, match="devices"):
        resolve_devices(["cpu"])
    with pytest.raises(ValueError, match="devices"):
        resolve_devices([])


def test_single_device_list_equals_default():
    import jax

    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo

    rng = np.random.default_rng(1)
    prob = LinearProblem(rng.standard_normal((10, 4)), rng.standard_normal(4), 1.0)
    kw = dict(lam=0.5, xi=[0.0, 2.0], n_trials=40, seed=0, batch_size=16)
    a = ridge_sd_monte_carlo(prob, **kw)
    b = ridge_sd_monte_carlo(prob, devices=jax.devices()[:1], **kw)
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.se, b.se)


def test_block_padding_and_order():
    """Blocks come back in trial order; padded trials are dropped; batch size never changes
    which key a trial gets."""
    import jax

    from sdtheory.simulate._sharding import run_trials, trial_keys, trial_mean_se

    def one_trial(key):
        return jax.random.uniform(key, ())

    keys = trial_keys(seed=5, n_trials=23)
    ref = run_trials(one_trial, keys, batch_size=23)
    for bs in (1, 5, 7, 30):
        got = run_trials(one_trial, keys, batch_size=bs)
        assert got.shape == (23,)
        # elementwise ops only: identical for every block shape
        np.testing.assert_array_equal(got, ref)
    res = trial_mean_se(one_trial, keys, batch_size=5)
    ref64 = ref.astype(np.float64)
    assert res.n == 23
    np.testing.assert_allclose(res.mean, ref64.mean(), rtol=1e-12)
    np.testing.assert_allclose(res.se, ref64.std(ddof=1) / np.sqrt(23), rtol=1e-10)
    with pytest.raises(ValueError, match="n_trials"):
        trial_keys(seed=0, n_trials=0)
    with pytest.raises(ValueError, match="batch_size"):
        run_trials(one_trial, keys, batch_size=0)
