"""Pin the quick profile's outcome of every claim (``tests/claims/quick_outcomes.json``).

    python -m expand_neurons precompute --workers 2   # the book's quick cells, in the build store
    python scripts/pin_claims.py                      # after: rewrites the pins

Reads the build's store (``$EXPAND_NEURONS_BOOK_STORE``, as ``scripts/lib.sh`` sets it) and
refuses to pin while any cell is missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from expand_neurons.book.claim_notes import live_results
from expand_neurons.claims.pins import missing_cells, outcomes

PINS = Path(__file__).resolve().parents[1] / "tests" / "claims" / "quick_outcomes.json"


def main() -> int:
    results = live_results("quick")
    missing = missing_cells(results)
    if missing:
        print(f"error: the build's store lacks cells of {missing}; run the precompute first")
        return 1
    PINS.write_text(json.dumps(outcomes(results), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {PINS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
