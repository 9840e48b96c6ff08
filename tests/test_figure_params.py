"""Every figure records the parameters that made it in ``NAME.json`` beside its CSV."""

import ast
import importlib
import inspect
import json

import pytest

# cheap figures (quick mode, a few seconds each) and the parameters each JSON must carry
CHEAP = {
    "ridge-xi-star-vs-noise": {"eigvals", "signal_energy", "noise_grid", "lams"},
    "ridge-sd-over-ridge-vs-alignment": {"eigvals", "alignment_grid", "noises"},
    "iterated-toy-test-loss": {"kernel", "kernel_gamma", "lam", "noise_sd", "seed", "alphas"},
    "iterated-collapse": {"kernel", "kernel_gamma", "seed", "eps", "collapse_round"},
    "asymptotic-normalized-gain": {"spectra", "noise", "aspect_ratios", "lam_grid"},
    "classification-phase-diagram": {"n_per_class", "c", "d", "corruption_grid", "p_xi_plane"},
    "classification-multi-round": {"n_per_class", "c", "d", "corruption", "rounds", "lam_grid"},
}

MODULES = [
    "ridge",
    "iterated",
    "asymptotics",
    "classification",
    "classification_gmm",
    "classification_multistage",
    "partial_label",
    "bridge",
    "bridge_predict",
]


@pytest.mark.parametrize("name", sorted(CHEAP))
def test_json_carries_params(name, tmp_path):
    from sdtheory.figures import render

    paths = render(name, tmp_path, quick=True)
    meta_path = tmp_path / f"{name}.json"
    assert meta_path in paths and meta_path.exists()
    assert (tmp_path / f"{name}.csv").exists()
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["figure"] == name and meta["mode"] == "quick"
    params = meta["params"]
    assert isinstance(params, dict) and params
    missing = CHEAP[name] - set(params)
    assert not missing, f"{name}: params lack {sorted(missing)}"
    assert params["quick"] is True and params["quick_effect"]
    # grids are lists or {start, stop, num, spacing} descriptions
    for key, val in params.items():
        if key.endswith("_grid"):
            assert isinstance(val, list) or {"start", "stop", "num", "spacing"} <= set(val), key


def _figure_output_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            fname = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            if fname == "FigureOutput":
                yield node


@pytest.mark.parametrize("module", MODULES)
def test_every_figure_output_passes_params(module):
    mod = importlib.import_module(f"sdtheory.figures.{module}")
    tree = ast.parse(inspect.getsource(mod))
    calls = list(_figure_output_calls(tree))
    assert calls, f"no FigureOutput( call in sdtheory/figures/{module}.py"
    bad = [c.lineno for c in calls if not any(k.arg == "params" for k in c.keywords)]
    assert not bad, f"sdtheory/figures/{module}.py: FigureOutput( without params= at lines {bad}"


def test_every_figure_module_is_checked():
    # a new figure module must be added to MODULES (and so to the params= check above)
    from sdtheory.figures import REGISTRY

    mods = {spec.module.rsplit(".", 1)[-1] for spec in REGISTRY.values()}
    assert mods <= set(MODULES), sorted(mods - set(MODULES))
