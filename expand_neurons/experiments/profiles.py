"""Profiles: ``quick`` (minutes on a laptop; CI and the book) and ``paper`` (the paper's scale)."""

from __future__ import annotations

import os

__all__ = ["PROFILES", "resolve_profile", "ENV_VAR"]

PROFILES = ("quick", "paper")
ENV_VAR = "EXPAND_NEURONS_PROFILE"


def resolve_profile(profile: str | None = None) -> str:
    """The profile to use: the argument, else ``$EXPAND_NEURONS_PROFILE``, else ``'quick'``."""
    chosen = profile if profile is not None else os.environ.get(ENV_VAR, "quick")
    if chosen not in PROFILES:
        source = "argument" if profile is not None else f"${ENV_VAR}"
        raise ValueError(
            f"unknown profile {chosen!r} (from {source}); allowed are {list(PROFILES)}"
        )
    return chosen
