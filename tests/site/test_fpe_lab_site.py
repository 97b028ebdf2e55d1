"""The FPE lab on the built site, in headless Chromium with the network blocked.

Runs after the strict book build (``tests/site`` is the suite's last step): every chapter that
places the lab mounts it from the site's own copy of the module, and the lab of the fpe chapter,
set through its controls to a small setting and given the library's draws, trains to the
library's run (``tests/test_fpe_lab_browser.py`` does the same on a minimal page, without the
build). Fails under CI without the built site or Chromium, skips elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import chromium, missing, serve
from support_fpe_lab import REPLAY, open_page, replay_problems, train

from expand_neurons.book.lab import lab_settings, replay_data, settings_config
from expand_neurons.experiments.boolean import boolean_runs

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("EXPAND_NEURONS_SITE_DIR", ROOT / "_build" / "html"))
#: The chapters that place the lab, and how many labs each has.
PAGES = {"book/superposition": 1, "book/fpe": 1, "book/collisions": 1}


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (SITE / "index.html").is_file():
        missing(f"no built site at {SITE}: run `bash scripts/build-book.sh` first")
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("docname", sorted(PAGES))
def test_the_lab_mounts_on_the_page(docname: str, site_url: str, browser: Any) -> None:
    problems: list[str] = []
    page = open_page(browser, f"{site_url}{docname}.html", problems)
    labs = page.locator("[data-fpe-lab]")
    labs.first.locator(".fpe-lab-status[data-status='idle']").wait_for(timeout=30_000)
    assert labs.count() == PAGES[docname]
    assert page.locator(".fpe-lab-table td").count() > 0
    assert not problems


def test_the_fpe_chapter_lab_replays_the_library_run(site_url: str, browser: Any) -> None:
    settings = {**lab_settings(), **REPLAY}
    cfg = settings_config(settings)
    problems: list[str] = []
    page = open_page(browser, f"{site_url}book/fpe.html", problems)
    results = train(page, "[data-fpe-lab]", REPLAY, replay_data(cfg, seed=2))
    assert replay_problems(results, boolean_runs(cfg, seed=2)) == []
    assert not problems
