"""The tuning sweeps that chose the experiments' recipes, and their stored evidence.

Every baseline that FPE is compared with is tuned on its own terms (:mod:`.tuning`: the
baseline alone, held-out training data, tuning seeds). :data:`SWEEPS` declares each sweep once,
by the experiment whose config it starts from and the call that runs it:

* ``cnn``: the CNN's head initialisation and learning rate at head widths 2 and 4, where dense
  heads collapsed (:data:`.real.CNN_RECIPE`);
* ``deep``: the initialisation and learning rate of the dense deep network at its depth and
  narrowest width (:data:`.real.DEEP_RECIPE`);
* ``dropconnect``: DropConnect's drop rate and post-split epochs in the ablations
  (:data:`.boolean.ABLATION_DROPCONNECT_P`).

``python scripts/tune.py NAME --profile P`` runs :func:`run_sweep` and writes
:func:`evidence_path` (``results/tuning/NAME-P.json``: the config the sweep ran on, the table,
the choice and provenance). Chapters read that evidence with :func:`read_sweep` instead of
training the sweep again at every build; tests check that the registry's recipes are the stored
choices and recompute rows of the stored tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..results import read_json, write_json
from .config import ExperimentConfig
from .profiles import PROFILES
from .registry import get
from .store import PAPER_STORE, git_commit
from .tuning import Tuned, tune_dense, tune_dropconnect

__all__ = ["TUNING_DIR", "Sweep", "SWEEPS", "evidence_path", "run_sweep", "read_sweep"]

#: Where the sweeps' evidence is committed (``results/tuning``).
TUNING_DIR = PAPER_STORE.parent / "tuning"


@dataclass(frozen=True)
class Sweep:
    """One tuning sweep.

    Attributes:
        experiment: the registered experiment whose config (at a profile) the sweep starts from.
        setting: that config -> the one setting the sweep tunes (no grid; the fields the sweep
            varies reset to the library's defaults, so the evidence does not depend on them).
        tune: the setting -> the sweep's outcome.
    """

    experiment: str
    setting: Callable[[Any], ExperimentConfig]
    tune: Callable[[Any], Tuned]


def _narrowest_deep(cfg: Any) -> ExperimentConfig:
    return cfg.at({"depth": cfg.depth, "hidden": min(cfg.grid["hidden"])}).replace(
        init="default", lr=1e-3
    )


SWEEPS: dict[str, Sweep] = {
    "cnn": Sweep(
        "cnn-fashion",
        lambda cfg: cfg.replace(grid={}, init="default", lr=1e-3),
        lambda cfg: tune_dense(
            cfg, lrs=(3e-4, 1e-3, 3e-3), points=({"hidden": 2}, {"hidden": 4}), seeds=3
        ),
    ),
    "deep": Sweep(
        "deep-mlp", _narrowest_deep, lambda cfg: tune_dense(cfg, lrs=(1e-3, 1e-2, 3e-2), seeds=3)
    ),
    "dropconnect": Sweep(
        "boolean-ablations", lambda cfg: cfg.replace(dropconnect_p=None), tune_dropconnect
    ),
}


def _sweep(name: str, profile: str) -> Sweep:
    if name not in SWEEPS:
        raise KeyError(f"no tuning sweep {name!r}; the sweeps: {sorted(SWEEPS)}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
    return SWEEPS[name]


def evidence_path(name: str, profile: str, root: Path = TUNING_DIR) -> Path:
    """The evidence file of sweep ``name`` at ``profile``: ``root/NAME-PROFILE.json``."""
    _sweep(name, profile)
    return root / f"{name}-{profile}.json"


def run_sweep(name: str, profile: str, root: Path = TUNING_DIR) -> dict[str, Any]:
    """Run sweep ``name`` at ``profile`` and write its evidence (:func:`evidence_path`); returns
    what was written."""
    sweep = _sweep(name, profile)
    setting = sweep.setting(get(sweep.experiment).config(profile))
    commit, start = git_commit(), time.perf_counter()
    tuned = sweep.tune(setting)
    evidence = {
        "profile": profile,
        "config": setting.to_dict(),
        "tuned": asdict(tuned),
        "provenance": {
            "command": f"python scripts/tune.py {name} --profile {profile}",
            "commit": commit,
            "wall_s": round(time.perf_counter() - start, 1),
        },
    }
    write_json(evidence_path(name, profile, root), evidence)
    return evidence


def read_sweep(name: str, profile: str, root: Path = TUNING_DIR) -> dict[str, Any]:
    """The stored evidence of sweep ``name`` at ``profile`` (as :func:`run_sweep` wrote it:
    ``config``, ``tuned`` with ``choice`` and ``table``, ``provenance``). A missing file raises
    ``FileNotFoundError`` with the command that writes it."""
    path = evidence_path(name, profile, root)
    if not path.is_file():
        raise FileNotFoundError(
            f"no evidence of the {name!r} sweep at the {profile} profile ({path}); "
            f"write it with: python scripts/tune.py {name} --profile {profile}"
        )
    return read_json(path)
