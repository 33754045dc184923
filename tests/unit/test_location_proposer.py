"""A housing location remembers which employer proposed it (issue 18: an employer's list of locations)."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Mapper

from ledger.domain.employer import employer_id_for
from ledger.domain.housing_location import HousingLocation, Registrant
from ledger.persistence.transcodings import register_ledger_transcodings
from tests.factories import a_housing_location

AN_EMPLOYER = Registrant(municipal=False, employer_id=employer_id_for("60000042"))


def _mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def test_an_employers_registration_names_the_employer_that_proposed_it() -> None:
    (event,) = a_housing_location(registrant=AN_EMPLOYER).collect_events()

    assert isinstance(event, HousingLocation.Registered)
    assert event.proposed_by == employer_id_for("60000042")


def test_the_municipalitys_registration_names_no_proposer() -> None:
    (event,) = a_housing_location().collect_events()

    assert isinstance(event, HousingLocation.Registered)
    assert event.proposed_by is None


def test_a_new_registered_event_is_stored_as_version_three() -> None:
    (event,) = a_housing_location(registrant=AN_EMPLOYER).collect_events()

    mapper = _mapper()
    stored = mapper.to_stored_event(event)

    assert json.loads(stored.state)["class_version"] == 3
    read = mapper.to_domain_event(stored)
    assert isinstance(read, HousingLocation.Registered)
    assert read.proposed_by == employer_id_for("60000042")


def test_a_version_two_event_reads_with_no_proposer() -> None:
    (event,) = a_housing_location(registrant=AN_EMPLOYER).collect_events()
    mapper = _mapper()
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    state["class_version"] = 2
    del state["proposed_by"]
    old = type(stored)(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())

    read = mapper.to_domain_event(old)

    assert isinstance(read, HousingLocation.Registered)
    assert read.proposed_by is None
    assert read.proposed_max_occupants == 4
