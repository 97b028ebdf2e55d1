"""The directives of a MyST Markdown cell, as the book writes them.

A directive opens with a fence of three or more backticks or colons and ``{name}`` (an argument
may follow on the same line), continues with ``:key: value`` option lines, and closes with a
fence of the same character at least as long. The student edition, the teacher's page
(:mod:`expand_neurons.book.exercise_cells`) and the plain-Markdown export
(``scripts/plain_markdown.py``) all read directives through :func:`split_directives`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["OPENING", "OPTION", "Directive", "split_directives"]

#: An opening directive fence, e.g. "````{exercise}" or ":::{admonition} Running time".
OPENING = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>.*)$")
#: An option line of a directive, e.g. ":label: fpe-ex-budget".
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")


@dataclass(frozen=True)
class Directive:
    """One top-level directive: its ``name`` (``"exercise"``, ``"prf:proposition"``), the
    ``argument`` after the name, its ``options`` (values stripped) and its ``body`` lines."""

    name: str
    argument: str
    options: dict[str, str]
    body: list[str]


def split_directives(lines: list[str]) -> Iterator[Directive | str]:
    """``lines`` as plain lines (``str``) and top-level :class:`Directive` s, in order.

    Raises ``ValueError`` naming the directive when one is never closed."""
    i = 0
    while i < len(lines):
        match = OPENING.match(lines[i].strip())
        if match is None:
            yield lines[i]
            i += 1
            continue
        fence = match["fence"]
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        options: dict[str, str] = {}
        while j < len(lines) and (option := OPTION.match(lines[j].strip())):
            options[option["key"]] = option["value"].strip()
            j += 1
        body_start = j
        while j < len(lines) and not closing.match(lines[j].strip()):
            j += 1
        if j == len(lines):
            raise ValueError(f"the {{{match['name']}}} directive {lines[i]!r} is never closed")
        yield Directive(match["name"], match["argument"].strip(), options, lines[body_start:j])
        i = j + 1
