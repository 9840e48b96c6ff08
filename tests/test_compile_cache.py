"""The persistent JAX compilation cache: on by default, per directory, opt-out, user dir respected.

Each case runs a tiny ridge Monte Carlo in a fresh subprocess (the cache is read and written
across processes) and counts the files in the cache directory. The ridge programs are also kept
as compiled executables (``sdtheory-aot/`` in the cache directory): a second process must then
not trace, lower or compile anything, and must give the same numbers bit for bit.
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
    counts = {"hits": 0, "misses": 0, "compiles": 0, "traces": 0}
    def listen(event, **kwargs):
        for name in ("hits", "misses"):
            if event == "/jax/compilation_cache/cache_" + name:
                counts[name] += 1
    def listen_duration(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            counts["compiles"] += 1
        elif event == "/jax/core/compile/jaxpr_trace_duration":
            counts["traces"] += 1
    jax.monitoring.register_event_listener(listen)
    jax.monitoring.register_event_duration_secs_listener(listen_duration)
    user_dir = sys.argv[1] if len(sys.argv) > 1 else None
    if user_dir:
        jax.config.update("jax_compilation_cache_dir", user_dir)
    from sdtheory.problem import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo
    from sdtheory.simulate._common import enable_compilation_cache
    X = np.random.default_rng(0).normal(size=(12, 3))
    problem = LinearProblem(X, np.ones(3), 0.5)
    r = ridge_sd_monte_carlo(problem, lam=[1.0, 2.0], xi=[[0.5], [3.0]], n_trials=9, seed=1)
    assert np.all(np.isfinite(r.mean))
    print("RESULT", *[float(v).hex() for v in np.ravel([r.mean, r.se])])
    print("COUNTS", counts["hits"], counts["misses"], counts["compiles"], counts["traces"])
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
    result, rest = out.stdout.split("RESULT", 1)[1].split("COUNTS", 1)
    counts, cache_dir = rest.split("CACHE_DIR", 1)
    hits, misses, compiles, traces = map(int, counts.split())
    return cache_dir.strip(), hits, misses, compiles, traces, result.split()


def _files(path):
    return sorted(
        os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs
    )


def test_second_process_compiles_nothing_new(tmp_path):
    cache = tmp_path / "cache"
    cache_dir, _, _, compiles, traces, result = _run(cache)
    assert cache_dir == str(cache)
    assert compiles > 0 and traces > 0  # the counters see the first process compile
    first = _files(cache)
    assert first, "the first process wrote no cache entries"
    assert any(f.startswith("sdtheory-aot") for f in first), first
    cache_dir, hits, misses, compiles, traces, again = _run(cache)
    assert cache_dir == str(cache)
    assert _files(cache) == first, "the second process wrote new entries (cache misses)"
    # the ridge programs come back as executables: no trace, no lowering, no compile at all
    assert (misses, compiles, traces) == (0, 0, 0), (hits, misses, compiles, traces)
    assert again == result


def test_broken_executable_file_is_replaced(tmp_path):
    """A corrupt or truncated cached executable is removed and compiled again, same numbers."""
    cache = tmp_path / "cache"
    result = _run(cache)[-1]
    aot = cache / "sdtheory-aot"
    files = sorted(aot.iterdir())
    assert files
    for f in files:
        f.write_bytes(b"not an executable")
    _, _, _, compiles, _, again = _run(cache)
    assert compiles > 0 and again == result
    assert sorted(aot.iterdir()) == files and all(f.stat().st_size > 100 for f in files)


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


def test_executable_cache_keeps_the_most_recent(tmp_path, monkeypatch):
    """Beyond MAX_FILES executables, the least recently used are removed when one is stored."""
    import numpy as np

    from sdtheory.simulate import _aot

    monkeypatch.setattr(_aot, "MAX_FILES", 2)
    monkeypatch.setattr(_aot, "cache_dir", lambda: str(tmp_path))
    monkeypatch.setattr(_aot, "_memory", {})
    folder = tmp_path / "sdtheory-aot"
    for i in range(4):
        _aot.aot_program(
            f"p{i}", lambda x: x + 1.0, (np.zeros(3),), structure=(), sources=(__file__,)
        )
        for j, f in enumerate(sorted(folder.iterdir(), key=lambda f: f.stat().st_mtime)):
            os.utime(f, (j, j))  # distinct times, in creation order
    names = sorted(f.name.split("-")[0] for f in folder.iterdir())
    assert names == ["p2", "p3"]
    # a loaded program is marked as used: it survives the next eviction
    monkeypatch.setattr(_aot, "_memory", {})
    prog = _aot.aot_program(
        "p2", lambda x: x + 1.0, (np.zeros(3),), structure=(), sources=(__file__,)
    )
    np.testing.assert_array_equal(np.asarray(prog(np.ones(3))), 2.0)
    _aot.aot_program("p4", lambda x: x * 2.0, (np.zeros(3),), structure=(), sources=(__file__,))
    assert sorted(f.name.split("-")[0] for f in folder.iterdir()) == ["p2", "p4"]
