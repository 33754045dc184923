"""The story the golden ledger tells: every kind of event the domain had at 7f54471, from 2019 to 2026.

`tests/golden/build.py` tells it on each backend with the code of that commit
(docs/golden-ledger.md). Every personal text is a canary — names, document
numbers and free texts carry the word "Kanarie", and the BSNs are kept in
`Cast.bsns` — so that a test can look for them in plain text anywhere in a
database. Each subject has a role (`R1`, `K3`, `I2`…) and a line saying what
it is there for; the manifest lists them with their ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.application import Ledger
from ledger.audit import AuditChain
from ledger.domain.erasure import ERASURE_REQUEST_POLICY, erasure_note_id_for
from ledger.domain.housing_location import MUNICIPALITY, Registrant
from ledger.domain.values import Address, Employment, IdentityDocument, Person

CANARY = "Kanarie"
# Where every worker of the story works (a work address is no personal data).
WORK = Address(street="Handelsweg", house_number=3, postcode="1687AA", city="Wognum")

# The people: family name, given names (with the diacritics and punctuation the name rule takes,
# docs/text-input.md), birth date, nationality, identity document and its expiry.
PEOPLE: dict[str, tuple[str, str, date, str, str, date]] = {
    "R1": ("Kanarie-Nowak", "Rafał", date(1988, 2, 29), "POL", "passport", date(2028, 1, 31)),
    "E1": ("Kanarie Wiśniewska", "Zofia Maria", date(1996, 11, 5), "ROU", "id_card", date(2029, 6, 30)),
    "K1": ("Kanarie-Łukaszewicz", "Józef", date(1990, 7, 14), "POL", "passport", date(2031, 1, 31)),
    "K2": ("Kanarie Müller", "Jürgen", date(1985, 1, 1), "DEU", "id_card", date(2030, 3, 31)),
    "K3": ("Kanarie-Kovalenko", "Olena", date(1999, 4, 1), "UKR", "residence_document", date(2027, 12, 31)),
    "K4": ("Kanarie Ó'Brien", "Aoife", date(2009, 9, 1), "IRL", "passport", date(2032, 8, 31)),
    "K5": ("Kanarie Dvořák", "Tomáš", date(1979, 12, 24), "CZE", "passport", date(2029, 2, 28)),
}


class StoryClock:
    """The story's time: the day the ledger thinks it is, and a timestamp for each event, one second apart."""

    def __init__(self) -> None:
        self.now = datetime(2019, 9, 2, 8, 0, tzinfo=UTC)
        self.last = self.now

    def at(self, day: date) -> None:
        """Move the story to 09:00 UTC of `day` (the same date in Europe/Amsterdam)."""
        moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        if moment < self.now:
            msg = f"the story goes forward only: {day} is before {self.now.date()}"
            raise ValueError(msg)
        self.now = moment

    def __call__(self) -> datetime:
        return self.now

    def stamp(self) -> datetime:
        """The next event's timestamp: now, or a second after the previous event."""
        self.last = max(self.now, self.last + timedelta(seconds=1))
        return self.last


def canary_bsn(n: int) -> str:
    """A BSN passing the 11-test (Wabb), the n-th of the story."""
    while True:
        digits = str(31_000_000 + n * 7_919)
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        if total % 11 < 10:
            return digits + str(total % 11)
        n += 1


def address(street: str, number: int, postcode: str, city: str, **more: Any) -> Address:
    """An address (of a housing location, or a work address)."""
    return Address(street=street, house_number=number, postcode=postcode, city=city, **more)


@dataclass
class Story:
    """The ledger being written, the story's clock, and the cast so far (role: id, what it is there for)."""

    app: Ledger
    clock: StoryClock
    retention_run: Callable[[date], None]
    ids: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    bsns: list[str] = field(default_factory=list)

    def on(self, day: date) -> Ledger:
        """The ledger, on `day`."""
        self.clock.at(day)
        return self.app

    def cast(self, role: str, subject: UUID, what: str) -> UUID:
        """Name a subject of the story."""
        self.ids[role] = subject.hex
        self.roles[role] = what
        return subject

    def location(self, role: str, bag_id: str, where: Address, kind: str, what: str, **facts: Any) -> UUID:
        """Register a housing location."""
        return self.cast(
            role, self.app.register_housing_location(bag_id=bag_id, address=where, kind=kind, **facts).id, what
        )

    def worker(
        self,
        role: str,
        employer: UUID,
        housed_at: UUID,
        start: date,
        what: str,
        *,
        expected_end: date | None = None,
        bsn: str | None = None,
        registrant: Registrant = MUNICIPALITY,
    ) -> UUID:
        """Register the person `role` of PEOPLE, housed from the employment's start."""
        family, given, born, nationality, document, expires = PEOPLE[role]
        person = Person(
            family_name=family,
            given_names=f"{CANARY} {given}",
            birth_date=born,
            nationality=nationality,
            id_document=IdentityDocument(type=document, number=f"KANARIE{role}", expires_on=expires),
            bsn=bsn,
        )
        if bsn is not None:
            self.bsns.append(bsn)
        receipt = self.app.register_worker(
            employer_id=employer,
            person=person,
            employment=Employment(start_date=start, work_address=WORK, expected_end_date=expected_end),
            housing_location_id=housed_at,
            housing_valid_from=start,
            registrant=registrant,
        )
        return self.cast(role, receipt.id, what)

    def inspection(
        self, role: str, location: UUID, day: date, found: int, findings: list[str], notes: str | None, what: str
    ) -> UUID:
        """Record an inspection of `day`, with violations if it has findings."""
        outcome = "violations" if findings else "compliant"
        receipt = self.app.record_inspection(
            housing_location_id=location,
            inspected_on=day,
            occupants_found=found,
            findings=findings,
            outcome=outcome,
            notes=notes,
        )
        return self.cast(role, receipt.id, what)


def tell(story: Story) -> None:
    """Write the story: the years before (shredding by retention and on request), then the season of 2026."""
    the_years_before(story)
    the_season_of_2026(story)


def the_years_before(s: Story) -> None:
    """2019-2025: the first workers, an erasure with a note, an inspection erased by court order, two retention runs."""
    app = s.on(date(2019, 9, 2))
    a = s.cast("A", app.register_employer(kvk_number="60700001", name="Golden Uitzend B.V.").id, "employer")
    b = s.cast("B", app.register_employer(kvk_number="60700002", name="Westfries Teelt B.V.").id, "employer")
    l1 = s.location(
        "L1",
        "0420010000700001",
        address("Dorpsstraat", 1, "1671AB", "Medemblik", house_letter="A"),
        "dwelling",
        "dwelling, municipal limit 4 (5 from 2026-05-01), owner B",
        max_occupants=4,
        floor_area_m2=80,
        owner_kvk_number="60700002",
    )
    s.location(
        "L2",
        "0420020000700002",
        address("Havenweg", 7, "1671AC", "Medemblik", house_number_addition="BOOT"),
        "other",
        "berth (BAG type 02), no limit set: floor(30 m² / 12 m²)",
        floor_area_m2=30,
    )
    l4 = s.location(
        "L4",
        "0420010000700004",
        address("Zuiderdijk", 120, "1619AB", "Andijk"),
        "short_stay_facility",
        "short-stay facility, municipal limit 40",
        max_occupants=40,
        floor_area_m2=600,
    )
    r1 = s.worker(
        "R1",
        a,
        l1,
        date(2019, 9, 2),
        "registered with a BSN by the municipality; contract ended, departed; shredded by retention on 2021-01-04",
        expected_end=date(2019, 12, 20),
        bsn=canary_bsn(1),
    )
    e1 = s.worker("E1", b, l4, date(2019, 9, 2), "erased on request (data_subject_request) with a note on 2020-02-03")
    s.on(date(2019, 10, 1))
    notes = f"{CANARY}: bewoners spreken Pools; huisbaas aanwezig.\nGeen bijzonderheden."
    s.inspection(
        "I0", l1, date(2019, 10, 1), 3, [], notes, "notes shredded by retention on 2025-03-03 (due 2024-10-01)"
    )
    s.on(date(2019, 12, 20)).end_contract(r1, end_date=date(2019, 12, 20), reason=f"{CANARY}: einde seizoen")
    s.on(date(2019, 12, 23)).record_departure(r1, departed_on=date(2019, 12, 21))

    s.on(date(2020, 2, 3)).shred_subject(
        e1,
        policy=ERASURE_REQUEST_POLICY,
        reason_code="data_subject_request",
        note=f"{CANARY}: verzoek per brief van 2020-01-28, identiteit gecontroleerd aan de balie",
    )
    s.cast("N-E1", erasure_note_id_for(e1), "the note of E1's erasure; shredded by retention on 2025-03-03")
    s.on(date(2020, 6, 10))
    notes = f"{CANARY}: keuken vervuild; bewoner in kamer 12 klaagt over de beheerder"
    ic = s.inspection(
        "IC", l4, date(2020, 6, 9), 31, ["hygiene"], notes, "erased by court order with a note, 2020-06-15"
    )
    s.on(date(2020, 6, 15)).shred_subject(
        ic,
        policy=ERASURE_REQUEST_POLICY,
        reason_code="court_order",
        note=f"{CANARY}: uitspraak rechtbank Noord-Holland, zaak 20-1234",
    )
    s.cast("N-IC", erasure_note_id_for(ic), "the note of IC's erasure; due 2025-06-15, not shredded in the fixture")

    # R1's registration ended 2019-12-21 (due a year later); in 2025 the oldest notes (five years each).
    s.on(date(2021, 1, 4))
    s.retention_run(date(2021, 1, 4))
    s.on(date(2025, 3, 3))
    s.retention_run(date(2025, 3, 3))


def the_season_of_2026(s: Story) -> None:
    """2026: an employer's location, this season's workers, limits, holds, inspections and sanctions."""
    a, b = UUID(s.ids["A"]), UUID(s.ids["B"])
    l1, l2, l4 = UUID(s.ids["L1"]), UUID(s.ids["L2"]), UUID(s.ids["L4"])
    by_a = Registrant(municipal=False, employer_id=a)
    app = s.on(date(2026, 3, 2))
    l3 = s.location(
        "L3",
        "0420030000700003",
        address("Recreatieweg", 12, "1671HR", "Medemblik"),
        "recreational",
        "pitch (BAG type 03) registered by employer A: 6 proposed, owner A; municipal limit 4 from 2026-06-01",
        max_occupants=6,
        owner_kvk_number="60700001",
        registrant=by_a,
    )
    k1 = s.worker(
        "K1",
        a,
        l1,
        date(2026, 3, 2),
        "work address and housing changed (one back-dated), BRP with BSN, contract ended, departed: due 2027-06-30",
        expected_end=date(2026, 12, 18),
    )
    s.on(date(2026, 3, 9))
    what = "registered by its employer; RNI without BSN; a legal hold placed and lifted; still housed"
    k2 = s.worker("K2", a, l2, date(2026, 3, 9), what, expected_end=date(2026, 10, 31), registrant=by_a)
    s.on(date(2026, 3, 16))
    what = "residence document; contract ended (corrected), departed; under a legal hold: due 2027-05-02, held"
    k3 = s.worker("K3", b, l3, date(2026, 3, 16), what)
    what = "a minor (16 at the start); not housed here from 2026-05-15, back at L1 from 2026-06-01"
    k4 = s.worker("K4", b, l4, date(2026, 3, 16), what, expected_end=date(2026, 8, 28))
    s.on(date(2026, 3, 20)).record_population_registration(k2, register="RNI", registered_on=date(2026, 3, 19))
    s.on(date(2026, 3, 23))
    k5 = s.worker("K5", a, l4, date(2026, 3, 23), "erased on request as a correction (registered by mistake), no note")

    app = s.on(date(2026, 4, 1))
    app.change_work_address(k1, work_address=address("Kleingouw", 88, "1619CE", "Andijk"), valid_from=date(2026, 4, 1))
    app.place_legal_hold(k2, case_reference="HH-2026-0001", reason=f"{CANARY}: onderzoek naar de huisvester")
    s.on(date(2026, 4, 10))
    notes = f"{CANARY}: zeven bewoners aangetroffen, twee matrassen in de gang"
    what = "a warning and a fine against employer A: due 2036-04-12 (sanction_enforcement)"
    i1 = s.inspection("I1", l1, date(2026, 4, 10), 7, ["overcrowding", "fire_safety"], notes, what)
    s.on(date(2026, 4, 12)).impose_sanction(
        i1, kind="warning", against="employer", employer_id=a, amount_eur=None, deadline=None
    )
    s.on(date(2026, 4, 15)).change_housing(k1, housing_location_id=l4, valid_from=date(2026, 4, 15))
    app = s.on(date(2026, 4, 20))
    app.change_housing(k1, housing_location_id=l4, valid_from=date(2026, 4, 14))  # the move was a day earlier
    app.change_occupancy_limit(l1, max_occupants=5, valid_from=date(2026, 5, 1), reason="Omgevingsvergunning 2026-0417")
    app.impose_sanction(
        i1, kind="administrative_fine", against="employer", employer_id=a, amount_eur=Decimal("1250.00"), deadline=None
    )
    s.on(date(2026, 4, 25)).place_legal_hold(
        k3, case_reference="HH-2026-0002", reason=f"{CANARY}: aangifte uitbuiting in behandeling"
    )
    app = s.on(date(2026, 4, 30))
    app.end_contract(k3, end_date=date(2026, 4, 30), reason=f"{CANARY}: ontslag op staande voet")
    app.record_departure(k3, departed_on=date(2026, 4, 30))
    s.bsns.append(canary_bsn(2))
    s.on(date(2026, 5, 1)).record_population_registration(
        k1, register="BRP", registered_on=date(2026, 4, 28), bsn=canary_bsn(2)
    )
    s.on(date(2026, 5, 4)).lift_legal_hold(k2, case_reference="HH-2026-0001")
    s.on(date(2026, 5, 5)).end_contract(k3, end_date=date(2026, 5, 2))  # a correction, without a reason
    notes = f"{CANARY}: twee bewoners niet ingeschreven"
    what = "a fine against the owner: due 2033-05-06 (sanction_fine)"
    i2 = s.inspection("I2", l3, date(2026, 5, 5), 5, ["unregistered_occupants"], notes, what)
    s.on(date(2026, 5, 6)).impose_sanction(
        i2,
        kind="administrative_fine",
        against="owner",
        owner_kvk_number="60700001",
        amount_eur=Decimal("4350.5"),
        deadline=None,
    )
    s.on(date(2026, 5, 11)).shred_subject(k5, policy=ERASURE_REQUEST_POLICY, reason_code="correction")
    s.on(date(2026, 5, 15)).change_housing(k4, housing_location_id=None, valid_from=date(2026, 5, 15))
    s.on(date(2026, 5, 20))
    notes = f"{CANARY}: geen werkend toilet aan boord"
    what = "an order subject to penalty against employer B: due 2036-05-21 (sanction_enforcement)"
    i3 = s.inspection("I3", l2, date(2026, 5, 20), 4, ["sanitary", "hygiene"], notes, what)
    s.on(date(2026, 5, 21)).impose_sanction(
        i3,
        kind="order_subject_to_penalty",
        against="employer",
        employer_id=b,
        amount_eur=Decimal(2500),
        deadline=date(2026, 7, 1),
    )
    s.on(date(2026, 5, 25)).change_occupancy_limit(l3, max_occupants=4, valid_from=date(2026, 6, 1))

    app = s.on(date(2026, 6, 1))
    app.change_housing(k4, housing_location_id=l1, valid_from=date(2026, 6, 1))
    app.end_contract(k1, end_date=date(2026, 6, 30), reason=f"{CANARY}: einde seizoen, op eigen verzoek")
    app.record_departure(k1, departed_on=date(2026, 6, 30))
    # The auditor's checkpoint: the events after it are what `ledger audit verify --checkpoint` checks.
    AuditChain(app.recorder, app.keys.engine).checkpoint()
    notes = f"{CANARY}: beheerder toont brandveiligheidsplan"
    s.inspection("I4", l4, date(2026, 6, 1), 38, [], notes, "compliant, with notes: due 2031-06-01 (inspection_notes)")
    s.on(date(2026, 6, 5))
    s.inspection("I5", l4, date(2026, 6, 5), 36, [], None, "compliant, no notes: never due")
    s.on(date(2026, 6, 10))
    notes = f"{CANARY}: toilet hersteld, dekzeil lekt"
    s.inspection("I6", l2, date(2026, 6, 10), 2, ["other"], notes, "violations, no sanction: due 2031-06-10")
    # A key epoch rotation: every live data key is wrapped under epoch 2, and epoch 1 destroyed.
    s.on(date(2026, 6, 12)).keys.rotate()
