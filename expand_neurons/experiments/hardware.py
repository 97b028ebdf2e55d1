"""Hardware-friendly splits: how much of the per-neuron random split's gain a grouped split keeps.

The grouped layout (:mod:`expand_neurons.grouped`) is fast because parents in a block share one
partition of the inputs (``splits.Grouped(blocks)``). Sharing makes children of different
parents collide on the same inputs more often than independent per-parent partitions do, so it
may give up some of the accuracy gain. These experiments measure it on the Boolean tasks,
variant ``grouped-B`` being the grouped split with ``B`` blocks (``B`` equal to the number of
neurons is a per-neuron random split again):

* ``boolean-grouped``: the pilot (8 clauses, 8 neurons, alpha = 2), 1, 2 and 4 blocks (the
  ``paper`` profile adds 8 blocks: one per neuron, the random split itself, drawn from the same
  random numbers, so it reproduces the random variant exactly: a check of the set-up);
* ``boolean-grouped-load``: the gain versus polysemantic load (clauses x neurons).

:func:`kept_fraction` turns a result into "fraction of the random split's relative gain kept".
"""

from __future__ import annotations

from typing import Any

from .boolean import _profiles, boolean_sweep
from .registry import Experiment, register

__all__ = ["kept_fraction", "PILOT_BLOCKS"]

PILOT_BLOCKS = (1, 2, 4)


def kept_fraction(result: dict[str, Any], blocks: int) -> dict[str, float]:
    """Per grid point: ``gain(grouped-blocks) / gain(random)`` of the mean relative gains.

    Keys are the grid-point prefixes of ``result["variants"]`` (``""`` without a grid). A point
    whose random split gains nothing (``<= 0``) is left out: there is no gain to keep.
    """
    out = {}
    for key, entry in result["variants"].items():
        if entry["variant"] != "random":
            continue
        prefix = key[: -len("random")]
        grouped = result["variants"].get(f"{prefix}grouped-{blocks}")
        if grouped is None or entry["relative_gain"] <= 0:
            continue
        out[prefix.rstrip("/")] = grouped["relative_gain"] / entry["relative_gain"]
    return out


_PILOT_VARIANTS = ["dense", "random", *(f"grouped-{b}" for b in PILOT_BLOCKS)]
_LOAD_VARIANTS = ["dense", "random", "grouped-1", "grouped-2", "grouped-4"]

register(
    Experiment(
        "boolean-grouped",
        "Pilot: per-neuron random split vs grouped splits with 1, 2, 4 blocks (alpha = 2).",
        _profiles(
            {"variants": _PILOT_VARIANTS, "seeds": 4, "n_train": 2048},
            {"variants": [*_PILOT_VARIANTS, "grouped-8"]},
        ),
        boolean_sweep,
    )
)
register(
    Experiment(
        "boolean-grouped-load",
        "Gain versus load (clauses x neurons): random split vs grouped with 1, 2, 4 blocks.",
        _profiles(
            {
                "grid": {"n_clauses": [4, 16]},
                "variants": ["dense", "random", "grouped-1", "grouped-2"],
                "seeds": 3,
                "n_train": 2048,
            },
            {
                "grid": {"n_clauses": [4, 8, 12, 16, 24, 32], "hidden": [4, 8, 12, 16, 24, 32]},
                "variants": _LOAD_VARIANTS,
            },
        ),
        boolean_sweep,
    )
)
