"""The teaching record, the times of the chapter headers and the teacher's page, and the script
that measures the cold running times (without running a chapter: that is the script's job)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import export_notebooks  # scripts/ is on pytest's pythonpath (pyproject.toml)
import jupytext
import pytest
import time_chapters

from expand_neurons.book import syllabus, teaching
from expand_neurons.book.exercise_cells import find_exercises

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_PAGES = [
    Path(doc).name
    for doc in export_notebooks.toc_documents(ROOT / "_toc.yml")
    if "kernelspec:" in (ROOT / f"{doc}.md").read_text(encoding="utf-8")
]
NAMES = [record.name for record in syllabus.CHAPTERS]


def _book(tmp_path: Path, **chapters: str) -> Path:
    head = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
    for name, text in chapters.items():
        (tmp_path / f"{name}.md").write_text(head + text, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------------ the record itself


def test_every_notebook_chapter_but_this_page_has_a_record_in_book_order():
    assert [name for name in NOTEBOOK_PAGES if name != "teaching"] == NAMES


def test_prerequisites_come_earlier_in_the_book():
    for i, record in enumerate(syllabus.CHAPTERS):
        assert set(record.prerequisites) <= set(NAMES[:i]), record.name
        assert record.objectives and record.background, record.name


def test_every_exercise_says_what_it_practises_and_no_entry_is_stale():
    labels = {e.label for name in NAMES for e in teaching.chapter_exercises(name)}
    assert labels - set(syllabus.PRACTISES) == set(), "exercises with no 'practises' entry"
    assert set(syllabus.PRACTISES) - labels == set(), "entries for exercises that do not exist"


def test_plan_names_the_chapters_when_it_has_no_record():
    with pytest.raises(KeyError, match="superposition"):
        syllabus.plan("teaching")


@pytest.mark.parametrize("name", NAMES)
def test_every_chapter_header_glues_objectives_needs_and_times(name):
    text = (ROOT / "book" / f"{name}.md").read_text(encoding="utf-8")
    header = text[text.index("\n# ") + 1 :][:1200]
    assert header.splitlines()[2] == ":::{admonition} Before you start", name
    for key in ("about_objectives", "about_needs", "about_reading_min", "about_cold"):
        assert key in header, f"{name}: the header does not glue {key}"
    assert f'put_header("{name}")' in text
    assert ":::{admonition} Running time\n" not in text, "label the build's own time as such"


# -------------------------------------------------------------------------- reading time


def test_prose_words_leave_out_code_solutions_and_markup():
    markdown = "\n".join(
        [
            "(label)=",
            "## Two words",
            "One {ref}`two three <x>` four.",
            "```python",
            "not counted at all",
            "```",
            "````{solution} ex",
            ":class: dropdown",
            "nor this",
            "````",
            ":::{admonition} Counted title is not",
            ":class: note",
            "five six",
            ":::",
        ]
    )
    assert teaching.prose_words(markdown) == 2 + 4 + 2


def test_reading_minutes_of_a_chapter_and_of_its_sections(tmp_path):
    book = _book(tmp_path, toy="# Toy\n\n" + "word " * 400 + "\n\n## A\n\n" + "a " * 200 + "\n")
    assert teaching.reading_minutes("toy", book=book) == pytest.approx(602 / 200)
    assert teaching.reading_minutes("toy", ["A"], book=book) == pytest.approx(201 / 200)
    assert teaching.reading_minutes("toy", (), book=book) == 0
    with pytest.raises(KeyError, match="no section \\['B'\\].*'A'"):
        teaching.reading_minutes("toy", ["B"], book=book)
    with pytest.raises(FileNotFoundError, match="'toy'"):
        teaching.reading_minutes("other", book=book)


# -------------------------------------------------------------------- cold running times


def _times_file(path: Path, **chapters: dict) -> Path:
    path.write_text(json.dumps({"format": time_chapters.FORMAT, "chapters": chapters}))
    return path


ENTRY = {
    "wall_s": 250.0,
    "cpu_s": 240.0,
    "cores": 2,
    "profile": "quick",
    "commit": "0123456789abcdef+dirty",
    "date": "2026-12-07T10:00:00+00:00",
    "threads": 1,
}


def test_a_chapter_not_in_the_times_file_is_not_measured_yet(tmp_path):
    assert teaching.read_times(tmp_path / "absent.json") == {}
    assert teaching.cold_time("fpe", {}) == teaching.NOT_MEASURED == "not measured yet"


def test_a_measured_chapter_shows_its_time_cores_date_and_commit(tmp_path):
    times = teaching.read_times(_times_file(tmp_path / "t.json", fpe=ENTRY))
    assert teaching.cold_time("fpe", times) == (
        "4 min on 2 cores (quick profile, 2026-12-07, commit 0123456789+dirty)"
    )
    assert teaching.cold_time("fpe", times, detail=False) == "4 min on 2 cores"
    assert teaching.cold_time("load", times) == teaching.NOT_MEASURED
    short = teaching.read_times(_times_file(tmp_path / "s.json", fpe={**ENTRY, "wall_s": 42.4}))
    assert teaching.cold_time("fpe", short).startswith("42 s on 2 cores")


def test_the_header_values_of_a_chapter(tmp_path):
    values = teaching.header_markdown("fpe", times_file=_times_file(tmp_path / "t.json"))
    assert values["about_objectives"].startswith("- expand a neuron by hand")
    assert values["about_needs"].splitlines()[0] == "- {ref}`superposition`"
    assert int(values["about_reading_min"]) >= 1
    assert values["about_cold"] == teaching.NOT_MEASURED


def test_put_header_glues_nothing_outside_a_checkout(tmp_path, monkeypatch):
    glued = []
    monkeypatch.setattr("expand_neurons.book.glue.put", lambda *a: glued.append(a))
    monkeypatch.setattr(teaching, "BOOK", tmp_path)
    teaching.put_header("fpe")
    assert glued == []
    monkeypatch.setattr(teaching, "BOOK", ROOT / "book")
    teaching.put_header("fpe")
    assert [name for name, _ in glued] == [
        "about_objectives",
        "about_needs",
        "about_reading_min",
        "about_cold",
    ]


# ------------------------------------------------------------------------------ tables


def test_markdown_table_aligns_numbers_and_escapes_bars():
    table = teaching.markdown_table([{"a": "x | y", "n": 3}, {"a": "z", "n": None}])
    assert table.splitlines() == ["| a | n |", "| --- | ---: |", "| x \\| y | 3 |", "| z |  |"]
    with pytest.raises(ValueError, match="at least one row"):
        teaching.markdown_table([])


def test_the_lab_fits_in_90_minutes_and_the_sequences_name_real_sections():
    lab = teaching.sequence_table(syllabus.LAB)
    assert sum(row["Reading (min)"] + row["Exercises (min)"] for row in lab) <= 90
    assert lab[0]["Minutes"].startswith("0–") and lab[1]["Minutes"].startswith(
        lab[0]["Minutes"].split("–")[1] + "–"
    )
    module = teaching.sequence_table(syllabus.MODULE)
    assert len(module) == len(syllabus.MODULE)


def test_a_sequence_step_with_an_unknown_exercise_is_refused():
    with pytest.raises(KeyError, match="no exercises \\['fpe-ex-none'\\]"):
        teaching.sequence_table([syllabus.Step("now", "fpe", exercises=("fpe-ex-none",))])


def test_overview_and_exercise_tables_cover_every_chapter_and_exercise():
    overview = teaching.overview()
    assert [row["Chapter"] for row in overview] == [f"{{ref}}`{n}`" for n in NAMES]
    exercises = teaching.exercise_table()
    assert len(exercises) == sum(row["Exercises"] for row in overview)
    assert all(row["Practises"] != "—" for row in exercises)


# ------------------------------------------------------------ which cells an exercise owns


def test_find_exercises_gives_a_cell_run_to_the_exercise_that_ends_its_cell():
    text = (
        "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
        "````{exercise}\n:label: a\n\n**Difficulty** ★☆☆ · **Time** about 5 minutes\n````\n\n"
        "````{exercise}\n:label: b\n\n**Difficulty** ★★★ · **Time** about 30 minutes\n````\n\n"
        "```{code-cell} ipython3\ndef f():\n    raise NotImplementedError\n```\n\n"
        "```{code-cell} ipython3\nprint(check_f(f))\n```\n\n"
        "```{code-cell} ipython3\nafter = f\n```\n\n"
        "````{exercise}\n:label: c\n````\n\nThen prose.\n\n"
        "```{code-cell} ipython3\nprint(check_g(g))\n```\n"
    )
    a, b, c = find_exercises(jupytext.reads(text, fmt="myst").cells, "toy")
    assert (a.label, a.stars, a.minutes, a.stubs, a.checks, a.graded) == ("a", 1, 5, [], [], False)
    assert (b.number, b.stars, b.points, b.stubs, b.checks, b.graded) == (2, 3, 3, [1], [2], True)
    assert (c.minutes, c.points, c.checks) == (None, 1, [])  # prose after it: not its cells


# ------------------------------------------------------------------ scripts/time_chapters.py


def test_the_cold_environment_has_no_book_store_and_an_empty_cache(tmp_path, monkeypatch):
    environ = {"EXPAND_NEURONS_BOOK_STORE": "/somewhere/warm", "EXPAND_NEURONS_PROFILE": "paper"}
    monkeypatch.setattr(os, "environ", environ)  # the real environment stays as it is
    time_chapters.cold_environment(tmp_path)
    assert "EXPAND_NEURONS_BOOK_STORE" not in os.environ
    assert os.environ["EXPAND_NEURONS_PROFILE"] == "quick"
    assert os.environ["EXPAND_NEURONS_CACHE"] == str(tmp_path / "cache")
    assert os.environ["EXPAND_NEURONS_STORE"] == str(tmp_path / "store")
    assert os.environ["OMP_NUM_THREADS"] == "1"


def test_time_chapter_records_cores_profile_and_provenance(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(time_chapters, "run", lambda name, out: ran.append((name, out)))
    monkeypatch.setenv("EXPAND_NEURONS_PROFILE", "quick")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    entry = time_chapters.time_chapter("fpe", tmp_path, "abc123")
    assert ran == [("fpe", tmp_path / "executed")]
    assert entry["commit"] == "abc123"
    assert entry["cores"] == time_chapters.usable_cores() >= 1
    assert (entry["profile"], entry["threads"]) == ("quick", 1)
    assert {"wall_s", "cpu_s", "commit", "date", "torch", "cpu_model", "load_before"} <= set(entry)


def test_record_keeps_the_other_chapters_and_refuses_another_file(tmp_path):
    path = _times_file(tmp_path / "t.json", load=ENTRY)
    time_chapters.record("fpe", {**ENTRY, "wall_s": 1.0}, path)
    data = json.loads(path.read_text())
    assert list(data["chapters"]) == ["fpe", "load"] and data["method"] == time_chapters.METHOD
    assert teaching.read_times(path)["fpe"].wall_s == 1.0
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something else", "chapters": {}}))
    with pytest.raises(ValueError, match="not a chapter-times file"):
        time_chapters.record("fpe", ENTRY, other)


def test_time_chapters_refuses_an_unknown_chapter(capsys):
    with pytest.raises(SystemExit):
        time_chapters.main(["nope"])
    assert "no chapter ['nope']" in capsys.readouterr().err


def test_the_committed_times_file_is_readable_and_only_names_chapters():
    times = teaching.read_times()
    assert set(times) <= set(NAMES)
    for name, t in times.items():
        assert t.wall_s > 0 and t.cores >= 1 and t.profile == "quick", name


def test_time_chapters_refuses_a_tree_with_uncommitted_changes(capsys, monkeypatch):
    monkeypatch.setattr(time_chapters, "measured_commit", lambda out: "abc123+dirty")
    monkeypatch.setattr(time_chapters, "run", lambda name, out: pytest.fail("ran a chapter"))
    with pytest.raises(SystemExit):
        time_chapters.main(["fpe"])
    assert "uncommitted changes" in capsys.readouterr().err


def test_a_changed_times_file_alone_leaves_the_tree_clean(tmp_path, monkeypatch):
    root = Path(time_chapters.__file__).resolve().parents[1]
    monkeypatch.setattr(time_chapters, "git_commit", lambda: "abc123+dirty")
    listed = {"names": "results/teaching/chapter-times.json\n"}

    def diff(*args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout=listed["names"])

    monkeypatch.setattr(time_chapters.subprocess, "run", diff)
    times = root / "results" / "teaching" / "chapter-times.json"
    assert time_chapters.measured_commit(times) == "abc123"
    listed["names"] += "expand_neurons/training.py\n"
    assert time_chapters.measured_commit(times) == "abc123+dirty"


def test_chapter_markdown_drops_the_front_matter_code_cells_and_cell_breaks(tmp_path):
    # _book writes the front matter
    source = "\n".join(
        [
            "# Toy",
            "```{code-cell} ipython3",
            "# a comment, not a heading",
            "x = 1",
            "```",
            "+++",
            "one two",
            "````{code-cell} ipython3",
            "print('```')",
            "````",
            "three",
        ]
    )
    book = _book(tmp_path, toy=source)
    assert teaching.chapter_markdown("toy", book) == "# Toy\none two\nthree"


@pytest.mark.parametrize("name", sorted(p.stem for p in teaching.BOOK.glob("*.md")))
def test_chapter_markdown_has_the_words_of_the_chapters_markdown_cells(name):
    cells = teaching.chapter_cells(name)
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert teaching.prose_words(teaching.chapter_markdown(name)) == teaching.prose_words(markdown)
