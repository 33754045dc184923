"""The suite's workers get each browser test module whole, and every other test on its own."""

from __future__ import annotations

import pytest

from tests.scheduling import BROWSER_TESTS, BrowserModulesTogether


def _scope_of(nodeid: str) -> str:
    # The scope is a pure function of the node id; the scheduler's other state
    # (the workers, the collection) is not needed to ask for it.
    return BrowserModulesTogether._split_scope(object.__new__(BrowserModulesTogether), nodeid)


def test_a_browser_module_is_one_unit_of_work() -> None:
    module = "tests/browser/test_pages_in_a_browser.py"
    scopes = {_scope_of(f"{module}::test_{name}") for name in ("overview", "locations[registrar]", "locations[admin]")}
    assert scopes == {module}


def test_two_browser_modules_are_two_units() -> None:
    assert _scope_of("tests/browser/test_pages_in_a_browser.py::test_a") != _scope_of(
        "tests/browser/test_locations_in_a_browser.py::test_a"
    )


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/integration/test_reports.py::test_headcounts[sqlite]",
        "tests/integration/test_reports.py::test_headcounts[postgresql]",
        "tests/e2e/test_command_line.py::test_help",
    ],
)
def test_every_other_test_is_a_unit_of_its_own(nodeid: str) -> None:
    assert _scope_of(nodeid) == nodeid


def test_node_ids_are_relative_to_the_project_root(request: pytest.FixtureRequest) -> None:
    # The browser prefix only matches when pytest names tests from the project's root.
    assert request.node.nodeid.startswith("tests/unit/test_scheduling.py::")
    assert BROWSER_TESTS == "tests/browser/"
