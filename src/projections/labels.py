"""Labels: what a person reads beside an id — an employer's name, a location's address on one line (issue 18).

Every answer that carries an employer's or a housing location's id carries its
label too, so that no answer needs a second call to be read. Labels come from
the directory view (`projections.directory`), a batch of ids in one query per
kind. Neither is personal data: a company's trade name is the Handelsregister's
and a building's address the BAG's (docs/data-classification.md); names and
addresses are never changed by a later event, so a label has no time of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Engine, select

from ledger.persistence.database import in_chunks, reading
from projections.directory import directory_employers, directory_locations


def address_line(
    street: str, house_number: int, house_letter: str | None, addition: str | None, postcode: str, city: str
) -> str:
    """An address on one line, as a letter is addressed: `Kerkstraat 12A-2, 1671 AB Medemblik`."""
    house = f"{house_number}{house_letter or ''}{f'-{addition}' if addition else ''}"
    return f"{street} {house}, {written_postcode(postcode)} {city}"


def written_postcode(postcode: str) -> str:
    """The postcode as it is written (`1671 AB`); the API's `postcode` member shows it as stored (`1671AB`)."""
    return f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode


@dataclass(frozen=True)
class Labels:
    """Employers' names and locations' addresses by id; None for an id the directory does not know (yet)."""

    employers: Mapping[UUID, str] = field(default_factory=dict)
    locations: Mapping[UUID, str] = field(default_factory=dict)

    def employer(self, employer_id: UUID | None) -> str | None:
        """The employer's name."""
        return None if employer_id is None else self.employers.get(employer_id)

    def location(self, location_id: UUID | None) -> str | None:
        """The location's address on one line."""
        return None if location_id is None else self.locations.get(location_id)


def read_labels(
    engine: Engine, *, employers: Iterable[UUID | None] = (), locations: Iterable[UUID | None] = ()
) -> Labels:
    """The labels of these employers and locations (None ids are skipped): one query per kind and page of ids."""
    employer_ids = sorted({e.hex for e in employers if e is not None})
    location_ids = sorted({loc.hex for loc in locations if loc is not None})
    e, loc = directory_employers.c, directory_locations.c
    names: dict[UUID, str] = {}
    lines: dict[UUID, str] = {}
    with reading(engine) as conn:
        for chunk in in_chunks(employer_ids):
            for named in conn.execute(select(e.employer_id, e.name).where(e.employer_id.in_(chunk))):
                names[UUID(named.employer_id)] = named.name
        address = (loc.street, loc.house_number, loc.house_letter, loc.house_number_addition, loc.postcode, loc.city)
        for chunk in in_chunks(location_ids):
            statement = select(loc.housing_location_id, *address).where(loc.housing_location_id.in_(chunk))
            for found in conn.execute(statement):
                street, number, letter, addition, postcode, city = found[1:]
                lines[UUID(found.housing_location_id)] = address_line(street, number, letter, addition, postcode, city)
    return Labels(employers=names, locations=lines)


def location_address(engine: Engine, location_id: UUID) -> tuple[str, int] | None:
    """The postcode and house number a person names the location by (a filter's fields); None: not in the directory."""
    loc = directory_locations.c
    statement = select(loc.postcode, loc.house_number).where(loc.housing_location_id == location_id.hex)
    with reading(engine) as conn:
        found = conn.execute(statement).first()
    return None if found is None else (str(found.postcode), int(found.house_number))
