"""`glue.put` writes what myst-nb's own glue writes, so the book's `{glue:text}` roles find it."""

import numpy as np
import pytest
import torch
from myst_nb import glue as myst_glue

from expand_neurons.book import glue


def _displayed(monkeypatch, module: str, call) -> list[tuple[tuple, dict]]:
    shown: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(module, lambda *a, **k: shown.append((a, k)))
    call()
    return shown


@pytest.mark.parametrize("value", [3, 2.5, "quick", True, None, [1, 2]])
def test_put_displays_what_myst_nb_glue_displays(monkeypatch, value):
    ours = _displayed(monkeypatch, "expand_neurons.book.glue.display", lambda: glue.put("x", value))
    theirs = _displayed(
        monkeypatch,
        "myst_nb.ext.glue.ipy_display",
        lambda: myst_glue("x", value, display=False),
    )
    assert ours == theirs
    assert list(ours[0][0][0]) == [glue.GLUE_PREFIX + "text/plain"]


@pytest.mark.parametrize("value", [torch.tensor(0.5), np.float64(0.5)])
def test_put_glues_numpy_and_torch_scalars_as_plain_numbers(monkeypatch, value):
    shown = _displayed(
        monkeypatch, "expand_neurons.book.glue.display", lambda: glue.put("x", value)
    )
    assert shown[0][0][0] == {glue.GLUE_PREFIX + "text/plain": "0.5"}
