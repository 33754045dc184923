"""Sealing: personal fields are encrypted in the event store, in one place.

`SealingMapper` is the eventsourcing `Mapper` of the ledger. On the way in it
encrypts each personal field an event declares (see `ledger.domain.personal`)
with AES-256-GCM under the data key of the event's subject, with a random
96-bit nonce and associated data binding aggregate id, version, topic and
field, so a ciphertext copied into another event or field does not open. On
the way out it opens them again, or yields `SHREDDED` when the subject's key is
gone. A ciphertext that does not open under an existing key fails loudly: the
ledger never returns garbage.
"""

from __future__ import annotations

import binascii
import os
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import CanSnapshotAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from ledger.domain.personal import personal_fields_of
from ledger.domain.values import SHREDDED

SEALED_PREFIX = "sealed:v1:"
NONCE_BYTES = 12


class SealBrokenError(Exception):
    """A sealed field does not open under its subject's key: tampering or a wrong key."""


class SubjectKeys(Protocol):
    """Where the mapper gets data keys (the key store)."""

    def data_key(self, subject_id: UUID) -> bytes | None:
        """The subject's key, or None when it has none (shredded)."""
        ...

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        """The subject's key, created on first use."""
        ...


def sealed_fields_of(event_class: type[Any]) -> tuple[str, ...]:
    """The fields the mapper seals for an event class (a snapshot's whole state)."""
    if issubclass(event_class, CanSnapshotAggregate):
        return ("state",)
    return personal_fields_of(event_class)


def _aad_prefix(originator_id: UUID | str, version: int, topic: str) -> bytes:
    # What a field's associated data starts with; the field's name follows. Built
    # once per event: formatting the UUID costs more than encrypting a field.
    return f"{originator_id}|{version}|{topic}|".encode()


def seal_bytes(data_key: bytes, plaintext: bytes, associated_data: bytes) -> str:
    """Encrypt `plaintext` under `data_key` (AES-256-GCM, random nonce) into a text token."""
    return _seal(AESGCM(data_key), plaintext, associated_data)


def open_bytes(data_key: bytes, token: str, associated_data: bytes, *, what: str) -> bytes:
    """Decrypt a token made by `seal_bytes`; `SealBrokenError` names `what` if it does not open."""
    try:
        return _open_token(AESGCM(data_key), token, associated_data)
    except _UnopenedError as error:
        msg = f"{what} {error}"
        raise SealBrokenError(msg) from None


class _UnopenedError(Exception):
    """Why a token does not open, without naming it: the caller builds that text only on failure."""


def _seal(aead: AESGCM, plaintext: bytes, associated_data: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + aead.encrypt(nonce, plaintext, associated_data)
    return SEALED_PREFIX + binascii.b2a_base64(sealed, newline=False).decode("ascii")


def _open_token(aead: AESGCM, token: str, associated_data: bytes) -> bytes:
    if not token.startswith(SEALED_PREFIX):
        raise _UnopenedError("is not sealed")
    try:
        raw = binascii.a2b_base64(token[len(SEALED_PREFIX) :])
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except (InvalidTag, ValueError):
        # ValueError: damaged base64 or a token too short to hold a nonce — tampering all the same.
        raise _UnopenedError("does not open: tampered ciphertext or wrong key") from None


class PrefetchedKeys:
    """Data keys looked up (or made) once for a batch of subjects, for one batch only.

    A subject not in the batch falls back to `source`. Never kept across
    batches or requests: a shred must be effective at once.
    """

    def __init__(self, keys: dict[UUID, bytes], source: SubjectKeys) -> None:
        self._keys = keys
        self._source = source

    def data_key(self, subject_id: UUID) -> bytes | None:
        if subject_id in self._keys:
            return self._keys[subject_id]
        return self._source.data_key(subject_id)

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        if subject_id in self._keys:
            return self._keys[subject_id]
        return self._source.data_key_for_writing(subject_id)


class SealingMapper(Mapper[UUID]):
    """A `Mapper` that seals declared personal fields under per-subject data keys."""

    def __init__(self, *args: Any, keys: SubjectKeys, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        fields = [f for f in sealed_fields_of(type(domain_event)) if getattr(domain_event, f) is not None]
        if not fields:
            return super().to_stored_event(domain_event)
        aead = AESGCM(self.keys.data_key_for_writing(domain_event.originator_id))
        prefix = _aad_prefix(domain_event.originator_id, domain_event.originator_version, get_topic(type(domain_event)))
        encode = self.transcoder.encode
        sealed = {field: _seal(aead, encode(getattr(domain_event, field)), prefix + field.encode()) for field in fields}
        # The parent mapper transcodes `vars(event)` and has no hook for changing it; hand it
        # a copy with sealed values rather than repeat its body (class versions, compressor, cipher).
        shadow = object.__new__(type(domain_event))
        object.__setattr__(shadow, "__dict__", {**vars(domain_event), **sealed})
        return super().to_stored_event(shadow)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        state = vars(domain_event)
        fields = [f for f in sealed_fields_of(type(domain_event)) if state.get(f) is not None]
        if fields:
            # The parent has turned the stored id into the event's UUID already: the key store's key.
            state.update(self._open(stored_event, domain_event.originator_id, fields, state))
        return domain_event

    def _open(self, stored: StoredEvent, subject_id: UUID, fields: list[str], state: dict[str, Any]) -> dict[str, Any]:
        data_key = self.keys.data_key(subject_id)
        if data_key is None:
            return dict.fromkeys(fields, SHREDDED)
        aead = AESGCM(data_key)
        # The stored id, as stored: the associated data must be the text it was sealed with.
        prefix = _aad_prefix(stored.originator_id, stored.originator_version, stored.topic)
        decode = self.transcoder.decode
        opened: dict[str, Any] = {}
        for field in fields:
            value = state[field]
            try:
                if not isinstance(value, str):
                    raise _UnopenedError("is not sealed")
                opened[field] = decode(_open_token(aead, value, prefix + field.encode()))
            except _UnopenedError as error:
                msg = f"personal field {field!r} of {stored.originator_id} v{stored.originator_version} {error}"
                raise SealBrokenError(msg) from None
        return opened
