"""Unit tests of the book's tooling: figures.show, the notebook export, the toc parser."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

go = pytest.importorskip("plotly.graph_objects")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


plain_markdown = _load("plain_markdown", ROOT / "scripts" / "plain_markdown.py")
export_notebooks = _load("export_notebooks", ROOT / "scripts" / "export_notebooks.py")


def test_importing_the_package_does_not_import_plotly():
    code = "import sys, expand_neurons; print('plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_show_in_book_build_emits_html_without_plotlyjs(monkeypatch):
    from expand_neurons.book import figures

    shown = []
    monkeypatch.setenv(figures.BOOK_BUILD_ENV, "1")
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    figures.show(fig)
    assert len(shown) == 1 and set(shown[0]) == {"text/html"}
    html = shown[0]["text/html"]
    assert "plotly-graph-div" in html and "Plotly.newPlot" in html
    assert len(html) < 100_000, "plotly.js must not be inlined: the site serves it"
    assert fig.layout.template.layout.paper_bgcolor == "rgba(0, 0, 0, 0)"


def test_show_outside_the_book_uses_fig_show(monkeypatch):
    from expand_neurons.book import figures

    monkeypatch.delenv(figures.BOOK_BUILD_ENV, raising=False)
    calls = []
    fig = go.Figure()
    monkeypatch.setattr(fig, "show", lambda **kwargs: calls.append(kwargs))
    figures.show(fig, config={"scrollZoom": True})
    assert calls == [{"config": {"responsive": True, "displaylogo": False, "scrollZoom": True}}]


def test_toc_lists_intro_first():
    docs = export_notebooks.toc_documents(ROOT / "_toc.yml")
    assert docs[0] == "book/intro"
    assert all((ROOT / f"{doc}.md").is_file() for doc in docs)


def test_export_writes_notebooks_outside_book(tmp_path):
    written = export_notebooks.export(tmp_path, with_setup=True, ref="abc123")
    assert written, "no notebook chapter found in _toc.yml"
    for path in written:
        notebook = nbformat.read(path, as_version=4)
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        setup = [c for c in notebook.cells if "REQUIREMENT =" in c.source]
        assert len(setup) == 1
        ast.parse(setup[0].source)  # valid Python
        assert "@abc123" in setup[0].source
    assert not list((ROOT / "book").glob("*.ipynb")), "a .ipynb in book/ breaks the build"


def test_export_refuses_to_write_into_book():
    with pytest.raises(SystemExit):
        export_notebooks.main([str(ROOT / "book")])


def test_export_inlines_a_literalinclude_of_a_python_object(tmp_path):
    (tmp_path / "sol.py").write_text('"""Doc."""\n\n\ndef answer(x):\n    return 2 * x\n')
    page = tmp_path / "page.md"
    markdown = (
        "Prose.\n\n```{literalinclude} sol.py\n:language: python\n:pyobject: answer\n```\n"
        "\n```{literalinclude} sol.py\n```\n"
    )
    out = export_notebooks.inline_includes(markdown, page)
    assert "```python\ndef answer(x):\n    return 2 * x\n```" in out
    assert out.count("{literalinclude}") == 1, "an include without :pyobject: is left as it is"
    with pytest.raises(ValueError, match="no top-level function or class 'missing'"):
        export_notebooks.inline_includes(markdown.replace("answer", "missing"), page)


def test_exported_solution_dropdowns_hold_the_solutions_source(tmp_path):
    for path in export_notebooks.export(tmp_path):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                assert "{literalinclude}" not in cell.source or ":pyobject:" not in cell.source


def _context(**glued):
    return plain_markdown.Context(
        labels={"fpe": "Fixed Parameter Expansion", "ex-a": "exercise 1 of “FPE”"},
        citations={"kong2026expand": "Kong et al., 2026"},
        glued={name: (value, None) for name, value in glued.items()},
    )


def test_plain_markdown_resolves_roles_across_line_breaks():
    text = (
        "(fpe-pilot)=\n## The pilot\n\nDense reaches {glue:text}`acc:.1f` % in the {ref}`next\n"
        "chapter <fpe>`; see {ref}`fpe` and {cite}`kong2026expand`."
    )
    out = plain_markdown.plain(text, _context(acc=78.6543))
    assert out == (
        "## The pilot\n\nDense reaches 78.7 % in the next\nchapter; see Fixed Parameter "
        "Expansion and (Kong et al., 2026)."
    )
    assert plain_markdown.raw_markup(out) == []


def test_plain_markdown_turns_directives_into_readable_markdown():
    text = (
        ":::{admonition} Running time\n:class: note\nRan in {glue:text}`t:.0f` s.\n:::\n\n"
        "````{exercise}\n:label: ex-a\n\nWrite `f`.\n````\n\n"
        "````{solution} ex-a\n:class: dropdown\n\nLike this:\n\n```python\nf = 1\n```\n````\n\n"
        "```{prf:proof}\nObvious.\n```"
    )
    context = _context(t=12.3)
    out = plain_markdown.plain(text, context)
    assert "> **Running time**\n>\n> Ran in 12 s." in out
    assert "**Exercise 1.**\n\nWrite `f`." in out
    assert "<details><summary>Solution to exercise 1</summary>" in out
    assert "```python\nf = 1\n```" in out, "code blocks inside a directive stay code"
    assert "*Proof.*\n\nObvious.\n\n∎" in out
    assert plain_markdown.raw_markup(out) == []
    student = plain_markdown.plain(text, plain_markdown.Context({}, {}, with_solutions=False))
    assert "f = 1" not in student and "Solution" not in student


def test_plain_markdown_refuses_markup_it_does_not_know():
    with pytest.raises(ValueError, match="role {term} has no plain-Markdown form"):
        plain_markdown.plain("a {term}`b`", _context())
    with pytest.raises(ValueError, match="directive {figure} has no plain-Markdown form"):
        plain_markdown.plain("```{figure} a.png\n```", _context())
    with pytest.raises(ValueError, match="unknown label"):
        plain_markdown.plain("{ref}`nowhere`", _context())
    with pytest.raises(ValueError, match="never closed"):
        plain_markdown.plain(":::{admonition} A\ntext", _context())


def test_exported_notebooks_have_no_myst_markup(tmp_path):
    """Every chapter's Markdown, as Binder, Colab and a download show it, is plain: no role,
    directive or label of MyST is left (numbers are '…' when the book was not executed)."""
    for path in export_notebooks.export(tmp_path, numbers_from=tmp_path / "none"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                assert plain_markdown.raw_markup(cell.source) == [], (path.name, cell.source)
