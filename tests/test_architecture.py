"""The module layout keeps its rules: no import circles, delivery without cdk8s, the library without the CLI.

Imports are read from the source with ``ast`` (module level and inside functions alike), so a
lazy import that only hides a circle counts as the circle it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cdk8s_flux"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found.update(t for t in targets if t in modules and t != name)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}
    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def _ignoring_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without edges into a package's ``__init__``, which only re-exports."""
    packages = {m for m in graph if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    return {m: {t for t in targets if t not in packages} for m, targets in graph.items()}


def test_no_module_imports_itself_through_others() -> None:
    assert _cycles(_ignoring_packages(_imports())) == []


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_delivery_and_checks_never_load_the_constructs() -> None:
    """Publishing, pushing and checking rendered files need no Node: they never reach cdk8s_flux.v1/v2 or kube."""
    graph = _ignoring_packages(_imports())
    for module in ("cdk8s_flux.pipeline", "cdk8s_flux.publish.publisher", "cdk8s_flux.oci.push", "cdk8s_flux.oci.pull",
                   "cdk8s_flux.validate", "cdk8s_flux.release.lookup", "cdk8s_flux.source", "cdk8s_flux.layout",
                   "cdk8s_flux.bootstrap.flow", "cdk8s_flux.credentials",
                   "cdk8s_flux.images.pins", "cdk8s_flux.images.setters", "cdk8s_flux.images.checks"):
        reached = _reaches(graph, module)
        assert not {m for m in reached if m.startswith(("cdk8s_flux.v1", "cdk8s_flux.v2", "cdk8s_flux.kube"))}, module


def test_publish_and_oci_are_siblings_and_the_library_never_imports_the_cli() -> None:
    graph = _imports()
    for module, targets in graph.items():
        if module.startswith("cdk8s_flux.oci"):
            assert not {t for t in targets if t.startswith("cdk8s_flux.publish")}, module
        if module.startswith("cdk8s_flux.publish"):
            assert not {t for t in targets if t.startswith("cdk8s_flux.oci")}, module
        if not module.startswith("cdk8s_flux.cli"):
            assert not {t for t in targets if t.startswith("cdk8s_flux.cli")}, module
        if module.startswith(("cdk8s_flux.v1", "cdk8s_flux.v2")):
            other = "cdk8s_flux.v2" if module.startswith("cdk8s_flux.v1") else "cdk8s_flux.v1"
            assert not {t for t in targets if t.startswith(other)}, module
