"""Applying a drawn command about workers' housing and locations' limits, as the location property tests draw them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.application.service import Ledger
from ledger.errors import Conflict, RuleViolated


def apply_location_command(ledger: Ledger, command: tuple[Any, ...], workers: list[UUID], places: list[UUID]) -> None:
    """Apply `("move", worker, place or None, day)`, `("limit", place, maximum, day)` or `("depart", worker, day)`.

    Workers and places are indexes into `workers` and `places`. A command the
    domain refuses changes nothing, as in the API, and is skipped.
    """
    try:
        if command[0] == "move":
            _, w, where, day = command
            ledger.change_housing(
                workers[w], housing_location_id=None if where is None else places[where], valid_from=day
            )
        elif command[0] == "limit":
            _, where, maximum, day = command
            ledger.change_occupancy_limit(places[where], max_occupants=maximum, valid_from=day)
        else:
            ledger.record_departure(workers[command[1]], departed_on=command[2])
    except (Conflict, RuleViolated):
        pass
