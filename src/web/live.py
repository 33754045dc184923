"""Live blocks (docs/web.md § Live figures): counts on a page that refresh while it is open, without a reload.

Issue 19 asks that the overview's numbers, a location's counts and the alerts
inbox's counts refresh when new events reach the read models, with nothing
refreshed while travelling in time, and that lists with names refresh only
when the person asks, so that the processing log records reads a person made,
not a timer's. A live block therefore shows counts only and writes no log line.

How: a block carries the read models' position it was rendered at
(`views_position`) and the day it was rendered for, and htmx asks its fragment
again every `LEDGER_WEB_REFRESH_SECONDS` with both (`hx-get`, `hx-trigger="every
Ns"`, `hx-swap="outerHTML"`). The fragment answers 204 No Content while the
views have not moved past that position on the same day — htmx 2 swaps nothing
on a 204 (its default `responseHandling`) — and otherwise the block anew, which
polls from its new position. A new day is a change without an event: today's
headcounts and alerts are another day's. Polling the log position rather than
server-sent events: a poll is one short request (a query per view), holds no
connection or thread of the server open per page, passes any proxy, and needs
no script of ours under the pages' policy.

The position is read *before* the figures: a write landing between the two is
then in the figures already (and the next poll renders the block once more for
nothing) or after the position (and the next poll fetches it); read after, a
write could be inside the position and missing from the figures for good.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from api.services import Services
from web.errors import error_page
from web.fields import Fields
from web.moment import TimeTravel
from web.templating import query, render

# The fragments' answers are of the moment and of one person's session: no cache keeps them.
NO_STORE = {"Cache-Control": "no-store"}
# A position is a notification id (a bigint): anything beyond is no position a page gave.
_MAX_POSITION = 2**62


@dataclass(frozen=True)
class Live:
    """What a live block carries: the position it was rendered at and, unless travelling in time, what it polls."""

    position: int
    url: str | None
    seconds: int


def views_position(services: Services) -> int:
    """The read models' position: the least of every view's, the notification up to which all of them hold the log.

    As `minPosition` uses it (`Services.wait_for` waits for every view): a
    figure of any view is at least this fresh.
    """
    return min((runner.position() for runner in services.runners), default=0)


def live(services: Services, travel: TimeTravel, position: int, path: str, **params: str | None) -> Live:
    """The block's polling: its fragment at `path` with `params`, the position and today; none while travelling."""
    if travel.active or travel.errors:
        return Live(position, None, services.settings.web_refresh_seconds)
    asked = query(**params, position=str(position), day=services.ledger.today().isoformat())
    return Live(position, f"{path}{asked}", services.settings.web_refresh_seconds)


def poll(request: Request, services: Services) -> int | Response:
    """The position to render a fragment at; or the answer without a block: 204 when unchanged, 400 when bad.

    Without a `position` (a person opening the fragment) the block is rendered.
    """
    fields = Fields(request.query_params)
    seen = fields.whole_number("position", low=0, high=_MAX_POSITION, out_of_range="invalid")
    day = fields.day("day")
    if fields.errors:
        return error_page(request, 400, headers=NO_STORE)  # not typed by anyone: a link the page did not give
    current = views_position(services)
    if seen is not None and current <= seen and day == services.ledger.today():
        return Response(status_code=204, headers=NO_STORE)
    return current


def fragment(request: Request, template: str, context: dict[str, object], *, status: int = 200) -> Response:
    """A live block alone (a partial template), not kept by any cache."""
    return render(request, template, context, status=status, headers=NO_STORE)
