"""The persistent JAX compilation cache: on by default, per directory, opt-out, user dir respected.

Each case runs a tiny ridge Monte Carlo in a fresh subprocess (the cache is read and written
across processes) and counts the files in the cache directory.
"""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import sdtheory
    assert "jax" not in sys.modules, "import sdtheory must not import JAX"
    import jax
    counts = {"hits": 0, "misses": 0}
    def listen(event, **kwargs):
        for name in counts:
            if event == "/jax/compilation_cache/cache_" + name:
                counts[name] += 1
    jax.monitoring.register_event_listener(listen)
    user_dir = sys.argv[1] if len(sys.argv) > 1 else None
    if user_dir:
        jax.config.update("jax_compilation_cache_dir", user_dir)
    from sdtheory.problem import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo
    from sdtheory.simulate._common import enable_compilation_cache
    X = np.random.default_rng(0).normal(size=(12, 3))
    problem = LinearProblem(X, np.ones(3), 0.5)
    r = ridge_sd_monte_carlo(problem, lam=1.0, xi=0.5, n_trials=8, seed=1)
    assert np.isfinite(r.mean)
    print("COUNTS", counts["hits"], counts["misses"])
    print("CACHE_DIR", enable_compilation_cache())
    """
)


def _run(env_cache, *args):
    env = dict(os.environ)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    # cache every program, however fast it compiled, so that the file count is deterministic
    env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    env["JAX_PLATFORMS"] = "cpu"
    env["SDTHEORY_JAX_CACHE"] = str(env_cache)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    counts, cache_dir = out.stdout.split("COUNTS", 1)[1].split("CACHE_DIR", 1)
    hits, misses = map(int, counts.split())
    return cache_dir.strip(), hits, misses


def _files(path):
    return sorted(
        os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs
    )


def test_second_process_compiles_nothing_new(tmp_path):
    cache = tmp_path / "cache"
    assert _run(cache)[0] == str(cache)
    first = _files(cache)
    assert first, "the first process wrote no cache entries"
    cache_dir, hits, misses = _run(cache)
    assert cache_dir == str(cache)
    assert _files(cache) == first, "the second process wrote new entries (cache misses)"
    assert hits > 0 and misses == 0, (hits, misses)


@pytest.mark.parametrize("off", ["0", "off"])
def test_opt_out_writes_nothing(tmp_path, off):
    home = tmp_path / "home"
    home.mkdir()
    env_before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    try:
        assert _run(off)[0] == "None"
    finally:
        if env_before is None:
            os.environ.pop("XDG_CACHE_HOME")
        else:
            os.environ["XDG_CACHE_HOME"] = env_before
    assert _files(home) == []


def test_user_cache_dir_is_respected(tmp_path):
    ours, users = tmp_path / "ours", tmp_path / "users"
    assert _run(ours, users)[0] == str(users)
    assert not ours.exists()
    assert _files(users)


def test_unwritable_dir_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert _run(blocker / "jax")[0] == "None"
