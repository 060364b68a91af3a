"""Prints the import graph of backprop_cli and fails on a cycle or an import against the stage order.

Every ``import`` counts, lazy ones inside functions included. Stages in order: formula → exercise →
derive → grade → report → cli (``cli.py``, ``__main__`` and the package's API in ``__init__``).
``errors``, ``cache`` and ``messages`` are shared by all stages, but the core (formula … grade) must not import
``messages``: only report/ and the CLI turn message keys into text.

    python3 tools/imports.py            # graph, then "no cycle, stage order kept"; exit 1 otherwise
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "backprop_cli"
STAGES = ("formula", "exercise", "derive", "grade", "report", "cli")
SHARED = ("errors", "messages", "cache")
CORE = STAGES[:4]


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that module ``name`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:   # `import backprop_cli.x.y` names module x.y's package too
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def stage(name: str) -> str:
    """The stage of a module: a subpackage name, "cli" for the edges, or a shared module's name."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in ("cli", "__main__"):
        return "cli"
    return parts[1]


def graph(root: Path) -> dict[str, set[str]]:
    """Module → the package modules it imports."""
    mods = modules(root)
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, iter(sorted(g[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(g.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def violations(g: dict[str, set[str]]) -> list[str]:
    """Imports against the stage order, and core modules that import the message catalogues."""
    bad = []
    for name, targets in sorted(g.items()):
        here = stage(name)
        for target in sorted(targets):
            there = stage(target)
            if there == "messages" and here in CORE:
                bad.append(f"{name} → {target}: the core returns message keys, only report/ makes text")
            elif there in STAGES and here in STAGES and STAGES.index(there) > STAGES.index(here):
                bad.append(f"{name} → {target}: {here} may not import the later stage {there}")
            elif there in STAGES and here in SHARED:
                bad.append(f"{name} → {target}: shared module {here} may not import a stage")
    return bad


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    g = graph(root)
    for name in sorted(g):
        print(f"{name} → {', '.join(sorted(g[name])) or '-'}")
    problems = [f"cycle among: {', '.join(c)}" for c in cycles(g)] + violations(g)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"{len(g)} modules: no cycle, stage order kept")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
