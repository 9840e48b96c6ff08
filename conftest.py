"""Test configuration for tests/ and the doctests in sdtheory/: hypothesis profiles, a headless
matplotlib and a temporary JAX compilation cache.

BLAS is limited to one thread per process (see below).

Profiles: ``ci`` (default; derandomized, no deadline, moderate example counts) and ``dev``
(random, more examples). Select with ``HYPOTHESIS_PROFILE=dev``.
"""

import atexit
import os
import shutil
import tempfile

import matplotlib
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")

# One BLAS thread per test process: the suite runs with ``-n 2`` on 2 cores, and a
# multi-threaded BLAS on busy cores makes small solves hundreds of times slower.
threadpool_limits(1)

# The persistent JAX compilation cache goes to a temporary directory per test process (never the
# user's home); it is removed when the process ends.
_JAX_CACHE = tempfile.mkdtemp(prefix="sdtheory-jax-cache-")
os.environ["SDTHEORY_JAX_CACHE"] = _JAX_CACHE
atexit.register(shutil.rmtree, _JAX_CACHE, ignore_errors=True)

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
