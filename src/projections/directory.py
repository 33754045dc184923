"""The directory: employers and housing locations as registered, for their lists, lookups and labels (issue 18).

One view, `directory`, kept by the projection runner like the others. Its
rows are only ever inserted — an employer's or a location's registration, each
limit the municipality set (with its reason and when it was recorded), each
inspection's plain facts — so a page of events is written with one insert per
table. It reads no personal field (employer names are the Handelsregister's,
addresses the BAG's: docs/data-classification.md; an inspection's notes stay
sealed), so the runner opens no keys for it.

Why a view of its own rather than queries over the existing ones: no view held
an employer's name or a location's address, and the lists filter on them. The
folded columns (`*_folded`: case, marks and spacing folded, as names are
matched in the register) let the database do a case- and accent-insensitive
"contains" without a function per row, and postcode + house number is an index
lookup. The figures that depend on the day and the instant (headcounts, the
limit in force, alerts) stay with the residence view and are worked out when
asked (`projections.location_queries`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, Date, Index, Integer, MetaData, String, Table, Text

from ledger.crypto.sealing import SubjectKeys
from ledger.domain.employer import Employer
from ledger.domain.housing_location import HousingLocation
from ledger.domain.inspection import Inspection
from ledger.persistence.database import UTCDateTime
from projections.projection import LedgerProjection, handles
from projections.register_sealing import normalise_family_name
from projections.storable import storable
from projections.view import View, insert_rows

metadata = MetaData()

directory_employers = Table(
    "directory_employers",
    metadata,
    Column("employer_id", String(32), primary_key=True),
    Column("kvk_number", String(8), nullable=False),
    Column("name", String(200), nullable=False),
    # The name as it is searched: case, marks and spacing folded ("Groß" is "gross").
    Column("name_folded", String(400), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Index("ix_directory_employers_kvk_number", "kvk_number"),
)

directory_locations = Table(
    "directory_locations",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("bag_id", String(16), nullable=False),
    Column("street", String(200), nullable=False),
    Column("house_number", Integer, nullable=False),
    Column("house_letter", String(1), nullable=True),
    Column("house_number_addition", String(4), nullable=True),
    Column("postcode", String(6), nullable=False),  # compact and upper case: 1671AB
    Column("city", String(80), nullable=False),
    Column("street_folded", String(400), nullable=False),
    Column("city_folded", String(160), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("floor_area_m2", Integer, nullable=True),
    Column("owner_kvk_number", String(8), nullable=True),
    Column("proposed_max_occupants", Integer, nullable=True),
    # The employer that registered (proposed) it; null: the municipality, or registered before issue 18.
    Column("proposed_by", String(32), nullable=True),
    Column("registered_at", UTCDateTime, nullable=False),
    Index("ix_directory_locations_address", "postcode", "house_number"),
    Index("ix_directory_locations_proposed_by", "proposed_by"),
    # What the lists filter on, in the lists' order: a filter that few locations match walks this index, not
    # the table (SQLite looked every location up in the table in id order: 50-85 ms at 16 000 locations
    # for a city nobody lives in, 2-6 ms over this index; PostgreSQL scans the table either way).
    Index(
        "ix_directory_locations_filters", "housing_location_id", "registered_at", "kind", "street_folded", "city_folded"
    ),
)

# Each limit the municipality set, as recorded: the history a location's answer shows.
directory_location_limits = Table(
    "directory_location_limits",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the location's version that set it
    Column("valid_from", Date, nullable=True),  # null: given at registration, so from the beginning
    Column("max_occupants", Integer, nullable=False),
    Column("reason", Text, nullable=True),  # the municipality's decision (a permit), not about a person
    Column("recorded_at", UTCDateTime, nullable=False),
)

# The plain facts of each inspection (the notes are sealed and not kept here): a location's last inspection.
directory_inspections = Table(
    "directory_inspections",
    metadata,
    Column("inspection_id", String(32), primary_key=True),
    Column("housing_location_id", String(32), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("occupants_found", Integer, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_directory_inspections_location", "housing_location_id", "inspected_on"),
)


def folded(text: str) -> str:
    """The form names, streets and cities are matched in: case, marks and spacing folded (as register names are)."""
    return normalise_family_name(text)


def compact_postcode(postcode: str) -> str:
    """`1671 ab` as the domain stores it, `1671AB` (events from before the postcode rule may hold a space)."""
    return "".join(postcode.split()).upper()


class DirectoryView(View):
    """Employers and housing locations as registered, their limits' history and inspections."""

    name = "directory"
    tables = (directory_employers, directory_locations, directory_location_limits, directory_inspections)


@dataclass
class DirectoryPage:
    """The rows a page of events adds, per table; written at the end of the page."""

    conn: Connection
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """Add a row to `table` (inserted when the page is written)."""
        self.rows.setdefault(table.name, []).append(row)

    def write(self) -> None:
        """One insert per table, in the order of `DirectoryView.tables`."""
        for table in DirectoryView.tables:
            insert_rows(self.conn, table, self.rows.get(table.name, []))


class DirectoryProjection(LedgerProjection[DirectoryView]):
    """Inserts a row per registration, limit and inspection; nothing is ever updated."""

    name = "directory"
    # Names of companies, addresses of buildings, an inspection's coded facts: no key is needed.
    opens_personal_data: ClassVar[bool] = False

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> DirectoryPage:
        """Nothing to load: every event adds rows of its own."""
        return DirectoryPage(conn)

    def close_page(self, page: DirectoryPage) -> None:
        page.write()

    @handles(Employer.Registered)
    def employer_registered(self, page: DirectoryPage, event: Employer.Registered, position: int) -> None:
        c = directory_employers.c
        page.add(
            directory_employers,
            {
                "employer_id": event.originator_id.hex,
                "kvk_number": storable(event.kvk_number, c.kvk_number),
                "name": storable(event.name, c.name),
                "name_folded": storable(folded(storable(event.name)), c.name_folded),
                "registered_at": event.timestamp,
            },
        )

    @handles(HousingLocation.Registered)
    def location_registered(self, page: DirectoryPage, event: HousingLocation.Registered, position: int) -> None:
        c, address = directory_locations.c, event.address
        location = event.originator_id.hex
        page.add(
            directory_locations,
            {
                "housing_location_id": location,
                "bag_id": storable(event.bag_id, c.bag_id),
                "street": storable(address.street, c.street),
                "house_number": address.house_number,
                "house_letter": _storable_or_none(address.house_letter, c.house_letter),
                "house_number_addition": _storable_or_none(address.house_number_addition, c.house_number_addition),
                "postcode": storable(compact_postcode(address.postcode), c.postcode),
                "city": storable(address.city, c.city),
                "street_folded": storable(folded(storable(address.street)), c.street_folded),
                "city_folded": storable(folded(storable(address.city)), c.city_folded),
                "kind": storable(event.kind, c.kind),
                "floor_area_m2": event.floor_area_m2,
                "owner_kvk_number": _storable_or_none(event.owner_kvk_number, c.owner_kvk_number),
                "proposed_max_occupants": event.proposed_max_occupants,
                "proposed_by": event.proposed_by.hex if event.proposed_by else None,
                "registered_at": event.timestamp,
            },
        )
        if event.max_occupants is not None:  # the municipality's limit, given at registration
            self._limit(page, location, event.originator_version, None, event.max_occupants, None, event.timestamp)

    @handles(HousingLocation.OccupancyLimitChanged)
    def limit_changed(self, page: DirectoryPage, event: HousingLocation.OccupancyLimitChanged, position: int) -> None:
        self._limit(
            page,
            event.originator_id.hex,
            event.originator_version,
            event.valid_from,
            event.max_occupants,
            event.reason,
            event.timestamp,
        )

    @handles(Inspection.Recorded)
    def inspected(self, page: DirectoryPage, event: Inspection.Recorded, position: int) -> None:
        page.add(
            directory_inspections,
            {
                "inspection_id": event.originator_id.hex,
                "housing_location_id": event.housing_location_id.hex,
                "inspected_on": event.inspected_on,
                "occupants_found": event.occupants_found,
                "outcome": storable(event.outcome, directory_inspections.c.outcome),
                "recorded_at": event.timestamp,
            },
        )

    @staticmethod
    def _limit(
        page: DirectoryPage,
        location: str,
        seq: int,
        valid_from: Any,
        maximum: int,
        reason: str | None,
        recorded_at: Any,
    ) -> None:
        page.add(
            directory_location_limits,
            {
                "housing_location_id": location,
                "seq": seq,
                "valid_from": valid_from,
                "max_occupants": maximum,
                "reason": None if reason is None else storable(reason),
                "recorded_at": recorded_at,
            },
        )


def _storable_or_none(value: str | None, column: Any) -> str | None:
    return None if value is None else storable(value, column)
