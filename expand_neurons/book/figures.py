"""Show plotly figures in the book and in live notebooks.

Chapters import this module explicitly (``from expand_neurons.book.figures import show``);
``import expand_neurons`` itself never imports plotly.

The one rule, decided by the environment variable :data:`BOOK_BUILD_ENV`:

* **Book build** (``EXPAND_NEURONS_BOOK_BUILD=1``, set by the book's Sphinx extension
  ``_ext/expand_neurons_book.py`` before it starts any kernel): :func:`show` outputs the
  figure as an HTML ``<div>`` *without* plotly.js, because every page of the site loads
  ``_static/plotly.min.js`` (copied from the installed plotly package) itself. No CDN is
  involved, so the site works offline. (Only ``text/html`` is emitted: myst-nb warns on
  the plotly JSON mimetype, and warnings fail the strict build. The executed notebook
  that the site's download button offers therefore shows its figures once re-run.)
* **Anywhere else** (JupyterLab, Binder, Colab, VS Code, nbval): :func:`show` calls
  ``fig.show()`` and lets plotly pick the renderer of that front end.
"""

from __future__ import annotations

import os
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["BOOK_BUILD_ENV", "TEMPLATE", "in_book_build", "show", "style"]

#: Environment variable that marks a kernel executed by the book build.
BOOK_BUILD_ENV = "EXPAND_NEURONS_BOOK_BUILD"

_GRID = "rgba(128, 128, 128, 0.25)"
_AXIS = "rgba(128, 128, 128, 0.6)"

#: Layout defaults readable in light and dark mode: transparent backgrounds and grey grid
#: lines that show on both. Text uses plotly's dark grey; the site's ``_static/custom.css``
#: lightens it when the reader switches the page to dark mode.
TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
TEMPLATE.layout.update(
    paper_bgcolor="rgba(0, 0, 0, 0)",
    plot_bgcolor="rgba(0, 0, 0, 0)",
    font={"color": "#444444"},
    legend={"bgcolor": "rgba(0, 0, 0, 0)"},
    margin={"l": 60, "r": 20, "t": 50, "b": 50},
)
for _axis in (TEMPLATE.layout.xaxis, TEMPLATE.layout.yaxis):
    _axis.update(gridcolor=_GRID, zerolinecolor=_AXIS, linecolor=_AXIS)
pio.templates["expand_neurons"] = TEMPLATE

_CONFIG: dict[str, Any] = {"responsive": True, "displaylogo": False}


def in_book_build() -> bool:
    """Return True when running inside a kernel started by the book build."""
    return os.environ.get(BOOK_BUILD_ENV, "") == "1"


def style(fig: go.Figure) -> go.Figure:
    """Apply the book's template to ``fig`` (in place) and return it."""
    fig.update_layout(template=TEMPLATE)
    return fig


def show(fig: go.Figure, *, config: dict[str, Any] | None = None) -> None:
    """Display ``fig`` with the book's style, following the module's rule.

    Args:
        fig: the plotly figure; its layout is styled in place by :func:`style`.
        config: extra plotly config options (merged over ``responsive`` and no logo).
    """
    from IPython.display import display

    style(fig)
    options = {**_CONFIG, **(config or {})}
    if not in_book_build():
        fig.show(config=options)
        return
    html = fig.to_html(include_plotlyjs=False, full_html=False, config=options)
    display({"text/html": html}, raw=True)
