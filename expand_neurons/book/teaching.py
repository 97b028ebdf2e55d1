"""Times and tables for teaching: the chapter headers and the teacher's page.

* Reading time is a chapter's prose (its Markdown, without code, solutions or markup) at
  :data:`WORDS_PER_MINUTE` words per minute (:func:`reading_minutes`).
* Cold running time is measured, never estimated: ``scripts/time_chapters.py`` runs each chapter
  in a fresh kernel with an empty result store and records the wall-clock seconds, the machine's
  cores, the commit and the date in :data:`TIMES_FILE`. A chapter it has not measured reads
  :data:`NOT_MEASURED` (:func:`cold_time`).
* Objectives, prerequisites and what each exercise practises are the people-written record
  :mod:`expand_neurons.book.syllabus`.

Each chapter's header glues these with :func:`put_header`; ``book/teaching.md`` shows the tables
of :func:`overview`, :func:`exercise_table` and :func:`sequence_table` (Markdown tables, as
:func:`markdown_table` writes them). Nothing is read at import, and nothing needs more than the
chapters' sources: a notebook opened outside the repository (Colab) skips the header, which the
export filled in already.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import syllabus
from .exercise_cells import Exercise, find_exercises

__all__ = [
    "BOOK",
    "TIMES_FILE",
    "WORDS_PER_MINUTE",
    "NOT_MEASURED",
    "ChapterTime",
    "prose_words",
    "chapter_cells",
    "chapter_markdown",
    "chapter_exercises",
    "reading_minutes",
    "read_times",
    "cold_time",
    "header_markdown",
    "put_header",
    "overview",
    "objectives_markdown",
    "exercise_table",
    "sequence_table",
    "markdown_table",
]

_ROOT = Path(__file__).resolve().parents[2]
BOOK = _ROOT / "book"
"""The chapters' sources (present in a checkout, absent from an installed package)."""
TIMES_FILE = _ROOT / "results" / "teaching" / "chapter-times.json"
"""The measured cold running times (written by ``scripts/time_chapters.py``)."""
WORDS_PER_MINUTE = 200
"""Reading speed for the book's technical prose, in words per minute."""
NOT_MEASURED = "not measured yet"
"""What a chapter's cold running time reads until ``scripts/time_chapters.py`` has measured it."""

_FENCE = re.compile(r"^(`{3,}|:{3,})")
_OPENING = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}")
_CODE_CELL = re.compile(r"^(?P<fence>`{3,})\{(code|raw)-cell\}")
_OPTION = re.compile(r"^:[\w-]+:")
_LABEL = re.compile(r"^\([\w-]+\)=\s*$")
_ROLE = re.compile(r"\{[\w:-]+\}`(?P<content>[^`]*)`")
_TARGET = re.compile(r"\s*<[^<>]+>$")  # the target of a reference with explicit text
_HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<title>.+?)[ \t]*$")
_WORD = re.compile(r"[\w$\\][^\s]*")
#: Directives whose body a reader skips: code and solutions.
_SKIPPED = ("solution", "code-cell", "literalinclude")


def _prose_lines(markdown: str) -> list[str]:
    """The lines of ``markdown`` a reader reads: no fenced code, no ``{solution}`` body, no
    directive fences, options or label lines."""
    out: list[str] = []
    closing: re.Pattern[str] | None = None  # the end of a block being skipped
    for line in markdown.splitlines():
        stripped = line.strip()
        if closing is not None:
            if closing.match(stripped):
                closing = None
            continue
        fence = _FENCE.match(stripped)
        opening = _OPENING.match(stripped)
        skipped_block = opening is not None and opening["name"] in _SKIPPED
        code_block = fence is not None and opening is None and stripped != fence.group(1)
        if fence is not None and (skipped_block or code_block):
            mark = fence.group(1)
            closing = re.compile(rf"^{re.escape(mark[0])}{{{len(mark)},}}\s*$")
            continue
        if fence or _OPTION.match(stripped) or _LABEL.match(stripped):
            continue  # a directive's fence, an option, a label
        out.append(line)
    return out


def prose_words(markdown: str) -> int:
    """Words a reader reads in ``markdown`` (a role counts as its content, e.g. a reference's
    text); see :func:`_prose_lines` for what is left out."""
    text = _ROLE.sub(lambda m: _TARGET.sub("", m["content"]), "\n".join(_prose_lines(markdown)))
    return len(_WORD.findall(text))


def _source(name: str, book: Path) -> Path:
    source = book / f"{name}.md"
    if not source.is_file():
        chapters = sorted(p.stem for p in book.glob("*.md")) if book.is_dir() else []
        raise FileNotFoundError(f"no chapter {name!r} in {book}; chapters: {chapters}")
    return source


def chapter_cells(name: str, book: Path = BOOK) -> list[Any]:
    """The cells of chapter ``name`` (``book/<name>.md``, read with jupytext)."""
    import jupytext  # type: ignore[import-untyped]

    return list(jupytext.read(_source(name, book)).cells)


def chapter_markdown(name: str, book: Path = BOOK) -> str:
    """The Markdown of chapter ``name``: its source without the front matter, the code cells
    and the ``+++`` cell breaks. The words of the Markdown cells of :func:`chapter_cells`, read
    without jupytext, whose import (through nbformat and jsonschema) costs every chapter's
    kernel seconds."""
    lines = _source(name, book).read_text(encoding="utf-8").splitlines()
    if lines and lines[0] == "---":
        lines = lines[lines.index("---", 1) + 1 :]
    out: list[str] = []
    closing: str | None = None  # the fence that ends the code cell being skipped
    for line in lines:
        if closing is not None:
            closing = None if line.rstrip() == closing else closing
            continue
        code = _CODE_CELL.match(line)
        if code:
            closing = code["fence"]
        elif not line.startswith("+++"):
            out.append(line)
    return "\n".join(out).strip()


def chapter_exercises(name: str, book: Path = BOOK) -> list[Exercise]:
    """The exercises of chapter ``name``, in order (:func:`.exercise_cells.find_exercises`)."""
    return find_exercises(chapter_cells(name, book), name)


def _sections(markdown: str, titles: Sequence[str], name: str) -> str:
    """The Markdown of the ``##`` sections of ``markdown`` named ``titles`` (each with its
    subsections); a ``KeyError`` names a title the chapter does not have."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading["level"]) <= 2:
            current = found.setdefault(heading["title"], []) if len(heading["level"]) == 2 else None
        if current is not None:
            current.append(line)
    missing = [t for t in titles if t not in found]
    if missing:
        raise KeyError(f"chapter {name!r} has no section {missing}; its sections: {list(found)}")
    return "\n".join(line for t in titles for line in found[t])


def reading_minutes(name: str, sections: Sequence[str] | None = None, book: Path = BOOK) -> float:
    """Minutes to read chapter ``name`` (or only its ``##`` ``sections``, by title) at
    :data:`WORDS_PER_MINUTE`."""
    markdown = chapter_markdown(name, book)
    if sections is not None:
        markdown = _sections(markdown, sections, name)
    return prose_words(markdown) / WORDS_PER_MINUTE


@dataclass(frozen=True)
class ChapterTime:
    """One measured cold run of a chapter: ``wall_s`` wall-clock seconds on ``cores`` CPU cores,
    the ``profile`` it ran, the ``commit`` and ``date`` (ISO 8601) of the measurement."""

    wall_s: float
    cores: int
    profile: str
    commit: str | None
    date: str


def read_times(path: Path = TIMES_FILE) -> dict[str, ChapterTime]:
    """``chapter -> ChapterTime`` for every chapter measured in ``path`` (none if it is absent)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = ChapterTime.__dataclass_fields__
    return {
        name: ChapterTime(**{k: v for k, v in entry.items() if k in fields})
        for name, entry in data["chapters"].items()
    }


def cold_time(
    name: str, times: Mapping[str, ChapterTime] | None = None, *, detail: bool = True
) -> str:
    """Chapter ``name``'s measured cold running time as a header value, e.g.
    ``"4 min on 2 cores (quick profile, 2026-12-07, commit 1a2b3c4d5e)"`` (without ``detail``,
    for a table cell: ``"4 min on 2 cores"``), or :data:`NOT_MEASURED`."""
    times = read_times() if times is None else times
    if name not in times:
        return NOT_MEASURED
    t = times[name]
    took = f"{t.wall_s:.0f} s" if t.wall_s < 90 else f"{t.wall_s / 60:.0f} min"
    short = f"{took} on {t.cores} core{'s' * (t.cores != 1)}"
    if not detail:
        return short
    commit = (
        "unknown" if t.commit is None else t.commit[:10] + "+dirty" * t.commit.endswith("+dirty")
    )
    return f"{short} ({t.profile} profile, {t.date[:10]}, commit {commit})"


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def header_markdown(name: str, book: Path = BOOK, times_file: Path = TIMES_FILE) -> dict[str, str]:
    """The values chapter ``name``'s header glues (MyST Markdown): ``about_objectives`` and
    ``about_needs`` (bullet lists), ``about_reading_min`` (whole minutes) and ``about_cold``
    (:func:`cold_time`)."""
    record = syllabus.plan(name)
    needs = [f"{{ref}}`{chapter}`" for chapter in record.prerequisites] + list(record.background)
    return {
        "about_objectives": _bullets(record.objectives),
        "about_needs": _bullets(needs),
        "about_reading_min": str(max(1, math.ceil(reading_minutes(name, book=book)))),
        "about_cold": cold_time(name, read_times(times_file)),
    }


def put_header(name: str) -> None:
    """Glue chapter ``name``'s header values (:func:`header_markdown`): the lists as Markdown
    for ``{glue:md}``, the times as text for ``{glue:text}``. Outside a checkout (no chapter
    sources) it glues nothing: the exported notebook's header was filled in when it was
    written."""
    if not (BOOK / f"{name}.md").is_file():
        return
    from IPython.display import Markdown

    from .glue import put

    for key, value in header_markdown(name).items():
        put(key, Markdown(value) if key in ("about_objectives", "about_needs") else value)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows`` (dicts with the same keys, in column order) as a Markdown table; numbers right
    aligned, ``|`` in text escaped."""
    from .tables import cell

    if not rows:
        raise ValueError("a table needs at least one row")
    columns = list(rows[0])
    numeric = {
        c: all(isinstance(r[c], (int, float)) or r[c] is None for r in rows) for c in columns
    }
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---:" if numeric[c] else "---" for c in columns) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell(row[c], 0).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)


def _chapter_ref(name: str) -> str:
    return f"{{ref}}`{name}`"


def overview(book: Path = BOOK, times_file: Path = TIMES_FILE) -> list[dict[str, Any]]:
    """One row per chapter of :data:`.syllabus.CHAPTERS`: what to read first, reading minutes,
    the measured cold running time, the number of exercises (graded ones) and their stated
    minutes."""
    times = read_times(times_file)
    rows = []
    for record in syllabus.CHAPTERS:
        exercises = chapter_exercises(record.name, book)
        rows.append(
            {
                "Chapter": _chapter_ref(record.name),
                "Read first": ", ".join(map(_chapter_ref, record.prerequisites)) or "—",
                "Reading (min)": max(1, math.ceil(reading_minutes(record.name, book=book))),
                "Cold run": cold_time(record.name, times, detail=False),
                "Exercises": len(exercises),
                "Graded": sum(e.graded for e in exercises),
                "Exercise time (min)": sum(e.minutes or 0 for e in exercises),
            }
        )
    return rows


def objectives_markdown() -> str:
    """Every chapter's objectives: a bold chapter reference, then its bullet list."""
    return "\n\n".join(
        f"**{_chapter_ref(r.name)}**\n\n{_bullets(r.objectives)}" for r in syllabus.CHAPTERS
    )


def exercise_table(book: Path = BOOK) -> list[dict[str, Any]]:
    """One row per exercise of the book: chapter, number in the chapter, difficulty, stated
    minutes, what it practises (:data:`.syllabus.PRACTISES`) and its autograder points (blank
    when it has no check cell)."""
    rows = []
    for record in syllabus.CHAPTERS:
        for e in chapter_exercises(record.name, book):
            rows.append(
                {
                    "Chapter": _chapter_ref(record.name),
                    "Exercise": e.number,
                    "Difficulty": "★" * e.stars + "☆" * (3 - e.stars),
                    "Time (min)": e.minutes,
                    "Practises": syllabus.PRACTISES.get(e.label, "—"),
                    "Points": e.points if e.graded else None,
                }
            )
    return rows


def sequence_table(steps: Sequence[syllabus.Step], book: Path = BOOK) -> list[dict[str, Any]]:
    """One row per step of a suggested sequence (:data:`.syllabus.LAB`, :data:`.syllabus.MODULE`):
    what to read and which exercises to do (numbered as in the chapter), the reading and exercise
    minutes, and the running total (``Minutes``, from-to)."""
    rows = []
    elapsed = 0
    for step in steps:
        by_label = {e.label: e for e in chapter_exercises(step.chapter, book)}
        unknown = [label for label in step.exercises if label not in by_label]
        if unknown:
            raise KeyError(f"chapter {step.chapter!r} has no exercises {unknown}")
        chosen = [by_label[label] for label in step.exercises]
        reading = math.ceil(reading_minutes(step.chapter, step.sections, book))
        exercise_minutes = sum(e.minutes or 0 for e in chosen)
        if step.sections is None:
            read = f"{_chapter_ref(step.chapter)}, all of it"
        elif step.sections:
            read = f"{_chapter_ref(step.chapter)}: " + "; ".join(f"“{s}”" for s in step.sections)
        else:
            read = "—"
        rows.append(
            {
                "Step": step.session,
                "Read": read,
                "Exercises": ", ".join(str(e.number) for e in chosen) or "—",
                "Reading (min)": reading,
                "Exercises (min)": exercise_minutes,
                "Minutes": f"{elapsed}–{elapsed + reading + exercise_minutes}",
            }
        )
        elapsed += reading + exercise_minutes
    return rows
