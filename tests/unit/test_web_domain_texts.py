"""The domain's English texts a page shows — alerts' details and the audit chain's problems — are read back by their
form and written in the page's language (docs/web.md § Language): never English on a Dutch page."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.audit.chain import CHECKPOINT_DIFFERS, DELETED, DIFFERS, INSERTED
from ledger.domain.staleness import StaleBasis, StaleRegistration
from projections.alert_spans import AlertKind
from projections.brp_alerts import WINDOW_MONTHS, four_months_detail
from web.domain_texts import DETAILS, alert_detail, chain_problem

DAY = date(2026, 3, 1)
STALE = StaleRegistration(StaleBasis.NOT_CONFIRMED, DAY, DAY, DAY)
PAST_END = StaleRegistration(StaleBasis.PAST_EXPECTED_END, DAY, DAY, DAY)

# Each form the alert rules write (projections.alert_rules, location_alert_rules, brp_alerts), by kind: written by the
# rules' own functions where they are public, else as their f-strings write them.
SAMPLES = [
    (AlertKind.OVER_CAPACITY, "3 occupants, 2 permitted"),
    (AlertKind.OVER_CAPACITY, "3 occupants, 2 permitted (no limit set by the municipality: 20 m² at 12 m² a person)"),
    (AlertKind.OVER_CAPACITY, "3 occupants, 2 permitted (no limit set by the municipality: 20 m² at 7.5 m² a person)"),
    (AlertKind.FLOOR_AREA_BELOW_NORM, "6.0 m² per person, norm 12 m²"),
    (AlertKind.LIMIT_NOT_ASSESSED, "no limit set by the municipality and no floor area to derive one from"),
    (
        AlertKind.LIMIT_NOT_ASSESSED,
        "no limit set by the municipality and no floor area to derive one from; the registrant proposed 6",
    ),
    (AlertKind.LIMIT_NOT_ASSESSED, "no limit set by the municipality and no floor-area norm for a holiday_park"),
    (
        AlertKind.LIMIT_NOT_ASSESSED,
        "no limit set by the municipality and no floor-area norm for a other; the registrant proposed 4",
    ),
    (AlertKind.NO_HOUSING, "employed without registered housing"),
    (AlertKind.HOUSED_AFTER_CONTRACT_END, f"contract ended {DAY.isoformat()}"),
    (AlertKind.STALE_REGISTRATION, f"{STALE.describe()}; no end reported"),
    (AlertKind.STALE_REGISTRATION, f"{PAST_END.describe()}; no end reported"),
    (AlertKind.NO_BRP_AFTER_FOUR_MONTHS, four_months_detail([("a" * 32, date(2025, 9, 1), None)], DAY)),
    (AlertKind.NO_BRP_AFTER_ARRIVAL, "expected stay until 2026-12-31, arrived 2026-03-01"),
    (AlertKind.NO_BRP_AFTER_ARRIVAL, "temporary protection from 2026-02-01, arrived 2026-03-01"),
    (AlertKind.BRP_ADDRESS_DIFFERS, "the BRP address is not the registered housing"),
    (AlertKind.DEREGISTERED_WHILE_HOUSED, "deregistered from the BRP on 2026-03-01"),
    (AlertKind.MINOR_IN_HOUSING, "a worker under 18 in migrant housing"),
]


def test_every_kind_has_its_forms() -> None:
    assert set(DETAILS) == set(AlertKind)
    assert {kind for kind, _ in SAMPLES} == set(AlertKind)


@pytest.mark.parametrize(("kind", "detail"), SAMPLES)
def test_each_detail_the_rules_write_is_read_and_written_in_dutch(kind: AlertKind, detail: str) -> None:
    dutch, english = alert_detail("nl", kind, detail), alert_detail("en", kind, detail)

    assert dutch is not None and english is not None, detail
    assert dutch != english, detail


def test_a_details_days_and_numbers_are_written_as_the_language_writes_them() -> None:
    assert alert_detail("nl", AlertKind.HOUSED_AFTER_CONTRACT_END, "contract ended 2026-03-01") == (
        "contract beëindigd op 1 maart 2026"
    )
    assert alert_detail("en", AlertKind.FLOOR_AREA_BELOW_NORM, "6.5 m² per person, norm 12 m²") == (
        "6.5 m² per person, norm 12 m²"
    )
    assert alert_detail("nl", AlertKind.FLOOR_AREA_BELOW_NORM, "6.5 m² per person, norm 12 m²") == (
        "6,5 m² per persoon, norm 12 m²"
    )
    assert f"{WINDOW_MONTHS} maanden" in (alert_detail("nl", AlertKind.NO_BRP_AFTER_FOUR_MONTHS, SAMPLES[12][1]) or "")


def test_a_detail_no_form_reads_is_not_shown_rather_than_in_english() -> None:
    assert alert_detail("nl", AlertKind.NO_HOUSING, "something the rules never wrote") is None
    assert alert_detail("nl", AlertKind.OVER_CAPACITY, "employed without registered housing") is None  # another kind's


@pytest.mark.parametrize("problem", [DIFFERS, DELETED, INSERTED, CHECKPOINT_DIFFERS])
def test_each_chain_problem_is_translated_by_the_chains_own_text(problem: str) -> None:
    dutch, english = chain_problem("nl", problem), chain_problem("en", problem)

    assert dutch != english
    assert chain_problem("nl", problem) != chain_problem("nl", "a problem nobody wrote")


def test_a_chain_problem_without_a_message_still_speaks_the_pages_language() -> None:
    assert chain_problem("nl", "a problem nobody wrote") != chain_problem("en", "a problem nobody wrote")
