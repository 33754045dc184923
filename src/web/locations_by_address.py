"""A housing location chosen by postcode and house number, as a person names it on a form or a filter.

Staff know a dwelling by its address, not by its id: the inspections' filter
and the form to record an inspection take postcode and house number and look
the location up with the query `GET /housing-locations?postcode=&houseNumber=`
uses (`projections.location_queries.locations`), as known at the moment asked.
The refusals are codes (`web.refusals`), shown at the postcode field.
"""

from __future__ import annotations

from uuid import UUID

from api.parameters import Moment
from api.services import Services
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
