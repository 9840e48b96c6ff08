"""The classification and random-design simulators run as ahead-of-time programs kept on disk.

* the trial keys from an int seed are exactly ``jax.random.split(jax.random.key(seed), n)``;
* a program written by one process is loaded and run by the next with the same numbers, also
  when JAX's persistent cache already held the program when the file was written (an executable
  taken from that cache serializes without its kernels on the CPU and fails when run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from sdtheory.simulate import _aot
from sdtheory.simulate._common import x64

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3, np.int64(5)])
def test_trial_keys_equal_split_of_the_seed_key(seed):
    with x64():
        raw, impl = _aot.trial_keys(seed, 5)
        want = np.asarray(jax.random.key_data(jax.random.split(jax.random.key(int(seed)), 5)))
    assert impl == str(jax.config.jax_default_prng_impl)
    np.testing.assert_array_equal(raw, want)


def test_trial_keys_pass_keys_through():
    with x64():
        typed = jax.random.key(3)
        raw, _ = _aot.trial_keys(typed, 4)
        np.testing.assert_array_equal(
            raw, np.asarray(jax.random.key_data(jax.random.split(typed, 4)))
        )
        legacy = jax.random.PRNGKey(3)
        raw, _ = _aot.trial_keys(legacy, 4)
        np.testing.assert_array_equal(raw, np.asarray(jax.random.split(legacy, 4)))


def test_batches_pad_the_last_block_with_the_first_rows():
    raw = np.arange(10).reshape(5, 2)
    blocks = list(_aot.batches(raw, 2))
    assert [s for s, _ in blocks] == [0, 2, 4]
    np.testing.assert_array_equal(blocks[-1][1], raw[[4, 0]])


# one process: fill JAX's persistent cache with a program (slice, Cholesky) by plain jit, or
# write/load it through the simulators' ahead-of-time path and run it
_PROGRAM = """
import json, sys
import jax, jax.numpy as jnp, numpy as np
from sdtheory.simulate import _aot
from sdtheory.simulate import _aot
from sdtheory.simulate._common import x64

jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

def body(keys, a, scale, n):
    def one(key):
        x = scale * jax.random.normal(key, (n, n)) + n * jnp.eye(n)
        c = jax.scipy.linalg.cho_factor(x @ x.T)
        return jax.scipy.linalg.cho_solve(c, a)[1:3].sum() + jnp.linalg.norm(x[2:, :])
    return jax.vmap(one)(keys)

with x64():
    raw, impl = _aot.trial_keys(11, 3)
    args = (raw, *_aot.f64(np.arange(4.0), 0.5))
    if sys.argv[1] == "fill":
        fn = _aot._wrapped(body, (4,), impl)
        out = jax.jit(fn)(*args)
    else:
        prog = _aot.compiled("test-program", body, args, static=(4,), impl=impl,
                             sources=(_aot.__file__,))
        out = prog(*args)
    print(json.dumps(np.asarray(out).tolist()))
"""


def _run(mode, cache):
    env = dict(os.environ, SDTHEORY_JAX_CACHE=str(cache), PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_program_written_over_a_warm_jax_cache_runs_in_a_new_process(tmp_path):
    cache = tmp_path / "cache"
    ref = _run("fill", cache)  # JAX's persistent cache now holds the program
    shutil.rmtree(cache / "sdtheory-aot", ignore_errors=True)
    written = _run("aot", cache)  # compiles and writes the executable file
    files = list((cache / "sdtheory-aot").glob("test-program-*.jaxexe"))
    assert len(files) == 1
    loaded = _run("aot", cache)  # a new process loads the file and runs it
    np.testing.assert_array_equal(written, ref)
    np.testing.assert_array_equal(loaded, ref)
