"""B14: each staff page's server time, in-process, over 100 000 workers, beside the API's answers to the same question.

(`--quick`: over B4's store, about 10 000 workers.)

The whole site (`web.app.create_app`: the API and the pages) in the bench
process behind Starlette's test client (no network; the same ASGI stack,
middlewares and threadpool as `ledger serve`), signed in through the
development picker as an administrator (the one role that sees every page),
so every page request carries the session cookie as a browser's would. The
views are built before timing. Each page is timed against the API's answers to
the same question in the same run, asked with an administrator's bearer token
(for the location page: the location, its occupancy, its residents over the
page's period, its inspections and its alerts — five calls; for an employer's:
the employer, the first page of the locations housing its workers and of its
workers — three); the overview and
the audit page, which no single API call answers, against `/healthz`, the
stack's floor. Goals (issue 19): p95 ≤ 150 ms a page, reports ≤ 1 s, and the
location page at ≥ 0.5 times the rate of its API calls.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

import httpx
from dateutil.relativedelta import relativedelta
from fastapi.testclient import TestClient

from api.auth import DevelopmentTokens, Role
from bench.context import Context, timed_each
from bench.infra import opened
from bench.report import Goal, Row, both, ratio_at_least, row_of
from bench.scenarios.lists import record_inspections
from bench.scenarios.query import occupancy_store
from bench.stats import Comparison, Run, percentile
from ledger.domain.housing_location import HousingLocation
from ledger.settings import Settings
from projections.registry import build_view_runners
from web.app import create_app
from web.figure_memo import FigureMemo

PAGE_P95 = Goal("p95 ≤ 150 ms", lambda r: (r.details["p95"] or 10) <= 0.150)
REPORT_P95 = Goal("p95 ≤ 1 s", lambda r: (r.details["p95"] or 10) <= 1.0)
LOCATION_GOAL = both(PAGE_P95, ratio_at_least(0.50))
LOOPBACK = ("127.0.0.1", 50000)  # the picker answers loopback clients only
_CSRF = 'name="csrf_token" value="'

Request = Callable[[], httpx.Response]


@contextmanager
def signed_in_site(settings: Settings) -> Iterator[TestClient]:
    """The site on `settings` (views already built, no runner thread), signed in as an administrator."""
    app = create_app(settings.model_copy(update={"api_run_projections": False}))
    with TestClient(app, follow_redirects=False, client=LOOPBACK) as client:
        form = client.get("/aanmelden")
        answer = client.post("/aanmelden", data={"csrf_token": _csrf(form), "role": "admin", "volgende": "/"})
        if answer.status_code != 303:
            raise RuntimeError(f"signing in answered {answer.status_code}: {answer.text[:500]}")
        yield client


def _csrf(page: httpx.Response) -> str:
    return page.text.split(_CSRF, 1)[1].split('"', 1)[0]


def pages(ctx: Context, backend: str) -> list[Row]:
    settings, store = occupancy_store(ctx, backend)
    with opened(settings) as ledger:
        record_inspections(ledger, store, random.Random(14), ctx.size(300, 100, smoke=10))
        for runner in build_view_runners(ledger):
            runner.catch_up()
        today = ledger.today()
        sample = store.places.location_ids[:: max(1, len(store.places.location_ids) // 100)]
        addresses = [ledger.get(HousingLocation, location_id).address for location_id in sample]
    bearer = {"Authorization": f"Bearer {DevelopmentTokens(settings).issue(role=Role.ADMIN, sub='bench-pages')}"}
    rng = random.Random(14)
    n = ctx.size(30, 10, smoke=2)
    with signed_in_site(settings) as site:
        search_form = site.get("/werknemers")
        csrf = _csrf(search_form)

        def get(path: str, **params: Any) -> Request:
            return lambda: site.get(path, params=params)

        def api(path: str, **params: Any) -> Request:
            return lambda: site.get(f"/api/v1{path}", params=params, headers=bearer)

        def both_of(*requests: Request) -> Request:
            def run() -> httpx.Response:
                answers = [request() for request in requests]
                return answers[-1]

            return run

        # The location page's default period: the three calendar months up to the day (web.location_data).
        period = {"from": (today.replace(day=1) - relativedelta(months=2)).isoformat(), "to": today.isoformat()}

        def location(location_id: UUID) -> tuple[Request, Request]:
            at = f"/housing-locations/{location_id}"
            return get(f"/locaties/{location_id}"), both_of(
                api(at),
                api(f"{at}/occupancy"),
                api(f"{at}/residents", **period),
                api("/inspections", housingLocationId=str(location_id), limit=50),
                api("/alerts", housingLocationId=str(location_id)),
            )

        def address() -> tuple[Request, Request]:
            where = rng.choice(addresses)
            asked = {"postcode": where.postcode, "houseNumber": where.house_number}
            return get("/locaties", **asked), api("/housing-locations", **asked)

        def worker_search() -> tuple[Request, Request]:
            name = rng.choice(("Kowalski", "Nowak", "Popescu", "Nagy", "Silva"))
            page = lambda: site.post("/werknemers", data={"csrf_token": csrf, "familyName": name})  # noqa: E731
            return page, lambda: site.post("/api/v1/workers/_search", json={"familyName": name}, headers=bearer)

        def worker(worker_id: UUID) -> tuple[Request, Request]:
            return get(f"/werknemers/{worker_id}"), both_of(
                api(f"/workers/{worker_id}"), api(f"/workers/{worker_id}/residence-history")
            )

        def employer(employer_id: UUID) -> tuple[Request, Request]:
            # The page shows the first 50 of its homes, as the locations' employer filter pages them, not all of them.
            return get(f"/werkgevers/{employer_id}"), both_of(
                api(f"/employers/{employer_id}"),
                api("/housing-locations", employerId=str(employer_id), limit=50),
                api("/workers", employerId=str(employer_id), limit=50),
            )

        healthz = get("/healthz")  # the probe sits beside the API, not under /api/v1
        memo: FigureMemo = site.app.state.figure_memo  # type: ignore[attr-defined]

        def anew(path: str) -> Request:
            def page() -> httpx.Response:
                memo.forget()  # after an event, nothing counted recently: counted on the page (web.figure_memo)
                answer: httpx.Response = site.get(path)
                return answer

            return page

        def moved(path: str) -> Request:
            def page() -> httpx.Response:
                memo.outdate()  # as after any event: the last counted figures, the new counted in the background
                answer: httpx.Response = site.get(path)
                return answer

            return page

        def alerts_at() -> tuple[Request, Request]:
            # A location with alerts, typed as a person does (postcode and house number), against the API's filter.
            alerts = api("/alerts", kind="over_capacity", limit=100)().json()["items"]
            found = rng.choice([a["housingLocationId"] for a in alerts if a["housingLocationId"]])
            address = api(f"/housing-locations/{found}")().json()["address"]
            typed = {"postcode": address["postcode"], "huisnummer": str(address["houseNumber"])}
            return get("/signalen", **typed), api("/alerts", housingLocationId=found)

        year = {"report": "headcounts"}
        kinds: list[tuple[str, str, Callable[[], tuple[Request, Request]], Goal]] = [
            (
                "overview",
                "Overzicht `/` while no view moves (kept figures) vs /healthz",
                lambda: (get("/"), healthz),
                PAGE_P95,
            ),
            (
                "overview-behind",
                "Overzicht `/`, the first after a view moved (the figures last counted, the new ones counted"
                " beside it) vs /healthz",
                lambda: (moved("/"), healthz),
                PAGE_P95,
            ),
            (
                "overview-counted",
                "Overzicht `/` after a view moved with nothing counted in the last"
                " LEDGER_WEB_FIGURES_BEHIND_SECONDS (the figures counted on the page) vs /healthz",
                lambda: (anew("/"), healthz),
                PAGE_P95,
            ),
            (
                "locations",
                "Locaties `/locaties` vs GET /housing-locations",
                lambda: (get("/locaties"), api("/housing-locations", limit=25)),
                PAGE_P95,
            ),
            ("loc-address", "Locaties by postcode + house number", address, PAGE_P95),
            (
                "loc-over",
                "Locaties over capacity",
                lambda: (
                    get("/locaties", overCapacity="true"),
                    api("/housing-locations", overCapacity="true", limit=25),
                ),
                PAGE_P95,
            ),
            (
                "location",
                "a location `/locaties/{id}` vs its five API calls"
                " (location, occupancy, residents, inspections, alerts)",
                lambda: location(rng.choice(store.places.location_ids)),
                LOCATION_GOAL,
            ),
            ("workers", "Werknemers: the search by family name vs POST /workers/_search", worker_search, PAGE_P95),
            (
                "worker",
                "a worker `/werknemers/{id}` vs GET /workers/{id} and its residence history",
                lambda: worker(rng.choice(store.worker_ids)),
                PAGE_P95,
            ),
            (
                "employers",
                "Werkgevers `/werkgevers` vs GET /employers",
                lambda: (get("/werkgevers"), api("/employers", limit=25)),
                PAGE_P95,
            ),
            (
                "employer",
                "an employer `/werkgevers/{id}` vs GET /employers/{id}, GET /housing-locations?employerId="
                " and GET /workers?employerId=",
                lambda: employer(rng.choice(store.places.employer_ids)),
                PAGE_P95,
            ),
            (
                "alerts",
                "Signalen `/signalen` while no view moves (the kept tally) vs GET /alerts",
                lambda: (get("/signalen"), api("/alerts")),
                PAGE_P95,
            ),
            (
                "alerts-behind",
                "Signalen `/signalen`, the first after a view moved (the tally last counted, the new one counted"
                " beside it) vs GET /alerts",
                lambda: (moved("/signalen"), api("/alerts")),
                PAGE_P95,
            ),
            (
                "alerts-counted",
                "Signalen `/signalen` after a view moved with nothing counted in the last"
                " LEDGER_WEB_FIGURES_BEHIND_SECONDS (the tally counted on the page) vs GET /alerts",
                lambda: (anew("/signalen"), api("/alerts")),
                PAGE_P95,
            ),
            ("alerts-at", "Signalen by postcode + house number vs GET /alerts?housingLocationId=", alerts_at, PAGE_P95),
            (
                "inspections",
                "Inspecties `/inspecties` vs GET /inspections",
                lambda: (get("/inspecties"), api("/inspections", limit=50)),
                PAGE_P95,
            ),
            (
                "reports",
                "Rapportages `/rapportages` (headcounts, 12 months by month) vs GET /reports/headcounts",
                lambda: (get("/rapportages", **year), api("/reports/headcounts", **_twelve_months(today))),
                REPORT_P95,
            ),
            ("audit", "Audit `/audit` (the last checkpoint) vs /healthz", lambda: (get("/audit"), healthz), PAGE_P95),
        ]
        rows = []
        for label, what, draw, goal in kinds:
            drawn = [draw() for _ in range(n)]
            for page, call in drawn[:1]:
                _check(label, page(), call())
            shown, asked = [p for p, _ in drawn], [c for _, c in drawn]
            subject, baseline = ctx.alternate([partial(timed_each, shown), partial(timed_each, asked)])
            rows.append(
                row_of(
                    Comparison(subject, baseline),
                    scenario=f"B14 {label}",
                    backend=backend,
                    n=n,
                    unit="pages/s",
                    baseline="the API's answers to the same question, same process, bearer token",
                    goal=goal,
                    note=f"{what}; p95 {_p95(subject)} (baseline {_p95(baseline)}); {len(store.worker_ids)} workers",
                )
            )
    return rows


def _twelve_months(today: date) -> dict[str, str]:
    # The report page without a period: the twelve calendar months up to the day, by month (docs/web.md).
    first = today.replace(day=1) - relativedelta(months=11)
    return {"from": first.isoformat(), "to": today.isoformat(), "interval": "month"}


def _check(label: str, page: httpx.Response, call: httpx.Response) -> None:
    # A page that answers an error page (or a sign-in redirect) would be timed as a fast page: refuse it.
    if page.status_code != 200 or call.status_code != 200:
        raise RuntimeError(f"B14 {label}: the page answered {page.status_code}, the API {call.status_code}")


def _p95(runs: list[Run]) -> str:
    latencies = [latency for run in runs for latency in run.latencies]
    return f"{percentile(latencies, 95) * 1e3:.0f} ms"
