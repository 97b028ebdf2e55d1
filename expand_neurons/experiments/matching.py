"""Which dense size matches FPE? Interpolating a dense accuracy-versus-size curve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import one, select

__all__ = ["match_dense"]


def match_dense(result: Mapping[str, Any], alpha: int, split: str = "random") -> dict[str, Any]:
    """Which dense size reaches the accuracy of FPE (``alpha``, ``split``)?

    The dense records of ``result`` (one per width) give accuracy against non-zero count. Walking
    up in size, the first dense model at least as accurate as FPE and the one before it bracket
    FPE's mean accuracy; the matched size is the linear interpolation of the non-zero count
    between the two (and of the width likewise). ``param_ratio`` is that count over FPE's own.
    Also given at FPE's mean accuracy minus and plus its standard deviation over seeds.
    ``bound`` says ``"interpolated"``, ``"below"`` (FPE no better than the smallest dense model)
    or ``"above"`` (FPE beats the largest dense model: the ratio is a lower bound).
    """
    dense = {e["nonzero"]: e for e in select(result, variant="dense")}
    curve = [dense[n] for n in sorted(dense)]
    if len(curve) < 2:
        raise ValueError(f"need two or more dense widths to match against; got {len(curve)}")
    fpe = one(result, variant=split, alpha=alpha)

    def at(acc: float) -> tuple[float, float, str]:
        for i, e in enumerate(curve):
            if e["accuracy"] >= acc:
                if i == 0:
                    return float(e["nonzero"]), float(e["hidden"]), "below"
                lo = curve[i - 1]
                t = (acc - lo["accuracy"]) / (e["accuracy"] - lo["accuracy"])
                nnz = lo["nonzero"] + t * (e["nonzero"] - lo["nonzero"])
                width = lo["hidden"] + t * (e["hidden"] - lo["hidden"])
                return nnz, width, "interpolated"
        last = curve[-1]
        return float(last["nonzero"]), float(last["hidden"]), "above"

    nnz, width, bound = at(fpe["accuracy"])
    low = at(fpe["accuracy"] - fpe["accuracy_std"])[0]
    high = at(fpe["accuracy"] + fpe["accuracy_std"])[0]
    return {
        "alpha": alpha,
        "split": split,
        "hidden": fpe["hidden"],
        "fpe_accuracy": fpe["accuracy"],
        "fpe_accuracy_std": fpe["accuracy_std"],
        "fpe_nonzero": fpe["nonzero"],
        "matched_nonzero": nnz,
        "matched_hidden": width,
        "param_ratio": nnz / fpe["nonzero"],
        "param_ratio_low": low / fpe["nonzero"],
        "param_ratio_high": high / fpe["nonzero"],
        "bound": bound,
        "dense_curve": [
            {k: e[k] for k in ("hidden", "nonzero", "accuracy", "accuracy_std")} for e in curve
        ],
    }
