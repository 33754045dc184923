"""Dependencies point inwards (docs/architecture.md): a test walks every import."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Package -> the project packages it must never import.
FORBIDDEN = {
    "ledger": ("projections", "api"),
    "projections": ("api",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_outer_layers(package: str) -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(package)
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == []


def test_domain_imports_nothing_of_the_project_outside_the_domain() -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules("ledger/domain")
        for name in _imports(path)
        if name.split(".")[0] in ("ledger", "projections", "api") and not name.startswith("ledger.domain")
    ]
    assert wrong == []


def test_the_walk_sees_the_modules() -> None:
    assert any(path.name == "worker.py" for path in _modules("ledger/domain"))
    assert "ledger.domain.errors" in _imports(SRC / "ledger/domain/worker_commands.py")


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
        f"{path.relative_to(SRC)}: {name}"
        for package in ("ledger", "projections", "api")
        for path in _modules(package)
        for name in _classes(path) & library
    ]
    assert "ProjectionRunner" in library, "the walk must see the library's classes"
    assert clashes == []
