"""Property: every text the domain accepts is read back, opened, through every view that shows it.

Names (as on identity documents: Latin letters with their diacritics, in any
mix of precomposed and combining forms), one-line texts (an employer's name,
streets, cities: any printable text) and free texts (notes and reasons: tabs,
line ends of any kind, bidi marks) are written through the API and read back
through each read route that shows them — the worker, its export, the
occupancy and residents of its dwelling, the name search, the audit feed —
on both backends. Each answer equals the domain's normalised form, written
out here independently: NFC; names and one-line texts trimmed with their
whitespace collapsed to single spaces; free texts trimmed with CR LF and CR
made LF.
"""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number

API = "/api/v1"

# Latin letters (precomposed ones among them) that are not a compatibility form of other letters.
LATIN_LETTERS = [
    c
    for c in map(chr, itertools.chain(range(0x41, 0x250), range(0x1E00, 0x1F00)))
    if unicodedata.category(c).startswith("L")
    and unicodedata.name(c, "").startswith("LATIN ")
    and unicodedata.normalize("NFKC", c) == c
]
# Combining diacritical marks that decompose to themselves, but the grapheme joiner (it marks nothing).
MARKS = [chr(c) for c in range(0x300, 0x370) if c != 0x34F and unicodedata.normalize("NFD", chr(c)) == chr(c)]
NAME_SEPARATORS = [" ", "  ", "-", "'", "\u2019", ". ", "\u00a0", " - "]


def _with_marks(letter: str, marks: list[str]) -> str:
    """`letter` with those of `marks` it does not carry already: no mark twice on one letter (UTS #39 §5.4)."""
    own = unicodedata.normalize("NFD", letter)
    return letter + "".join(mark for mark in marks if mark not in own)


_letter_with_marks = st.builds(
    _with_marks, st.sampled_from(LATIN_LETTERS), st.lists(st.sampled_from(MARKS), max_size=2, unique=True)
)
_name_part = st.lists(_letter_with_marks, min_size=1, max_size=8).map("".join)
NAMES = st.builds(
    lambda first, rest, pad: pad + first + "".join(sep + part for sep, part in rest) + pad,
    _name_part,
    st.lists(st.tuples(st.sampled_from(NAME_SEPARATORS), _name_part), max_size=2),
    st.sampled_from(["", " ", "\u00a0 "]),
)


def _lines(max_size: int) -> st.SearchStrategy[str]:
    printable = st.characters(exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn"))
    return st.text(printable, min_size=1, max_size=max_size).filter(lambda text: bool(text.split()))


FREE_TEXTS = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"), include_characters="\t\n\r"), min_size=1, max_size=60
).filter(lambda text: bool(text.strip()))


def as_line(text: str) -> str:
    """A name or one-line text as the domain keeps it."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def as_free_text(text: str) -> str:
    """A note or reason as the domain keeps it."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()


_numbers = itertools.count(1)


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def read(api: Api, path: str, role: str, **params: Any) -> Any:
    answer = api.client.get(f"{API}{path}", params=params, headers=api.auth(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    family_name=NAMES,
    given_names=NAMES,
    employer_name=_lines(60),
    street=_lines(60),
    city=_lines(25),
    work_street=_lines(60),
    work_city=_lines(25),
    notes=FREE_TEXTS,
    limit_reason=FREE_TEXTS,
    end_reason=FREE_TEXTS,
    hold_reason=FREE_TEXTS,
)
def test_accepted_text_reads_back_normalised_through_every_view(
    api: Api,
    family_name: str,
    given_names: str,
    employer_name: str,
    street: str,
    city: str,
    work_street: str,
    work_city: str,
    notes: str,
    limit_reason: str,
    end_reason: str,
    hold_reason: str,
) -> None:
    n = next(_numbers)
    registrar, inspector = api.auth("registrar"), api.auth("inspector")
    first = (api.services.ledger.recorder.max_notification_id() or 0) + 1
    post = api.client.post

    employer = created(
        post(f"{API}/employers", json={"kvkNumber": a_kvk_number(), "name": employer_name}, headers=registrar)
    )
    location_body = {
        "bagId": a_bag_id(),
        "street": street,
        "houseNumber": n,
        "postcode": "1671 AB",
        "city": city,
        "kind": "dwelling",
        "maxOccupants": 4,
    }
    location = created(post(f"{API}/housing-locations", json=location_body, headers=registrar))["id"]
    worker_body = {
        "employerId": employer["id"],
        "person": {
            "familyName": family_name,
            "givenNames": given_names,
            "birthDate": "1994-03-14",
            "nationality": "POL",
            "idDocument": {"type": "passport", "number": f"RT{n:07d}", "expiresOn": "2030-05-01"},
        },
        "employment": {
            "startDate": "2026-04-01",
            "workAddress": {"street": work_street, "houseNumber": n, "postcode": "1687 AA", "city": work_city},
        },
        "housing": {"housingLocationId": location, "validFrom": "2026-04-01"},
    }
    worker = created(post(f"{API}/workers", json=worker_body, headers=registrar))["id"]
    created(
        post(
            f"{API}/workers/{worker}/contract-ends",
            json={"endDate": "2026-07-31", "reason": end_reason},
            headers=registrar,
        )
    )
    hold = {"caseReference": f"HH-{n}", "reason": hold_reason}
    created(post(f"{API}/workers/{worker}/legal-holds", json=hold, headers=inspector))
    limit = {"maxOccupants": 5, "validFrom": "2026-07-01", "reason": limit_reason}
    created(post(f"{API}/housing-locations/{location}/occupancy-limits", json=limit, headers=registrar))
    inspection = {
        "housingLocationId": location,
        "inspectedOn": "2026-06-10",
        "occupantsFound": 1,
        "findings": [],
        "outcome": "compliant",
        "notes": notes,
    }
    last = created(post(f"{API}/inspections", json=inspection, headers=inspector))["position"]

    names = {"familyName": as_line(family_name), "givenNames": as_line(given_names)}
    work_address = {"street": as_line(work_street), "city": as_line(work_city)}

    # The register: the worker (with its holds' reasons), and the same record in the person's export.
    record = read(api, f"/workers/{worker}", "admin", minPosition=last)
    export = read(api, f"/workers/{worker}/export", "admin", minPosition=last)
    for shown in (record, export["worker"]):
        assert {k: shown["person"][k] for k in names} == names
        assert {k: shown["workAddress"][k] for k in work_address} == work_address
        assert [h["reason"] for h in shown["legalHolds"]] == [as_free_text(hold_reason)]

    # The names shown with the dwelling: who lives there, who lived there.
    occupancy = read(api, f"/housing-locations/{location}/occupancy", "registrar", minPosition=last)
    residents = read(
        api,
        f"/housing-locations/{location}/residents",
        "registrar",
        minPosition=last,
        **{"from": "2026-04-01", "to": "2026-06-15"},
    )
    for people in (occupancy["occupants"], residents["residents"]):
        assert [{k: p[k] for k in names} for p in people] == [names]

    # The name search finds the worker by the name as typed.
    search = {"familyName": family_name, "birthDate": "1994-03-14"}
    found = api.client.post(
        f"{API}/workers/_search", json=search, headers=api.auth("admin"), params={"minPosition": last}
    )
    assert found.status_code == 200, found.text
    assert [{k: w["person"][k] for k in names} for w in found.json()["items"] if w["id"] == worker] == [names]

    # The audit feed, opened for a reason: every event, personal fields opened.
    opened = {"open": "true", "reason": "accuracy_check"}
    events = read(api, "/audit/events", "auditor", after=first - 1, limit=100, **opened)["items"]
    data = {e["type"]: e["data"] for e in events}
    assert data["Employer.Registered"]["name"] == as_line(employer_name)
    assert {k: data["HousingLocation.Registered"]["address"][k] for k in ("street", "city")} == {
        "street": as_line(street),
        "city": as_line(city),
    }
    assert {k: data["Worker.Registered"][k] for k in names} == names
    assert {k: data["Worker.Registered"]["workAddress"][k] for k in work_address} == work_address
    assert data["Worker.ContractEnded"]["reason"] == as_free_text(end_reason)
    assert data["Worker.LegalHoldPlaced"]["reason"] == as_free_text(hold_reason)
    assert data["HousingLocation.OccupancyLimitChanged"]["reason"] == as_free_text(limit_reason)
    assert data["Inspection.Recorded"]["notes"] == as_free_text(notes)
