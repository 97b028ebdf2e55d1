"""Tune the CNN's recipe (head initialisation and learning rate) on its dense networks alone.

    python scripts/tune_cnn.py --profile quick   # writes results/tuning/cnn-quick.json

Runs :func:`expand_neurons.experiments.tuning.tune_dense` on the ``cnn-fashion`` config of that
profile at its narrowest head widths (2 and 4 neurons, where dense heads collapsed), on tuning
seeds with a fifth of the training images held out, and writes the whole table, the choice and
its provenance. ``CNN_RECIPE`` in ``expand_neurons/experiments/real.py`` must equal the stored
choice (a test checks it).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path

from expand_neurons.experiments import get
from expand_neurons.experiments.store import git_commit
from expand_neurons.experiments.tuning import tune_dense
from expand_neurons.results import write_json

ROOT = Path(__file__).resolve().parents[1]
#: The candidates: PyTorch's and He's initialisation of the head, three learning rates.
LRS = (3e-4, 1e-3, 3e-3)
WIDTHS = ({"hidden": 2}, {"hidden": 4})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=["quick", "paper"], required=True)
    args = parser.parse_args()
    cfg = get("cnn-fashion").config(args.profile).replace(grid={}, init="default", lr=1e-3)
    commit = git_commit()
    start = time.perf_counter()
    tuned = tune_dense(cfg, lrs=LRS, points=WIDTHS, seeds=3)
    path = ROOT / "results" / "tuning" / f"cnn-{args.profile}.json"
    write_json(
        path,
        {
            "profile": args.profile,
            "config": cfg.to_dict(),
            "points": list(WIDTHS),
            "tuned": asdict(tuned),
            "provenance": {"commit": commit, "wall_s": round(time.perf_counter() - start, 1)},
        },
    )
    print(f"chose {tuned.choice}; wrote {path}")


if __name__ == "__main__":
    main()
