"""Shared fixtures: paths of the repository's bank and a CliRunner that calls the real command group."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop_cli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "exercises").glob("*.yaml"))


class Result:
    def __init__(self, exit_code, output, stderr):
        self.exit_code, self.output, self.stderr = exit_code, output, stderr


@pytest.fixture
def run():
    """Run ``backprop ARGS`` in the repository root: the real command group through click's CliRunner."""
    def invoke(*args, cwd=ROOT):
        runner = CliRunner()
        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = runner.invoke(cli, list(args), prog_name="backprop")
        finally:
            os.chdir(old)
        return Result(res.exit_code, res.stdout, res.stderr)

    return invoke
