"""The grade fuzz harness of fuzz/ with a small fixed budget: random hostile class folders get a record per
student and exercise, and every format renders without an undesigned error or a formula cell."""
from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow   # fuzzing: run in CI and by the README command, skip with -m "not slow"


def test_fuzz_grade_small_budget():
    """25 derandomised classes through folder discovery, the worker pool and every renderer."""
    spec = importlib.util.spec_from_file_location("fuzz_grade", ROOT / "fuzz" / "fuzz_grade.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.run(25, seed=0)
