"""The auditor's projection commands: `audit replay`, `audit compare`, `projections verify`.

`ledger audit replay --as-known-at T --into URL` rebuilds every read model from
the events recorded at or before T into a separate database; `ledger audit
compare URL --as-known-at T` asks the live system's queries `asKnownAt T` and
the replayed database's `asKnownAt now` and prints a summary line, after the
first few queries that differ (there are hundreds of queries: one line each
would bury the one that matters); `ledger projections verify` rebuilds every
view into a scratch database and compares it row by row with the live one.
Each exits 0 when all agree, 1 otherwise. `cli.parser` makes the `audit` and
`projections` groups; these subcommands are added to them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cli.console import Subcommands, progress_bar, tell
from ledger.persistence.database import create_ledger_engine
from ledger.persistence.migrations import require_migrated
from ledger.settings import Settings
from ledger.system import open_ledger
from projections.consistency import ViewCheck, verify_views
from projections.replay import NotAReplayTargetError, compare, default_days, replay

# `ledger audit compare` names at most this many differing queries; the summary counts them all.
SHOWN_DIFFERENCES = 20


def add_to_audit(audit: Subcommands) -> None:
    """Add `replay` and `compare` to `ledger audit`."""
    into = audit.add_parser("replay", help="rebuild every read model from the events known at an instant")
    into.add_argument("--as-known-at", dest="as_known_at", type=_instant, required=True, metavar="T")
    into.add_argument(
        "--into", required=True, metavar="URL", help="a separate database (sqlite:///… or postgresql://…)"
    )
    into.set_defaults(func=cmd_replay)
    against = audit.add_parser("compare", help="the live queries asKnownAt T against a replay to T")
    against.add_argument("url", metavar="URL", help="the database `ledger audit replay` wrote")
    against.add_argument("--as-known-at", dest="as_known_at", type=_instant, required=True, metavar="T")
    against.add_argument(
        "--on",
        dest="days",
        type=date.fromisoformat,
        action="append",
        metavar="DATE",
        help="a day to ask about (repeatable; default: T's day and the first of the months around it)",
    )
    against.set_defaults(func=cmd_compare)


def add_to_projections(projections: Subcommands) -> None:
    """Add `verify` to `ledger projections`."""
    verify = projections.add_parser("verify", help="rebuild every view into a scratch database, compare row by row")
    verify.set_defaults(func=cmd_verify)


def cmd_replay(settings: Settings, args: argparse.Namespace) -> int:
    """Rebuild every read model into `--into` from the events recorded at or before `--as-known-at`."""
    with open_ledger(settings) as ledger, _engine(settings, args.into) as target:
        try:
            with progress_bar("audit replay", unit="view") as progress:
                report = replay(ledger, as_known_at=args.as_known_at, into=target, progress=progress)
        except NotAReplayTargetError as refused:
            print(f"ledger: {refused}", file=sys.stderr)
            return 1
    where = make_url(args.into).render_as_string(hide_password=True)
    tell(
        settings,
        f"replayed {report.events} events recorded at or before {_shown(report.as_known_at)}"
        f" (log read to position {report.head}) into {where}: {', '.join(report.views)}",
        "audit_replayed",
        as_known_at=_shown(report.as_known_at),
        head=report.head,
        events=report.events,
        views=list(report.views),
    )
    return 0


def cmd_compare(settings: Settings, args: argparse.Namespace) -> int:
    """Print ok or the difference per query; exit 1 if any differs."""
    days = sorted(set(args.days)) if args.days else default_days(args.as_known_at, settings.timezone)
    with open_ledger(settings) as ledger, _engine(settings, args.url) as replayed:
        require_migrated(replayed)
        checks = compare(ledger, replayed, as_known_at=args.as_known_at, days=days)
    differing = [check for check in checks if not check.ok]
    for check in differing[:SHOWN_DIFFERENCES]:
        print(f"DIFF: {check.query}: {check.difference}")
    if len(differing) > SHOWN_DIFFERENCES:
        print(f"… and {len(differing) - SHOWN_DIFFERENCES} more queries differ")
    tell(
        settings,
        f"{len(checks)} queries asKnownAt {_shown(args.as_known_at)}: {len(differing)} differ",
        "audit_compared",
        as_known_at=_shown(args.as_known_at),
        queries=len(checks),
        differ=len(differing),
    )
    return 1 if differing else 0


def cmd_verify(settings: Settings, _args: argparse.Namespace) -> int:
    """Print ok or the differences per view; exit 1 if any view differs from its rebuild."""
    with open_ledger(settings) as ledger, progress_bar("projections verify", unit="view") as progress:
        checks = verify_views(ledger, progress=progress)
    for check in checks:
        print(render_check(check))
    return 0 if all(check.ok for check in checks) else 1


def render_check(check: ViewCheck) -> str:
    """The lines of `ledger projections verify` for one view."""
    if check.ok:
        return f"{check.view}: ok ({check.rows} rows at position {check.position})"
    return "\n".join([f"{check.view}: DIFF at position {check.position}", *(f"  {d}" for d in check.differences)])


def _instant(text: str) -> datetime:
    """An argparse type: an ISO 8601 instant with an offset (a naive time names no instant)."""
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        msg = f"give an offset, like 2026-03-01T09:30:00Z: {text}"
        raise argparse.ArgumentTypeError(msg)
    return instant


def _shown(instant: datetime) -> str:
    """An instant in UTC with `Z`, as the API writes instants."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


@contextmanager
def _engine(settings: Settings, url: str) -> Iterator[Engine]:
    """An engine on another database, configured as the ledger's own (SQLite pragmas, psycopg)."""
    other = settings.model_copy(update={"database_url": url})
    other.prepare_data_dir()
    engine = create_ledger_engine(other)
    try:
        yield engine
    finally:
        engine.dispose()
