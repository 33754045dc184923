"""The folders show the architecture and the imports keep to it (docs/architecture.md): a test walks every import.

Every import of the project's modules counts, those made only for the type
checker (`if TYPE_CHECKING:`) and those inside functions included:

- the packages under `src/` are layers, and a layer imports only the ones
  below it: ledger < projections < jobs < api < web < cli, with demo above ledger;
- inside `ledger`, the folders (and the modules beside them) are layers too,
  the domain at the bottom and the composition root (`ledger.system`) on top;
- no module imports itself back through others (no cycle);
- `src/ledger/` holds at most 12 modules of its own, and no module is over 350 lines.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Each package and the project packages it may import (itself included).
LAYERS = {
    "ledger": {"ledger"},
    "projections": {"ledger", "projections"},
    "jobs": {"ledger", "projections", "jobs"},
    "api": {"ledger", "projections", "jobs", "api"},
    # The staff pages: on the API's services and policy, beside its routes; the API never imports them.
    "web": {"ledger", "projections", "jobs", "api", "web"},
    "demo": {"ledger", "demo"},
    "cli": {"ledger", "projections", "jobs", "api", "web", "demo", "cli"},
}

# Inside `ledger`: each part's rank; a part imports only parts of a lower rank (and itself).
LEDGER_PARTS = {
    "domain": 0,
    "persistence": 1,
    "crypto": 2,
    "settings": 3,
    "errors": 3,
    "logs": 3,
    "application": 4,
    "audit": 5,
    "eventstore": 6,
    "system": 7,
}

MAX_LEDGER_MODULES = 12
MAX_LINES = 350


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """The project modules `path` imports, anywhere in it; `from package import module` counts as the module."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    return _imports_in(path.read_text(), package)


def _imports_in(source: str, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                member = f"{base}.{alias.name}"
                found.add(member if member in MODULES else base)
    return {name for name in found if name.split(".")[0] in LAYERS}


GRAPH = {module: _imports(path) for module, path in MODULES.items()}


def _ledger_part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if module.split(".")[0] == package
        for name in sorted(names)
        if name.split(".")[0] not in LAYERS[package]
    ]
    assert wrong == []


def test_inside_ledger_a_part_imports_only_the_parts_below_it() -> None:
    parts = {_ledger_part(module) for module in MODULES if module.startswith("ledger.")}
    assert parts <= set(LEDGER_PARTS), f"a part of ledger without a rank: {sorted(parts - set(LEDGER_PARTS))}"
    wrong = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if module.startswith("ledger.")
        for name in sorted(names)
        if name.startswith("ledger.")
        and _ledger_part(name) != _ledger_part(module)
        and LEDGER_PARTS[_ledger_part(name)] >= LEDGER_PARTS[_ledger_part(module)]
    ]
    assert wrong == []


def test_the_domain_imports_nothing_of_the_project_outside_the_domain() -> None:
    wrong = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if module.startswith("ledger.domain")
        for name in sorted(names)
        if not name.startswith("ledger.domain")
    ]
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """The import cycles of `graph`, found by a depth-first walk (each as the modules along it)."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(sorted(graph[start]))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif target in on_path:
                yield [*path[path.index(target) :], target]
            elif target not in done and target in graph:
                stack.append(iter(sorted(graph[target])))
                path.append(target)
                on_path.add(target)


def test_no_module_imports_itself_back_through_others() -> None:
    assert list(_cycles(GRAPH)) == []


def test_an_import_made_only_for_the_type_checker_counts_and_closes_a_cycle() -> None:
    # The loop between the audit chain and its scan (broken in issue 17) was such a cycle.
    scan = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ledger.audit.chain import AuditChain\n"
    graph = {"ledger.audit.chain": {"ledger.audit.scan"}, "ledger.audit.scan": _imports_in(scan, "ledger.audit")}

    assert graph["ledger.audit.scan"] == {"ledger.audit.chain"}
    assert list(_cycles(graph)) == [["ledger.audit.chain", "ledger.audit.scan", "ledger.audit.chain"]]


def test_src_ledger_holds_at_most_twelve_modules_of_its_own() -> None:
    own = sorted(path.name for path in (SRC / "ledger").glob("*.py"))
    assert len(own) <= MAX_LEDGER_MODULES, own


def test_no_source_module_is_over_350_lines() -> None:
    long = {
        module: lines for module, path in MODULES.items() if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_package_imports_a_command_module() -> None:
    # The command line composes the others; they never reach into it (not even `api.services`).
    wrong = [
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if not module.startswith("cli")
        for name in sorted(names)
        if name.split(".")[0] == "cli"
    ]
    assert wrong == []


def test_the_walk_sees_the_modules() -> None:
    assert {"ledger.domain.worker", "ledger.system", "cli", "jobs.retention", "demo.plan", "web.app"} <= set(MODULES)
    assert "ledger.domain.errors" in GRAPH["ledger.domain.worker_commands"]
    assert "cli.audit_commands" in GRAPH["cli.parser"]  # `from cli import audit_commands` names the module


def _library_classes() -> set[str]:
    """The public class names of the eventsourcing modules the project builds on."""
    names: set[str] = set()
    for module in ("application", "domain", "persistence", "projection", "system", "postgres", "sqlite"):
        loaded = importlib.import_module(f"eventsourcing.{module}")
        names.update(name for name, value in vars(loaded).items() if inspect.isclass(value) and name[0] != "_")
    return names


def _classes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_no_class_of_the_project_takes_the_name_of_one_of_the_librarys() -> None:
    # A reader (or an import) taking ours for the library's, or the reverse, is a bug waiting;
    # subclasses that say what they extend (`ChainedPostgresFactory`) are fine.
    library = _library_classes()
    clashes = [
        f"{path.relative_to(SRC)}: {name}" for module, path in MODULES.items() for name in _classes(path) & library
    ]
    assert "ProjectionRunner" in library, "the walk must see the library's classes"
    assert clashes == []
