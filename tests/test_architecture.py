"""The import graph keeps the picture of DESIGN.md: no cycles, and each layer imports only below it.

Built with grimp from the source (lazy imports inside functions count too). A package importing
its own submodules (a blueprint package registering its routes) is how Flask packages are built,
not a cycle between ideas; every other cycle fails here.
"""

from __future__ import annotations

import grimp
import pytest

# Higher layers may import lower ones, never the reverse.
FORBIDDEN = {
    "app.models": ("app.services", "app.placement", "app.workspace", "app.tenancy", "app.web", "app.api", "app.scim", "app.cli"),
    "app.services": ("app.tenancy", "app.web", "app.api", "app.scim", "app.cli", "app.jobs", "app.billing"),
    # Billing's rules sit beside the services (they use them; the services never use billing).
    "app.billing": ("app.tenancy", "app.web", "app.api", "app.scim", "app.cli", "app.jobs"),
    "app.placement": ("app.tenancy", "app.web", "app.api", "app.scim", "app.cli", "app.jobs"),
    "app.workspace": ("app.tenancy", "app.web", "app.api", "app.scim", "app.cli", "app.jobs"),
    "app.tenancy": ("app.web", "app.api", "app.scim", "app.cli", "app.jobs"),
}
# Services ask for background work through the one enqueue interface (docs/jobs.md), nothing else of jobs.
ALLOWED = {"app.services": {"app.jobs", "app.jobs.queue"}, "app.billing": {"app.jobs", "app.jobs.queue"}}
# Placement sits below the services: of them it may use only the error vocabulary and the audit record.
PLACEMENT_MAY_USE = {"app.services.errors", "app.services.audit"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("app")


def _own_child(importer: str, imported: str) -> bool:
    return imported.startswith(importer + ".")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), ignoring package -> own submodule edges."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def edges(module: str) -> list[str]:
        return [m for m in graph.find_modules_directly_imported_by(module) if not _own_child(module, m)]

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for other in edges(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycles(graph):
    assert import_cycles(graph) == []


def test_each_layer_imports_only_below_it(graph):
    problems = []
    for layer, forbidden in FORBIDDEN.items():
        for module in sorted(m for m in graph.modules if m == layer or m.startswith(layer + ".")):
            for imported in graph.find_modules_directly_imported_by(module):
                if imported in ALLOWED.get(layer, ()):
                    continue
                if any(imported == f or imported.startswith(f + ".") for f in forbidden):
                    problems.append(f"{module} imports {imported}")
    assert problems == []


def test_placement_uses_no_service_but_errors_and_audit(graph):
    used = {imported for module in graph.modules if module.startswith("app.placement")
            for imported in graph.find_modules_directly_imported_by(module) if imported.startswith("app.services")}
    assert used <= PLACEMENT_MAY_USE


def test_the_cycle_check_finds_a_cycle():
    """The check above can fail: two modules importing each other form a group."""
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg", imported="pkg.a")  # a package registering its submodule: fine
    graph.add_import(importer="pkg.a", imported="pkg")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.b")
    assert import_cycles(graph) == [["pkg.b", "pkg.c"]]
