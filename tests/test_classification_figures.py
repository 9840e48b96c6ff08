"""Classification figures (quick mode) render and carry their data."""

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
        row = theory[(theory.lam == r.lam) & np.isclose(theory.corruption, r.corruption)]
        assert len(row) == 1
        assert row.teacher_train.iloc[0] == r.teacher_full
        assert row.student_train.iloc[0] == r.student_full


def test_figure_defects_fixed():
    # each panel of the accuracy figure names its own ξ in its legend; the phase diagram uses
    # constrained layout so the right panel's λ label is not squeezed by the colorbar
    import matplotlib.pyplot as plt

    from sdtheory.figures.classification import accuracy_vs_p, phase_diagram

    out = accuracy_vs_p(True)
    labels = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in out.fig.axes]
    plt.close(out.fig)
    assert any("ξ = 2" in t for t in labels[0]) and any("ξ = 4" in t for t in labels[1])
    out = phase_diagram(True)
    fig = out.fig
    fig.canvas.draw()
    left, right = fig.axes[0], fig.axes[1]
    r = fig.canvas.get_renderer()
    # the right panel's y label lies clear of the left panel's plotting area
    assert right.yaxis.label.get_window_extent(r).x0 > left.get_window_extent(r).x1
    assert fig.get_layout_engine() is not None
    plt.close(fig)


def test_all_classification_figures_and_checks_registered():
    from sdtheory.checks import REGISTRY as CHECKS
    from sdtheory.figures import REGISTRY as FIGS

    assert {"classification-gmm-alpha", "classification-gmm-flip-range"} <= set(FIGS)
    assert {"classification-clustered", "classification-gmm", "classification-gmm-bce"} <= set(
        CHECKS
    )
