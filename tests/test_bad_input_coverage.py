"""Every public callable of the package has bad-input tests.

The per-part suites (``test_bad_input_<part>.py``, ``test_problem.py``, ``test_cli.py``) try the
input kinds one by one; this file only makes sure none of the public names was left out: each
callable exported by a subpackage's ``__all__`` must be called by name in at least one of them.
A new public function therefore fails here until its bad input is tested.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SUITES = sorted(ROOT.glob("test_bad_input_*.py")) + [
    ROOT / "test_problem.py",
    ROOT / "test_validation.py",
    ROOT / "test_cli.py",
]
TEXT = "\n".join(p.read_text() for p in SUITES if p.exists())

MODULES = [
    "sdtheory",
    "sdtheory.problem",
    "sdtheory.ridge",
    "sdtheory.ridge.symbolic",
    "sdtheory.iterated",
    "sdtheory.iterated.symbolic",
    "sdtheory.asymptotics",
    "sdtheory.classification",
    "sdtheory.simulate",
    "sdtheory.bridge",
    "sdtheory.estimators",
    "sdtheory.testing",
]


# Result containers: frozen dataclasses the package returns; users do not build them from input
# (their methods that take input, e.g. Derivation.__call__, are tested in the part's suite).
RESULTS = {
    "AlphaPath",
    "ClusteredAccuracy",
    "ConstrainedRounds",
    "CurvatureTest",
    "Derivation",
    "GMMFirstStage",
    "GMMMultistage",
    "GMMSDStage",
    "KernelEigen",
    "KernelSDFit",
    "LogisticFit",
    "MCResult",
    "MultistepOptimum",
    "OptimalSchedule",
    "PartialLabelAccuracy",
    "RidgeOptimum",
    "RiskParts",
    "SDOptimum",
    "SDQuadratic",
    "SDvsRidge",
    "Split",
    "SymbolicProblem",
}


def _public_callables():
    names = set()
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        public = getattr(mod, "__all__", None) or [
            n for n in vars(mod) if not n.startswith("_") and not inspect.ismodule(vars(mod)[n])
        ]
        for name in public:
            obj = getattr(mod, name)
            if not callable(obj):
                continue
            if inspect.isclass(obj) and issubclass(obj, Warning):
                continue  # a warning category takes no user input
            if name in RESULTS:
                continue
            try:
                if not inspect.signature(obj).parameters:
                    continue  # takes no input at all
            except (TypeError, ValueError):
                pass
            names.add(name)
    return sorted(names)


@pytest.mark.parametrize("name", _public_callables())
def test_public_callable_has_bad_input_tests(name):
    assert re.search(rf"\b{re.escape(name)}\b", TEXT), (
        f"{name} is public but no bad-input suite calls it (add it to test_bad_input_<part>.py)"
    )
