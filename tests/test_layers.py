"""The package's layers: no import loops between modules (hidden or not by imports inside functions), and
the JSON API, the services and everything below them never import the HTML layer."""
from __future__ import annotations

import ast
from pathlib import Path

KB = Path(__file__).resolve().parent.parent / "kb"


def module_name(path: Path) -> str:
    parts = path.relative_to(KB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The kb modules a file imports, at its top or inside functions (``from kb.x import y`` counts as
    kb.x.y when that is a module, else kb.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kb") and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("kb"))
    return found & known


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in KB.rglob("*.py")}
    known = set(files)
    graph = {name: imports_of(path, known) - {name} for name, path in files.items()}
    for name in graph:  # a package's __init__ is imported with any of its modules: not a dependency of theirs
        graph[name] = {other for other in graph[name] if not name.startswith(other + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_other_modules():
    loops = cycles(import_graph())
    assert not loops, "import loops: " + "; ".join(" -> ".join(cycle) for cycle in loops)


def test_the_api_and_everything_below_the_views_never_import_the_html_layer():
    graph = import_graph()
    offenders = sorted((module, target) for module, targets in graph.items() for target in targets
                       if target.startswith("kb.views") and not module.startswith("kb.views")
                       and module not in ("kb", "kb.cli"))
    assert not offenders, offenders
