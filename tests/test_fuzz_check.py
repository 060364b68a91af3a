"""The check fuzz harness of fuzz/ with a small fixed budget: random answers files for bank exercises
produce only verdicts and designed errors, each within the counted work bound (never a timed one)."""
from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow   # fuzzing: run in CI and by the README command, skip with -m "not slow"


def test_fuzz_check_small_budget():
    """300 derandomised examples through parse, infer, evaluate, grade and diagnose, each within its work bound."""
    spec = importlib.util.spec_from_file_location("fuzz_check", ROOT / "fuzz" / "fuzz_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    most = mod.run(300, seed=0)
    assert 0 < most <= mod.WORK_PER_ANSWER * 4    # the meter saw the work (4 answers at most per file)
