"""The grammar file backprop_cli/formula/grammar.md: every rule has an example, and every example parses."""
from __future__ import annotations

import re

import pytest

from backprop_cli.formula.parser import parse, parse_equation
from backprop_cli.formula.printers import plain
from conftest import ROOT

TEXT = (ROOT / "backprop_cli" / "formula" / "grammar.md").read_text(encoding="utf-8")
EBNF = TEXT.split("```ebnf", 1)[1].split("```", 1)[0]
RULES = re.findall(r"^(\w+)\s+::=", EBNF, re.MULTILINE)
ROWS = {rule: (example, read) for rule, example, read in re.findall(r"^\| (\w+) \| `([^`]+)` \| `([^`]+)` \|$", TEXT, re.MULTILINE)}


def test_grammar_has_the_rules_of_the_parser():
    """The EBNF block defines the parser's rules, from equation down to the tokens."""
    assert RULES[0] == "equation"
    assert {"expr", "term", "unary", "power", "postfix", "atom", "DERIV", "NAME", "NUM"} <= set(RULES)
    assert len(RULES) == len(set(RULES))


def test_every_rule_has_an_example():
    """Each rule of the EBNF block has a row in the examples table, and no row names an unknown rule."""
    assert set(ROWS) == set(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_example_parses(rule):
    """The example of each rule parses (as an equation for the equation rules) and reads as the table says."""
    text, want = ROWS[rule]
    if rule in ("equation", "targets"):
        eq = parse_equation(text, {"F": "opaque"})
        assert ", ".join(eq.targets) + " = " + plain(eq.expr) == want
    else:
        assert plain(parse(text)) == want
