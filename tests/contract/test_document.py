"""The served OpenAPI document says what the server does (docs/openapi.md).

Each promise is checked against the document `GET /api/v1/openapi.json`
serves: parameters (the opaque `cursor`, `limit`'s minimum in JSON Schema,
`If-Match`, `Idempotency-Key`), the constraints of the request members, the
roles of each operation (from the policy the routes carry), and no schema
nobody uses. Where a pattern states a rule of the ledger's domain (a postcode,
a KvK number, a BSN, …), a property test holds the pattern to the domain: what
one admits the other admits. The answers to requests that rely on these
promises are tested on both backends in tests/integration/api/test_contract_behaviour.py.
"""

from __future__ import annotations

import functools
import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.auth import Role
from api.policy import Policy
from api.routers.worker_queries import encode_cursor
from ledger.domain.checks import checked_bsn, checked_case_reference, checked_postcode
from ledger.domain.employer import Employer
from ledger.domain.errors import RuleViolated, Violations
from ledger.domain.housing_location import HousingLocation
from ledger.domain.values import Address

ROOT = Path(__file__).resolve().parents[2]
BASE_PATH = "/api/v1"
WRITES = {"post", "put", "patch", "delete"}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_UNSET = object()


# -- reading the document ------------------------------------------------------------------


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation in the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The operation's parameter of that name (header names case-insensitively)."""
    for candidate in operation.get("parameters", []):
        if candidate["name"].lower() == name.lower():
            found: dict[str, Any] = candidate
            return found
    return None


def member(document: dict[str, Any], schema: str, name: str) -> dict[str, Any]:
    """A property of a component schema."""
    found: dict[str, Any] = document["components"]["schemas"][schema]["properties"][name]
    return found


def schema_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in the document that is a schema (has `type`), wherever it is."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str | list):
            yield node
        for child in node.values():
            yield from schema_objects(child)
    elif isinstance(node, list):
        for child in node:
            yield from schema_objects(child)


@functools.cache
def as_python(pattern: str) -> re.Pattern[str]:
    """A JSON Schema `pattern` (ECMA-262: unanchored, `$` only at the very end) as a Python pattern.

    The patterns use no class escape whose meaning differs between ECMA-262
    and Python (`\\s`, `\\d`, `\\w`, `\\b`), so Python's `re` reads them the
    same but for `$`, which in Python also matches before a final newline.
    """
    assert not re.search(r"(?<!\\)\\[sdwbSDWB]", pattern), f"{pattern!r} uses an escape ECMA-262 reads otherwise"
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def matches(pattern: str, text: str) -> bool:
    """Whether `text` matches a JSON Schema `pattern`."""
    return as_python(pattern).search(text) is not None


# -- parameters ----------------------------------------------------------------------------


def test_cursor_is_an_opaque_string_with_a_pattern_that_the_servers_cursors_match(
    served_document: dict[str, Any],
) -> None:
    cursor = parameter(served_document["paths"]["/workers"]["get"], "cursor")
    assert cursor is not None
    schema = cursor["schema"]

    assert "string" in (schema["type"] if isinstance(schema.get("type"), list) else [schema.get("type")])
    assert "format" not in schema, "a cursor is not a UUID"
    cursors = [encode_cursor(uuid.UUID(int=n)) for n in (0, 1, 2**128 - 1)] + [encode_cursor(uuid.uuid4())]
    assert all(matches(schema["pattern"], c) for c in cursors)
    assert not matches(schema["pattern"], str(uuid.uuid4()))
    assert not matches(schema["pattern"], cursors[-1] + "==")


def test_no_schema_keyword_is_outside_json_schema(served_document: dict[str, Any]) -> None:
    # Pydantic's constraint names leak when it cannot apply them as JSON Schema (`"ge": 1`).
    pydantic_names = {"ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of", "regex"}

    leaked = [
        (sorted(pydantic_names & s.keys()), s) for s in schema_objects(served_document) if pydantic_names & s.keys()
    ]

    assert leaked == []


def test_limit_has_a_json_schema_minimum_of_1(served_document: dict[str, Any]) -> None:
    for path in ("/workers", "/audit/events"):
        limit = parameter(served_document["paths"][path]["get"], "limit")
        assert limit is not None
        assert limit["schema"]["minimum"] == 1, path


def test_if_match_has_a_pattern_for_an_entity_tag_holding_a_version(served_document: dict[str, Any]) -> None:
    found = [p for _, _, op in operations(served_document) if (p := parameter(op, "If-Match"))]

    assert len(found) >= 7
    for if_match in found:
        pattern = if_match["schema"]["pattern"]
        assert all(matches(pattern, value) for value in ['"3"', 'W/"3"', "3", '"12345"'])
        assert not any(matches(pattern, value) for value in ['"3', 'W/3"', '"-1"', '"3"x', '"abc"', "", '""', "\u00b2"])


def test_every_write_documents_idempotency_key(served_document: dict[str, Any]) -> None:
    writes = [
        (method, path, op)
        for method, path, op in operations(served_document)
        if method in WRITES and not path.endswith("/_search")  # a POST search is a read (ADR)
    ]
    undocumented = [
        f"{method.upper()} {path}" for method, path, op in writes if parameter(op, "Idempotency-Key") is None
    ]

    assert len(writes) >= 13
    assert undocumented == []
    for _, _, op in writes:
        key = parameter(op, "Idempotency-Key")
        assert key is not None
        assert key["in"] == "header"
        assert key.get("required", False) is False
        assert key["schema"]["maxLength"] == 200


def test_the_worker_answer_declares_its_etag(served_document: dict[str, Any]) -> None:
    ok = served_document["paths"]["/workers/{workerId}"]["get"]["responses"]["200"]

    assert "ETag" in ok["headers"]


# -- request members --------------------------------------------------------------------------

# Strings the ledger refuses when empty (or blank): the schema says `minLength`.
NOT_EMPTY = [
    ("EmployerCreate", "name"),
    ("HousingLocationCreate", "street"),
    ("HousingLocationCreate", "city"),
    ("WorkAddressIn", "street"),
    ("WorkAddressIn", "city"),
    ("PersonIn", "familyName"),
    ("PersonIn", "givenNames"),
    ("PersonIn", "nationality"),
    ("IdentityDocumentIn", "number"),
    ("LegalHoldCreate", "reason"),
    ("WorkerSearch", "familyName"),
]
KVK_NUMBERS = [
    ("EmployerCreate", "kvkNumber"),
    ("HousingLocationCreate", "ownerKvkNumber"),
    ("SanctionCreate", "ownerKvkNumber"),
]
BSNS = [("PersonIn", "bsn"), ("PopulationRegistration", "bsn")]
POSTCODES = [("HousingLocationCreate", "postcode"), ("WorkAddressIn", "postcode")]


@pytest.mark.parametrize(("schema", "name"), NOT_EMPTY)
def test_a_string_the_ledger_needs_is_not_empty_in_the_schema(
    served_document: dict[str, Any], schema: str, name: str
) -> None:
    assert member(served_document, schema, name)["minLength"] >= 1


@pytest.mark.parametrize("fields", [KVK_NUMBERS, BSNS, POSTCODES], ids=["kvk", "bsn", "postcode"])
def test_one_rule_one_pattern(served_document: dict[str, Any], fields: list[tuple[str, str]]) -> None:
    patterns = {member(served_document, schema, name).get("pattern") for schema, name in fields}

    assert len(patterns) == 1
    assert None not in patterns


@pytest.mark.parametrize("schema", ["HousingLocationCreate", "WorkAddressIn"])
def test_house_numbers_have_the_ledgers_bounds(served_document: dict[str, Any], schema: str) -> None:
    house_number = member(served_document, schema, "houseNumber")

    assert (house_number["type"], house_number["minimum"], house_number["maximum"]) == ("integer", 1, 99999)


# -- the patterns agree with the domain ---------------------------------------------------------

# Characters that matter to the rules: digits in several scripts, letters that upper-case to ASCII,
# the separators python-stdnum drops, white space of every kind, and a few that matter to none.
_INTERESTING = (
    "0123456789\u0661\u0662\uff13\uff14\U0001d7ce\U0001d7d7ABDLNSZabdlnsz \u0131\u017f\u00df\ufb00\ufb01\ufb03\ufb05"
    "-\u2010\u2013\u2212\u00a0\u2007\u3000"
    "\t\n\r\x0b\x0c\x1c\x1f\x85\u2028\u1680\u200b\ufeff._'/:*!é\u0301"
)
_TEXT = st.text(st.sampled_from(_INTERESTING) | st.characters(codec="utf-8"), max_size=14)


def _around(core: str) -> st.SearchStrategy[str]:
    """`core` with interesting characters inserted before, inside and after it."""
    return st.tuples(st.lists(_TEXT, min_size=len(core) + 1, max_size=len(core) + 1), st.just(core)).map(
        lambda parts: "".join(a + b for a, b in zip(parts[0], [*parts[1], ""], strict=True))
    )


def _strings(*cores: str) -> st.SearchStrategy[str]:
    return _TEXT | st.one_of(*(_around(core) for core in cores))


def _pattern(document: dict[str, Any], schema: str, name: str) -> str:
    found: str = member(document, schema, name)["pattern"]
    return found


def _refused_location_fields(**changes: Any) -> set[str]:
    """The fields a housing-location registration with these changes is refused on."""
    address = {"street": "Dorpsstraat", "house_number": 12, "postcode": "1671AB", "city": "Medemblik"}
    fields: dict[str, Any] = {"bag_id": "0420010000123456", "kind": "dwelling", "owner_kvk_number": None}
    for key, value in changes.items():
        (address if key in {*address, "house_letter", "house_number_addition"} else fields)[key] = value
    try:
        HousingLocation.register(**fields, address=Address(**address), max_occupants=None, floor_area_m2=None)
    except RuleViolated as refusal:
        return {violation.field for violation in refusal.violations}
    return set()


def _postcode_accepted(value: str) -> bool:
    v = Violations()
    checked_postcode(value, "postcode", v)
    return not v.has("postcode")


def _kvk_accepted(value: str) -> bool:
    try:
        Employer.register(kvk_number=value, name="Flexwerk")
    except RuleViolated:
        return False
    return "owner_kvk_number" not in _refused_location_fields(owner_kvk_number=value)


def _bsn_accepted(value: str) -> bool:
    v = Violations()
    checked_bsn(value, "bsn", v)
    return not v.has("bsn")


def _case_reference_accepted(value: str) -> bool:
    v = Violations()
    checked_case_reference(value, "case_reference", v)
    return not v.has("case_reference")


@settings(max_examples=400, deadline=None, derandomize=True)
@given(value=_strings("1671AB", "NL1671AB", "9999ZZ", "1234SA", "1234FF"))
@example(value="NL-1671 ab")
@example(value="\u3000nl 1671\ufb01\u2028")
@example(value="\uff11\uff16\uff17\uff11ab")  # full-width digits
@example(value="\uff11\uff16\uff17\uff11\uff41\uff42")  # full-width letters
@example(value="1671 \u017fd")  # long s
@example(value="1671 \u0131s")  # dotless i
@example(value="NL\t1671AB")
@example(value="1671AB\n")
def test_the_postcode_pattern_admits_what_the_ledger_admits(served_document: dict[str, Any], value: str) -> None:
    pattern = _pattern(served_document, "WorkAddressIn", "postcode")

    assert matches(pattern, value) == _postcode_accepted(value), repr(value)


def test_the_postcode_pattern_agrees_with_the_ledger_on_every_character(served_document: dict[str, Any]) -> None:
    # Each code point of the Basic Multilingual Plane in each place of a postcode, and a sample beyond it.
    pattern = _pattern(served_document, "WorkAddressIn", "postcode")
    places: list[Callable[[str], str]] = [
        lambda c: c + "1671AB",
        lambda c: "1" + c + "671AB",
        lambda c: "167" + c + "AB",
        lambda c: "1671" + c + "B",
        lambda c: "1671A" + c,
        lambda c: "1671" + c,
        lambda c: "NL" + c + "1671AB",
    ]
    code_points = [*range(0xD800), *range(0xE000, 0x10000), *range(0x1D7CE, 0x1D800), 0x1F600, 0x10FFFF]
    differ = [
        (hex(point), place("·"))
        for point in code_points
        for place in places
        if matches(pattern, place(chr(point))) != _postcode_accepted(place(chr(point)))
    ]

    assert differ == []


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=_strings("12345678", "00000000"))
@example(value=" 12345678\u3000")
@example(value="1234 5678")
@example(value="12345678\n")
def test_the_kvk_number_pattern_admits_what_the_ledger_admits(served_document: dict[str, Any], value: str) -> None:
    pattern = _pattern(served_document, "EmployerCreate", "kvkNumber")

    assert matches(pattern, value) == _kvk_accepted(value), repr(value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=_strings("0420010000123456"))
@example(value="\t0420010000123456\u2029")
def test_the_bag_id_pattern_admits_what_the_ledger_admits(served_document: dict[str, Any], value: str) -> None:
    pattern = _pattern(served_document, "HousingLocationCreate", "bagId")

    assert matches(pattern, value) == ("bag_id" not in _refused_location_fields(bag_id=value)), repr(value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=_strings("111222333", "123456782", "12345678"))
@example(value="111.222.333")
@example(value=" 1-1 1222333 ")
def test_the_bsn_pattern_admits_every_bsn_the_ledger_admits(served_document: dict[str, Any], value: str) -> None:
    # The 11-test is beyond a pattern: the pattern admits the nine digits, the description names the test.
    pattern = _pattern(served_document, "PersonIn", "bsn")
    digits = re.sub(r"[ .-]", "", value)
    eleven_test = len(digits) == 9 and digits.isascii() and digits.isdigit()
    eleven_test = (
        eleven_test and sum(int(d) * w for d, w in zip(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True)) % 11 == 0
    )

    if _bsn_accepted(value):
        assert matches(pattern, value), repr(value)
    if matches(pattern, value) and eleven_test and int(digits) > 0:
        assert _bsn_accepted(value), repr(value)
    if not matches(pattern, value):
        assert not _bsn_accepted(value), repr(value)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(letter=_strings("A", "b", ""), addition=_strings("2", "A2b", "abcd", "abcde"))
def test_the_house_letter_and_addition_patterns_admit_what_the_ledger_admits(
    served_document: dict[str, Any], letter: str, addition: str
) -> None:
    letter_pattern = _pattern(served_document, "WorkAddressIn", "houseLetter")
    addition_pattern = _pattern(served_document, "WorkAddressIn", "houseNumberAddition")
    refused = _refused_location_fields(house_letter=letter, house_number_addition=addition)

    assert matches(letter_pattern, letter) == ("house_letter" not in refused), repr(letter)
    assert matches(addition_pattern, addition) == ("house_number_addition" not in refused), repr(addition)
    assert _pattern(served_document, "HousingLocationCreate", "houseLetter") == letter_pattern
    assert _pattern(served_document, "HousingLocationCreate", "houseNumberAddition") == addition_pattern


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=_strings("HH-2026-0042", "a" * 64, "b" * 65, ".x"))
def test_the_case_reference_pattern_admits_what_the_ledger_admits(served_document: dict[str, Any], value: str) -> None:
    pattern = _pattern(served_document, "LegalHoldCreate", "caseReference")

    assert matches(pattern, value) == _case_reference_accepted(value), repr(value)


# -- roles ---------------------------------------------------------------------------------------


def _policies(dependant: Dependant) -> list[Policy | None]:
    found: list[Policy | None] = []
    for dependency in dependant.dependencies:
        policy = getattr(dependency.call, "policy", _UNSET)
        if policy is not _UNSET:
            found.append(policy)
        found.extend(_policies(dependency))
    return found


def route_roles(app: FastAPI) -> dict[str, list[str] | None]:
    """`METHOD /path` (relative to the base path) -> the roles that may call it, in order (None: public)."""
    roles: dict[str, list[str] | None] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) or not context.original_route.include_in_schema:
            continue
        policy = _policies(context.dependant)[0]
        path = str(context.path)
        path = path[len(BASE_PATH) :] if path.startswith(f"{BASE_PATH}/") else path
        for method in sorted(context.methods or ()):
            roles[f"{method} {path}"] = None if policy is None else [r.value for r in Role if r in policy.roles]
    return roles


def _roles_paragraph(description: str) -> str:
    paragraphs = [p.strip() for p in description.split("\n\n") if p.strip()]
    return paragraphs[-1] if paragraphs else ""


def test_each_operation_names_the_roles_that_may_call_it(client: TestClient, served_document: dict[str, Any]) -> None:
    expected = route_roles(client.app)  # type: ignore[arg-type]
    wrong = {}
    for method, path, operation in operations(served_document):
        key = f"{method.upper()} {path}"
        paragraph = _roles_paragraph(operation.get("description", ""))
        named = re.findall(r"`([a-z]+)`", paragraph) if paragraph.startswith("Roles:") else None
        wanted = expected[key]
        if wanted is None:
            ok = paragraph.startswith("Roles:") and named == [] and "no token" in paragraph
        else:
            ok = named == wanted
        if not ok:
            wrong[key] = (paragraph, wanted)

    assert len(expected) > 20
    assert wrong == {}


def _roles_table(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """docs/roles.md: the operations with the roles marked ✓, and the public operations listed under it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| operation"))
    header = lines[start]
    rows = [line for line in itertools.takewhile(lambda line: line.startswith("|"), lines[start + 2 :])]
    columns = [cell.strip() for cell in header.strip("|").split("|")][1:]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        table[cells[0].strip("`")] = [role for role, cell in zip(columns, cells[1:], strict=True) if cell == "✓"]
    public = re.findall(r"^- `([A-Z]+ [^`]+)`", text, flags=re.MULTILINE)
    return table, public


def test_docs_roles_is_the_policy_of_every_route(client: TestClient) -> None:
    expected = route_roles(client.app)  # type: ignore[arg-type]
    table, public = _roles_table((ROOT / "docs" / "roles.md").read_text())

    wanted_table = {key: roles for key, roles in expected.items() if roles is not None}
    wanted_public = sorted(key for key, roles in expected.items() if roles is None)
    rendered = "\n".join(
        f"| `{key}` | " + " | ".join("✓" if r.value in roles else "" for r in Role) + " |"
        for key, roles in wanted_table.items()
    )
    assert table == wanted_table, f"docs/roles.md's table should read:\n{rendered}"
    assert sorted(public) == wanted_public


# -- nothing unused --------------------------------------------------------------------------------


def test_fastapis_validation_schemas_are_gone(served_document: dict[str, Any]) -> None:
    text = str(served_document)

    assert "HTTPValidationError" not in served_document["components"]["schemas"]
    assert "ValidationError" not in served_document["components"]["schemas"]
    assert "#/components/schemas/HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text


def test_every_component_schema_is_used(served_document: dict[str, Any]) -> None:
    schemas = served_document["components"]["schemas"]
    outside = str({key: value for key, value in served_document.items() if key != "components"})
    referenced = {name for name in schemas if f"#/components/schemas/{name}'" in outside}
    # Referenced by a referenced schema counts too.
    for _ in range(len(schemas)):
        referenced |= {
            name for name in schemas if any(f"#/components/schemas/{name}'" in str(schemas[r]) for r in referenced)
        }

    assert set(schemas) - referenced == set()
