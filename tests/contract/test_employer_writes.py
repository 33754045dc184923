"""No write an employer may call takes a BSN, but the one member the domain itself guards.

A private party may use the BSN only where a law prescribes it (Wabb art. 1,
10; UAVG art. 46; docs/domain-rules.md). The registration's `person.bsn` is
refused for employers by the domain (400 naming it); a population
registration, which carries one, is the municipality's alone (403 for an
employer). Any other member named `bsn` in a body an employer may send fails
here, so a new write cannot quietly take one.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.contract.test_document import operations, route_roles

# (operation, schema whose `bsn` member the domain refuses for an employer).
GUARDED = {("POST /workers", "PersonIn")}


def _schemas_with_a_bsn(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> set[str]:
    """The component schemas reachable from `schema` that have a member named `bsn`."""
    found: set[str] = set()
    reference = schema.get("$ref")
    if isinstance(reference, str):
        name = reference.rsplit("/", 1)[-1]
        if name in seen:
            return found
        seen.add(name)
        target = components[name]
        if "bsn" in target.get("properties", {}):
            found.add(name)
        return found | _schemas_with_a_bsn(target, components, seen)
    for value in schema.values():
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, dict):
                found |= _schemas_with_a_bsn(child, components, seen)
    return found


def test_no_write_open_to_employers_takes_a_bsn_but_the_guarded_ones(
    client: TestClient, served_document: dict[str, Any]
) -> None:
    roles = route_roles(client.app)  # type: ignore[arg-type]
    components = served_document["components"]["schemas"]
    taking = set()
    for method, path, operation in operations(served_document):
        key = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if body is None or "employer" not in (roles.get(key) or []):
            continue
        taking |= {(key, name) for name in _schemas_with_a_bsn(body, components, set())}

    assert ("POST /workers", "PersonIn") in taking, "the walk must find the registration's BSN"
    assert taking <= GUARDED
