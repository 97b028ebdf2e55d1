"""What the FPE lab's tests share: a page with the network blocked, driving the lab in it, and
comparing what it trained with the library's run (the server and Chromium: ``browsing.py``).

Used by ``tests/test_fpe_lab.py`` (node), ``tests/test_fpe_lab_browser.py`` (a minimal page) and
``tests/site/test_fpe_lab_site.py`` (the built site).
"""

from __future__ import annotations

from typing import Any

from browsing import block_network

from expand_neurons.book.lab import REPLAY_TOLERANCE
from expand_neurons.schedule import Run

#: Largest difference allowed between the lab's and the library's accuracies (fractions).
ACC_TOL = 1e-3
#: A small setting the replay tests train: set through the lab's controls (``n_train`` and
#: ``n_test`` through its model), then checked against the library's run of it.
REPLAY = {
    "clauses": 6,
    "neurons": 6,
    "alpha": 3,
    "split": "both",
    "split_at": 4,
    "epochs": 8,
    "n_train": 1024,
    "n_test": 512,
}
#: How long a lab may train in a test before it fails (milliseconds).
TRAIN_TIMEOUT_MS = 180_000


def open_page(browser: Any, url: str, problems: list[str], width: int = 1400) -> Any:
    """Open ``url`` with every request off this machine aborted; console errors, page errors
    and blocked requests are appended to ``problems``."""
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    block_network(page, problems)
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(url, wait_until="load")
    return page


def train(page: Any, lab: str, settings: dict[str, Any], data: dict | None = None) -> dict:
    """Set ``settings`` on the lab mounted at the CSS selector ``lab`` (through its controls
    where it has one, else through its model), give it ``data``, press Train and wait; returns
    the lab's ``results``."""
    root = page.locator(lab)
    root.locator(".fpe-lab-status[data-status]").wait_for()
    for key, value in settings.items():
        control = root.locator(f'[name="{key}"]')
        if control.count():
            if key == "split":
                control.select_option(str(value))
            else:
                control.fill(str(value))
                control.dispatch_event("change")
        else:
            root.evaluate("(el, [k, v]) => el.fpeLab.model.set(k, v)", [key, value])
    if data is not None:
        root.evaluate("(el, data) => el.fpeLab.model.set('data', data)", data)
    status = root.locator(".fpe-lab-status[data-status]")
    assert status.get_attribute("data-status") == "idle", status.text_content()
    root.locator('button[data-action="train"]').click()
    root.locator('.fpe-lab-status[data-status="done"]').wait_for(timeout=TRAIN_TIMEOUT_MS)
    return root.evaluate("el => el.fpeLab.model.get('results')")


def replay_problems(summary: dict, runs: dict[str, list[Run]]) -> list[str]:
    """Where the lab's ``summary`` (its ``results``) differs from the library's one-instance
    ``runs``: a run missing, an epoch's train or test loss off by more than
    ``REPLAY_TOLERANCE``, an accuracy or the final exact match off by more than
    :data:`ACC_TOL`, other non-zero or neuron counts."""
    problems = []
    if set(summary["runs"]) != set(runs):
        return [f"the lab trained {sorted(summary['runs'])}, the library {sorted(runs)}"]
    for name, (run,) in runs.items():
        lab = summary["runs"][name]
        by_epoch = {r["epoch"]: r for r in lab["history"]}
        h = run.history
        for epoch, tr, te, acc in zip(h.epoch, h.train_loss, h.test_loss, h.test_accuracy):
            if epoch == 0:
                continue  # the library's record of an untrained network
            mine = by_epoch[epoch]
            for key, lib in (("train_loss", tr), ("test_loss", te)):
                if abs(mine[key] - lib) > REPLAY_TOLERANCE:
                    problems.append(f"{name}, epoch {epoch}: {key} {mine[key]} vs {lib}")
            if abs(mine["accuracy"] - acc) > ACC_TOL:
                problems.append(f"{name}, epoch {epoch}: accuracy {mine['accuracy']} vs {acc}")
        final = lab["final"]
        if run.exact_match is None or abs(final["exact_match"] - run.exact_match) > ACC_TOL:
            problems.append(f"{name}: exact match {final['exact_match']} vs {run.exact_match}")
        if (final["nonzero"], final["neurons"]) != (run.nonzero, run.neurons):
            problems.append(
                f"{name}: {final['nonzero']} non-zeros and {final['neurons']} neurons vs "
                f"{run.nonzero} and {run.neurons}"
            )
    return problems
