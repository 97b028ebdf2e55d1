"""The chapters' exercises: a stub cell and a check cell after each, the checker from the
chapter's own module, a solution in the dropdown that the checker accepts, no importable answer,
and exercises numbered per chapter on the site."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jupytext
import pytest

from expand_neurons.book.exercises import NOT_ATTEMPTED

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(
    p for p in (ROOT / "book").glob("*.md") if "kernelspec" in jupytext.read(p).metadata
)
EXERCISE = re.compile(r"^(`{3,})\{exercise\}[^\n]*\n:label: (\S+)\n(.*?)^\1\s*$", re.M | re.S)
SOLUTION = re.compile(r"^(`{3,})\{solution\} (\S+)\n(.*?)^\1\s*$", re.M | re.S)
PYTHON = re.compile(r"^```python\n(.*?)^```\s*$", re.M | re.S)
#: The sections another task owns (FPE built from scratch), checked by its own tests.
OTHER_SECTIONS = ("## Build FPE yourself",)


@dataclass
class Item:
    """One exercise of a chapter: its stub cell, its check cell and its solution's code."""

    chapter: str
    label: str
    text: str
    stub: str
    check: str
    solution: str | None


def _in_other_section(markdown: str, position: int) -> bool:
    """Whether ``position`` of the chapter's ``markdown`` lies in a section of another task."""
    headings = [(m.start(), m.group(0)) for m in re.finditer(r"^## .*$", markdown, re.M)]
    current = [h for start, h in headings if start <= position]
    return bool(current) and current[-1].startswith(OTHER_SECTIONS)


def _items(chapter: Path) -> list[Item]:
    """The chapter's exercises, with the two code cells that follow each ``{exercise}``."""
    cells = jupytext.read(chapter).cells
    markdown = chapter.read_text(encoding="utf-8")
    solutions = {m[2]: PYTHON.findall(m[3]) for m in SOLUTION.finditer(markdown)}
    items = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        for m in EXERCISE.finditer(cell.source):
            if _in_other_section(markdown, markdown.index(m[0])):
                continue
            following = cells[i + 1 : i + 3]
            assert [c.cell_type for c in following] == ["code", "code"], (
                f"{chapter.name}: {m[2]} must be followed by a stub cell and a check cell"
            )
            code = solutions.get(m[2], [])
            assert len(code) <= 1, f"{chapter.name}: {m[2]}'s solution has several python blocks"
            items.append(
                Item(
                    chapter.stem,
                    m[2],
                    m[3],
                    following[0].source,
                    following[1].source,
                    code[0] if code else None,
                )  # fmt: skip
            )
    return items


ITEMS = [item for chapter in CHAPTERS for item in _items(chapter)]


def _calls(source: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id.startswith("check_")
    ]


def _defined(source: str) -> dict[str, ast.stmt]:
    """Top-level functions and assignments of a cell, by name."""
    out: dict[str, ast.stmt] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            out.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
    return out


def _is_stub(node: ast.stmt) -> bool:
    """A function that only raises ``NotImplementedError`` (after a docstring), or a value
    left as ``...``."""
    if isinstance(node, ast.Assign):
        return isinstance(node.value, ast.Constant) and node.value.value is Ellipsis
    assert isinstance(node, ast.FunctionDef)
    body = node.body[1:] if ast.get_docstring(node) else node.body
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _checker(item: Item) -> tuple[Any, list[str]]:
    """The checker a check cell calls, imported from the chapter's module, and the names of the
    learner's answers it passes (the positional arguments the stub cell defines)."""
    (call,) = _calls(item.check)
    module = importlib.import_module(f"expand_neurons.book.exercises.{item.chapter}")
    answers = _defined(item.stub)
    names = [a.id for a in call.args if isinstance(a, ast.Name) and a.id in answers]
    return getattr(module, call.func.id), names


def test_every_chapter_has_its_exercises():
    assert len(ITEMS) == 32  # plus the five steps of "Build FPE yourself" (their own test)
    assert {i.chapter for i in ITEMS} == {
        "superposition", "fpe", "collisions", "load", "robustness", "embeddings", "cnn", "deep",
        "hardware",
    }  # fmt: skip


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.label)
def test_each_exercise_has_a_stub_cell_then_a_check_cell(item):
    assert not _calls(item.stub), f"{item.label}: the stub cell must not call a checker"
    answers = _defined(item.stub)
    assert answers, f"{item.label}: the stub cell defines no answer"
    for name, node in answers.items():
        assert _is_stub(node), (
            f"{item.label}: {name} must be a stub (raise NotImplementedError, or `= ...`) so the "
            "checker reports it as not attempted; the solution goes in the solution dropdown"
        )
    calls = _calls(item.check)
    assert len(calls) == 1, f"{item.label}: the check cell calls one checker"
    imports = [n for n in ast.parse(item.check).body if isinstance(n, ast.ImportFrom)]
    assert [(n.module, [a.name for a in n.names]) for n in imports] == [
        (f"expand_neurons.book.exercises.{item.chapter}", [calls[0].func.id])
    ], f"{item.label}: the check cell imports its checker from the chapter's module"
    check, names = _checker(item)
    assert names == list(answers), f"{item.label}: the checker gets every answer, in order"
    assert re.search(r"\*\*Difficulty\*\* [★☆]{3} · \*\*Time\*\* about \d+", item.text), (
        f"{item.label}: no '**Difficulty** ★★☆ · **Time** about N minutes' line"
    )


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.label)
def test_the_stub_is_not_attempted_and_the_solution_is_correct(item):
    check, names = _checker(item)
    stub: dict[str, Any] = {}
    exec(item.stub, stub)
    message = check(*(stub[n] for n in names))
    assert message.startswith(NOT_ATTEMPTED) and check.hint in message, message
    assert item.solution is not None, f"{item.label}: no ```python block in its solution"
    solution: dict[str, Any] = {}
    exec(compile(item.solution, f"<solution {item.label}>", "exec"), solution)
    assert check(*(solution[n] for n in names)).startswith("Correct"), item.label


def test_every_checker_of_a_chapter_module_is_used_by_its_chapter():
    for chapter in {i.chapter for i in ITEMS}:
        module = importlib.import_module(f"expand_neurons.book.exercises.{chapter}")
        used = {_calls(i.check)[0].func.id for i in ITEMS if i.chapter == chapter}
        assert set(module.__all__) == used, chapter


def test_no_answer_is_importable_or_included():
    assert importlib.util.find_spec("expand_neurons.book.solutions") is None
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        assert "literalinclude" not in text, chapter.name
        assert "book.solutions" not in text, chapter.name


SPHINX_CONF = """
import sys
sys.path.insert(0, {ext!r})
extensions = ["sphinx_exercise", "exercise_numbers"]
numfig = True
"""


def _chapter(name: str) -> str:
    blocks = "".join(
        f".. exercise::\n   :label: {name}-{k}\n\n   Do {k}.\n\n"
        f".. solution:: {name}-{k}\n\n   Done.\n\n"
        for k in (1, 2)
    )
    return f"{name}\n{'=' * len(name)}\n\nSee :numref:`{name}-2`.\n\n{blocks}"


def test_exercises_are_numbered_from_one_in_each_chapter(tmp_path):
    (tmp_path / "conf.py").write_text(SPHINX_CONF.format(ext=str(ROOT / "_ext")))
    (tmp_path / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   a\n   b\n")
    for name in ("a", "b"):
        (tmp_path / f"{name}.rst").write_text(_chapter(name))
    out = tmp_path / "_build"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(tmp_path), str(out)], check=True
    )
    for name in ("a", "b"):
        html = (out / f"{name}.html").read_text()
        titles = re.findall(r'caption-number">Exercise (\d+)', html)
        assert titles == ["1", "2"], (name, titles)
        assert re.findall(r"Solution to<[^>]*> Exercise (\d+)", html) == ["1", "2"]
        assert re.search(rf'href="#{name}-2"[^>]*>.*?Exercise 2', html, re.S), "numref"
    config = (ROOT / "_config.yml").read_text()
    assert re.search(r"^\s+exercise_numbers: _ext", config, re.M), "the book loads it"
