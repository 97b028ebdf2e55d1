"""WordNet 3.0 noun glosses labelled by their lexicographer file: a 26-class text task.

Every noun synset in WordNet's ``data.noun`` carries a lexicographer file number (03..28, e.g. 05 =
``noun.animal``, 06 = ``noun.artifact``) and a gloss (a short definition, often followed by
examples in quotes). The task: from the gloss text, predict the lexicographer class. The 82,115
synsets are very unevenly spread (``noun.artifact`` 11,587, ``noun.motive`` 42).

The data come from the Debian package ``wordnet-base`` (``/usr/share/wordnet/data.noun``); nothing
is downloaded. Format of a data line (see ``man 5 wndb``)::

    offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...] | gloss
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from .sampling import per_class_cap, stratified_subset

__all__ = [
    "NOUN_CLASSES",
    "DEBIAN_WORDNET_DIR",
    "WordNetNotFoundError",
    "WordNetFormatError",
    "NounSynset",
    "WordNetNouns",
    "parse_data_noun",
    "find_data_noun",
    "read_noun_synsets",
    "wordnet_nouns",
]

#: The 26 noun lexicographer files, in file-number order (03 ... 28); global label = number - 3.
NOUN_CLASSES: tuple[str, ...] = (
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
)
FIRST_NOUN_FILE = 3
DEBIAN_WORDNET_DIR = Path("/usr/share/wordnet")
INSTALL_HINT = "sudo apt-get install wordnet-base"


class WordNetNotFoundError(FileNotFoundError):
    """WordNet's ``data.noun`` was not found."""


class WordNetFormatError(ValueError):
    """A line of ``data.noun`` could not be parsed."""


@dataclass(frozen=True)
class NounSynset:
    """One noun synset: its byte offset (8 digits), global class (0..25), first lemma, gloss."""

    offset: str
    label: int
    lemma: str
    gloss: str


@dataclass
class WordNetNouns:
    """Glosses and labels. ``labels``: int64 ``(N,)`` indexing ``class_names``; ``texts``,
    ``lemmas`` and ``offsets`` are lists of length N in ``data.noun`` order."""

    texts: list[str]
    labels: torch.Tensor
    class_names: list[str]
    lemmas: list[str]
    offsets: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def parse_data_noun(lines: Iterable[str], *, source: str = "data.noun") -> list[NounSynset]:
    """Parse the lines of a ``data.noun`` file. Licence lines (starting with two spaces) and blank
    lines are skipped; any other malformed line raises :class:`WordNetFormatError`."""
    out: list[NounSynset] = []
    for lineno, line in enumerate(lines, 1):
        if line.startswith("  ") or not line.strip():
            continue
        head, sep, gloss = line.partition(" | ")
        fields = head.split()
        try:
            if not sep or len(fields) < 6:
                raise ValueError("expected 'offset lex_filenum n w_cnt word lex_id ... | gloss'")
            offset, lexfile, ss_type = fields[0], int(fields[1]), fields[2]
            if not (len(offset) == 8 and offset.isdigit()):
                raise ValueError(f"bad synset offset {offset!r}")
            if ss_type != "n":
                raise ValueError(f"synset type {ss_type!r} is not a noun ('n')")
            label = lexfile - FIRST_NOUN_FILE
            if not 0 <= label < len(NOUN_CLASSES):
                raise ValueError(f"lexicographer file {lexfile} is not a noun file (03..28)")
            int(fields[3], 16)  # w_cnt, two hex digits
        except ValueError as exc:
            raise WordNetFormatError(f"{source}:{lineno}: {exc}: {line[:80]!r}") from exc
        gloss = gloss.strip()
        if not gloss:
            raise WordNetFormatError(f"{source}:{lineno}: empty gloss")
        out.append(NounSynset(offset, label, fields[4].replace("_", " "), gloss))
    return out


def find_data_noun(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate ``data.noun``: ``path`` (the file or its folder), else Debian's copy.

    Raises :class:`WordNetNotFoundError` with the install command if it is not there.
    """
    candidate = Path(path) if path is not None else DEBIAN_WORDNET_DIR
    if candidate.is_dir():
        candidate = candidate / "data.noun"
    if candidate.is_file():
        return candidate
    raise WordNetNotFoundError(
        f"WordNet's noun database was not found at {candidate}.\n"
        "It ships in the Debian package wordnet-base; install it with:\n"
        f"    {INSTALL_HINT}\n"
        "or pass path= the data.noun file (or its folder) of a WordNet 3.0 copy."
    )


def read_noun_synsets(path: str | os.PathLike[str] | None = None) -> list[NounSynset]:
    """All noun synsets of ``data.noun`` (82,115 for WordNet 3.0), in file order."""
    file = find_data_noun(path)
    with open(file, encoding="utf-8", errors="replace") as fh:
        return parse_data_noun(fh, source=str(file))


def _resolve_classes(classes: int | Sequence[str] | None, counts: torch.Tensor) -> list[int]:
    """Global labels to keep, in the order their names will be listed."""
    if classes is None:
        return [c for c in range(len(NOUN_CLASSES)) if counts[c] > 0]
    if isinstance(classes, int):
        if not 1 <= classes <= len(NOUN_CLASSES):
            raise ValueError(f"classes must be in 1..{len(NOUN_CLASSES)}, got {classes}")
        by_size = sorted(range(len(NOUN_CLASSES)), key=lambda c: (-int(counts[c]), c))
        return sorted(by_size[:classes])
    names = {n: i for i, n in enumerate(NOUN_CLASSES)}
    names.update({n.split(".", 1)[1]: i for i, n in enumerate(NOUN_CLASSES)})
    unknown = [c for c in classes if c not in names]
    if unknown:
        raise ValueError(f"unknown noun classes {unknown}; known: {list(NOUN_CLASSES)}")
    chosen = [names[c] for c in classes]
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"classes listed twice in {list(classes)}")
    return chosen


def wordnet_nouns(
    *,
    classes: int | Sequence[str] | None = None,
    max_per_class: int | None = None,
    max_total: int | None = None,
    seed: int = 0,
    path: str | os.PathLike[str] | None = None,
) -> WordNetNouns:
    """Noun glosses with their lexicographer class.

    Args:
        classes: None for all 26; an int ``k`` for the ``k`` largest classes (ties: lower file
            number), listed in file-number order; or names such as ``["noun.animal", "plant"]``,
            listed in the order given.
        max_per_class: keep at most this many random glosses per class (seeded per class from
            ``(seed, class)``, so the same glosses are drawn whichever other classes are kept).
        max_total: then keep at most this many in all, stratified by class.
        seed: seed of both caps.
        path: ``data.noun`` or its folder (default: Debian's ``/usr/share/wordnet``).
    """
    synsets = read_noun_synsets(path)
    glob = torch.tensor([s.label for s in synsets], dtype=torch.long)
    keep = _resolve_classes(classes, torch.bincount(glob, minlength=len(NOUN_CLASSES)))
    mask = torch.isin(glob, torch.tensor(keep, dtype=torch.long))
    idx = torch.nonzero(mask).flatten()
    idx = idx[per_class_cap(glob[idx], max_per_class, seed)]
    if max_total is not None and max_total < len(idx):
        idx = idx[stratified_subset(glob[idx], max_total, seed)]
    remap = torch.full((len(NOUN_CLASSES),), -1, dtype=torch.long)
    remap[torch.tensor(keep, dtype=torch.long)] = torch.arange(len(keep))
    chosen = [synsets[i] for i in idx.tolist()]
    return WordNetNouns(
        texts=[s.gloss for s in chosen],
        labels=remap[glob[idx]],
        class_names=[NOUN_CLASSES[c] for c in keep],
        lemmas=[s.lemma for s in chosen],
        offsets=[s.offset for s in chosen],
    )
