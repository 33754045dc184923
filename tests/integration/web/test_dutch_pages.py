"""No English on a Dutch page: every page rendered in Dutch for an administrator, its visible text read as a person
reads it (docs/web.md § Language). The domain's texts — refusals, alert details, the audit chain's problems — are
translated by their code, so an English sentence on a Dutch page is a text that skipped the catalogue.

English is told by words Dutch does not use. Ids, codes (`<code>`), the event feed's stored data and people's and
companies' names are data, not sentences, and are left out.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from ledger.audit.chain import audit_links
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.web.site import csrf_token, sign_in
from tests.integration.web.test_inspection_pages import Inspected, inspected
from tests.integration.web.test_overview import caught_up, hire, services_of
from web.audit_verification import verification_of

__all__ = ["inspected"]  # the fixture, used here too

# Words of English sentences that are no Dutch words (nor parts of the names the tests register).
ENGLISH = re.compile(
    r"\b(the|and|with|without|since|from|to|not|no|person|permitted|occupants|housed|days|months|before|"
    r"after|until|arrived|expected|stay|contract|ended|employed|registered|housing|protection|deregistered|"
    r"address|limit|set|municipality|floor|area|proposed|registrant|worker|under|migrant|confirmed|"
    r"reported|past|its|end|differs|missing|deleted|inserted|stored|linked|rewritten|chain|event|a|an)\b"
)
SKIPPED = {"code", "script", "style", "title"}


class Sentences(HTMLParser):
    """The text a person reads on a page, a text node at a time (codes and the event feed's data left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def english_on(page: httpx.Response) -> list[str]:
    """The page's texts with two or more English words (one may be a name or a borrowed word)."""
    parser = Sentences()
    parser.feed(page.text)
    return [text for text in parser.texts if len(ENGLISH.findall(text.lower())) >= 2]


@pytest.fixture
def everything(site: TestClient, inspected: Inspected) -> dict[str, str]:
    """Locations, workers and alerts of most kinds, an inspection with a sanction: what the pages show."""
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    crowded = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Dorpsstraat"), kind="dwelling", max_occupants=1
    )
    unassessed = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="dwelling", floor_area_m2=20
    )
    small = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Westerstraat"), kind="dwelling", floor_area_m2=12
    )
    worker = hire(ledger, employer.id, crowded.id, housed_from=date(2025, 9, 1))
    hire(ledger, employer.id, crowded.id, housed_from=date(2025, 10, 1))
    hire(ledger, employer.id, unassessed.id, housed_from=date(2026, 1, 1))
    hire(ledger, employer.id, small.id, housed_from=date(2026, 1, 1))
    hire(ledger, employer.id, small.id, housed_from=date(2026, 1, 1))
    hire(ledger, employer.id, None)
    caught_up(site)
    return {
        "location": str(crowded.id),
        "unassessed": str(unassessed.id),
        "small": str(small.id),
        "employer": str(employer.id),
        "worker": str(worker.id),
        "inspection": str(inspected.with_notes),
    }


def _pages(ids: dict[str, str]) -> list[str]:
    return [
        "/",
        "/locaties",
        f"/locaties/{ids['location']}",
        f"/locaties/{ids['unassessed']}",
        f"/locaties/{ids['small']}",
        "/werknemers",
        f"/werknemers/{ids['worker']}",
        "/werkgevers",
        f"/werkgevers/{ids['employer']}",
        "/signalen",
        "/signalen?on=2026-03-01",
        "/inspecties",
        f"/inspecties/{ids['inspection']}",
        "/inspecties/nieuw",
        f"/inspecties/{ids['inspection']}/sanctie",
        "/rapportages",
        "/audit",
        "/audit/gebeurtenissen",
        f"/audit/toegang?subjectId={ids['worker']}",
    ]


def test_no_page_shows_an_english_sentence_in_dutch(site: TestClient, everything: dict[str, str]) -> None:
    sign_in(site, "admin")

    found = {}
    for path in _pages(everything):
        page = site.get(path)
        assert page.status_code == 200, path
        assert '<html lang="nl"' in page.text
        if english := english_on(page):
            found[path] = english

    assert found == {}


def test_the_alerts_details_are_shown_in_dutch(site: TestClient, everything: dict[str, str]) -> None:
    sign_in(site, "admin")

    inbox = site.get("/signalen")
    location = site.get(f"/locaties/{everything['location']}")

    assert "2 bewoners, 1 toegestaan" in inbox.text  # over capacity, in the page's language
    assert "2 bewoners, 1 toegestaan" in location.text
    assert "werkzaam zonder geregistreerde huisvesting" in inbox.text.lower()


def test_a_broken_chain_is_told_in_dutch(site: TestClient, everything: dict[str, str]) -> None:
    ledger = services_of(site).ledger
    with ledger.database.engine.begin() as conn:  # another link at position 2: the chain no longer holds there
        conn.execute(update(audit_links).where(audit_links.c.position == 2).values(link=bytes(32)))
    sign_in(site, "auditor")
    site.post("/audit", data={"csrf_token": csrf_token(site.get("/audit"))})
    run = verification_of(site.app).wait(timeout=60)  # type: ignore[arg-type]
    assert run is not None and run.outcome is not None and not run.outcome.ok

    page = site.get("/audit")

    assert 'data-verification="broken"' in page.text
    assert english_on(page) == []
