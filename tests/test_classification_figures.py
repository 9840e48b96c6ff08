"""Classification figures (quick mode) render and carry their data (issue 5)."""

import numpy as np
import pytest




@pytest.mark.parametrize("name", ["classification-phase-diagram", "classification-multi-round"])
def test_theory_figures_render(name, tmp_path):
    from sdtheory.figures import REGISTRY, render

    assert name in REGISTRY
    paths = render(name, tmp_path, quick=True)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_accuracy_figure_full_solves_agree_with_theory():
    import matplotlib.pyplot as plt

    from sdtheory.figures.classification import accuracy_vs_p

    out = accuracy_vs_p(True)
    plt.close(out.fig)
    theory, full = out.data, out.extra["full-solves"]
    for _, r in full.iterrows():
        row = theory[(theory.lam == r.lam) & np.isclose(theory.p, r.p)]
        assert len(row) == 1
        assert row.teacher_train.iloc[0] == r.teacher_full
        assert row.student_train.iloc[0] == r.student_full


def test_all_classification_figures_and_checks_registered():
    from sdtheory.checks import REGISTRY as CHECKS
    from sdtheory.figures import REGISTRY as FIGS

    assert {"classification-gmm-alpha", "classification-gmm-flip-range"} <= set(FIGS)
    assert {"classification-clustered", "classification-gmm", "classification-gmm-bce"} <= set(CHECKS)
