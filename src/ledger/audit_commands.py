"""The audit and key subcommands of `ledger`: `audit verify|checkpoint|export`, `keys rotate|check`.

An auditor runs `ledger audit verify` (exit 0 when the chain holds, 1 with the
first broken position otherwise; `--checkpoint` only what was written after the
latest checkpoint), keeps the checkpoints it logs, and archives
the event feed with `ledger audit export` as JSON Lines. An operator rotates
the key-encryption key with `ledger keys rotate` and re-shreds keys restored
from an old backup with `ledger keys check`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ledger.application import Ledger
from ledger.audit import AuditChain, default_workers
from ledger.bootstrap import open_keystore, open_ledger
from ledger.event_documents import event_document
from ledger.exclusive import AlreadyRunningError
from ledger.settings import Settings

_PAGE = 1000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit` and `keys` to the `ledger` command."""
    audit = subparsers.add_parser("audit", help="tamper evidence: verify the chain, checkpoints, export")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="recompute the hash chain over the stored events")
    where = verify.add_mutually_exclusive_group()
    where.add_argument("--from", dest="start", type=int, default=0, metavar="POS", help="start at this position")
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
    sub.add_parser("checkpoint", help="record and log the chain's head").set_defaults(func=cmd_checkpoint)
    export = sub.add_parser("export", help="every event after a position as JSON Lines (personal fields opened)")
    export.add_argument("--after", type=int, default=0, metavar="POS")
    export.add_argument("--out", type=Path, default=None, metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=cmd_export)
    keys = subparsers.add_parser("keys", help="key epochs and tombstones")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("rotate", help="new key-encryption key; re-wrap live keys; destroy the old").set_defaults(
        func=cmd_rotate
    )
    key_commands.add_parser("check", help="destroy keys of shredded subjects restored from a backup").set_defaults(
        func=cmd_check
    )


@contextmanager
def _opened(settings: Settings) -> Iterator[Ledger]:
    ledger = open_ledger(settings)
    try:
        yield ledger
    finally:
        ledger.close()
        ledger.keys.engine.dispose()


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Print `ok` and the number of events checked, or the first broken position and what differs.

    With `--checkpoint`, first the checkpoint it starts from, to compare with the copy kept outside.
    """
    workers = args.workers or default_workers()
    with _opened(settings) as ledger:
        chain = AuditChain(ledger.recorder, ledger.keys.engine)
        if args.checkpoint:
            checkpoint, result = chain.verify_since_checkpoint(workers=workers)
            print(
                "no checkpoint yet: verifying the whole chain"
                if checkpoint is None
                else f"checkpoint: position {checkpoint.position} link {checkpoint.link.hex()}"
                f" (recorded {checkpoint.recorded_at.isoformat()})"
            )
        else:
            result = chain.verify(start=args.start, workers=workers)
    if result.ok:
        print(f"ok: {result.checked} events checked")
        return 0
    print(f"BROKEN at position {result.first_broken_position}: {result.problem} ({result.checked} events checked)")
    return 1


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    number = int(text)
    if number < 1:
        msg = f"at least 1: {text}"
        raise argparse.ArgumentTypeError(msg)
    return number


def cmd_checkpoint(settings: Settings, _args: argparse.Namespace) -> int:
    """Record the chain's head (position, link, time) and print it, to be kept outside the system."""
    with _opened(settings) as ledger:
        checkpoint = AuditChain(ledger.recorder, ledger.keys.engine).checkpoint()
    print("no events yet" if checkpoint is None else f"checkpoint: position {checkpoint[0]} link {checkpoint[1].hex()}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the events after `--after` as JSON Lines."""
    with _opened(settings) as ledger:
        if args.out is None:
            written = export_events(ledger, args.after, sys.stdout)
        else:
            with args.out.open("w", encoding="utf-8") as out:
                written = export_events(ledger, args.after, out)
    print(f"exported {written} events", file=sys.stderr)
    return 0


def export_events(ledger: Ledger, after: int, out: TextIO) -> int:
    """Write every event after position `after` to `out`, one JSON document per line."""
    written, position = 0, after
    while notifications := ledger.recorder.select_notifications(start=position + 1, limit=_PAGE):
        for notification in notifications:
            event = ledger.mapper.to_domain_event(notification)
            out.write(json.dumps(event_document(event, notification.id), ensure_ascii=False) + "\n")
        written += len(notifications)
        position = notifications[-1].id
    return written


def cmd_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    """Rotate the key-encryption key."""
    keys = open_keystore(settings)
    try:
        report = keys.rotate()
    except AlreadyRunningError:
        print("another key rotation is running; nothing done (run again once it has finished)", file=sys.stderr)
        return 1
    finally:
        keys.dispose()
    retired = ", ".join(str(e) for e in report.retired_epochs) or "none"
    print(f"key epoch {report.epoch}: {report.rewrapped} data keys re-wrapped; epochs destroyed: {retired}")
    return 0


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    """Destroy again any key of a shredded subject (restored from a backup)."""
    keys = open_keystore(settings)
    try:
        removed = keys.reshred_tombstoned()
    finally:
        keys.dispose()
    print(f"{removed} keys of shredded subjects destroyed again" if removed else "ok: no key of a shredded subject")
    return 0
