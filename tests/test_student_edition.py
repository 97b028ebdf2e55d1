"""The student edition: no solution and no importable answer in it, every exercise an nbgrader
assignment (a stub solution cell, then a graded check cell that fails until the checker says
"Correct"), and a launch button that opens it."""

from __future__ import annotations

import ast
import importlib.util
import io
import pkgutil
import re
import sys
import zipfile
from contextlib import redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import export_notebooks  # scripts/ is on pytest's pythonpath (pyproject.toml)
import jupytext
import nbformat
import pytest
import student_edition

import expand_neurons
from expand_neurons.book.exercise_cells import find_exercises
from expand_neurons.book.exercises.grading import NotCorrectYet, assert_correct
from expand_neurons.book.myst import Directive, split_directives

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [
    doc
    for doc in export_notebooks.toc_documents(ROOT / "_toc.yml")
    if "kernelspec:" in (ROOT / f"{doc}.md").read_text(encoding="utf-8")
]
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")  # nbgrader's schema (version 3) for grade_id


def _solution_bodies(chapter: Path) -> list[str]:
    """The text of every ``{solution}`` directive of ``chapter``."""
    return [
        "\n".join(item.body) + "\n"
        for item in split_directives(chapter.read_text(encoding="utf-8").splitlines())
        if isinstance(item, Directive) and item.name == "solution"
    ]


def _solution_code(chapter: Path) -> list[str]:
    """The Python source of every solution of ``chapter``: its ``python`` blocks and the objects
    its ``literalinclude`` directives show."""
    code = []
    for body in _solution_bodies(chapter):
        code += re.findall(r"^`{3,}python\n(.*?)^`{3,}", body, re.MULTILINE | re.DOTALL)
        for match in export_notebooks.LITERALINCLUDE.finditer(body):
            options = dict(re.findall(r":([\w-]+):[ \t]*(.*)", match["options"]))
            if "pyobject" in options:
                file = ROOT / match["path"].lstrip("/")
                code.append(export_notebooks.python_object_source(file, options["pyobject"]))
    return code


def _body_lines(code: str) -> list[str]:
    """The distinctive lines of solution ``code``: the statements inside its functions (not the
    ``def`` lines, which the stubs share), stripped, at least 12 characters long."""
    lines = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in node.body:
                segment = ast.get_source_segment(code, statement) or ""
                lines += [line.strip() for line in segment.splitlines()]
    return [line for line in lines if len(line) >= 12 and not line.startswith(("#", '"""'))]


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> dict[str, nbformat.NotebookNode]:
    out = tmp_path_factory.mktemp("student")
    paths = export_notebooks.export(out, edition="student")
    return {str(p.relative_to(out).with_suffix("")): nbformat.read(p, as_version=4) for p in paths}


def test_the_student_edition_has_every_notebook_chapter(student):
    assert sorted(student) == sorted(CHAPTERS)
    for notebook in student.values():
        assert notebook.metadata["expand_neurons"] == {"edition": "student"}


def test_the_student_edition_holds_no_solution(student):
    found = []
    for doc, notebook in student.items():
        text = "\n".join(cell.source for cell in notebook.cells)
        for marker in ("{solution}", "Solution to exercise", "<details>"):
            if marker in text:
                found.append(f"{doc}: {marker!r}")
        # A line the chapter also shows outside its solutions (a hint, the stub) gives nothing away.
        rest = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        for body in _solution_bodies(ROOT / f"{doc}.md"):
            rest = rest.replace(body, "")
        for code in _solution_code(ROOT / f"{doc}.md"):
            found += [
                f"{doc}: {line!r}"
                for line in _body_lines(code)
                if line in text and line not in rest
            ]
    assert not found, f"solution text in the student edition: {found}"


def test_the_solution_scan_finds_a_solution_in_the_full_edition(tmp_path):
    # The scan above could pass by finding nothing: in the full edition it must find them.
    (path,) = export_notebooks.export(tmp_path, only=["book/fpe"])
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    lines = [line for code in _solution_code(ROOT / "book/fpe.md") for line in _body_lines(code)]
    assert len(lines) >= 10 and all(line in text for line in lines)


def _imported_modules(source: str) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules += [f"{node.module}.{alias.name}" for alias in node.names]
    return modules


def test_nothing_in_the_student_edition_imports_an_answer(student):
    found = [
        f"{doc}: {module}"
        for doc, notebook in student.items()
        for cell in notebook.cells
        if cell.cell_type == "code"
        for module in _imported_modules(cell.source)
        if "solutions" in module.split(".")
    ]
    assert not found, found
    assert _imported_modules("from expand_neurons.book import solutions") == [
        "expand_neurons.book.solutions"
    ]


def test_the_package_has_no_module_named_solutions():
    names = [m.name for m in pkgutil.walk_packages(expand_neurons.__path__, "expand_neurons.")]
    assert names and not [n for n in names if n.rsplit(".", 1)[-1] == "solutions"]


def test_every_exercise_is_a_stub_cell_then_a_graded_check_cell(student):
    problems = []
    for doc, notebook in student.items():
        chapter = Path(doc).name
        source_cells = jupytext.read(ROOT / f"{doc}.md").cells
        cells = {
            c.metadata["nbgrader"]["grade_id"]: (i, c)
            for i, c in enumerate(notebook.cells)
            if "nbgrader" in c.metadata
        }
        for exercise in find_exercises(source_cells, chapter):
            stub = cells.get(f"{exercise.label}-answer")
            check = cells.get(f"{exercise.label}-check")
            if stub is None or check is None:
                problems.append(f"{chapter} exercise {exercise.number}: no stub or no check cell")
                continue
            (i, stub), (j, check) = stub, check
            assert j == i + 1, f"{exercise.label}: the check cell must follow the stub cell"
            assert stub.metadata["nbgrader"]["solution"] and not stub.metadata["nbgrader"]["grade"]
            assert student_edition.BEGIN in stub.source and student_edition.END in stub.source
            meta = check.metadata["nbgrader"]
            assert meta["grade"] and meta["locked"] and meta["points"] == exercise.points
            assert "assert_correct(check_" in check.source and "print(check_" not in check.source
            assert "raises-exception" in check.metadata["tags"]
    assert not problems, problems


def test_the_nbgrader_metadata_follows_schema_version_3(student):
    for doc, notebook in student.items():
        ids = []
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            assert cell.cell_type == "code", doc
            assert meta["schema_version"] == 3
            assert {"grade", "locked", "solution", "grade_id"} <= set(meta)
            assert GRADE_ID.match(meta["grade_id"]), meta["grade_id"]
            if meta["grade"]:
                assert isinstance(meta["points"], int) and meta["points"] > 0
            else:
                assert "points" not in meta
            ids.append(meta["grade_id"])
        assert len(ids) == len(set(ids)), f"{doc}: duplicate grade ids"


def test_the_full_edition_carries_no_nbgrader_metadata(tmp_path):
    (path,) = export_notebooks.export(tmp_path, only=["book/fpe"])
    notebook = nbformat.read(path, as_version=4)
    assert not [c for c in notebook.cells if "nbgrader" in c.metadata]
    assert any("<details>" in c.source for c in notebook.cells if c.cell_type == "markdown")


# ---------------------------------------------------------------- the transform, on small cells

STUB = 'from x import check_double\n\n\ndef double(n):\n    raise NotImplementedError("here")\n'


def test_mark_answer_wraps_only_the_stub_lines():
    marked = student_edition.mark_answer(STUB)
    assert marked.splitlines()[3:] == [
        "def double(n):",
        "    ### BEGIN SOLUTION",
        '    raise NotImplementedError("here")',
        "    ### END SOLUTION",
    ]
    assert student_edition.mark_answer("answer = ...\n").splitlines() == [
        "### BEGIN SOLUTION",
        "answer = ...",
        "### END SOLUTION",
    ]
    two = student_edition.mark_answer("a = None\nb = ...\n")
    assert two.count("BEGIN SOLUTION") == 1  # adjacent stubs: one region


def test_mark_answer_refuses_a_cell_without_a_stub():
    with pytest.raises(ValueError, match="NotImplementedError"):
        student_edition.mark_answer("def double(n):\n    return 2 * n\n")


def test_graded_check_asserts_the_checkers_message():
    out = student_edition.graded_check("print(check_double(double))\n")
    assert out == student_edition.ASSERT_IMPORT + "\n\nassert_correct(check_double(double))"
    bare = student_edition.graded_check("check_double(double, train=True)\n")
    assert bare.endswith("assert_correct(check_double(double, train=True))")
    with pytest.raises(ValueError, match=r"print\(check_"):
        student_edition.graded_check("message = check_double(double)\nprint(message)\n")


def _chapter(*cells: str) -> nbformat.NotebookNode:
    head = "---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
    return jupytext.reads(head + "\n\n".join(cells), fmt="myst")


EXERCISE = "````{exercise}\n:label: toy-ex\n\n**Difficulty** ★★☆ · **Time** about 5 minutes\n````"


def _code(source: str) -> str:
    return f"```{{code-cell}} ipython3\n{source}\n```"


def test_make_student_edition_sets_up_one_exercise():
    notebook = _chapter(EXERCISE, _code(STUB), _code("print(check_double(double))"), _code("x = 1"))
    (exercise,) = student_edition.make_student_edition(notebook, "toy")
    assert (exercise.stubs, exercise.checks, exercise.points) == ([1], [2], 2)
    assert notebook.cells[1].metadata["nbgrader"]["grade_id"] == "toy-ex-answer"
    assert notebook.cells[2].metadata["nbgrader"]["points"] == 2
    assert "nbgrader" not in notebook.cells[3].metadata  # after the check: the chapter's own


def test_make_student_edition_refuses_a_stub_and_check_in_one_cell():
    notebook = _chapter(EXERCISE, _code(STUB + "\nprint(check_double(double))"))
    with pytest.raises(ValueError, match="toy, exercise 1 .*stub cell"):
        student_edition.make_student_edition(notebook, "toy")


def test_make_student_edition_refuses_an_import_of_the_solutions():
    notebook = _chapter(_code("from expand_neurons.book.solutions import double"))
    with pytest.raises(ValueError, match="solutions"):
        student_edition.make_student_edition(notebook, "toy")


def test_make_student_edition_refuses_text_that_nbgrader_would_cut():
    notebook = _chapter("Write the answer between `### BEGIN SOLUTION` and its end.")
    with pytest.raises(ValueError, match="toy, cell 0: nbgrader would cut"):
        student_edition.make_student_edition(notebook, "toy")


def test_a_graded_check_fails_for_a_stub_and_passes_for_an_answer():
    from expand_neurons.book.exercises.core import exercise

    @exercise(hint="multiply by two")
    def check_double(fn):
        assert fn(3) == 6, f"expected 6, got {fn(3)}"
        return "Correct: doubled."

    graded = student_edition.graded_check("print(check_double(double))")
    stub = student_edition.mark_answer(STUB.split("\n", 3)[3])
    answer = stub.replace('raise NotImplementedError("here")', "return 2 * n")
    for source, passes in [(stub, False), (answer, True)]:
        space = {"check_double": check_double}
        exec(source, space)
        printed = io.StringIO()
        with redirect_stdout(printed):
            if passes:
                exec(graded, space)
            else:
                with pytest.raises(NotCorrectYet):
                    exec(graded, space)
        assert printed.getvalue().startswith("Correct" if passes else "Not attempted yet.")


def test_assert_correct_prints_and_raises_unless_correct(capsys):
    assert_correct("Correct: well done.")
    with pytest.raises(NotCorrectYet):
        assert_correct("Not attempted yet. Hint: ...")
    assert capsys.readouterr().out.splitlines() == [
        "Correct: well done.",
        "Not attempted yet. Hint: ...",
    ]
    with pytest.raises(TypeError, match="checker's message"):
        assert_correct(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- publishing: zip and buttons


def test_export_refuses_an_unknown_edition(tmp_path):
    with pytest.raises(ValueError, match="edition"):
        export_notebooks.export(tmp_path, edition="teacher", only=["book/fpe"])


def test_a_zip_out_path_writes_an_archive(tmp_path):
    archive = tmp_path / "downloads" / "full.zip"
    assert export_notebooks.main([str(archive), "--only", "book/superposition"]) == 0
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == ["expand-neurons-full/book/superposition.ipynb"]
        notebook = nbformat.reads(z.read(z.namelist()[0]).decode(), as_version=4)
    assert notebook.metadata["expand_neurons"]["edition"] == "full"
    assert not list(archive.parent.glob("*.partial"))


def test_the_exported_header_is_filled_in_without_an_executed_book(tmp_path):
    (path,) = export_notebooks.export(tmp_path, only=["book/fpe"], numbers_from=tmp_path)
    header = nbformat.read(path, as_version=4).cells[0].source
    assert "**Before you start**" in header and "- expand a neuron by hand" in header
    assert "Superposition in a Boolean network" in header  # the needs' {ref}, resolved
    assert re.search(r"about \d+ minutes", header)
    assert "…" not in header.split("Running time of this build")[0]


def _load_extension():
    spec = importlib.util.spec_from_file_location(
        "expand_neurons_book", ROOT / "_ext" / "expand_neurons_book.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("expand_neurons_book", module)
    spec.loader.exec_module(module)
    return module


def test_the_launch_menu_opens_either_edition():
    extension = _load_extension()
    app = SimpleNamespace(
        config=SimpleNamespace(
            html_theme_options={
                "repository_url": "https://github.com/org/repo",
                "launch_buttons": {
                    "notebook_interface": "jupyterlab",
                    "binderhub_url": "https://mybinder.org",
                    "colab_url": "https://colab.research.google.com",
                },
            },
            expand_neurons_notebooks_branch="notebooks",
            expand_neurons_student_branch="notebooks-student",
        )
    )
    buttons = [{"type": "link", "text": "Binder", "url": "x"}, {"type": "link", "text": "Colab"}]
    context = {"header_buttons": [{"label": "launch-buttons", "buttons": buttons}]}
    extension._notebook_links(app, "book/fpe", "page.html", context, None)
    urls = {b["text"]: b["url"] for b in context["header_buttons"][0]["buttons"]}
    assert urls == {
        "Binder": "https://mybinder.org/v2/gh/org/repo/notebooks?urlpath=lab/tree/book/fpe.ipynb",
        "Colab": "https://colab.research.google.com/github/org/repo/blob/notebooks/book/fpe.ipynb",
        "Binder: student edition": "https://mybinder.org/v2/gh/org/repo/notebooks-student"
        "?urlpath=lab/tree/book/fpe.ipynb",
        "Colab: student edition": "https://colab.research.google.com/github/org/repo/blob/"
        "notebooks-student/book/fpe.ipynb",
    }
