"""The package's shape: no import circles, seeding never reaches for ``clone``, small modules.

Imports are read from the source (module level, outside ``if TYPE_CHECKING``),
so the test speaks of what runs at import time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "asymkit"
MAX_LINES = 400
LONG_OK = "# long module:"  # a comment near the top saying why a module is longer


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {
        module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "templates" not in p.relative_to(PACKAGE).parts
    }


def runtime_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """asymkit modules ``name`` imports at import time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else node.module or base
            if node.module and target in known:  # `from . import x` imports x, not "."
                found.add(target)
            found |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
    return found - {name}


def graph() -> dict[str, set[str]]:
    mods = sources()
    return {name: runtime_imports(name, path, set(mods)) for name, path in mods.items()}


def test_there_are_no_import_circles() -> None:
    edges = graph()
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycles.append([*stack[stack.index(node) :], node])
            return
        for nxt in sorted(edges.get(node, ())):
            if not nxt.startswith("asymkit.") or nxt in done:
                continue
            visit(nxt, [*stack, node])
        done.add(node)

    done: set[str] = set()
    for start in sorted(edges):
        visit(start, [])
    assert cycles == []


def reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize(
    "module", ["asymkit.seeding", "asymkit.seeders", "asymkit.seeders.slack", "asymkit.reset"]
)
def test_seeding_never_imports_the_clone_handle(module: str) -> None:
    assert "asymkit.clone" not in reachable(module, graph())


def test_import_graph_is_read(tmp_path: Path) -> None:
    """The walker sees real edges (so the tests above cannot pass on an empty graph)."""
    edges = graph()
    assert "asymkit.snapshot" in edges["asymkit.reset"]
    assert "asymkit.seeders.slack.drive" in edges["asymkit.seeders.slack"]


def test_modules_stay_small_or_say_why() -> None:
    """Every module under asymkit/, the bundled templates' apps included."""
    long = [
        f"{path.relative_to(PACKAGE)} ({n} lines)"
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_LINES
        and LONG_OK not in "\n".join(path.read_text().splitlines()[:40])
    ]
    assert long == []
