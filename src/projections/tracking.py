"""Where each view has got to: its tracking position and, if stopped, why.

A view's rows and its tracking position are written in one transaction, so the
position says exactly which events the rows reflect (exactly once). A view
whose handler raised is stopped at that event — never skipped — and its status
row says where and what kind of error, without the message (which could carry
data from the event).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table

metadata = MetaData()

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("view_name", String(64), primary_key=True),
    Column("application_name", String(64), primary_key=True),
    Column("notification_id", BigInteger, nullable=False),
)

projection_status = Table(
    "projection_status",
    metadata,
    Column("view_name", String(64), primary_key=True),
    Column("stopped_at_position", BigInteger, nullable=True),
    Column("error_type", String(200), nullable=True),
    Column("stopped_on", DateTime(timezone=True), nullable=True),
)
