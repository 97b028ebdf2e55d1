"""Run one of the tuning sweeps that chose the experiments' recipes, and store its evidence.

    python scripts/tune.py deep --profile quick   # writes results/tuning/deep-quick.json

The sweeps (``cnn``, ``deep``, ``dropconnect``) are declared in
:data:`expand_neurons.experiments.recipes.SWEEPS`; each trains one baseline alone, on tuning
seeds with part of the training data held out, and the evidence file keeps the whole table, the
choice and its provenance. The recipe in the experiment registry must equal the stored choice
(tests check it).
"""

from __future__ import annotations

import argparse

from expand_neurons.experiments.profiles import PROFILES
from expand_neurons.experiments.recipes import SWEEPS, evidence_path, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep", choices=sorted(SWEEPS))
    parser.add_argument("--profile", choices=PROFILES, required=True)
    args = parser.parse_args()
    evidence = run_sweep(args.sweep, args.profile)
    where = evidence_path(args.sweep, args.profile)
    print(f"chose {evidence['tuned']['choice']}; wrote {where}")


if __name__ == "__main__":
    main()
