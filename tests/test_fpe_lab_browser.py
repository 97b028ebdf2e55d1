"""The FPE lab in headless Chromium, on a minimal static page, with the network blocked.

The page is built in a temporary folder the way the site has it: the module at
``_static/fpe-lab/fpe-lab.mjs``, a chapter at ``book/<page>.html`` with Sphinx's
``data-content_root`` and the HTML that :func:`expand_neurons.book.lab.mount_html` emits (what
the book build puts in a chapter). So the lab is tested without the slow book build;
``tests/site/test_fpe_lab_site.py`` runs the same checks on the built site.
Needs Debian's ``chromium`` and playwright: fails under CI without them, skips elsewhere.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import chromium, serve
from support_fpe_lab import REPLAY, open_page, replay_problems, train

from expand_neurons.book.lab import lab_settings, mount_html, replay_data, settings_config
from expand_neurons.experiments.boolean import LAB, boolean_runs
from expand_neurons.models import mlp_parameters

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "_static" / "fpe-lab" / "fpe-lab.mjs"
LAB_SELECTOR = "[data-fpe-lab]"


def write_page(site: Path, name: str, settings: dict[str, Any]) -> str:
    """A chapter-like page at ``book/<name>.html`` that mounts the lab; returns its path."""
    (site / "book").mkdir(parents=True, exist_ok=True)
    body = mount_html(settings)
    (site / "book" / f"{name}.html").write_text(
        '<!DOCTYPE html>\n<html data-content_root="../"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,"></head>\n'
        f'<body><main style="max-width: 760px; margin: auto">{body}</main></body></html>\n'
    )
    return f"book/{name}.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "_static" / "fpe-lab").mkdir(parents=True)
    shutil.copyfile(MODULE, folder / "_static" / "fpe-lab" / "fpe-lab.mjs")
    with serve(folder) as url:
        yield folder, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_the_pilot_trains_in_the_page(site, browser):
    folder, url = site
    settings = lab_settings()
    page_path = write_page(folder, "pilot", settings)
    problems: list[str] = []
    page = open_page(browser, url + page_path, problems)
    start = time.perf_counter()
    results = train(page, LAB_SELECTOR, {})
    wall = time.perf_counter() - start
    print(f"\npilot in Chromium: {results['seconds']:.1f} s computing, {wall:.1f} s on the clock")
    budget = mlp_parameters(LAB.n_inputs, LAB.hidden, LAB.n_clauses)
    finals = {name: run["final"] for name, run in results["runs"].items()}
    assert sorted(finals) == ["clause", "dense", "random"]
    for name, final in finals.items():
        assert final["nonzero"] == budget, name
        assert final["neurons"] == LAB.hidden * (1 if name == "dense" else LAB.alpha), name
        assert 0 <= final["exact_match"] <= final["accuracy"] <= 1
    assert results["epoch"] == LAB.epochs
    table = page.locator(".fpe-lab-table td[data-run='random']").all_text_contents()
    assert str(budget) in table
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert not problems


def test_the_page_replays_the_library_run(site, browser):
    folder, url = site
    settings = {**lab_settings(), **REPLAY}
    cfg = settings_config(settings)
    runs = boolean_runs(cfg, seed=2)
    problems: list[str] = []
    page = open_page(browser, url + write_page(folder, "replay", lab_settings()), problems)
    results = train(page, LAB_SELECTOR, REPLAY, replay_data(cfg, seed=2))
    assert results["settings"] == settings
    assert replay_problems(results, runs) == []
    assert not problems


def test_a_bad_setting_is_named_on_the_page(site, browser):
    folder, url = site
    problems: list[str] = []
    page = open_page(browser, url + write_page(folder, "bad", lab_settings()), problems)
    lab = page.locator(LAB_SELECTOR)
    lab.locator(".fpe-lab-status[data-status='idle']").wait_for()
    lab.locator('[name="split_at"]').fill("500")
    lab.locator('[name="split_at"]').dispatch_event("change")
    status = lab.locator(".fpe-lab-status[data-status='error']")
    assert "split_at (500) must be at most epochs (200)" in status.text_content()
    assert lab.locator('button[data-action="train"]').is_disabled()
    assert not problems
