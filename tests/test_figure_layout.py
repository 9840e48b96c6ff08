"""Every registered figure keeps its content inside its canvas.

Figures are saved as laid out (tight or constrained layout), without ``bbox_inches="tight"``,
so a title, label or legend outside the canvas would be cut off in the saved file. The tight
bounding box of everything drawn (matplotlib's own ``get_tightbbox``) must lie within the
canvas, up to 2 pixels at the figure's dpi.
"""

import matplotlib.pyplot as plt
import pytest

from sdtheory.figures import REGISTRY


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_content_inside_the_canvas(name):
    out = REGISTRY[name].func(True)  # quick mode
    fig = out.fig
    try:
        fig.canvas.draw()  # runs the layout engine, as saving does
        tight = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
        w, h = fig.get_size_inches()
        tol = 2.0 / fig.dpi
        assert tight.x0 >= -tol and tight.y0 >= -tol, (name, tight, (w, h))
        assert tight.x1 <= w + tol and tight.y1 <= h + tol, (name, tight, (w, h))
    finally:
        plt.close(fig)
