"""A housing location chosen by postcode and house number, as a person names it on a form or a filter.

Staff know a dwelling by its address, not by its id: the inspections' and the
alerts inbox's filters and the form to record an inspection take postcode and
house number and look the location up with the query `GET
/housing-locations?postcode=&houseNumber=` uses
(`projections.location_queries.locations`), as known at the moment asked. The
refusals are codes (`web.refusals`), shown at the postcode field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from api.parameters import Moment
from api.services import Services
from projections.directory import compact_postcode
from projections.labels import location_address, written_postcode
from projections.location_queries import Asked, LocationFilter, locations


def location_at(services: Services, postcode: str, house_number: str, moment: Moment) -> tuple[UUID | None, str]:
    """The one location registered at the address as known at `moment`, or None and the refusal's code."""
    if not postcode.strip():
        return None, "missing"
    if not house_number.strip().isdigit():
        return None, "house_number_missing"
    asked = Asked(on=moment.on, as_known_at=moment.as_known_at, settings=services.settings)
    wanted = LocationFilter(postcode=postcode.strip(), house_number=int(house_number.strip()))
    found = locations(services.ledger.database.engine, asked, wanted, limit=2)
    if not found:
        return None, "unknown_address"
    if len(found) > 1:
        return None, "ambiguous_address"
    return found[0].id, ""


@dataclass(frozen=True)
class ChosenLocation:
    """A filter's location: its id (None: every location), the address fields as shown, or the refusal's code."""

    location_id: UUID | None
    postcode: str
    house_number: str
    refusal: str = ""


def chosen_location(services: Services, params: Mapping[str, str], moment: Moment) -> ChosenLocation:
    """The location a filter names by `postcode` and `huisnummer`, or by `housingLocationId` (a link, a next page).

    The id stands while the address fields are not sent (a link) or still
    show the location's own address (the form sent again); an address typed
    over it wins, and fields emptied on the form choose every location. The
    fields show the id's address, so the person reads where the filter is.
    """
    postcode, house_number = params.get("postcode", "").strip(), params.get("huisnummer", "").strip()
    typed_id = params.get("housingLocationId", "").strip()
    if typed_id:
        try:
            location_id = UUID(typed_id)
        except ValueError:
            return ChosenLocation(None, postcode, house_number, "unknown_location")
        address = location_address(services.ledger.database.engine, location_id)
        if address is None:
            return ChosenLocation(None, postcode, house_number, "unknown_location")
        own = (written_postcode(address[0]), str(address[1]))
        sent = "postcode" in params or "huisnummer" in params
        if not sent or (compact_postcode(postcode), house_number) == (compact_postcode(address[0]), own[1]):
            return ChosenLocation(location_id, *own)
    if not (postcode or house_number):
        return ChosenLocation(None, "", "")
    found, refusal = location_at(services, postcode, house_number, moment)
    return ChosenLocation(found, postcode, house_number, refusal)
