"""The package's shape: bin/ is thin, nothing imports from it, and subpackages form no import cycle.

Imports are read from the source (every ``import``/``from`` statement, function-local ones included),
so a cycle hidden inside a function body is found as well.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

from tests.conftest import REPO

PACKAGE = REPO / "bigssl"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _bigssl_imports(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, imported module) for every import of a ``bigssl`` module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "bigssl":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "bigssl":
                yield node.lineno, node.module


def _unit(module: str) -> str:
    """The dependency unit of a module: its subpackage (``bigssl.nst``) or top-level module."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _modules() -> List[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_library_module_imports_from_bin() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in _modules()
        if _module_name(path).split(".")[:2] != ["bigssl", "bin"]
        for line, name in _bigssl_imports(path)
        if name.startswith("bigssl.bin")
    ]
    assert not offenders, "library code must not reach up into CLIs:\n" + "\n".join(
        offenders
    )


def _unit_graph() -> Dict[str, Dict[str, List[str]]]:
    graph: Dict[str, Dict[str, List[str]]] = {}
    for path in _modules():
        source = _unit(_module_name(path))
        for line, name in _bigssl_imports(path):
            target = _unit(name)
            if target != source and target != "bigssl":
                graph.setdefault(source, {}).setdefault(target, []).append(
                    f"{path.relative_to(REPO)}:{line}"
                )
    return graph


def test_subpackages_import_each_other_without_cycles() -> None:
    graph = _unit_graph()
    state: Dict[str, int] = {}
    stack: List[str] = []
    cycles: List[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in graph.get(node, {}):
            if state.get(target) == 1:
                cycle = stack[stack.index(target) :] + [target]
                where = [graph[a][b][0] for a, b in zip(cycle, cycle[1:])]
                cycles.append(" -> ".join(cycle) + f" ({', '.join(where)})")
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles between subpackages:\n" + "\n".join(cycles)


def test_bin_modules_are_argument_parsing_plus_one_call() -> None:
    """A CLI defines only ``main`` (and optionally ``get_parser``); its logic lives in the library."""
    problems: List[str] = []
    for path in sorted((PACKAGE / "bin").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined: Set[str] = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
                if isinstance(node, ast.ClassDef) or node.name not in (
                    "main",
                    "get_parser",
                ):
                    problems.append(f"{path.relative_to(REPO)}: defines {node.name}")
        if "main" not in defined:
            problems.append(f"{path.relative_to(REPO)}: no main()")
    assert not problems, "\n".join(problems)


def test_bin_modules_are_at_most_120_lines() -> None:
    """Options that need more lines live in the library (e.g. bigssl.data.corpora.registry)."""
    long = [
        f"{path.relative_to(REPO)}: {n} lines"
        for path in sorted((PACKAGE / "bin").glob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 120
    ]
    assert not long, "\n".join(long)
