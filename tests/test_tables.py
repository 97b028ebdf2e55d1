"""Readable tables: integers as integers, fixed decimals, blanks, full text, aligned columns."""

import math

import numpy as np
import pandas as pd

from expand_neurons.book.tables import cell, readable


def test_cell_formats_each_kind_of_value():
    assert cell(79.900002) == "79.9"
    assert cell(272.0, 0) == "272"
    assert cell(8) == "8" and cell(np.int64(8)) == "8"
    assert cell(True) == "True" and cell(np.bool_(False)) == "False"
    assert cell(None) == "" and cell(math.nan) == "" and cell(pd.NA) == ""
    assert cell(2.4e-7, ".1e") == "2.4e-07"
    assert cell("better") == "better"
    assert cell(-2.176666, 2) == "-2.18"


def test_readable_rounds_beside_verdicts_and_keeps_long_text():
    long = "grouped ≤ 1.3 × dense, d = 1024, batch ≤ 32, every α ≤ 16, and more words"
    frame = pd.DataFrame(
        {
            "gain": [-2.176666, 79.900002],
            "verdict": ["better", 1.23456],  # an object column: numbers still rounded
            "count": [272.0, 8.0],
            "target": [long, "short"],
        },
        index=pd.Index([2.0, 4.0], name="alpha"),
    )
    html = readable(frame, {"count": 0}, default=2).to_html()
    for junk in ("2.176666", "79.900002", "272.0", "8.0", "1.23456", "…", "..."):
        assert junk not in html
    for shown in ("-2.18", "79.90", ">272<", ">1.23<", long, ">2<", ">4<"):
        assert shown in html
    assert "text-align: right" in html and "text-align: left" in html


def test_readable_names_multiindex_columns_by_their_last_level():
    columns = pd.MultiIndex.from_tuples([("quick", "accuracy (%)"), ("quick", "seeds")])
    frame = pd.DataFrame([[90.123, 30.0]], columns=columns)
    html = readable(frame, {"seeds": 0}).to_html()
    assert ">90.1<" in html and ">30<" in html
