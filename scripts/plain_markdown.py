"""The book's MyST Markdown as plain Markdown, for notebooks opened outside Sphinx.

JupyterLab, Binder and Colab render CommonMark, not MyST: a role such as ``{glue:text}`x``` or
a ``:::{admonition}`` fence reaches the learner as raw source. :func:`plain` rewrites one
Markdown cell so that it reads the same as on the site:

* glued numbers are substituted from the executed book (:func:`glued_values`);
* cross-references become the title of what they point at (:func:`labels`), citations become
  "(Author et al., year)" (:func:`citations`), label lines such as ``(fpe)=`` are dropped;
* admonitions become block quotes, propositions and proofs bold and italic paragraphs,
  exercises "Exercise k" (numbered per chapter), solutions HTML ``<details>`` blocks.

A role or directive this module does not know raises ``ValueError`` naming it, so a new kind of
markup cannot slip into the notebooks unnoticed.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from expand_neurons.book.myst import OPENING, OPTION, Directive, split_directives

LABEL_LINE = re.compile(r"^\((?P<label>[\w-]+)\)=[ \t]*$")
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t]*$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<content>[^`]*)`")
EXPLICIT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
# What must never be left in a plain Markdown cell (tests check the exported notebooks).
RAW_MARKUP = ("{glue", "{eval", "{ref}", "{prf:", ":::{", "```{", "{cite}")
RAW_LABEL = re.compile(r"^\([\w-]+\)=", re.MULTILINE)

THEOREM_KINDS = {
    "prf:proposition": "Proposition",
    "prf:corollary": "Corollary",
    "prf:theorem": "Theorem",
    "prf:lemma": "Lemma",
    "prf:definition": "Definition",
}
ADMONITIONS = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important"}


@dataclass
class Context:
    """What the rewriting of one chapter needs: the book's labels, the citations, this
    chapter's glued values, and the chapter's running exercise count."""

    labels: dict[str, str]
    citations: dict[str, str]
    glued: dict[str, tuple[object, str | None]] = field(default_factory=dict)
    exercises: dict[str, int] = field(default_factory=dict)
    with_solutions: bool = True
    unfilled: list[str] = field(default_factory=list)  # glued names with no value at hand


def raw_markup(markdown: str) -> list[str]:
    """The MyST markup left in ``markdown`` (empty when it is plain)."""
    found = [token for token in RAW_MARKUP if token in markdown]
    return found + [m.group(0) for m in RAW_LABEL.finditer(markdown)]


def labels(chapters: list[Path]) -> dict[str, str]:
    """Every label of the ``chapters`` (MyST files, in book order) and how a reference to it
    reads: a section's title, "Proposition (title)", or "Exercise k of <chapter title>"."""
    found: dict[str, str] = {}
    for path in chapters:
        lines = path.read_text(encoding="utf-8").splitlines()
        titles = (m["title"] for line in lines if (m := HEADING.match(line)))
        chapter_title = next(titles, path.stem)
        pending: list[str] = []
        exercise = 0
        for index, line in enumerate(lines):
            if label := LABEL_LINE.match(line):
                pending.append(label["label"])
            elif heading := HEADING.match(line):
                for name in pending:
                    found[name] = _plain_title(heading["title"])
                pending = []
            elif opening := OPENING.match(line.strip()):
                if opening["name"] == "exercise":
                    exercise += 1
                    text = f"exercise {exercise} of “{_plain_title(chapter_title)}”"
                elif opening["name"] in THEOREM_KINDS:
                    text = f"{THEOREM_KINDS[opening['name']]} ({_plain_title(opening['argument'])})"
                else:
                    continue
                for option in lines[index + 1 : index + 4]:
                    if (m := OPTION.match(option.strip())) and m["key"] == "label":
                        found[m["value"].strip()] = text
    return found


def _plain_title(title: str) -> str:
    return title.strip()  # math stays: JupyterLab and Colab render $...$ in Markdown


def citations(bib_file: Path) -> dict[str, str]:
    """``key -> "Author et al., year"`` for every entry of a BibTeX file."""
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib_file)).entries.items():
        people = entry.persons.get("author", [])
        surnames = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        if len(surnames) > 2:
            who = f"{surnames[0]} et al."
        else:
            who = " and ".join(surnames) or entry.fields.get("title", key)
        out[key] = f"{who}, {entry.fields.get('year', 'n.d.')}"
    return out


def glued_values(executed: Path) -> dict[str, tuple[object, str | None]]:
    """``name -> (value, markdown)`` for every value a chapter glued, read from its executed
    notebook's outputs (a notebook run by ``scripts/run_chapter.py``) or, where the book's build
    executed it, from the ``.glue.json`` that myst-nb writes beside it (the build strips glue
    outputs from the notebook); ``value`` is the Python value of ``text/plain`` where it parses."""
    outputs = [
        (output["metadata"]["scrapbook"]["name"], output)
        for cell in nbformat.read(executed, as_version=4).cells
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    ]
    sidecar = executed.with_suffix(".glue.json")
    if sidecar.is_file():
        outputs += json.loads(sidecar.read_text(encoding="utf-8")).items()
    out: dict[str, tuple[object, str | None]] = {}
    for name, output in outputs:
        data = {
            key.rsplit("/", 2)[-2] + "/" + key.rsplit("/", 1)[-1]: value
            for key, value in output.get("data", {}).items()
        }
        text = data.get("text/plain", "")
        try:
            value: object = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        out[name] = (value, data.get("text/markdown"))
    return out


def _glue_text(content: str, context: Context) -> str:
    name, _, spec = content.partition(":")
    if name not in context.glued:
        context.unfilled.append(name)
        return "…"  # the executed book is not at hand: the cell above computes the value
    value, _ = context.glued[name]
    if spec and isinstance(value, (int, float)):
        return format(value, spec)
    return str(value)


def _role(match: re.Match[str], context: Context) -> str:
    name, content = match["name"], match["content"]
    if name in ("glue:text", "glue", "glue:"):
        return _glue_text(content, context)
    if name in ("ref", "prf:ref", "numref", "doc"):
        explicit = EXPLICIT_TARGET.match(content)
        if explicit:
            return explicit["text"]
        if content not in context.labels:
            raise ValueError(f"{{{name}}}`{content}` points at an unknown label")
        return context.labels[content]
    if name == "cite":
        keys = [key.strip() for key in content.split(",")]
        unknown = [key for key in keys if key not in context.citations]
        if unknown:
            raise ValueError(f"{{cite}} keys {unknown} are not in references.bib")
        return "(" + "; ".join(context.citations[key] for key in keys) + ")"
    raise ValueError(f"the role {{{name}}} has no plain-Markdown form; add one to {__name__}")


def _inline(text: str, context: Context) -> str:
    return ROLE.sub(lambda match: _role(match, context), text)


def _quote(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def _directive(
    name: str, argument: str, options: dict[str, str], body: list[str], context: Context
) -> list[str]:
    inner = _convert(body, context)
    if name == "admonition" or name in ADMONITIONS:
        title = _inline(argument, context) if name == "admonition" else ADMONITIONS[name]
        return _quote([f"**{title}**", "", *inner])
    if name in THEOREM_KINDS:
        title = f" ({_inline(argument, context)})" if argument else ""
        return [f"**{THEOREM_KINDS[name]}{title}.**", "", *inner]
    if name == "prf:proof":
        return ["*Proof.*", "", *inner, "", "∎"]
    if name == "exercise":
        number = len(context.exercises) + 1
        context.exercises[options.get("label", f"#{number}")] = number
        return [f"**Exercise {number}.**", "", *inner]
    if name == "solution":
        if not context.with_solutions:
            return []
        number = context.exercises.get(argument)
        summary = f"Solution to exercise {number}" if number else "Solution"
        return [f"<details><summary>{summary}</summary>", "", *inner, "", "</details>"]
    if name == "glue:md":
        if argument not in context.glued:
            context.unfilled.append(argument)
            return ["*(This table is computed by the cell above.)*"]
        value, markdown = context.glued[argument]
        return _convert((markdown if markdown is not None else str(value)).splitlines(), context)
    raise ValueError(f"the directive {{{name}}} has no plain-Markdown form; add one to {__name__}")


def _convert(lines: list[str], context: Context) -> list[str]:
    out: list[str] = []
    paragraph: list[str] = []  # plain lines, whose roles may span line breaks

    def flush() -> None:
        if paragraph:
            out.extend(_inline("\n".join(paragraph), context).split("\n"))
            paragraph.clear()

    in_code = False
    for item in split_directives(lines):
        if isinstance(item, Directive):
            flush()
            out.extend(_directive(item.name, item.argument, item.options, item.body, context))
        elif item.lstrip().startswith("```"):
            flush()
            in_code = not in_code
            out.append(item)
        elif in_code:
            out.append(item)
        elif not LABEL_LINE.match(item):
            paragraph.append(item)
    flush()
    return out


def plain(markdown: str, context: Context) -> str:
    """``markdown`` (one MyST Markdown cell) as plain Markdown (see the module docstring)."""
    text = "\n".join(_convert(markdown.splitlines(), context)).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)
