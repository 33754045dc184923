"""After a catch-up over much of the log, PostgreSQL's planner learns the sizes of the view's tables.

A table filled by a rebuild and never analysed is planned from guesses. The
runner analyses a view's tables after a catch-up over at least
`statistics_after` events that were at least a tenth of the log; SQLite is
left without statistics. Autovacuum is switched off for the view's tables
here, so that only the runner can have analysed them.
"""

from __future__ import annotations

from sqlalchemy import text

from demo import run_demo
from ledger.application.service import Ledger
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_person, a_world, an_employment
from tests.integration.view_contents import view_rows


def residence_runner(ledger: Ledger, *, statistics_after: int) -> ViewRunner:
    view = ResidenceView(ledger.database.engine)
    return ViewRunner(ledger, ResidenceProjection(view=view), statistics_after=statistics_after)


def table_names(runner: ViewRunner) -> list[str]:
    return [table.name for table in runner.view.tables]


def without_autovacuum(ledger: Ledger, runner: ViewRunner) -> None:
    if ledger.database.engine.dialect.name == "postgresql":
        with ledger.database.engine.begin() as conn:
            for name in table_names(runner):
                conn.exec_driver_sql(f'ALTER TABLE "{name}" SET (autovacuum_enabled = false)')


def analysed(ledger: Ledger, runner: ViewRunner) -> dict[str, bool]:
    """Per table of the view, whether the database holds statistics of it."""
    with ledger.database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # reltuples is -1 until the table is first vacuumed or analysed.
            query = text("SELECT relname, reltuples >= 0 FROM pg_class WHERE relname = ANY(:names)")
            return {str(name): bool(known) for name, known in conn.execute(query, {"names": table_names(runner)})}
        stat_tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").all()
        return dict.fromkeys(table_names(runner), bool(stat_tables))


def test_a_catch_up_over_the_whole_log_has_the_view_analysed_on_postgresql_only(ledger: Ledger) -> None:
    run_demo(ledger, workers=20, seed=3)
    runner = residence_runner(ledger, statistics_after=10)
    without_autovacuum(ledger, runner)
    assert not any(analysed(ledger, runner).values())

    processed = runner.catch_up()

    assert processed >= 10
    on_postgresql = ledger.database.engine.dialect.name == "postgresql"
    assert analysed(ledger, runner) == dict.fromkeys(table_names(runner), on_postgresql)


def test_a_catch_up_over_fewer_events_than_the_threshold_analyses_nothing(ledger: Ledger) -> None:
    run_demo(ledger, workers=20, seed=3)
    runner = residence_runner(ledger, statistics_after=100_000)
    without_autovacuum(ledger, runner)

    assert runner.catch_up() > 0

    assert not any(analysed(ledger, runner).values())


def test_a_catch_up_over_a_small_share_of_the_log_analyses_nothing(ledger: Ledger) -> None:
    run_demo(ledger, workers=20, seed=3)
    runner = residence_runner(ledger, statistics_after=100_000)
    without_autovacuum(ledger, runner)
    runner.catch_up()
    world = a_world(ledger)
    ledger.register_worker(employer_id=world.employer_id, person=a_person(), employment=an_employment())
    runner.statistics_after = 1

    processed = runner.catch_up()

    assert 0 < processed < 0.1 * (ledger.recorder.max_notification_id() or 0)
    assert not any(analysed(ledger, runner).values())


def test_a_rebuild_that_analyses_its_view_holds_what_a_plain_rebuild_holds(ledger: Ledger) -> None:
    run_demo(ledger, workers=20, seed=3)
    plain = residence_runner(ledger, statistics_after=10**9)
    plain.rebuild()
    expected = view_rows(plain.view)

    analysing = residence_runner(ledger, statistics_after=1)
    analysing.rebuild()

    assert view_rows(analysing.view) == expected
    assert analysing.position() == ledger.recorder.max_notification_id()
