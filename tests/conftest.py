"""Shared fixtures: paths of the repository's bank and a CliRunner that calls the real entry point."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "exercises").glob("*.yaml"))


class Result:
    def __init__(self, exit_code, output, stderr):
        self.exit_code, self.output, self.stderr = exit_code, output, stderr


@pytest.fixture
def run(monkeypatch):
    """Run ``backprop ARGS`` in the repository root through :func:`backprop_cli.cli.main`."""
    def invoke(*args, cwd=ROOT):
        runner = CliRunner()
        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = runner.invoke(_entry, list(args), catch_exceptions=True)
        finally:
            os.chdir(old)
        return Result(res.exit_code, res.stdout, res.stderr if hasattr(res, "stderr") else "")

    return invoke


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.pass_context
def _entry(ctx):
    from backprop_cli.cli import main

    main(list(ctx.args))
