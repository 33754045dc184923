"""What the read models hold, as a value that changes whenever any view's answers can change.

Each view's rows and its tracking position are written in one transaction
(`projections.tracking`), so two reads that find every view at the same
position read the same rows. The alerts view's settings fingerprint is part
of it too: a rebuild under other settings can come back to the same position
with other intervals. A reader that keeps an answer (the overview's figures,
`web.figure_memo`) keeps it for exactly this state.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from projections.alert_tables import alert_settings
from projections.tracking import projection_tracking

ReadState = tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, str], ...]]


def read_state(conn: Connection) -> ReadState:
    """Every view's position (per view and application) and the alerts view's settings, in a comparable form."""
    t, s = projection_tracking.c, alert_settings.c
    positions = conn.execute(select(t.view_name, t.application_name, t.notification_id)).all()
    built = conn.execute(select(s.view_name, s.fingerprint)).all()
    return (
        tuple(sorted((str(view), str(app), int(position)) for view, app, position in positions)),
        tuple(sorted((str(view), str(fingerprint)) for view, fingerprint in built)),
    )
