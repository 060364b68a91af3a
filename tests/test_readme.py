"""README's "What a student sees" is the real output for a file that exists (issue 10, item 6)."""
from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()
SECTION = README[README.index("## What a student sees"):README.index("## Commands")]


def test_the_answers_file_shown_is_the_shipped_example():
    """The YAML block is examples/affine-mistakes.yaml, byte for byte."""
    block = re.search(r"```yaml\n(.*?)```", SECTION, re.S).group(1)
    assert block == (ROOT / "examples" / "affine-mistakes.yaml").read_text()


def test_the_report_shown_is_what_check_prints(run):
    """The text block is exactly what `backprop check affine --answers examples/affine-mistakes.yaml` prints."""
    block = re.search(r"```text\n(.*?)```", SECTION, re.S).group(1)
    command, shown = block.split("\n", 1)
    assert command == "$ backprop check affine --answers examples/affine-mistakes.yaml"
    res = run(*command[len("$ backprop "):].split())
    assert res.exit_code == 1
    assert res.output == shown
