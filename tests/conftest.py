"""Shared fixtures: paths of the repository's bank, a CliRunner that calls the real command group, and a
memory tracer for bounds that must not depend on the machine's speed."""
from __future__ import annotations

import os
import signal
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from backprop_cli.cli import cli

# Hypothesis times two things by default: each example (a 200 ms deadline) and the drawing of the first
# examples (the too_slow health check). Both fail on a loaded machine for no fault of the code, so every
# property test runs without them; tests that set their own settings keep them, and inherit the rest.
settings.register_profile("no-timing", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no-timing")

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted((ROOT / "exercises").glob("*.yaml"))


class Traced:
    """The peak of memory allocated within :func:`traced`, in bytes, set when its block ends."""

    peak = 0


@contextmanager
def traced() -> Iterator[Traced]:
    """Trace Python's allocations within the block (an error that ends the block is let through)."""
    memory = Traced()
    tracemalloc.start()
    try:
        yield memory
    finally:
        memory.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


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


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (read from /proc; empty when it has gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def still_running(pids: list[int], tries: int = 600) -> list[int]:
    """Those of ``pids`` still running (not gone, not zombies), polled until none is or ``tries`` tenths of a
    second have passed: it returns as soon as they are gone, so ``tries`` is only a safety net for a loaded
    machine (a process that never ends is reported after it)."""
    while True:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and "zombie" not in _state(p)]
        if not alive or tries <= 0:
            return alive
        tries -= 1
        time.sleep(0.1)


def wait_for(condition, what: str, proc, safety: float = 300.0):
    """Poll ``condition()`` until it is true and return its value; fail at once if the process ``proc``
    (a Popen) ended first. ``safety`` seconds only stop a hung test: the wait ends on the condition, never
    on a fixed time, so a loaded machine only makes it longer."""
    give_up = time.monotonic() + safety
    while True:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"the process ended ({proc.returncode}) before {what}")
        if time.monotonic() > give_up:
            pytest.fail(f"no {what} after {safety:g} s (hung)")
        time.sleep(0.05)


def signal_when_ready(proc, ready, what: str, signum: int) -> list[int]:
    """Wait until ``ready()`` gives the workers of ``proc`` (a Popen), send ``proc`` the signal ``signum`` and
    return the workers still running after it ended. ``proc`` and every worker are killed in the end, even
    when the test fails, so a stalled worker is never left behind."""
    workers: list[int] = []
    try:
        workers = wait_for(ready, what, proc)
        proc.send_signal(signum)
        proc.wait(timeout=300)      # a safety net only
        return still_running(workers)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in still_running(workers, tries=0):
            os.kill(pid, signal.SIGKILL)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(line for line in fh if line.startswith("State:")).lower()
    except (OSError, StopIteration):
        return "zombie"
