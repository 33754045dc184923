"""The alerts view's tables: the facts the rules read, and the alert intervals they give (issue 18).

`alert_intervals` is what `GET /alerts` reads: one row per alert belief, the
days it holds in valid time (`valid_from`, `valid_to`) and the instants the
ledger believed it (`recorded_from`, `recorded_to`), as `residence_history`
keeps stays (docs/projections.md, docs/alerts.md). Nothing in them is personal
data in the clear: ids, dates of housing and employment, coded details. The
day a minor turns 18 would give the birth date: it is kept sealed under the
worker's key (`alert_workers.sealed_minor_until`), never as an interval's end.

The other tables hold what the rules read, folded from the events as the
other views fold them: the employment and BRP facts per worker
(`alert_workers`, as before issue 18), each worker's housing entries and
current stays, each location's facts and limit entries. `alert_settings` names
the settings the intervals were worked out under (`projections.alert_view`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text

from ledger.persistence.database import UTCDateTime

metadata = MetaData()

alert_workers = Table(
    "alert_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),  # the employer in force now (after any transfer)
    Column("employer_since", Date, nullable=True),  # the date of the transfer to it; null: the registering one
    Column("employment_start", Date, nullable=False),
    Column("expected_end_date", Date, nullable=True),
    Column("contract_end", Date, nullable=True),
    Column("departed_on", Date, nullable=True),
    Column("confirmed_on", Date, nullable=True),  # the employer's latest confirmation (the database has it last)
    Column("brp_registered_on", Date, nullable=True),
    # The BRP facts of `projections.brp_alerts.BrpFacts` (issue 16): the latest registration's BRP address,
    # the latest deregistration (cleared by a registration recorded after it), temporary protection.
    Column("brp_bag_id", String(16), nullable=True),
    Column("brp_address_since", Date, nullable=True),
    Column("deregistered_on", Date, nullable=True),
    Column("temporary_protection_from", Date, nullable=True),
    # The 18th birthday, sealed under the worker's key (null: none known, or shredded): issue 18.
    Column("sealed_minor_until", Text, nullable=True),
)

# The inputs of each worker's housing timeline, as recorded (outside the municipality included).
alert_housing_entries = Table(
    "alert_housing_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("housing_location_id", String(32), nullable=True),
    Column("is_departure", Boolean, nullable=False),
    Column("outside_municipality", Boolean, nullable=False),
)

# Each worker's stays at housing locations as currently believed: a location's alerts count them.
alert_stays = Table(
    "alert_stays",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("housing_location_id", String(32), nullable=False),
    Column("valid_to", Date, nullable=True),
    Index("ix_alert_stays_location", "housing_location_id"),
)

alert_locations = Table(
    "alert_locations",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("floor_area_m2", Integer, nullable=True),
    Column("proposed_max_occupants", Integer, nullable=True),  # an employer's number: shown, never the limit
    Column("registered_at", UTCDateTime, nullable=False),
)

# The inputs of each location's limit timeline (the municipality's limit; null: none set).
alert_limit_entries = Table(
    "alert_limit_entries",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("max_occupants", Integer, nullable=True),
)

alert_intervals = Table(
    "alert_intervals",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("subject_id", String(32), nullable=False),  # a worker or a housing location
    Column("housing_location_id", String(32), nullable=True),  # where the worker lives those days
    Column("employer_id", String(32), nullable=True),  # a worker's employer as known then; none for a location
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("since", Date, nullable=True),  # null: the day asked (docs/alerts.md)
    Column("detail", String(300), nullable=True),  # null: counted on the day asked (docs/alerts.md)
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    # The list's order (kind, subject), and the filters.
    Index("ix_alert_intervals_order", "kind", "subject_id"),
    Index("ix_alert_intervals_subject", "subject_id", "recorded_to"),
    Index("ix_alert_intervals_location", "housing_location_id"),
    Index("ix_alert_intervals_employer", "employer_id"),
    # The alerts in force counted by kind and employer (`projections.alert_summary`) from the index alone,
    # in its order (0020).
    Index(
        "ix_alert_intervals_in_force",
        "kind",
        "employer_id",
        "valid_from",
        "valid_to",
        "recorded_from",
        "recorded_to",
    ),
)

# The settings the intervals were worked out under: one row (docs/alerts.md, *Settings*).
alert_settings = Table(
    "alert_settings",
    metadata,
    Column("view_name", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)
