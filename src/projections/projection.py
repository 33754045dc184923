"""The base of every projection: events in notification order, into a `View`.

`process_batch` handles a page of events in one transaction of the view and
records the last position in it; `process_event` (the library's interface) is
a batch of one. Subclasses register a handler per event class with `handles`;
events nobody handles still advance the position.

A handler receives the page's context: by default the view's connection. A
projection that wants to fold a page in memory and write it with a few
statements overrides `open_page` (load what the page's events touch, in a few
queries) and `close_page` (write what changed): per-event statements are what
makes a rebuild slow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection

from ledger.crypto.sealing import SubjectKeys
from projections.view import View

V = TypeVar("V", bound=View)
# (projection, page context — the connection unless `open_page` says otherwise —, event, position)
Handler = Callable[[Any, Any, Any, int], None]
H = TypeVar("H", bound=Callable[..., None])


class LedgerProjection(Projection[V], Generic[V]):
    """Routes each event to the handler registered for its class."""

    handlers: ClassVar[dict[type[Any], Handler]]
    # A view that never reads personal fields is fed them sealed: no key lookup, no AES per field.
    opens_personal_data: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Bases first, so that a subclass inherits its base's handlers and may override some by name.
        names: dict[type[Any], str] = {}
        for klass in reversed(cls.__mro__):
            for name, attribute in vars(klass).items():
                for event_class in getattr(attribute, "_handles", ()):
                    names[event_class] = name
        cls.handlers = {event_class: getattr(cls, name) for event_class, name in names.items()}

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([(domain_event, tracking)])

    def process_batch(self, batch: Sequence[tuple[Any, Tracking]], keys: SubjectKeys | None = None) -> None:
        """Apply a page of events and advance the position, in one transaction.

        `keys` gives the data keys of the page's subjects, looked up by the caller
        in one query for the page (`PrefetchedKeys`); None: the projection looks
        them up itself.
        """
        if not batch:
            return
        with self.view.transaction() as conn:
            page = self.open_page(conn, [event for event, _ in batch], keys)
            for domain_event, tracking in batch:
                handler = self.handlers.get(type(domain_event))
                if handler is not None:
                    handler(self, page, domain_event, tracking.notification_id)
            self.close_page(page)
            self.view.track(conn, batch[-1][1])

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> Any:
        """The context the page's handlers receive: by default the connection itself."""
        return conn

    def close_page(self, page: Any) -> None:
        """Write what the page's handlers left in `page` (nothing by default: they wrote as they went)."""


def handles(*event_classes: type[Any]) -> Callable[[H], H]:
    """Mark a projection method as the handler of these event classes."""

    def mark(method: H) -> H:
        method._handles = event_classes  # type: ignore[attr-defined]
        return method

    return mark
