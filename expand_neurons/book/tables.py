"""Tables a reader can read: integers as integers, fixed decimals, blanks for missing values.

:func:`readable` turns a ``pandas.DataFrame`` into a ``Styler`` that formats every cell on its
own (so a text column does not stop the numbers beside it from being rounded), aligns numbers
right and text left, pads the columns apart, and, unlike the plain display of a DataFrame,
never cuts long text short. :func:`cell` is the formatting rule, for tables written in
Markdown.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["cell", "readable"]


def cell(value: Any, decimals: int | str = 1) -> str:
    """One table cell as text: ``None`` and NaN blank, integers (and booleans) as they are,
    other numbers with ``decimals`` fixed decimals (``decimals = 0`` for counts held as floats;
    a format spec such as ``".1e"`` for tiny numbers), anything else through ``str``."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_, numbers.Integral)):
        return str(value)
    if isinstance(value, numbers.Real):
        if math.isnan(value):
            return ""
        spec = decimals if isinstance(decimals, str) else f".{decimals}f"
        return format(float(value), spec)
    return str(value)


def _decimals_of(
    column: Any, decimals: int | str | Mapping[Any, int | str], default: int | str
) -> int | str:
    """The decimals of ``column`` (for a MultiIndex column, its own label or its last level)."""
    if isinstance(decimals, (int, str)):
        return decimals
    if column in decimals:
        return decimals[column]
    if isinstance(column, tuple) and column and column[-1] in decimals:
        return decimals[column[-1]]
    return default


def _cell_at(decimals: int | str, value: Any) -> str:
    return cell(value, decimals)


def _index_cell(value: Any) -> str:
    """An index label: a whole float (``2.0``, a setting read back from JSON) as an integer."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return cell(value, 2)


def _alignment(column: pd.Series) -> str:
    """``"right"`` for a column of numbers (blanks allowed), ``"left"`` for one with text."""
    numeric = all(
        v is None or v is pd.NA or (isinstance(v, numbers.Number) and not isinstance(v, bool))
        for v in column
    )
    return "right" if numeric else "left"


def readable(
    frame: pd.DataFrame,
    decimals: int | str | Mapping[Any, int | str] = 1,
    *,
    default: int | str = 1,
) -> Styler:
    """``frame`` as a ``Styler`` whose cells follow :func:`cell`.

    Args:
        decimals: the decimals of every float column (or a format spec, see :func:`cell`), or
            ``{column: decimals}`` (a MultiIndex column may be named by its last level);
            columns not named get ``default``.
    """
    formats = {
        col: functools.partial(_cell_at, _decimals_of(col, decimals, default))
        for col in frame.columns
    }
    styler = frame.style.format(formats)
    styler = styler.format_index(_index_cell, axis=0)
    styler = styler.format_index(_index_cell, axis=1)
    align = {
        col: [{"selector": "", "props": f"text-align: {_alignment(frame[col])};"}]
        for col in frame.columns
    }
    styler = styler.set_table_styles(align, overwrite=False)
    # Room between columns, so that neighbouring cells never read as one ("12 2 to 38").
    styler = styler.set_table_styles(
        [{"selector": "td, th", "props": "padding: 0.3em 0.8em;"}], overwrite=False
    )
    return styler.set_table_attributes('class="dataframe"')
