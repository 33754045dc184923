"""What the golden ledger is compared by: event documents and view rows in plain JSON.

`tests/golden/build.py` writes them with the code of the fixture's commit, and
`tests/integration/test_golden_ledger.py` reads them back with the code of
today, through these same functions, so that the two sides are normalised
alike: dates as `YYYY-MM-DD`, instants in UTC, sealed view columns opened
(their ciphertext is sealed afresh, with a random nonce, by every build).

It imports only what opens a stored value (the event mapper's documents, the
register's sealed columns); a module move that touches those is updated here
like anywhere else, while the JSON it is compared with stays as it was built.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Table, delete, insert, inspect, select, table, text

from ledger.domain.values import SHREDDED
from projections.view import View

# Today's tests read the fixture with today's code; `tests.golden.build` writes it with the code of
# FIXTURE_COMMIT, from before issue 17 moved these modules (docs/golden-ledger.md): this module serves both.
try:
    from ledger.audit.event_documents import event_document
    from ledger.crypto.sealing import SEALED_PREFIX
    from ledger.persistence.claim_store import CLAIMS_BACKFILL, pending_backfills, write_claims
    from projections.register_sealing import open_legal_hold, open_person
except ModuleNotFoundError:  # the code of FIXTURE_COMMIT
    from ledger.claim_store import CLAIMS_BACKFILL, pending_backfills, write_claims  # type: ignore[no-redef]
    from ledger.event_documents import event_document  # type: ignore[no-redef]
    from ledger.sealing import SEALED_PREFIX  # type: ignore[no-redef]

    from projections.register_queries import open_legal_hold, open_person  # type: ignore[no-redef]

if TYPE_CHECKING:
    from ledger.application.service import Ledger
    from ledger.crypto.keystore import KeyStore

DATA = Path(__file__).with_name("data")
# The commit whose code wrote the golden ledger; it must never be rebuilt with any other (docs/golden-ledger.md).
FIXTURE_COMMIT = "7f54471"

# The fixture's checksums: a file with no topic or module name in it, so that a search-and-replace over
# the tree (a module move) that rewrote the fixture too is found, not silently agreed with.
CHECKSUMS = "SHA256SUMS"

# Surrogate keys number rows in insertion order (a rebuild need not repeat them).
SURROGATE_COLUMNS = frozenset({"row_id"})
# How a value that no longer opens (its subject's key destroyed) is written down.
SHREDDED_VALUE = "<shredded>"

# Opens a row's sealed columns: the row and its subject's data key (None: shredded) in, plain values out.
Opener = Callable[[Any, bytes | None], dict[str, Any]]


def _open_worker(row: Any, data_key: bytes | None) -> dict[str, Any]:
    person = open_person(row, data_key)
    return {f"sealed_{name}": getattr(person, name) for name in vars(person)}


def _open_legal_hold(row: Any, data_key: bytes | None) -> dict[str, Any]:
    return {"sealed_reason": open_legal_hold(row, data_key).reason}


# The view tables with sealed columns, and how the register opens them (all of them keyed by worker_id).
OPENERS: dict[str, Opener] = {"register_workers": _open_worker, "register_legal_holds": _open_legal_hold}


def plain(value: Any) -> Any:
    """A stored or decoded value as JSON: dates ISO, instants UTC (SQLite's naive ones are UTC), `SHREDDED` named."""
    if value is SHREDDED:
        return SHREDDED_VALUE
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return instant.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    msg = f"no JSON form for a {type(value).__qualname__}"
    raise TypeError(msg)


def table_rows(conn: Connection, table: Table, columns: list[str], keys: KeyStore) -> list[dict[str, Any]]:
    """The rows of `table`, only `columns`, sealed columns opened; sorted, so two builds compare as lists."""
    opener = OPENERS.get(table.name)
    wanted = [table.c[name] for name in columns]
    if opener is not None:
        # The opener reads the columns it needs by name, whichever are compared.
        wanted += [c for c in table.columns if c.name not in columns]
    rows = conn.execute(select(*wanted)).all()
    data_keys = keys.data_keys({UUID(row.worker_id) for row in rows}) if opener is not None else {}
    found: list[dict[str, Any]] = []
    for row in rows:
        values = {name: getattr(row, name) for name in columns}
        if opener is not None:
            opened = opener(row, data_keys.get(UUID(row.worker_id)))
            # A column a shred has emptied stays empty: there is nothing to open.
            values |= {name: value for name, value in opened.items() if name in values and values[name] is not None}
        unopened = [
            name for name, value in values.items() if isinstance(value, str) and value.startswith(SEALED_PREFIX)
        ]
        if unopened:
            msg = f"{table.name}: sealed columns without an opener in tests/golden/contents.py: {unopened}"
            raise AssertionError(msg)
        found.append({name: plain(value) for name, value in values.items()})
    return sorted(found, key=lambda row: json.dumps(row, sort_keys=True))


def view_tables(view: View) -> dict[str, dict[str, Any]]:
    """Every table of `view`: its compared columns, its key (surrogates left out) and its rows."""
    tables: dict[str, dict[str, Any]] = {}
    keys: KeyStore = getattr(view, "keys", None) or _NO_KEYS
    with view.engine.connect() as conn:
        for table in view.tables:
            columns = [c.name for c in table.columns if c.name not in SURROGATE_COLUMNS]
            key = [c.name for c in table.primary_key.columns if c.name not in SURROGATE_COLUMNS]
            tables[table.name] = {"columns": columns, "key": key, "rows": table_rows(conn, table, columns, keys)}
    return tables


class _NoKeyStore:
    """For views that keep nothing sealed: asking it for a key is a mistake in OPENERS."""

    def data_keys(self, subject_ids: object) -> dict[UUID, bytes]:
        raise AssertionError("a view without a key store has a table in OPENERS")


_NO_KEYS: Any = _NoKeyStore()


def stored_events(ledger: Ledger, *, page: int = 500) -> list[dict[str, Any]]:
    """Every stored event in log order: its position, its stored topic, and its document as the mapper decodes it.

    The document (`ledger.audit.event_documents`, the auditor's feed) has the personal
    fields opened, or `null` and listed in `shreddedFields` once the key is gone.
    """
    events: list[dict[str, Any]] = []
    position = 0
    while notifications := ledger.recorder.select_notifications(start=position + 1, limit=page):
        for notification in notifications:
            document = event_document(ledger.mapper.to_domain_event(notification), notification.id)
            events.append({"position": notification.id, "topic": notification.topic, "document": document})
        position = notifications[-1].id
    return events


def plaintext_found(engine: Engine, tokens: list[str]) -> list[str]:
    """Where any of `tokens` stands in plain text in any table of the database (case folded): `table: token`.

    Every column of every table, the event store's and the key store's too;
    bytes are read as Latin-1, so a token in stored JSON is found as well.
    """
    pattern = re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE)
    found: list[str] = []
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            for row in conn.execute(select(text("*")).select_from(table(name))):
                for value in row:
                    plain_text = bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                    match = pattern.search(plain_text)
                    if match is not None:
                        found.append(f"{name}: {match.group(0)!r}")
    return found


def claim_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every claim (`write_claims`): what may exist once, its holder, whether active, the position that took it."""
    c = write_claims.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.kind, c.claim_key, c.holder_id, c.active, c.position)).all()
    return sorted(({name: plain(value) for name, value in row._mapping.items()} for row in rows), key=repr)


def forget_claims(engine: Engine) -> None:
    """Delete every claim and mark their backfill pending, as migration 0008 left a ledger written before claims."""
    with engine.begin() as conn:
        conn.execute(delete(write_claims))
        conn.execute(delete(pending_backfills))
        conn.execute(insert(pending_backfills).values(name=CLAIMS_BACKFILL))


def checksums(root: Path = DATA) -> dict[str, str]:
    """The SHA-256 of every file of the fixture but `SHA256SUMS` itself, by its path under `root`."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != CHECKSUMS
    }


def read_checksums(root: Path = DATA) -> dict[str, str]:
    """The checksums the build wrote (`sha256sum` format: hash, two spaces, path)."""
    lines = (root / CHECKSUMS).read_text(encoding="ascii").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def write_checksums(root: Path = DATA) -> None:
    """Write `SHA256SUMS` for the fixture as it is now (`sha256sum -c SHA256SUMS` checks it too)."""
    lines = [f"{digest}  {name}\n" for name, digest in checksums(root).items()]
    (root / CHECKSUMS).write_text("".join(lines), encoding="ascii")


def read_json(path: Path) -> Any:
    """A JSON file of the golden ledger."""
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, content: Any) -> None:
    """Write `content` as stable, reviewable JSON (sorted keys, one member a line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
