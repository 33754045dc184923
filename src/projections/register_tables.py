"""The worker register's tables, declared once for the projection's writes and the queries' reads.

Personal fields are kept sealed (`sealed_<field>` columns, see
`projections.register_sealing`), the family name also as a keyed blind index
for searching.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text, false

from ledger.persistence.database import UTCDateTime

# Each sealed personal field of the register, and the type of its plaintext.
PERSONAL_FIELDS: dict[str, type[str] | type[date]] = {
    "family_name": str,
    "given_names": str,
    "birth_date": date,
    "id_document_type": str,
    "id_document_number": str,
    "id_document_expires_on": date,
    "bsn": str,
}

metadata = MetaData()

register_workers = Table(
    "register_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),  # the employer in force now (after any transfer)
    # The date of the transfer to it; null: the registering employer, from the beginning (since 0011).
    Column("employer_since", Date, nullable=True),
    Column("nationality", String(3), nullable=False),
    Column("contract_start", Date, nullable=False),
    Column("expected_end_date", Date, nullable=True),
    Column("contract_end", Date, nullable=True),
    Column("departed_on", Date, nullable=True),
    Column("population_register", String(3), nullable=True),
    Column("population_registered_on", Date, nullable=True),
    Column("confirmed_on", Date, nullable=True),  # the employer's latest confirmation (stale registrations)
    # The rest of the population-register facts (`PopulationRegistration`); the BRP address's BAG id is not kept.
    Column("population_status", String(16), nullable=True),
    Column("population_municipality_code", String(4), nullable=True),
    Column("population_address_since", Date, nullable=True),
    Column("deregistered_on", Date, nullable=True),
    Column("deregistration_reason", String(32), nullable=True),
    Column("declared_register", String(3), nullable=True),
    Column("declared_on", Date, nullable=True),
    Column("temporary_protection_from", Date, nullable=True),
    Column("shredded", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    *(Column(f"sealed_{field}", Text, nullable=True) for field in PERSONAL_FIELDS),
    Column("family_name_index", String(64), nullable=True),
    Index("ix_register_workers_employer", "employer_id", "worker_id"),
    Index("ix_register_workers_family_name", "family_name_index", "worker_id"),  # the name search pages by id
)

# The inputs of each worker's housing timeline, as recorded (seq = aggregate version).
register_housing_entries = Table(
    "register_housing_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("housing_location_id", String(32), nullable=True),
    Column("is_departure", Boolean, nullable=False),
    # The worker lives outside the municipality from `valid_from` on (housing_location_id null); since 0011.
    Column("outside_municipality", Boolean, nullable=False, server_default=false()),
)

# The timeline folded: where the worker is housed, [valid_from, valid_to); not housed = no row.
register_housing = Table(
    "register_housing",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
    Column("housing_location_id", String(32), nullable=False),
    Index("ix_register_housing_location", "housing_location_id", "valid_from"),
)

# The timeline folded: when the worker lives outside the municipality, [valid_from, valid_to).
register_outside = Table(
    "register_outside",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
)

register_work_addresses = Table(
    "register_work_addresses",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("street", String(200), nullable=False),
    Column("house_number", Integer, nullable=False),
    Column("house_letter", String(1), nullable=True),
    Column("house_number_addition", String(4), nullable=True),
    Column("postcode", String(6), nullable=False),
    Column("city", String(80), nullable=False),
)

register_legal_holds = Table(
    "register_legal_holds",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("case_reference", String(64), primary_key=True),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("sealed_reason", Text, nullable=True),
)

# Per employer and day, summed over its workers (the employer now): how many become active that day
# (negative: stop being active) and how many it gains (on the first day there is, `projections.residence`'s
# BEGINNING). The counts on D are the sums up to D (`projections.employer_counts`); no row sums to nothing.
register_employer_days = Table(
    "register_employer_days",
    metadata,
    Column("employer_id", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("active", Integer, nullable=False),
    Column("workers", Integer, nullable=False),
)

# A page is read with IN lists of its ids; this keeps them within SQLite's limits.
MAX_PAGE = 1000
