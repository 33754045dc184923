"""The consistency oracle: every live view against a rebuild from zero, row by row.

`verify_views` brings each live view up to date (or waits for the runner that
follows it), rebuilds the same projection into a scratch database up to the
very position the live view is at, and compares every table of the view. A
difference means a view row was changed by something other than its
projection, or a projection is not deterministic: either way the view no
longer tells what the log says.

What must be equal is compared; what differs by construction is not:
surrogate keys (`row_id`) number rows in insertion order, and a sealed value is
sealed afresh (random nonce) by every build, so sealed columns are compared on
whether a value is sealed there, not on the ciphertext.

The scratch database is a temporary SQLite file in the data directory (beside
the live one, on the same protected volume) or a throw-away schema in the live
PostgreSQL database (which needs no right to create databases); it is removed
afterwards.
"""

from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, create_engine, select, text
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from ledger.application.service import Ledger
from ledger.crypto.sealing import SEALED_PREFIX
from ledger.persistence.migrations import upgrade
from projections.projection import LedgerProjection
from projections.registry import build_view_runners
from projections.replay import WAIT_S, BoundedRunner, projections_on
from projections.runner import ViewRunner, ViewStoppedError
from projections.up_to_date import up_to_date
from projections.view import View

# Surrogate keys number rows in insertion order, which a rebuild need not repeat.
SURROGATE_COLUMNS = frozenset({"row_id"})
SEALED = "<sealed>"

# A view followed by another process may move while it is read; read it again this often.
_READ_ATTEMPTS = 5

Rows = Counter[tuple[Any, ...]]


@dataclass(frozen=True)
class ViewCheck:
    """One view compared with its rebuild: at which position, and what differs (nothing: ok)."""

    view: str
    position: int
    rows: int
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the live view and the rebuild hold the same rows."""
        return not self.differences


def verify_views(
    ledger: Ledger, *, wait_s: float = WAIT_S, progress: Callable[[int, int], None] | None = None
) -> list[ViewCheck]:
    """Compare every live view of `ledger` with a rebuild of it from zero, row by row.

    `progress(done, total)` is told the views compared so far.
    """
    with scratch_database(ledger) as scratch:
        upgrade(scratch)
        live = build_view_runners(ledger)
        rebuilt = projections_on(ledger, scratch)
        checks: list[ViewCheck] = []
        for runner, projection in zip(live, rebuilt, strict=True):
            checks.append(_verify(ledger, runner, projection, wait_s))
            if progress is not None:
                progress(len(checks), len(live))
        return checks


def view_contents(view: View) -> dict[str, Rows]:
    """Every row of every table of `view`, surrogate keys left out and sealed values masked."""
    with view.engine.connect() as conn:
        return {
            table.name: Counter(
                tuple(_masked(value) for value in row)
                for row in conn.execute(select(*(c for c in table.columns if c.name not in SURROGATE_COLUMNS)))
            )
            for table in view.tables
        }


@contextmanager
def scratch_database(ledger: Ledger) -> Iterator[Engine]:
    """An empty database for a rebuild, removed afterwards."""
    settings, live = ledger.settings, ledger.database.engine
    if settings.backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="verify-", dir=settings.sqlite_path.parent) as directory:
            engine = create_engine(f"sqlite+pysqlite:///{directory}/scratch.db")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    schema = f"ledger_verify_{uuid.uuid4().hex[:12]}"
    with live.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Unqualified names resolve in the scratch schema only: the migrations and the views land there.
    engine = create_engine(live.url, connect_args={"options": f"-c search_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with live.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _verify(ledger: Ledger, live: ViewRunner, projection: LedgerProjection[Any], wait_s: float) -> ViewCheck:
    try:
        position, contents = _live_contents(ledger, live, wait_s)
    except (ViewStoppedError, TimeoutError) as error:
        return ViewCheck(live.name, live.position(), 0, (str(error),))
    rebuild = BoundedRunner(ledger, projection, upto=position)
    try:
        rebuild.rebuild()
    except ViewStoppedError as error:
        return ViewCheck(live.name, position, 0, (f"the rebuild stopped: {error}",))
    rebuilt = view_contents(rebuild.view)
    differences = tuple(
        line
        for table in live.view.tables
        if (line := _table_difference(table, contents[table.name], rebuilt[table.name]))
    )
    return ViewCheck(live.name, position, sum(sum(rows.values()) for rows in contents.values()), differences)


def _live_contents(ledger: Ledger, live: ViewRunner, wait_s: float) -> tuple[int, dict[str, Rows]]:
    """The live view brought up to date, its position and its rows, read while it does not move."""
    with up_to_date(ledger, live, wait_s=wait_s) as held:
        if held:
            # Holding the view's lock, we are its only writer: it cannot move while it is read.
            return live.position(), view_contents(live.view)
    reading = Retrying(stop=stop_after_attempt(_READ_ATTEMPTS), retry=retry_if_exception_type(_Moved), reraise=True)
    try:
        return reading(_read_unmoved, live)
    except _Moved:
        msg = f"view {live.name} kept moving while it was read: try again when writes are quiet"
        raise TimeoutError(msg) from None


class _Moved(Exception):
    """The view's position changed while its rows were read."""


def _read_unmoved(live: ViewRunner) -> tuple[int, dict[str, Rows]]:
    # Rows and position commit together, so an unchanged position means no page landed in between.
    position = live.position()
    contents = view_contents(live.view)
    if live.position() != position:
        raise _Moved
    return position, contents


def _table_difference(table: Table, live: Rows, rebuilt: Rows) -> str | None:
    only_live, only_rebuilt = live - rebuilt, rebuilt - live
    if not only_live and not only_rebuilt:
        return None
    first = next(iter(only_live or only_rebuilt))
    return (
        f"{table.name}: {only_live.total()} rows only in the live view, {only_rebuilt.total()} only in the rebuild"
        f" (first: {_key(table, first)})"
    )


def _key(table: Table, row: tuple[Any, ...]) -> str:
    """The row's key columns (ids and dates, never personal data) to find it by."""
    columns = [c.name for c in table.columns if c.name not in SURROGATE_COLUMNS]
    keys = [c.name for c in table.primary_key.columns if c.name not in SURROGATE_COLUMNS] or columns[:1]
    return ", ".join(f"{name}={row[columns.index(name)]}" for name in keys)


def _masked(value: Any) -> Any:
    return SEALED if isinstance(value, str) and value.startswith(SEALED_PREFIX) else value
