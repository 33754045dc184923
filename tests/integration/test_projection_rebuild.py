"""Rebuilding the projections after shredding: every count the same, the subjects marked shredded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from eventsourcing.persistence import Mapper, Tracking

from ledger.application.service import Ledger
from projections.headcounts import GroupBy, headcounts
from projections.occupancy import occupancy
from projections.register import RegisterView
from projections.registry import build_view_runners
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_world, register_worker
from tests.integration.view_contents import view_rows

# The floor-area norm of the default settings: 12 m² a person (a limit where the municipality set none).
NORMS = {"dwelling": {date(1900, 1, 1): 12.0}}


def test_rebuild_after_shredding_half_the_workers_keeps_every_count(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=3)
    workers = [register_worker(ledger, world, nationality=n) for n in ("POL", "ROU", "POL", "BGR")]
    ledger.change_housing(workers[1], housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    runners = build_view_runners(ledger)
    for runner in runners:
        runner.catch_up()
    engine, now, day = ledger.database.engine, datetime.now(UTC), date(2026, 5, 15)

    def counts() -> list[dict[str, int]]:
        return [headcounts(engine, group_by=g, on=day, as_known_at=now).groups for g in GroupBy]

    before = counts()
    occupied_before = occupancy(engine, world.location_id, on=day, as_known_at=now, norms=NORMS)
    for worker in workers[:2]:
        ledger.shred_subject(worker, policy="erasure_request")
    for runner in runners:
        runner.rebuild()

    assert counts() == before
    assert occupancy(engine, world.location_id, on=day, as_known_at=now, norms=NORMS) == occupied_before
    register = next(r.view for r in runners if isinstance(r.view, RegisterView))
    records = {w: register.worker(w, today=day) for w in workers}
    assert [records[w].shredded for w in workers] == [True, True, False, False]  # type: ignore[union-attr]
    found = register.search("Kowalska", today=day)
    assert sorted(r.id for r in found) == sorted(workers[2:])
    assert all(r in records.values() for r in found)


def test_the_residence_view_is_built_alike_from_events_whose_personal_data_stays_sealed(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world, nationality=n) for n in ("POL", "ROU", "BGR")]
    ledger.change_housing(workers[0], housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    ledger.record_departure(workers[1], departed_on=date(2026, 6, 1))
    ledger.change_occupancy_limit(world.location_id, max_occupants=2, valid_from=date(2026, 7, 1))
    view = ResidenceView(ledger.database.engine)
    projection = ResidenceProjection(view=view)
    ViewRunner(ledger, projection).catch_up()
    with_personal_data_opened = view_rows(view)

    view.reset()
    plain: Mapper[UUID] = Mapper(transcoder=ledger.mapper.transcoder)
    notifications = ledger.recorder.select_notifications(start=1, limit=1_000)
    projection.process_batch([(plain.to_domain_event(n), Tracking(ledger.name, n.id)) for n in notifications])

    assert projection.opens_personal_data is False
    assert view_rows(view) == with_personal_data_opened
