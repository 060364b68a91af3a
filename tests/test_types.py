"""Type hints: ``mypy --strict`` is clean on the whole package (``[tool.mypy]`` in pyproject.toml), so the
suite that every change runs before it lands also says when a change leaves a function untyped."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_package_is_clean_under_mypy_strict():
    """python3 -m mypy (strict, every module of backprop_cli) finds no issue."""
    res = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Success: no issues found" in res.stdout
