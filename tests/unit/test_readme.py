"""The README and the documents beside it say what the code does: every setting, every document, a changelog."""

from __future__ import annotations

import re
from pathlib import Path

from ledger.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CHANGELOG = ROOT / "CHANGELOG.md"
DOCS = ROOT / "docs"


def _section(text: str, title: str) -> str:
    """The text of the `## title` section, up to the next section of that level."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def documented_settings() -> set[str]:
    """The environment variables named in the first column of the README's settings table."""
    rows = [
        line for line in _section(README.read_text(encoding="utf-8"), "Settings").splitlines() if line.startswith("|")
    ]
    first_cells = [row.split("|")[1] for row in rows[2:]]  # after the header and its rule
    return {name for cell in first_cells for name in re.findall(r"`(LEDGER_[A-Z0-9_]+)`", cell)}


def test_the_settings_table_lists_every_setting_and_no_other() -> None:
    settings = {f"LEDGER_{name.upper()}" for name in Settings.model_fields}

    documented = documented_settings()

    assert sorted(settings - documented) == [], "settings the README does not list"
    assert sorted(documented - settings) == [], "rows for settings that do not exist"


def test_every_document_in_docs_is_linked_from_the_readme() -> None:
    linked = set(re.findall(r"\]\((docs/[^)#\s]+)", README.read_text(encoding="utf-8")))

    documents = {f"docs/{path.name}" for path in DOCS.glob("*.md")}

    assert documents, "the docs folder must be found"
    assert sorted(documents - linked) == []


def test_the_changelog_keeps_a_changelog_with_an_unreleased_section_linked_from_the_readme() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")

    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in text
    unreleased = _section(text, "[Unreleased]")
    assert re.findall(r"^### (Added|Changed|Deprecated|Removed|Fixed|Security)$", unreleased, re.M)
    assert "](CHANGELOG.md)" in README.read_text(encoding="utf-8")
