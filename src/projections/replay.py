"""Replay to an instant: every read model rebuilt from the events known then, and compared with the live one.

`replay` feeds every projection of the registry, in notification order, only
the events recorded at or before an instant T (event timestamp <= T), into a
separate database: the auditor's copy of what the ledger believed at T. The
views' tables go there; the key store stays the live one (the register seals
what it keeps under the subjects' live keys, and the events' personal fields
are opened with them).

`compare` then asks the bitemporal queries twice: on the live system `asKnownAt
T`, and on the replayed database `asKnownAt now` (it holds nothing recorded
after T). Occupancy and residents per location, headcounts by every grouping,
residence history per worker, on a set of days: each answer must be exactly the
same, or the bitemporal views do not tell the truth about the past.

`BoundedRunner` and `projections_on` are shared with the consistency oracle
(`projections.consistency`), which rebuilds every view into a scratch database.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from eventsourcing.persistence import Notification, Tracking
from sqlalchemy import Column, Engine, func, inspect, select

from ledger.application.service import Ledger
from ledger.audit.chain import audit_links
from ledger.crypto.sealing import PrefetchedKeys
from ledger.domain.floor_area_norms import FloorAreaNorms
from ledger.persistence.migrations import upgrade
from projections.headcounts import GroupBy, headcounts
from projections.history import residence_intervals
from projections.occupancy import occupancy, residents
from projections.projection import LedgerProjection
from projections.registry import build_projections, build_view_runners
from projections.residence import location_facts, residence_workers
from projections.runner import ViewRunner
from projections.up_to_date import up_to_date

# How long to wait for a runner of another process to bring a live view up to the log's head.
WAIT_S = 60.0


class NotAReplayTargetError(RuntimeError):
    """The database given to replay into holds a ledger's events: its views are not ours to overwrite."""


class BoundedRunner(ViewRunner):
    """Feeds a projection the log up to a position, and only the events recorded at or before an instant."""

    def __init__(
        self,
        ledger: Ledger,
        projection: LedgerProjection[Any],
        *,
        upto: int,
        known_at: datetime | None = None,
    ) -> None:
        super().__init__(ledger, projection)
        self.upto = upto
        self.known_at = known_at
        self.applied = 0

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Process the notifications after the stored position up to `upto`; return how many were read."""
        read, position = 0, self.position()
        while (stop is None or not stop.is_set()) and position < self.upto:
            page = self.ledger.recorder.select_notifications(start=position + 1, limit=self.page_size, stop=self.upto)
            if not page:
                break
            self._process_page(page)
            position = page[-1].id
            read += len(page)
        return read

    def _decode(
        self, notifications: Sequence[Notification]
    ) -> tuple[list[tuple[Any, Tracking]], PrefetchedKeys | None, tuple[int, Exception] | None]:
        batch, keys, undecodable = super()._decode(notifications)
        if self.known_at is not None:
            # Filtered, not cut off at the first later event: timestamps are taken before the
            # insert, so concurrent writers can commit a little out of timestamp order.
            batch = [(event, tracking) for event, tracking in batch if event.timestamp <= self.known_at]
        self.applied += len(batch)
        return batch, keys, undecodable


def projections_on(ledger: Ledger, engine: Engine) -> list[LedgerProjection[Any]]:
    """Every projection of the registry, its view's tables on `engine` (anything else, e.g. keys, kept live)."""
    moved: list[LedgerProjection[Any]] = []
    for projection in build_projections(ledger):
        view = copy.copy(projection.view)
        view.engine = engine
        moved.append(type(projection)(view))
    return moved


# -- replay -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did: the instant, the log's head it read to, the events applied, the views."""

    as_known_at: datetime
    head: int
    events: int
    views: tuple[str, ...]


def replay(
    ledger: Ledger, *, as_known_at: datetime, into: Engine, progress: Callable[[int, int], None] | None = None
) -> ReplayReport:
    """Migrate `into`, empty its views, and rebuild every one from the events recorded at or before `as_known_at`.

    `progress(done, total)` is told the views rebuilt so far.
    """
    _refuse_a_ledger(into)
    upgrade(into)
    head = ledger.recorder.max_notification_id() or 0
    runners = [BoundedRunner(ledger, p, upto=head, known_at=as_known_at) for p in projections_on(ledger, into)]
    for done, runner in enumerate(runners, start=1):
        runner.rebuild()
        if progress is not None:
            progress(done, len(runners))
    return ReplayReport(
        as_known_at=as_known_at,
        head=head,
        events=max((r.applied for r in runners), default=0),
        views=tuple(r.name for r in runners),
    )


def _refuse_a_ledger(engine: Engine) -> None:
    # Replaying empties the target's views first: never those of a ledger, the live one least of all.
    if not inspect(engine).has_table(audit_links.name):
        return
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(audit_links)).scalar():
            msg = "the target database holds a ledger's events: replay into a separate, empty database"
            raise NotAReplayTargetError(msg)


# -- compare ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryCheck:
    """One query asked of both databases; `difference` says what differs (None: the same)."""

    query: str
    difference: str | None

    @property
    def ok(self) -> bool:
        """Whether both answers are the same."""
        return self.difference is None


Query = Callable[[Engine, datetime], Any]


def compare(
    ledger: Ledger, replayed: Engine, *, as_known_at: datetime, days: Sequence[date], wait_s: float = WAIT_S
) -> list[QueryCheck]:
    """Each projection query `asKnownAt` T on the live system against the replayed database `asKnownAt` now.

    The live views are brought up to the log's head first: a lagging view would
    answer for fewer events than the replay applied.
    """
    for runner in build_view_runners(ledger):
        with up_to_date(ledger, runner, wait_s=wait_s):
            pass
    live = ledger.database.engine
    queries: list[tuple[str, Query]] = []
    first, last = min(days), max(days)
    norms = ledger.settings.floor_area_norms_m2
    for location in _ids(location_facts.c.housing_location_id, live, replayed):
        for day in days:
            occupancy_on = functools.partial(_occupancy, location, day, norms)
            queries.append((f"occupancy {location} on {day}", occupancy_on))
        queries.append((f"residents {location} {first}..{last}", functools.partial(_residents, location, first, last)))
    for group_by in GroupBy:
        for day in days:
            queries.append((f"headcounts by {group_by.value} on {day}", functools.partial(_headcounts, group_by, day)))
    for worker in _ids(residence_workers.c.worker_id, live, replayed):
        queries.append((f"residence history {worker}", functools.partial(_history, worker)))
    now = datetime.now(UTC)
    return [QueryCheck(name, _difference(query(live, as_known_at), query(replayed, now))) for name, query in queries]


def default_days(as_known_at: datetime, timezone: str) -> list[date]:
    """The day T fell on and the first day of each month from five months before it to two after."""
    day = as_known_at.astimezone(ZoneInfo(timezone)).date()
    # The first of a month stays the first whatever months are added: no end-of-month clipping is involved.
    firsts = [day.replace(day=1) + relativedelta(months=n) for n in range(-5, 3)]
    return sorted({day, *firsts})


def _ids(column: Column[Any], *engines: Engine) -> list[UUID]:
    """The ids in `column` in any of the databases, sorted (a query must agree on ids only one side knows)."""
    found: set[str] = set()
    for engine in engines:
        with engine.connect() as conn:
            found.update(conn.execute(select(column)).scalars())
    return [UUID(hex_id) for hex_id in sorted(found)]


def _occupancy(location: UUID, day: date, norms: FloorAreaNorms, engine: Engine, instant: datetime) -> Any:
    return occupancy(engine, location, on=day, as_known_at=instant, norms=norms)


def _residents(location: UUID, first: date, last: date, engine: Engine, instant: datetime) -> Any:
    return residents(engine, location, first=first, last=last, as_known_at=instant)


def _headcounts(group_by: GroupBy, day: date, engine: Engine, instant: datetime) -> Any:
    return headcounts(engine, group_by=group_by, on=day, as_known_at=instant)


def _history(worker: UUID, engine: Engine, instant: datetime) -> Any:
    return residence_intervals(engine, worker, as_known_at=instant)


def _comparable(answer: Any) -> Any:
    """An answer as plain data, without the instant it was asked at (which differs by design)."""
    if dataclasses.is_dataclass(answer) and not isinstance(answer, type):
        plain = {f.name: _comparable(getattr(answer, f.name)) for f in dataclasses.fields(answer)}
        plain.pop("as_known_at", None)
        return plain
    if isinstance(answer, list | tuple):
        return [_comparable(item) for item in answer]
    return answer


def _difference(live: Any, replayed: Any) -> str | None:
    """None when the answers are the same, else what differs (ids, dates and counts: no personal data)."""
    left, right = _comparable(live), _comparable(replayed)
    if left == right:
        return None
    if isinstance(left, dict) and isinstance(right, dict):
        return "; ".join(_shown(key, left.get(key), right.get(key)) for key in left if left[key] != right.get(key))
    return _shown("answer", left, right)


def _shown(what: str, live: Any, replayed: Any, width: int = 300) -> str:
    text = f"{what}: live {live!r}, replayed {replayed!r}"
    return text if len(text) <= width else text[: width - 1] + "…"
