"""The residence projection's tables: housing entries, bitemporal stays and limits, grouping facts.

They live apart from `projections.residence` so that the projection and its
page (`projections.residence_page`) can both use them without importing each
other; `projections.residence` names them too.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, MetaData, String, Table

from ledger.persistence.database import UTCDateTime

metadata = MetaData()

# The inputs of each worker's housing timeline, as recorded.
residence_entries = Table(
    "residence_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("housing_location_id", String(32), nullable=True),
    Column("is_departure", Boolean, nullable=False),
)

residence_workers = Table(
    "residence_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    # The registering employer; after a transfer the employer of a day is in `employment_history`.
    Column("employer_id", String(32), nullable=False),
    Column("nationality", String(3), nullable=False),
)

location_facts = Table(
    "location_facts",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("postcode_area", String(4), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("floor_area_m2", Integer, nullable=True),
    # An employer's number at registration: shown, never counted as the limit.
    Column("proposed_max_occupants", Integer, nullable=True),
    Column("registered_at", UTCDateTime, nullable=False),
)

residence_history = Table(
    "residence_history",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("worker_id", String(32), nullable=False),
    Column("housing_location_id", String(32), nullable=False),
    # The registering employer: the employer of each day, where the worker was transferred since, is the
    # `employment_history` row of that day believed at the same instant (`projections.employment`).
    Column("employer_id", String(32), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("postcode_area", String(4), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    Column("position", BigInteger, nullable=False),
    # With both intervals: a location's headcount on a day, and every location's at once in its order, are read
    # from the index alone (the overview's figures, 0020).
    Index(
        "ix_residence_history_location",
        "housing_location_id",
        "valid_from",
        "valid_to",
        "recorded_from",
        "recorded_to",
    ),
    Index("ix_residence_history_worker", "worker_id", "recorded_to"),
    # The locations housing an employer's workers (`projections.employer_queries`).
    Index("ix_residence_history_employer", "employer_id", "valid_from"),
)

# The transfers of each worker, as recorded (seq = aggregate version); the registering employer is the
# worker's `residence_workers` row, holding from the beginning.
employment_entries = Table(
    "employment_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("employer_id", String(32), nullable=False),
)

# Who employed a transferred worker when, as known when (bitemporal, like `residence_history`): rows only
# for workers transferred at least once, from the first transfer's recording on; before it (and for every
# other worker) the registering employer holds.
employment_history = Table(
    "employment_history",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("worker_id", String(32), nullable=False),
    Column("employer_id", String(32), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    Index("ix_employment_history_worker", "worker_id", "recorded_to"),
    Index("ix_employment_history_employer", "employer_id", "valid_from"),
)

occupancy_limit_entries = Table(
    "occupancy_limit_entries",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("max_occupants", Integer, nullable=True),  # null: the municipality set no limit
)

occupancy_limit_history = Table(
    "occupancy_limit_history",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("housing_location_id", String(32), nullable=False),
    # The municipality's limit; null where it set none (the floor area then decides, at query time).
    Column("max_occupants", Integer, nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    # Every location's limit on a day, in the locations' order, from the index alone (0020).
    Index(
        "ix_occupancy_limit_history_location",
        "housing_location_id",
        "valid_from",
        "valid_to",
        "recorded_from",
        "recorded_to",
        "max_occupants",
    ),
)
