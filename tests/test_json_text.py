"""report/jsontext.py: the class JSON is indented down to each question's result, which is one line, and
it parses to exactly the data the standard encoder writes."""
from __future__ import annotations

import json

import pytest

from backprop_cli.report.jsontext import json_text

DOC = {"students": [{"student": "Jürgen", "score": 1.5, "exercises": [
    {"results": [{"question": "dJ/da", "answer": "∂J/∂c · Wᵀ", "line": None, "ok": True}, {"q": []}],
     "warnings": []}]}], "summary": {}, "n": 0, "e": 1e-300, "big": 10 ** 20,
       "keys": {2: "a", None: "b", 1.5: "c", False: "d"}, "escapes": "\"quoted\"\n\t\\ \u2028 \x00"}


@pytest.mark.parametrize("flat", [0, 1, 2, 3, 4, 5, 6, 10])
def test_same_data_as_the_standard_encoder(flat):
    assert json.loads(json_text(DOC, flat)) == json.loads(json.dumps(DOC))


def test_indented_above_flat_and_one_line_below():
    text = json_text(DOC, 6)
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1] == '  "students": [' and lines[-1] == "}"
    # the result objects (6 levels deep) are one line each, with their non-ASCII text as it is
    assert '            {"question": "dJ/da", "answer": "∂J/∂c · Wᵀ", "line": null, "ok": true},' in lines
    assert '            {"q": []}' in lines
    assert '          "warnings": []' in lines and '  "summary": {},' in lines    # empty containers stay short


def test_fully_indented_text_is_the_standard_layout():
    """Deep enough, the text is what ``json.dumps(indent=2)`` writes."""
    assert json_text(DOC, 99) == json.dumps(DOC, ensure_ascii=False, indent=2)


def test_flat_zero_is_one_line():
    assert json_text(DOC, 0) == json.dumps(DOC, ensure_ascii=False)
