"""Every claim's outcome on the book's quick-profile cells, against the pinned outcomes.

Runs after the build's precompute (``scripts/test.sh``), on the store it filled: a change that
flips a claim's outcome fails here. ``python scripts/pin_claims.py`` rewrites the pins when the
new outcomes are meant (say why in the commit)."""

import json
from pathlib import Path

from expand_neurons.book.claim_notes import live_results
from expand_neurons.claims.pins import missing_cells, outcomes

PINS = Path(__file__).with_name("quick_outcomes.json")


def test_every_claim_has_its_pinned_quick_profile_outcome():
    results = live_results("quick")
    assert not missing_cells(results), f"the build's store lacks {missing_cells(results)}"
    assert outcomes(results) == json.loads(PINS.read_text())
