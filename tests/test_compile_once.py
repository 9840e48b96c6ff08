"""The ridge Monte Carlo compiles once per problem structure.

After a warm-up call, new ``n_trials``, new ``λ``/``ξ``/noise/seed values, a ``ξ`` or ``λ`` list
of any new length (a scalar becoming a list included) and a teacher penalty must not trace or
compile anything. What is counted, through ``jax.monitoring``:

* ``backend compiles``: ``/jax/core/compile/backend_compile_duration`` events. JAX records one
  for every program that misses the in-memory jit cache, whether XLA then compiles it or loads it
  from the persistent compilation cache (the root conftest.py turns that cache on), so a
  persistent cache hit is still counted: the number is that of programs JAX had to obtain. (A
  program loaded as an executable from ``sdtheory-aot/`` is not counted: that is the point of it;
  tests/test_compile_cache.py checks a second process.)
* ``traces``: ``/jax/core/compile/jaxpr_trace_duration`` events (Python tracing of a jitted
  function), which precede any such compile.
"""

import contextlib
import logging

import jax
import numpy as np
import pytest

from sdtheory import LinearProblem
from sdtheory.simulate import ridge_sd_monte_carlo

COMPILE = "/jax/core/compile/backend_compile_duration"
TRACE = "/jax/core/compile/jaxpr_trace_duration"


@contextlib.contextmanager
def count_compiles():
    """Count backend compiles and traces of jitted programs inside the block."""
    counts = {"compiles": 0, "traces": 0}

    def listen(event, duration, **kwargs):
        if event == COMPILE:
            counts["compiles"] += 1
        elif event == TRACE:
            counts["traces"] += 1

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield counts
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


# a design shape used by no other test, so the first call compiles from scratch in this process
RNG = np.random.default_rng(42)
X = RNG.standard_normal((17, 7))
THETA = RNG.standard_normal(7)
PROB = LinearProblem(X, THETA, 0.8)


def _compile_logs(caplog):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Compiling ")]


def test_counter_sees_a_compile(caplog):
    """The counters themselves work: a new jitted function is traced and compiled once, and
    ``jax.log_compiles`` logs it."""
    f = jax.jit(lambda x: x * 3.0 + 1.0)
    with count_compiles() as c, jax.log_compiles(), caplog.at_level(logging.WARNING):
        f(np.arange(5.0))
    assert c == {"compiles": 1, "traces": 1}
    assert len(_compile_logs(caplog)) == 1


def test_compiles_once_per_structure(caplog):
    xi5 = [-1.0, 0.0, 0.5, 1.5, 3.0]
    with count_compiles() as first, jax.log_compiles(), caplog.at_level(logging.WARNING):
        a = ridge_sd_monte_carlo(PROB, lam=0.5, xi=xi5, n_trials=2000, seed=0)
    assert len(_compile_logs(caplog)) == first["compiles"]  # the log sees what the counter sees
    # the draw and fit programs, for the main block size and for the tail block size
    assert 1 <= first["compiles"] <= 4, first
    assert first["traces"] <= 4, first
    assert a.n == 2000 and np.all(np.isfinite(a.mean))

    calls = {
        "n_trials 1000": dict(lam=0.5, xi=xi5, n_trials=1000, seed=0),
        "n_trials 2001": dict(lam=0.5, xi=xi5, n_trials=2001, seed=0),
        "n_trials 37": dict(lam=0.5, xi=xi5, n_trials=37, seed=0),
        "new lam and xi values": dict(lam=2.5, xi=[0.1, 0.2, 0.3, 0.4, 7.0], n_trials=2000),
        "xi list of length 6": dict(lam=0.5, xi=np.linspace(-2, 2, 6), n_trials=2000),
        "xi list of length 7": dict(lam=0.5, xi=np.linspace(-2, 2, 7), n_trials=2000),
        "xi list of length 13": dict(lam=0.5, xi=np.linspace(-2, 2, 13), n_trials=300),
        "xi list of length 100": dict(lam=0.5, xi=np.linspace(-2, 4, 100), n_trials=300),
        "scalar xi": dict(lam=0.5, xi=2.0, n_trials=300),
        "lam list of length 3": dict(lam=[0.1, 1.0, 10.0], xi=1.5, n_trials=300),
        "lam x xi grid": dict(lam=[[0.1], [1.0], [3.0], [9.0]], xi=xi5, n_trials=300),
        "teacher_lam": dict(lam=[0.1, 1.0], xi=2.0, teacher_lam=0.3, n_trials=300),
        "new seed, noise law kept": dict(lam=0.5, xi=xi5, n_trials=2000, seed=123),
        "return_trials": dict(lam=0.5, xi=xi5, n_trials=999, return_trials=True),
    }
    for name, kw in calls.items():
        caplog.clear()
        with count_compiles() as c, jax.log_compiles(), caplog.at_level(logging.WARNING):
            out = ridge_sd_monte_carlo(PROB, **kw)
        assert c == {"compiles": 0, "traces": 0}, (name, c)
        assert _compile_logs(caplog) == [], name
        res = out[0] if kw.get("return_trials") else out
        assert res.n == kw["n_trials"], name


def test_lam_grid_and_noise_change_compile_nothing_new():
    prob = LinearProblem(X, THETA, 0.3, weights="prediction")
    kw = dict(xi=[0.5, 2.0], n_trials=300, seed=1)
    ridge_sd_monte_carlo(prob, lam=[[0.1], [0.2]], **kw)  # warm-up: 2 distinct λ
    other = LinearProblem(X + 1.0, THETA * 2.0, 1.7, weights="prediction")
    with count_compiles() as c:
        ridge_sd_monte_carlo(prob, lam=[[3.0], [0.01]], **kw)
        ridge_sd_monte_carlo(other, lam=[[1.0], [2.0]], **kw)  # new X, θ*, σ² values
    assert c == {"compiles": 0, "traces": 0}, c


@pytest.mark.parametrize("n_trials", [2, 31, 32, 33, 255, 256, 257, 600])
def test_block_edges_keep_every_trial_once(n_trials):
    """Trial counts around the block sizes (256 main, 32 tail): trial i is the same trial
    whatever n_trials is (its key depends on i only), none is dropped or repeated."""
    kw = dict(lam=0.5, xi=1.5, seed=5, return_trials=True)
    _, ref = ridge_sd_monte_carlo(PROB, n_trials=600, **kw)
    res, tr = ridge_sd_monte_carlo(PROB, n_trials=n_trials, **kw)
    assert tr.shape == (n_trials,) and res.n == n_trials
    np.testing.assert_allclose(tr, ref[:n_trials], rtol=1e-12)
    assert res.mean == pytest.approx(tr.mean(), rel=1e-13)
