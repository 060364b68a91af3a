"""The check fuzz harness of fuzz/ with a small fixed budget: random answers files for bank exercises
produce only verdicts and designed errors, each within the time bound."""
from __future__ import annotations

import importlib.util

from conftest import ROOT


def test_fuzz_check_small_budget():
    """300 derandomised examples through parse, infer, evaluate, grade and diagnose."""
    spec = importlib.util.spec_from_file_location("fuzz_check", ROOT / "fuzz" / "fuzz_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.run(300, seed=0)
