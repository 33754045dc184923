"""The key subcommands of `ledger`: `keys init|rotate|check`.

An operator makes a production keyring once with `ledger keys init`, rotates
the key-encryption key with `ledger keys rotate` and re-shreds keys restored
from an old backup with `ledger keys check`.
"""

from __future__ import annotations

import argparse
import sys

from cli.console import Subcommands, progress_bar, tell
from ledger.crypto.keyring import FileKeyring
from ledger.persistence.exclusive import AlreadyRunningError
from ledger.settings import Settings
from ledger.system import open_keystore


def add_keys(subparsers: Subcommands) -> None:
    """Add `keys init|rotate|check` to the `ledger` command."""
    keys = subparsers.add_parser("keys", help="key epochs and tombstones")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser(
        "init", help="make the keyring at LEDGER_KEYRING_FILE, once, for a new ledger (production never makes one)"
    ).set_defaults(func=cmd_init)
    key_commands.add_parser("rotate", help="new key-encryption key; re-wrap live keys; destroy the old").set_defaults(
        func=cmd_rotate
    )
    key_commands.add_parser("check", help="destroy keys of shredded subjects restored from a backup").set_defaults(
        func=cmd_check
    )


def cmd_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    """Rotate the key-encryption key."""
    try:
        with open_keystore(settings) as keys, progress_bar("keys rotate", unit="key") as progress:
            report = keys.rotate(progress=progress)
    except AlreadyRunningError:
        print("ledger: another key rotation is running; nothing done (run again once it has finished)", file=sys.stderr)
        return 1
    retired = ", ".join(str(e) for e in report.retired_epochs) or "none"
    tell(
        settings,
        f"key epoch {report.epoch}: {report.rewrapped} data keys re-wrapped; epochs destroyed: {retired}",
        "keys_rotated",
        epoch=report.epoch,
        rewrapped=report.rewrapped,
        retired_epochs=list(report.retired_epochs),
    )
    return 0


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    """Make the keyring at `LEDGER_KEYRING_FILE`; refuse when one is there (its keys would be lost)."""
    keyring = FileKeyring.create(settings.keyring_path)
    tell(
        settings,
        f"keyring {keyring.path} made (mode 0600): back it up apart from the database",
        "keyring_created",
        path=str(keyring.path),
    )
    return 0


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    """Destroy again any key of a shredded subject (restored from a backup)."""
    with open_keystore(settings) as keys:
        removed = keys.reshred_tombstoned()
    line = f"{removed} keys of shredded subjects destroyed again" if removed else "ok: no key of a shredded subject"
    tell(settings, line, "keys_checked", destroyed_again=removed)
    return 0
