"""What every page shares: the language and its switch, the security policy, the error pages (docs/web.md)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.problems import PROBLEM_JSON
from tests.integration.web.site import csp, csrf_token, sign_in


def test_pages_are_dutch_first(site: TestClient) -> None:
    page = site.get("/aanmelden")

    assert '<html lang="nl"' in page.text
    assert "Aanmelden" in page.text


def test_the_language_switch_keeps_english_in_a_cookie(site: TestClient) -> None:
    sign_in(site, "registrar")
    overview = site.get("/")
    assert '<html lang="nl"' in overview.text

    answer = site.post("/taal", data={"csrf_token": csrf_token(overview), "taal": "en", "volgende": "/?on=2026-06-01"})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/?on=2026-06-01"
    english = site.get("/")
    assert '<html lang="en"' in english.text
    assert "Overview" in english.text
    assert ">Nederlands<" in english.text  # the switch names the other language in its own words ...
    assert site.get("/aanmelden").text.count('<html lang="en"') == 1  # ... and the language holds when signed out


def test_an_unknown_language_is_refused(site: TestClient) -> None:
    page = site.get("/aanmelden")
    answer = site.post("/taal", data={"csrf_token": csrf_token(page), "taal": "fr", "volgende": "/"})

    assert answer.status_code == 400
    assert '<html lang="nl"' in site.get("/aanmelden").text


def test_every_page_has_the_language_switch_and_the_time_travel_control(site: TestClient) -> None:
    sign_in(site, "inspector")
    page = site.get("/")

    assert 'action="/taal"' in page.text
    assert 'name="on"' in page.text
    assert 'name="asKnownAt"' in page.text
    assert 'action="/taal"' in site.get("/aanmelden").text


def test_pages_admit_only_this_server_and_no_inline_code(site: TestClient) -> None:
    sign_in(site, "registrar")
    for path in ["/", "/aanmelden", "/bestaat-niet"]:
        answer = site.get(path)
        policy = csp(answer)
        assert policy["default-src"] == ["'self'"], path
        sources = {source for values in policy.values() for source in values}
        assert not sources & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"}, path
        assert policy["frame-ancestors"] == ["'none'"]
        assert "<script>" not in answer.text and "style=" not in answer.text and " hx-on" not in answer.text


def test_htmx_is_configured_so_that_the_policy_holds(site: TestClient) -> None:
    page = site.get("/aanmelden")

    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false,"allowEval":false' in page.text
    assert site.get("/assets/vendor/htmx/htmx.min.js").status_code == 200


def test_the_pages_files_are_cached_and_carry_no_cookie(site: TestClient) -> None:
    answer = site.get("/assets/web.css")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "max-age" in answer.headers["cache-control"]
    assert "set-cookie" not in answer.headers
    assert site.get("/assets/../app.py").status_code == 404
    assert site.get("/assets/nothing.js").status_code == 404


def test_the_api_sets_no_cookie(site: TestClient) -> None:
    assert "set-cookie" not in site.get("/api/v1/openapi.json").headers
    assert "set-cookie" not in site.get("/healthz").headers


def test_an_unknown_page_is_an_html_404_and_the_api_keeps_its_problems(site: TestClient) -> None:
    page = site.get("/bestaat-niet")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text

    api = site.get("/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.headers["content-type"] == PROBLEM_JSON


def test_the_api_keeps_its_strict_query_parameters(site: TestClient) -> None:
    answer = site.get("/api/v1/headcounts", params={"groupBy": "employer", "colour": "red"})
    assert answer.status_code in {400, 401}
    assert answer.headers["content-type"] == PROBLEM_JSON


def test_an_employer_never_reaches_the_pages(site: TestClient) -> None:
    from web.session import SessionCodec, signed_in_session  # noqa: PLC0415

    services = site.app.state.services  # type: ignore[attr-defined]
    codec = SessionCodec.for_settings(services.settings)
    from api.auth import Principal, Role  # noqa: PLC0415

    employer = Principal(sub="hr@flexwerk", roles=frozenset({Role.EMPLOYER}), employer_id=None)
    site.cookies.set(codec.cookie_name, codec.encode(signed_in_session(employer, now=codec.now())))

    page = site.get("/")
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"on": "2026-13-45"}, "on"),
        ({"asKnownAt": "gisteren"}, "asKnownAt"),
        ({"asKnownAt": "2999-01-01T00:00Z"}, "asKnownAt"),
    ],
)
def test_bad_time_travel_input_is_shown_at_its_field_in_dutch(
    site: TestClient, query: dict[str, str], field: str
) -> None:
    sign_in(site, "registrar")

    page = site.get("/", params=query)

    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert f'id="{field}-error"' in page.text
    assert f'aria-describedby="{field}-error"' in page.text
    assert "expected" not in page.text and "must" not in page.text  # the API's English reasons stay out


def test_an_unexpected_error_on_a_page_is_an_html_500_naming_the_trace(
    site: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.overview  # noqa: PLC0415

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(web.overview, "overview_figures", broken)
    sign_in(site, "registrar")

    page = site.get("/")

    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "boom" not in page.text
    assert page.headers["traceparent"].split("-")[1] in page.text


def test_page_routes_are_not_in_the_openapi_document(site: TestClient) -> None:
    paths = set(site.get("/api/v1/openapi.json").json()["paths"])  # relative to the server URL, /api/v1

    assert "/employers" in paths
    assert not paths & {"/", "/aanmelden", "/afmelden", "/taal"}
    assert not [path for path in paths if path.startswith(("/overzicht", "/assets"))]
