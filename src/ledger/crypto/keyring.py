"""Key-encryption keys (KEKs), kept outside the database.

Data keys are stored only wrapped by a KEK; the KEKs live in a keyring. The
`Keyring` protocol is what the key store needs, so an HSM or a cloud KMS can
take the place of `FileKeyring`, the embedded default: a JSON file with mode
0600 holding numbered KEK epochs (rotation adds an epoch and later destroys the
old one) and the key of the blind name index.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(Exception):
    """The keyring is missing, unreadable, or cannot unwrap a key."""


class Keyring(Protocol):
    """Wraps and unwraps data keys under key-encryption keys."""

    @property
    def current_epoch(self) -> int:
        """The epoch new data keys are wrapped under."""
        ...

    def wrap(self, data_key: bytes, *, epoch: int, associated_data: bytes) -> bytes:
        """Encrypt a data key under the KEK of `epoch`."""
        ...

    def unwrap(self, wrapped: bytes, *, epoch: int, associated_data: bytes) -> bytes:
        """Decrypt a wrapped data key; raise `KeyringError` if it does not open."""
        ...

    def index_key(self) -> bytes:
        """The key of the blind index (keyed hashes of normalised names)."""
        ...

    @property
    def epochs(self) -> tuple[int, ...]:
        """The epochs whose key-encryption keys still exist."""
        ...

    def add_epoch(self) -> int:
        """Create a new key-encryption key and make it current."""
        ...

    def retire_epochs(self, keep: int) -> tuple[int, ...]:
        """Destroy every key-encryption key but `keep`'s."""
        ...


@dataclass(frozen=True)
class _KeyringFile:
    current: int
    keks: dict[int, bytes]
    index_key: bytes

    def dump(self) -> str:
        return json.dumps(
            {
                "format": "westland-ledger-keyring/1",
                "current": self.current,
                "keks": {str(e): base64.b64encode(k).decode() for e, k in self.keks.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            }
        )

    @classmethod
    def load(cls, text: str) -> _KeyringFile:
        raw = json.loads(text)
        return cls(
            current=int(raw["current"]),
            keks={int(e): base64.b64decode(k) for e, k in raw["keks"].items()},
            index_key=base64.b64decode(raw["index_key"]),
        )


class FileKeyring:
    """A keyring in a local file (mode 0600): the embedded default.

    Every process re-reads the file when it changes, so a key rotation done by
    `ledger keys rotate` reaches running processes: new keys are wrapped under
    the new epoch, and a destroyed epoch is gone from memory too.
    """

    def __init__(self, path: Path, content: _KeyringFile) -> None:
        self.path = path
        self._content = content
        self._stamp = self._file_stamp()
        # Ciphers of the content they were made from: a new content (a rotation)
        # starts afresh, so a destroyed epoch never survives in this cache.
        self._ciphers: tuple[_KeyringFile, dict[int, AESGCM]] = (content, {})

    def _file_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return (stat.st_mtime_ns, stat.st_size)

    def _fresh(self) -> _KeyringFile:
        stamp = self._file_stamp()
        if stamp != self._stamp:
            self._content = _KeyringFile.load(self.path.read_text())
            self._stamp = stamp
        return self._content

    @classmethod
    def open(cls, path: Path, *, create: bool) -> FileKeyring:
        """Open the keyring at `path`; create it (0600) only when `create` is true."""
        if not path.exists():
            if not create:
                msg = (
                    f"keyring {path} does not exist, and in production it is never created implicitly: restore it from"
                    " its backup (or set LEDGER_KEYRING_FILE to where it is); only for a new, empty ledger, make one"
                    " with `ledger keys init`"
                )
                raise KeyringError(msg)
            cls._create(path)
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            msg = f"keyring {path} is readable by others (mode {mode:o}); chmod 600 it"
            raise KeyringError(msg)
        try:
            return cls(path, _KeyringFile.load(path.read_text()))
        except (ValueError, KeyError) as e:
            msg = f"keyring {path} is not a valid keyring file"
            raise KeyringError(msg) from e

    @classmethod
    def create(cls, path: Path) -> FileKeyring:
        """Make a new keyring at `path` (0600), on purpose; raise `KeyringError` if there is one already."""
        if path.exists():
            msg = f"keyring {path} already exists: it holds the keys its data keys are wrapped under; nothing done"
            raise KeyringError(msg)
        cls._create(path)
        return cls.open(path, create=False)

    @staticmethod
    def _create(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        content = _KeyringFile(
            current=1, keks={1: secrets.token_bytes(KEY_BYTES)}, index_key=secrets.token_bytes(KEY_BYTES)
        )
        # O_EXCL: two processes starting at once must not each write their own keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "w") as f:
            f.write(content.dump())
            f.flush()
            os.fsync(f.fileno())

    @property
    def current_epoch(self) -> int:
        return self._fresh().current

    @property
    def epochs(self) -> tuple[int, ...]:
        """The epochs whose key-encryption keys still exist."""
        return tuple(sorted(self._fresh().keks))

    def add_epoch(self) -> int:
        """Create a new key-encryption key and make it current; the old ones stay until retired."""
        content = self._fresh()
        epoch = max(content.keks) + 1
        self._write(_KeyringFile(epoch, {**content.keks, epoch: secrets.token_bytes(KEY_BYTES)}, content.index_key))
        return epoch

    def retire_epochs(self, keep: int) -> tuple[int, ...]:
        """Destroy every key-encryption key but `keep`'s; return the epochs destroyed."""
        content = self._fresh()
        retired = tuple(e for e in sorted(content.keks) if e != keep)
        self._write(_KeyringFile(content.current, {keep: content.keks[keep]}, content.index_key))
        return retired

    def _write(self, content: _KeyringFile) -> None:
        # Write aside, sync, then rename over: a crash leaves the old or the new file, never half of one.
        partial = self.path.with_name(self.path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(content.dump())
            f.flush()
            os.fsync(f.fileno())
        partial.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._content = content
        self._stamp = self._file_stamp()

    def _kek(self, epoch: int) -> AESGCM:
        content = self._fresh()
        made_from, ciphers = self._ciphers
        if made_from is not content:
            ciphers = {}
            self._ciphers = (content, ciphers)
        cipher = ciphers.get(epoch)
        if cipher is None:
            try:
                cipher = ciphers[epoch] = AESGCM(content.keks[epoch])
            except KeyError:
                msg = f"no key-encryption key for epoch {epoch} in {self.path}"
                raise KeyringError(msg) from None
        return cipher

    def wrap(self, data_key: bytes, *, epoch: int, associated_data: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._kek(epoch).encrypt(nonce, data_key, associated_data)

    def unwrap(self, wrapped: bytes, *, epoch: int, associated_data: bytes) -> bytes:
        try:
            return self._kek(epoch).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], associated_data)
        except InvalidTag:
            msg = f"a wrapped data key does not open under epoch {epoch}: wrong keyring or tampered key row"
            raise KeyringError(msg) from None

    def index_key(self) -> bytes:
        return self._fresh().index_key
