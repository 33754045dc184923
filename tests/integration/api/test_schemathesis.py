"""Property-based API checks: schemathesis against the app's own OpenAPI document, in-process.

For every operation the document lists, generated requests (admin token, so
authorisation is not what answers), valid ones and invalid ones, must get no
5xx and an answer that conforms to the operation's documented status codes,
content types and schemas. The requests go through the test client of the
`api` fixture (ASGI, no network, the app's lifespan run once per backend),
and a write the API accepted must not stop a read model. Kept bounded (some
twenty seconds per backend): ten random examples per operation and mode, no
shrinking; a failure prints the request as a curl command. Each run draws
new examples from a new seed, so the runs add up; the seed is printed and
named in a failure's message, and `LEDGER_TEST_SCHEMATHESIS_SEED=<seed>` runs
the same examples again (no example database: the seed is the whole state).

`minPosition` is pinned to 0: a position past the log's head makes a read
wait for `api_min_position_wait_s` and answer 503, the documented "read
models lagging" answer (even when the rest of the request is invalid, as the
wait is a dependency and runs before validation), not a failure of the
operation under test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Api

EXAMPLES_PER_OPERATION = 10
# Not `negative_data_rejection`: it counts an unknown query parameter as invalid input, and the API ignores those.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Set it to a seed a run printed to draw that run's examples again.
SEED_VARIABLE = "LEDGER_TEST_SCHEMATHESIS_SEED"


def run_seed(environ: Mapping[str, str] = os.environ) -> int:
    """The seed of this run's examples: the one `LEDGER_TEST_SCHEMATHESIS_SEED` gives, else a new one."""
    given_seed = environ.get(SEED_VARIABLE, "").strip()
    return int(given_seed) if given_seed else secrets.randbelow(2**32)


def _exercise(api: Api, operation: Any, mode: GenerationMode, headers: dict[str, str], drawn: int) -> str | None:
    """Run the operation's examples in the mode, drawn from seed `drawn`; the first failure's report, or None."""
    query = {"minPosition": 0} if any(p.name == "minPosition" for p in operation.query) else None

    @seed(drawn)
    @given(case=operation.as_strategy(generation_mode=mode, query=query))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def examples(case: Any) -> None:
        # The document's servers: `/api/v1` for the API, `/` for the platform's endpoints.
        base_url = str(api.client.base_url).rstrip("/") + operation.base_url.rstrip("/")
        request = case.as_transport_kwargs(base_url=base_url, headers=headers)
        request.pop("cookies", None)  # the API uses none; httpx deprecates per-request cookies
        if isinstance(request.get("data"), bytes | str):
            request["content"] = request.pop("data")  # a raw (invalid) body
        response = api.client.request(**request)
        case.validate_response(response, checks=CHECKS)

    try:
        examples()
    except Unsatisfiable:
        return None  # nothing to get wrong: an operation without input has no invalid requests
    except BaseException as failure:  # schemathesis reports through an exception group
        if isinstance(failure, KeyboardInterrupt):
            raise
        return str(failure)
    return None


@pytest.mark.slow
def test_every_operation_answers_as_its_openapi_document_says(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    headers = api.auth("admin")
    drawn = run_seed()
    again = f"seed {drawn}: {SEED_VARIABLE}={drawn} draws these examples again"
    print(again)  # shown with the test's output, whatever its outcome (pytest -rA, or -s)

    failures = {
        f"{op.label} ({mode.value})": report
        for op in operations
        for mode in GenerationMode
        if (report := _exercise(api, op, mode, headers, drawn)) is not None
    }
    stopped_views = [s.name for s in (r.status() for r in api.services.runners) if s.stopped]
    if stopped_views:
        failures["read models"] = f"views {stopped_views} stopped: the API accepted a write they cannot project"

    assert len(operations) > 1
    assert failures == {}, f"{again}\n\n" + "\n\n".join(f"{label}:\n{report}" for label, report in failures.items())


def test_a_given_seed_is_the_runs_seed_and_without_one_each_run_draws_its_own() -> None:
    assert run_seed({SEED_VARIABLE: "1234567"}) == 1234567
    assert run_seed({SEED_VARIABLE: " 42 "}) == 42
    drawn = {run_seed({}) for _ in range(20)}
    assert len(drawn) > 1
    assert all(0 <= value < 2**32 for value in drawn)
