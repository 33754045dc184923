"""The auditor's subcommands of `ledger`: `audit verify|checkpoint|export`.

An auditor runs `ledger audit verify` (exit 0 when the chain holds, 1 with the
first broken position otherwise, 2 for a `--from` past the log's head;
`--checkpoint` only what was written after the latest checkpoint), keeps the
checkpoints it logs, and archives the event feed with `ledger audit export` as
JSON Lines (a file only its owner may read), its personal fields pseudonymised
unless `--open --reason R` opens them: that export is logged per person, with
the date by which it is to be destroyed (`ledger.audit.exports`).
`ledger audit replay` and `ledger audit compare` are `cli.replay_commands`'.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from cli.console import Subcommands, progress_bar, tell, whole_number
from ledger.application.service import Ledger
from ledger.audit.chain import AuditChain, default_workers
from ledger.audit.exports import ExportOpening, OpeningReason, event_page, export_opening
from ledger.audit.processing_log import Activity, Operation, ProcessingLog
from ledger.settings import Settings
from ledger.system import open_ledger

_PAGE = 1000

# Argument types: a position in the log (0: before the first event), and a count of at least one.
_position = whole_number(0)
_positive = whole_number(1)


def add_to(audit: Subcommands) -> None:
    """Add `verify`, `checkpoint` and `export` to `ledger audit`."""
    verify = audit.add_parser("verify", help="recompute the hash chain over the stored events")
    where = verify.add_mutually_exclusive_group()
    where.add_argument(
        "--from", dest="start", type=_position, default=0, metavar="POS", help="start at this position (default 0)"
    )
    where.add_argument(
        "--checkpoint",
        action="store_true",
        help="start after the latest checkpoint, once its link is confirmed to be the stored one",
    )
    verify.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="processes to share the work (default: one per CPU)",
    )
    verify.set_defaults(func=cmd_verify)
    audit.add_parser("checkpoint", help="record and log the chain's head").set_defaults(func=cmd_checkpoint)
    export = audit.add_parser(
        "export", help="every event after a position as JSON Lines (personal fields pseudonymised unless --open)"
    )
    export.add_argument("--after", type=_position, default=0, metavar="POS", help="the last position not exported")
    export.add_argument("--out", type=Path, default=None, metavar="FILE", help="write here instead of stdout")
    export.add_argument(
        "--open", dest="opened", action="store_true", help="open the personal fields (needs --reason; logged)"
    )
    export.add_argument(
        "--reason", choices=[r.value for r in OpeningReason], default=None, help="why the personal fields are opened"
    )
    export.set_defaults(func=cmd_export)


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Print `ok` and the number of events checked, or the first broken position and what differs.

    With `--checkpoint`, first the checkpoint it starts from, to compare with the copy kept outside.
    """
    workers = args.workers or default_workers()
    with open_ledger(settings) as ledger, progress_bar("audit verify") as progress:
        chain = AuditChain(ledger.recorder, ledger.database.engine)
        if args.checkpoint:
            checkpoint, result = chain.verify_since_checkpoint(workers=workers, progress=progress)
            print(
                "no checkpoint yet: verifying the whole chain"
                if checkpoint is None
                else f"checkpoint: position {checkpoint.position} link {checkpoint.link.hex()}"
                f" (recorded {checkpoint.recorded_at.isoformat()})"
            )
        else:
            head = chain.head()[0]
            if args.start > max(head, 1):
                # Nothing there to verify: saying "ok" would vouch for events that were never checked.
                print(
                    f"ledger audit verify: --from {args.start} is past the head of the log (position {head}):"
                    " nothing to verify there",
                    file=sys.stderr,
                )
                return 2
            result = chain.verify(start=args.start, workers=workers, progress=progress)
    facts: dict[str, Any] = {
        "ok": result.ok,
        "checked": result.checked,
        "first_broken_position": result.first_broken_position,
    }
    if result.ok:
        tell(settings, f"ok: {result.checked} events checked", "audit_verified", **facts)
        return 0
    line = f"BROKEN at position {result.first_broken_position}: {result.problem} ({result.checked} events checked)"
    tell(settings, line, "audit_verified", **facts)
    return 1


def cmd_checkpoint(settings: Settings, _args: argparse.Namespace) -> int:
    """Record the chain's head (position, link, time) and print it, to be kept outside the system."""
    with open_ledger(settings) as ledger:
        checkpoint = AuditChain(ledger.recorder, ledger.database.engine).checkpoint()
    if checkpoint is None:
        tell(settings, "no events yet", "audit_checkpoint_skipped")
        return 0
    position, link = checkpoint
    tell(
        settings,
        f"checkpoint: position {position} link {link.hex()}",
        "audit_checkpoint",
        position=position,
        link=link.hex(),
    )
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the events after `--after` as JSON Lines, to stdout or to a file only its owner may read.

    Pseudonymised by default; `--open --reason R` opens the personal fields, logs the export per
    person and says by when the copy is to be destroyed.
    """
    if args.opened != (args.reason is not None):
        print("ledger audit export: --open and --reason go together: why is the personal data opened?", file=sys.stderr)
        return 2
    with open_ledger(settings) as ledger:
        opening = None
        if args.opened:
            opening = export_opening(args.reason, today=ledger.today(), settings=settings, actor=_os_user())
        if args.out is None:
            written = export_events(ledger, args.after, sys.stdout, opening=opening)
        else:
            with _private(args.out) as out:
                written = export_events(ledger, args.after, out, opening=opening)
    # On stdout the events are the output: the human line goes beside them, to stderr.
    where: dict[str, Any] = {} if args.out is not None else {"stream": sys.stderr}
    facts: dict[str, Any] = {"opened": opening is not None}
    if opening is None:
        line = f"exported {written} events, personal data pseudonymised"
    else:
        destroy_on = opening.destroy_on.isoformat()
        line = f"exported {written} events with personal data opened ({opening.reason}): destroy it by {destroy_on}"
        facts |= {"reason": opening.reason.value, "destroy_on": destroy_on}
    tell(settings, line, "audit_exported", events=written, after=args.after, **facts, **where)
    return 0


def _os_user() -> str:
    """Who runs the command, for the processing log: the login name (or the uid where there is none)."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # a uid without a passwd entry and no LOGNAME, as in some containers
        return f"os:uid-{os.getuid()}"


@contextmanager
def _private(path: Path) -> Iterator[TextIO]:
    """`path` opened for writing, mode 0600 from its creation on (an older file there is emptied and made 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yield out


def export_events(ledger: Ledger, after: int, out: TextIO, *, opening: ExportOpening | None = None) -> int:
    """Write every event after position `after` to `out`, one JSON document per line.

    Pseudonymised, unless `opening`: then each page's people are logged before the page is written.
    """
    log, trace = ProcessingLog(ledger.database.engine), uuid.uuid4().hex  # one trace id ties the export's lines
    logged: set[UUID] = set()  # one line per person for the whole export, whichever pages name them
    written, position = 0, after
    while True:
        page = event_page(ledger, after=position, limit=_PAGE, opened=opening is not None)
        if opening is not None:
            for subject_type, subjects in page.revealed.items():
                new = [subject for subject in dict.fromkeys(subjects) if subject not in logged]
                logged.update(new)
                log.append(
                    actor=opening.actor,
                    role=opening.role,
                    activity=Activity.AUDIT,
                    subjects=new,
                    operation=Operation.EXPORT,
                    outcome="OK",
                    trace_id=trace,
                    subject_type=subject_type,
                    reason_code=opening.reason.value,
                    destroy_on=opening.destroy_on,
                )
        for document in page.documents:
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
        written += len(page.documents)
        if page.next is None:
            return written
        position = page.next
