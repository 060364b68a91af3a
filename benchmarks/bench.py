"""Measure the speed targets of SPEC section 11 in one run, as ratios and rates (never as assertions).

    python benchmarks/bench.py [--repeat 7] [--students 40]

Bytecode is compiled first (as ``pip install`` does), so the figures are those of an installed package.

1. cold ``backprop check`` wall time / ``python -c "import numpy, yaml, click, rich"`` (target ≤ 1.5), the two run
   in turns,
   and whether sympy was imported on that path (it must not be);
2. graded answers per second for ``backprop grade -j 1`` on a generated class (target ≥ 6,000 per core);
3. ``backprop validate exercises/`` wall time on the whole bank (target < 5 s);
4. the Python API (benchmarks/stages.py): ``check`` calls per second on one exercise (target ≥ 1,000),
   memory growth over 400 calls (target < 20 MiB), and the per-stage profile of a correct and a wrong
   answer;
5. ``grade -j 2`` over ``-j 1`` on a class of 60 (target ≥ 1.6), by benchmarks/grade_parallel.py (which
   also runs alone, with more repeats).

The package measured is this checkout's (``python -m backprop_cli`` with it first on the path).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd, cwd=ROOT, env=None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_wall(cmd, repeat, **kw) -> float:
    wall(cmd, **kw)   # warm the file cache
    return statistics.median(wall(cmd, **kw) for _ in range(repeat))


def paired_medians(first, second, repeat, env) -> tuple[float, float]:
    """The median wall times of two commands run in turns (first, second, first, ...), so a change in the
    machine's state during the run (another process, the CPU's clock) weighs on both alike."""
    wall(first)
    wall(second, env=env)      # warm the file cache
    a, b = [], []
    for _ in range(repeat):
        a.append(wall(first))
        b.append(wall(second, env=env))
    return statistics.median(a), statistics.median(b)


def sympy_imported() -> bool:
    code = ("import sys; from backprop_cli.cli import main\n"
            "try:\n    main(['check', 'affine', '--format', 'json'])\nexcept SystemExit:\n    pass\n"
            "print('SYMPY' if 'sympy' in sys.modules else 'NOSYMPY', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return "NOSYMPY" not in out.stderr


def make_class(folder: Path, students: int) -> int:
    """A class of ``students`` students, each submitting every sample solution of the bank."""
    answers = 0
    solutions = sorted((ROOT / "solutions").glob("*.yaml"))
    import yaml

    for s in range(students):
        d = folder / f"student{s:03d}"
        d.mkdir(parents=True)
        for f in solutions:
            shutil.copy(f, d / f.name)
            if s == 0:
                data = yaml.safe_load(f.read_text()) or {}
                answers += sum(len(data.get(k) or {}) for k in ("answers", "shapes", "values"))
    return answers * students


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--students", type=int, default=40)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    backprop = [sys.executable, "-m", "backprop_cli"]
    # A pip install compiles bytecode; an editable install under PYTHONDONTWRITEBYTECODE=1 would not,
    # and would then be timed recompiling the package on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "backprop_cli")], check=True)

    base, check = paired_medians([sys.executable, "-c", "import numpy, yaml, click, rich"],
                                 backprop + ["check", "affine"], args.repeat, env)
    print(f"check: {check*1000:.0f} ms, baseline import: {base*1000:.0f} ms, ratio {check/base:.2f} (target <= 1.5)")
    print(f"sympy imported on the check path: {'YES' if sympy_imported() else 'no'}")

    with tempfile.TemporaryDirectory() as tmp:
        n = make_class(Path(tmp) / "class", args.students)
        t = wall(backprop + ["grade", str(Path(tmp) / "class"), "--exercises", str(ROOT / "exercises"), "-j", "1",
                             "--format", "csv", "-o", str(Path(tmp) / "out.csv")], env=env)
        rows = (Path(tmp) / "out.csv").read_text().count("\n") - 1
        print(f"grade -j 1: {n} answers ({rows} submissions) in {t:.2f} s = {n/t:.0f} answers/s (target >= 6000)")

    v = median_wall(backprop + ["validate", "exercises/"], max(1, args.repeat // 3), env=env)
    print(f"validate exercises/: {v:.2f} s (target < 5 s)")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stages.py")], check=False)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "grade_parallel.py"), "--repeat", "3"], check=False)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
