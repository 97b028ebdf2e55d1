"""Tune DropConnect's drop rate for the ablations, at one profile, and store the evidence.

    python scripts/tune_dropconnect.py --profile paper
    # writes results/tuning/dropconnect-paper.json

Runs :func:`expand_neurons.experiments.tuning.tune_dropconnect` at the ``boolean-ablations``
setting of that profile (DropConnect alone, held-out training data, tuning seeds) and writes the
whole table, the choice and its provenance. ``ABLATION_DROPCONNECT_P`` in
``expand_neurons/experiments/boolean.py`` must equal the stored choice (a test checks it).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path

from expand_neurons.experiments import get
from expand_neurons.experiments.store import git_commit
from expand_neurons.experiments.tuning import tune_dropconnect
from expand_neurons.results import write_json

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=["quick", "paper"], required=True)
    args = parser.parse_args()
    cfg = get("boolean-ablations").config(args.profile)
    commit = git_commit()
    start = time.perf_counter()
    tuned = tune_dropconnect(cfg)
    path = ROOT / "results" / "tuning" / f"dropconnect-{args.profile}.json"
    write_json(
        path,
        {
            "profile": args.profile,
            "config": cfg.replace(dropconnect_p=None).to_dict(),
            "tuned": asdict(tuned),
            "provenance": {"commit": commit, "wall_s": round(time.perf_counter() - start, 1)},
        },
    )
    print(f"chose {tuned.choice}; wrote {path}")


if __name__ == "__main__":
    main()
