"""Why personal data was erased: a reason code kept for ever, and a staff note kept for a while.

Every `PersonalDataShredded` carries a reason code (an `ErasureReason`): it is
an operational fact, readable after the subject's key is gone, so the access
log and the exports can always say why a person's data went. A free-text
explanation may describe the person or the case, so it cannot live on the
erased subject (it would be sealed under the key being destroyed, or outlive
it in plain text): it is an `ErasureNote`, a staff record of its own whose id
is its own key subject, sealed like any personal field and shredded when its
own retention period (`erasure_note` in retention.toml) ends.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.checks import checked_enum, checked_optional_text
from ledger.domain.errors import RuleViolated, Violations
from ledger.domain.values import Sealable

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:westland-ledger:erasure-note")

# The policy an erasure on request records (the retention job records the policy whose period ended).
ERASURE_REQUEST_POLICY = "erasure_request"
# The longest explanation a note takes.
MAX_NOTE_LENGTH = 2000


class ErasureReason(StrEnum):
    """Why a subject's personal data was erased (AVG art. 17 grounds, as the municipality meets them)."""

    DATA_SUBJECT_REQUEST = "data_subject_request"  # the person asked (art. 17(1))
    RETENTION = "retention"  # the retention period ended (art. 5(1)(e)); the nightly job
    COURT_ORDER = "court_order"  # a court ordered it
    CORRECTION = "correction"  # registered by mistake (wrong person, duplicate)
    OTHER = "other"  # any other ground; say which in the note


def erasure_note_id_for(subject_id: UUID) -> UUID:
    """The note of a subject's erasure: one per subject, the same id on every retry."""
    return uuid5(_NAMESPACE, subject_id.hex)


def checked_erasure(reason_code: str, text: str | None) -> tuple[ErasureReason, str | None]:
    """The reason code and the note's text, checked (`RuleViolated` naming `reason_code`, `reason`).

    Checked before anything is destroyed: once a key is gone, the event that
    records it must not be refused.
    """
    v = Violations()
    checked_enum(reason_code, ErasureReason, "reason_code", v)
    text = checked_optional_text(text, "reason", v, max_length=MAX_NOTE_LENGTH)
    v.raise_if_any()
    return ErasureReason(reason_code), text


def upcast_shredding_v1_v2(state: dict[str, Any]) -> None:
    """A `PersonalDataShredded` stored before reason codes: the code it would have had, where known.

    Until then only two paths shredded: the retention job, recording the policy
    whose period had ended (`retention`), and the erasure endpoint, recording
    `erasure_request`, whose reason was not kept (None: not recorded).
    """
    policy = state.get("policy")
    state["reason_code"] = None if policy == ERASURE_REQUEST_POLICY else ErasureReason.RETENTION.value


class ErasureNote(Aggregate):
    """Staff's explanation of an erasure, kept apart from the erased subject, for its own period."""

    class Written(Aggregate.Created):
        """Staff explained why a subject's personal data was erased."""

        personal_fields: ClassVar[tuple[str, ...]] = ("text",)
        subject_id: UUID
        reason_code: str
        written_on: date
        text: Sealable[str]

        def apply(self, note: ErasureNote) -> None:
            note.subject_id = self.subject_id
            note.reason_code = self.reason_code
            note.written_on = self.written_on
            note.text = self.text
            note.shredded = False

    class PersonalDataShredded(Aggregate.Event):
        """The note's data key was destroyed: its text is unreadable for ever (the code stays)."""

        policy: str
        due_on: date | None
        reason_code: str | None

        def apply(self, note: ErasureNote) -> None:
            note.shredded = True

    if TYPE_CHECKING:
        subject_id: UUID
        reason_code: str
        written_on: date
        text: Sealable[str]
        shredded: bool

    def __repr__(self) -> str:
        # The library's repr lists every attribute, the text included; a repr ends up in logs.
        return f"ErasureNote(id={self.id}, version={self.version})"

    @classmethod
    def write(cls, *, subject_id: UUID, reason_code: str, text: str, today: date) -> ErasureNote:
        """Write the note of `subject_id`'s erasure, dated `today`."""
        code, checked = checked_erasure(reason_code, text)
        if checked is None:
            raise RuleViolated.single("reason", "required", "a note needs a text")
        return cls._create(
            cls.Written,
            id=erasure_note_id_for(subject_id),
            subject_id=subject_id,
            reason_code=code.value,
            written_on=today,
            text=checked,
        )

    def record_shredding(self, policy: str, due_on: date | None, reason_code: ErasureReason) -> None:
        """Record that the note's data key was destroyed (after it is gone, never before)."""
        if self.shredded:
            return
        self.trigger_event(self.PersonalDataShredded, policy=policy, due_on=due_on, reason_code=reason_code.value)
