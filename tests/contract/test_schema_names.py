"""Every schema of the OpenAPI document has a name of its own.

Two models with the same class name in different modules make FastAPI name
them after their module paths (`api__schemas__directory__…`): a client
generator then gives its users names nobody chose.
"""

from __future__ import annotations

from typing import Any


def test_no_schema_is_named_after_its_module_path(served_document: dict[str, Any]) -> None:
    names = served_document["components"]["schemas"]
    assert [name for name in names if "__" in name] == []
