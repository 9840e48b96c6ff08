"""The multi-process Monte Carlo: 2 CPU processes on localhost give the one-process numbers.

Each worker process calls ``jax.distributed.initialize`` first (coordinator on a free local
port), then runs the ridge Monte Carlo with ``devices="all"``: the trial blocks are sharded over
the devices of both processes, exchanged with a cross-process all-gather (gloo collectives on
CPU) and reduced in each process. Both processes must report bitwise the numbers of a single
process (mean, SE and every trial). The workers run with a timeout and are killed on expiry, so
a stuck collective fails the test instead of hanging it.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

WORKER = textwrap.dedent(
    """
    import hashlib, json, sys
    import jax
    port, pid, n_trials, batch_size = map(int, sys.argv[1:5])
    batch_size = batch_size or None  # 0: the default block size
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid,
        initialization_timeout=60,
    )
    import numpy as np
    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 12))
    theta = rng.standard_normal(12)
    prob = LinearProblem(X, theta, 1.3, weights="prediction")
    res, trials = ridge_sd_monte_carlo(
        prob, lam=[[0.4], [2.0]], xi=[-0.5, 1.0, 2.5], n_trials=n_trials, seed=3,
        noise_dist="laplace", batch_size=batch_size, devices="all", return_trials=True,
    )
    out = {
        "process": jax.process_index(), "n_processes": jax.process_count(),
        "n_devices": len(jax.devices()), "n": res.n,
        "mean": [float(v).hex() for v in np.ravel(res.mean)],
        "se": [float(v).hex() for v in np.ravel(res.se)],
        "trials_sha": hashlib.sha256(np.ascontiguousarray(trials).tobytes()).hexdigest(),
        "shape": list(trials.shape),
    }
    # the generic runner (multi-step, kernel simulators) takes the same multi-process path
    from sdtheory.simulate import simulate_multistep
    ms = simulate_multistep(prob, lam=0.7, xis=[1.5, -0.5], n_trials=40, seed=2, batch_size=8,
                            devices="all")
    out["multistep"] = [float(v).hex() for v in np.ravel([ms.mean, ms.se])]
    print("RESULT" + json.dumps(out), flush=True)
    jax.distributed.shutdown()
    """
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _single_process(n_trials, batch_size):
    from sdtheory import LinearProblem
    from sdtheory.simulate import ridge_sd_monte_carlo

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 12))
    theta = rng.standard_normal(12)
    prob = LinearProblem(X, theta, 1.3, weights="prediction")
    res, trials = ridge_sd_monte_carlo(
        prob,
        lam=[[0.4], [2.0]],
        xi=[-0.5, 1.0, 2.5],
        n_trials=n_trials,
        seed=3,
        noise_dist="laplace",
        batch_size=batch_size,
        return_trials=True,
    )
    from sdtheory.simulate import simulate_multistep

    ms = simulate_multistep(prob, lam=0.7, xis=[1.5, -0.5], n_trials=40, seed=2, batch_size=8)
    return {
        "multistep": [float(v).hex() for v in np.ravel([ms.mean, ms.se])],
        "n": res.n,
        "mean": [float(v).hex() for v in np.ravel(res.mean)],
        "se": [float(v).hex() for v in np.ravel(res.se)],
        "trials_sha": hashlib.sha256(np.ascontiguousarray(trials).tobytes()).hexdigest(),
        "shape": list(trials.shape),
    }


def _run_two_processes(n_trials, batch_size, timeout=120):
    port = _free_port()
    env = dict(os.environ)
    env["JAX_PLATFORMS"] = "cpu"
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(port), str(i), str(n_trials), str(batch_size or 0)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    outs = []
    try:
        for p in procs:
            stdout, stderr = p.communicate(timeout=timeout)
            assert p.returncode == 0, stderr[-3000:]
            line = [ln for ln in stdout.splitlines() if ln.startswith("RESULT")][-1]
            outs.append(json.loads(line[len("RESULT") :]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return outs


def _check(n_trials, batch_size):
    outs = _run_two_processes(n_trials, batch_size)
    ref = _single_process(n_trials, batch_size)
    assert sorted(o["process"] for o in outs) == [0, 1]
    for o in outs:
        assert o["n_processes"] == 2 and o["n_devices"] == 2
        for key in ("n", "mean", "se", "trials_sha", "shape", "multistep"):
            assert o[key] == ref[key], (key, o[key], ref[key])


def test_two_processes_equal_one_process():
    # 3 main blocks of 16 (one step of 2 devices, then a step with an idle device) and
    # 7 tail blocks of 2 (the last one short): every path of the schedule
    _check(n_trials=61, batch_size=16)


@pytest.mark.slow
def test_two_processes_equal_one_process_default_blocks():
    _check(n_trials=5001, batch_size=None)
