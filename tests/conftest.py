"""Test configuration: hypothesis profiles and a headless matplotlib.

BLAS is limited to one thread per process (see below).

Profiles: ``ci`` (default; derandomized, no deadline, moderate example counts) and ``dev``
(random, more examples). Select with ``HYPOTHESIS_PROFILE=dev``.
"""

import os

import matplotlib
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")

# One BLAS thread per test process: the suite runs with ``-n 2`` on 2 cores, and a
# multi-threaded BLAS on busy cores makes small solves hundreds of times slower.
threadpool_limits(1)

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
