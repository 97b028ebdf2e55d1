"""Browser test of the built book: every page in _toc.yml, opened in headless Chromium.

Needs the built site (``bash scripts/build-book.sh`` writes ``_build/html``) and Debian's
``chromium`` driven by Playwright. It fails when either is missing and ``CI`` is set, and
skips otherwise. Requests to any host but the local test server are aborted, so the pages
must work with no network.

Each page fails on: a console error or uncaught page error, a plotly warning in the console
(plotly logs "WARN: ..." when it ignores part of a figure), a request that left the machine, a
plotly figure that did not draw, a figure panel whose axes show no tick labels or have no title
(an axis that shares another's scale through ``matches`` may leave both to that axis), a table
wider than the text column on a 1400 px wide window, a table wider than a 390 px phone's screen
that does not scroll inside its own box, a page wider than the phone's screen, a formula that
MathJax did not render, text a reader must never see ("Traceback", a Python warning, a "+dirty"
commit in a provenance note, an internal acceptance target), and an internal link to a missing
file or to a missing anchor.

It saves a screenshot of every figure in light and in dark mode under
``_build/screenshots/<page>/`` for a person to review (``EXPAND_NEURONS_SCREENSHOTS=off`` skips
them).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
import yaml
from browsing import LOCAL_HOSTS, block_network, chromium, missing, serve

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("EXPAND_NEURONS_SITE_DIR", ROOT / "_build" / "html"))
FIGURE_TIMEOUT_MS = 15_000
# Math typeset by MathJax (served from _static/mathjax): the formulas left unrendered.
MATH_JS = """async () => {
    const formulas = [...document.querySelectorAll('span.math, div.math')];
    if (formulas.length === 0) return [];
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
        return ['(MathJax not loaded)'];
    }
    await MathJax.startup.promise;
    return formulas.filter(f => !f.querySelector('mjx-container'))
        .map(f => f.textContent.slice(0, 80));
}"""
# All text of the page, hidden parts included, without scripts and styles.
TEXT_JS = """() => { const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const tag = walker.currentNode.parentElement.tagName;
        if (tag !== 'SCRIPT' && tag !== 'STYLE') texts.push(walker.currentNode.data);
    }
    return texts.join(' '); }"""
# Every cartesian axis that some trace draws on, with what a reader sees of it.
AXES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((gd, index) => {
    const full = gd._fullLayout;
    if (!full) return [];
    const used = new Set();
    for (const t of gd._fullData || []) {
        if (t.visible === false || !t.xaxis) continue;
        used.add(t.xaxis.replace('x', 'xaxis')); used.add(t.yaxis.replace('y', 'yaxis'));
    }
    const axes = Object.keys(full).filter(k => /^[xy]axis\\d*$/.test(k) && used.has(k));
    return axes.map(k => {
        const ax = full[k];
        const labels = gd.querySelectorAll(`.${ax._id}tick text`);
        return {figure: index, id: ax._id, visible: ax.visible !== false,
                ticks: [...labels].filter(t => t.textContent.trim() !== '').length,
                title: ((ax.title && ax.title.text) || '').trim(),
                matches: ax.matches || null, overlaying: ax.overlaying || null,
                anchor: ax.anchor};
    });
})"""
# Tables wider than the text column: all of them (strict) or those outside a box that scrolls.
OVERFLOW_JS = """(strict) => {
    const article = document.querySelector('.bd-article') || document.body;
    const limit = article.getBoundingClientRect().right + 1;
    const scrolls = el => {
        if (strict) return false;
        for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        }
        return false;
    };
    return [...article.querySelectorAll('table')]
        .filter(t => t.getBoundingClientRect().right > limit && !scrolls(t))
        .map(t => (t.innerText || '').trim().slice(0, 60));
}"""
# How much wider than the window the page is (0: no sideways scrolling).
PAGE_OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
#: Window widths: a desktop browser, where tables must fit the text column, and a phone.
DESKTOP_WIDTH, PHONE_WIDTH = 1400, 390
#: Text that a reader must never see on a page.
NEVER_SHOWN = ("Traceback", "UserWarning", "RuntimeWarning", "+dirty", "Missed targets")
SCREENSHOTS = ROOT / "_build" / "screenshots"
THEMES = ("light", "dark")
DRAWN_JS = """() => [...document.querySelectorAll('.plotly-graph-div')].every(
    d => d.classList.contains('js-plotly-plot') && d.querySelector('.main-svg'))"""


def toc_pages(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Return the document names (``book/intro``...) listed in the jb-book toc, in order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [str(Path(page).with_suffix("")) for page in pages]


PAGES = toc_pages()


class _Ids(HTMLParser):
    """Collect the ids and anchor names of an HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@functools.cache
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """Serve the built site on 127.0.0.1 at a free port."""
    if not (SITE / "index.html").is_file():
        missing(f"no built site at {SITE}: run `bash scripts/build-book.sh` first")
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, for every page."""
    with chromium() as browser:
        yield browser


def _axis_problems(axes: list[dict[str, Any]]) -> list[str]:
    """Panels a reader cannot read: an axis with no tick labels or no title, unless it shares
    its scale (``matches``) with an axis of the same figure that has them."""

    def shared(axis: dict[str, Any]) -> list[dict[str, Any]]:
        root = axis["matches"] or axis["id"]
        return [
            a for a in axes if a["figure"] == axis["figure"] and (a["matches"] or a["id"]) == root
        ]

    problems = []
    for axis in axes:
        if not axis["visible"]:
            continue
        group = shared(axis)
        name = f"figure {axis['figure'] + 1}, axis {axis['id']}"
        if not any(a["ticks"] for a in group):
            problems.append(f"{name}: no tick labels")
        if not any(a["title"] for a in group):
            problems.append(f"{name}: no axis title")
    return problems


def _internal_link_problems(hrefs: list[str], base_url: str) -> list[str]:
    """Check links to local .html files: the file exists and holds the anchor."""
    problems = []
    for href in sorted(set(hrefs)):
        absolute = urljoin(base_url, href)
        parsed = urlparse(absolute)
        if parsed.scheme not in ("http", "https") or parsed.hostname not in LOCAL_HOSTS:
            continue
        url, fragment = urldefrag(absolute)
        path = unquote(urlparse(url).path).lstrip("/")
        target = SITE / path
        if path == "" or path.endswith("/"):
            target = target / "index.html"
        if target.suffix != ".html":
            if not target.exists():
                problems.append(f"link {href!r} points to missing file {path!r}")
            continue
        if not target.is_file():
            problems.append(f"link {href!r} points to missing page {path!r}")
        elif fragment and unquote(fragment) not in _ids_of(target):
            problems.append(f"link {href!r}: no id {fragment!r} in {path!r}")
    return problems


def _screenshots(page: Any, docname: str) -> None:
    """Save every figure of the page, in light and in dark mode, as PNG files."""
    folder = SCREENSHOTS / docname.replace("/", "-")
    folder.mkdir(parents=True, exist_ok=True)
    for theme in THEMES:
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.wait_for_timeout(100)
        for i, figure in enumerate(page.query_selector_all(".js-plotly-plot")):
            figure.scroll_into_view_if_needed()
            figure.screenshot(path=str(folder / f"figure-{i + 1:02d}-{theme}.png"))


@pytest.mark.parametrize("docname", PAGES)
def test_page(docname: str, site_url: str, browser: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page_file = SITE / f"{docname}.html"
    assert page_file.is_file(), f"{docname}: listed in _toc.yml but {page_file} was not built"

    problems: list[str] = []
    context = browser.new_context(viewport={"width": DESKTOP_WIDTH, "height": 900})
    page = context.new_page()

    block_network(page, problems)

    def console(msg: Any) -> None:
        where = msg.location.get("url", "?")
        if msg.type == "error":
            problems.append(f"console error: {msg.text} at {where}")
        elif msg.text.lstrip().startswith("WARN:"):
            problems.append(f"plotly warning: {msg.text} at {where}")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    url = urljoin(site_url, f"{docname}.html")
    try:
        page.goto(url, wait_until="load")
        # Chromium's "networkidle" never fires here, so wait for the figures instead (up to
        # a limit) and give late scripts a moment to log errors.
        with contextlib.suppress(PlaywrightTimeout):  # undrawn figures are reported below
            page.wait_for_function(DRAWN_JS, timeout=FIGURE_TIMEOUT_MS)
        page.wait_for_timeout(500)

        figures = page.eval_on_selector_all(
            ".plotly-graph-div",
            "divs => divs.map(d => ({id: d.id, drawn:"
            " d.classList.contains('js-plotly-plot') && !!d.querySelector('.main-svg')}))",
        )
        for figure in figures:
            if not figure["drawn"]:
                problems.append(f"plotly figure #{figure['id']} did not draw")

        problems += _axis_problems(page.evaluate(AXES_JS))
        for table in page.evaluate(OVERFLOW_JS, True):
            problems.append(f"table wider than the text column at {DESKTOP_WIDTH} px: {table!r}")
        if figures and os.environ.get("EXPAND_NEURONS_SCREENSHOTS", "on") != "off":
            _screenshots(page, docname)

        for formula in page.evaluate(MATH_JS):
            problems.append(f"math not rendered: {formula}")

        body = page.evaluate(TEXT_JS)
        problems += [f"the page shows {text!r}" for text in NEVER_SHOWN if text in body]

        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        page.wait_for_timeout(300)
        for table in page.evaluate(OVERFLOW_JS, False):
            problems.append(f"table wider than a {PHONE_WIDTH} px phone, not scrollable: {table!r}")
        if (excess := page.evaluate(PAGE_OVERFLOW_JS)) > 1:
            problems.append(f"the page is {excess} px wider than a {PHONE_WIDTH} px phone")

        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
        problems += _internal_link_problems(hrefs, url)
    finally:
        context.close()

    assert not problems, f"{docname}.html has {len(problems)} problem(s):\n  " + "\n  ".join(
        problems
    )


#: The page whose first explorable figure the profile-switch test clicks.
SWITCH_PAGE = "book/load"
# The index of the first figure with a profile switch (-1: none), and a figure's plotted data.
SWITCH_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].findIndex(
    gd => (gd.layout.updatemenus || []).some(m => m.name === 'profile'))"""
PLOTTED_JS = """(i) => { const gd = document.querySelectorAll('.js-plotly-plot')[i];
    return JSON.stringify([gd.data.map(t => [t.x, t.y, t.z]), gd.layout.title.subtitle.text]); }"""


def test_profile_switch_changes_the_plotted_data(site_url: str, browser: Any) -> None:
    """Clicking the second button of an explorable figure's profile switch (this build's quick
    check) redraws it with other data and another subtitle, with the network blocked."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844})
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: r.continue_() if urlparse(r.request.url).hostname in LOCAL_HOSTS else r.abort(),
    )
    try:
        page.goto(urljoin(site_url, f"{SWITCH_PAGE}.html"), wait_until="load")
        page.wait_for_function(DRAWN_JS, timeout=FIGURE_TIMEOUT_MS)
        index = page.evaluate(SWITCH_JS)
        assert index >= 0, f"{SWITCH_PAGE}.html has no figure with a profile switch"
        figure = page.query_selector_all(".js-plotly-plot")[index]
        figure.scroll_into_view_if_needed()
        before = page.evaluate(PLOTTED_JS, index)
        figure.query_selector_all(".updatemenu-button")[1].click()  # the switch comes first
        page.wait_for_timeout(500)
        after = page.evaluate(PLOTTED_JS, index)
    finally:
        context.close()
    assert after != before, "clicking the profile switch left the plotted data unchanged"


def _axis(id_: str, ticks: int = 5, title: str = "t", matches: str | None = None) -> dict:
    return {
        "figure": 0,
        "id": id_,
        "visible": True,
        "ticks": ticks,
        "title": title,
        "matches": matches,
        "overlaying": None,
        "anchor": None,
    }


def test_axis_check_names_panels_without_ticks_or_title():
    assert _axis_problems([_axis("x"), _axis("y")]) == []
    found = _axis_problems([_axis("x"), _axis("y", ticks=0), _axis("x2", title="")])
    assert found == ["figure 1, axis y: no tick labels", "figure 1, axis x2: no axis title"]


def test_axis_check_lets_a_shared_axis_lean_on_the_one_it_matches():
    shared = [_axis("y"), _axis("y2", ticks=0, title="", matches="y")]
    assert _axis_problems(shared) == []
    assert _axis_problems([_axis("y2", ticks=0, title="", matches="y")]) != []
