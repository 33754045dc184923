"""The domain's own texts a page shows, translated by their code: never English on a Dutch page (docs/web.md).

Two kinds of text come from below the pages in English, for API clients and
the command line: an alert's `detail` (`projections.alert_rules`,
`location_alert_rules`, `brp_alerts`; kept in the alerts view, answered by
`GET /alerts`) and the audit chain's problem (`ledger.audit.chain`). A page
shows neither as it is. The chain's problems are fixed texts, named by the
chain's own constants: each has its message here. An alert's detail is one of
a few fixed forms per kind with values in it (a day, a count, an area): each
form is read back by its pattern, for the alert's kind, and its message is
written with the values in the page's language (days and numbers as the
language writes them). A detail no form reads is not shown (a page shows the
kind, the day and the labels without it), never in English; the unit test
holds every form the rules write to a pattern here.
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from ledger.audit.chain import CHECKPOINT_DIFFERS, DELETED, DIFFERS, INSERTED
from projections.alert_spans import AlertKind
from web.i18n import translations
from web.refusals import N_

CHAIN_PROBLEMS = {
    DIFFERS: N_("the stored event differs from what was linked"),
    DELETED: N_("a linked event is missing: it was deleted"),
    INSERTED: N_("an event without a link: it was inserted outside the ledger"),
    CHECKPOINT_DIFFERS: N_("the stored link is not the one the checkpoint recorded: the chain was rewritten"),
}
CHAIN_BROKEN = N_("the chain does not hold there")

_DAY = r"(?P<{}>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})"
_NUMBER = r"(?P<{}>[0-9]+(?:\.[0-9]+)?)"

# Per kind, the forms its detail takes: the pattern (read whole) and the message its values fill in.
DETAILS: dict[AlertKind, list[tuple[str, str]]] = {
    AlertKind.OVER_CAPACITY: [
        (
            rf"{_NUMBER.format('headcount')} occupants, {_NUMBER.format('maximum')} permitted "
            rf"\(no limit set by the municipality: {_NUMBER.format('area')} m² at "
            rf"{_NUMBER.format('norm')} m² a person\)",
            N_(
                "%(headcount)s occupants, %(maximum)s permitted (no limit set by the municipality:"
                " %(area)s m² at %(norm)s m² a person)"
            ),
        ),
        (
            rf"{_NUMBER.format('headcount')} occupants, {_NUMBER.format('maximum')} permitted",
            N_("%(headcount)s occupants, %(maximum)s permitted"),
        ),
    ],
    AlertKind.FLOOR_AREA_BELOW_NORM: [
        (
            rf"{_NUMBER.format('area')} m² per person, norm {_NUMBER.format('norm')} m²",
            N_("%(area)s m² per person, norm %(norm)s m²"),
        ),
    ],
    AlertKind.LIMIT_NOT_ASSESSED: [
        (
            rf"no limit set by the municipality and no floor area to derive one from; the registrant proposed "
            rf"{_NUMBER.format('proposed')}",
            N_(
                "no limit set by the municipality and no floor area to derive one from;"
                " the registrant proposed %(proposed)s"
            ),
        ),
        (
            r"no limit set by the municipality and no floor area to derive one from",
            N_("no limit set by the municipality and no floor area to derive one from"),
        ),
        (
            rf"no limit set by the municipality and no floor-area norm for a [a-z_]+; the registrant proposed "
            rf"{_NUMBER.format('proposed')}",
            N_(
                "no limit set by the municipality and no floor-area norm for this kind of location;"
                " the registrant proposed %(proposed)s"
            ),
        ),
        (
            r"no limit set by the municipality and no floor-area norm for a [a-z_]+",
            N_("no limit set by the municipality and no floor-area norm for this kind of location"),
        ),
    ],
    AlertKind.NO_HOUSING: [(r"employed without registered housing", N_("employed without registered housing"))],
    AlertKind.HOUSED_AFTER_CONTRACT_END: [(rf"contract ended {_DAY.format('day')}", N_("contract ended on %(day)s"))],
    AlertKind.STALE_REGISTRATION: [
        (
            rf"past its expected end {_DAY.format('day')}; no end reported",
            N_("past its expected end on %(day)s; no end reported"),
        ),
        (
            rf"not confirmed since {_DAY.format('day')}; no end reported",
            N_("not confirmed since %(day)s; no end reported"),
        ),
    ],
    AlertKind.NO_BRP_AFTER_FOUR_MONTHS: [
        (
            rf"housed {_NUMBER.format('days')} days in the {_NUMBER.format('months')} months before today, "
            r"without BRP registration",
            N_("housed %(days)s days in the %(months)s months before this day, without BRP registration"),
        ),
    ],
    AlertKind.NO_BRP_AFTER_ARRIVAL: [
        (
            rf"expected stay until {_DAY.format('until')}, arrived {_DAY.format('arrived')}",
            N_("expected to stay until %(until)s, arrived on %(arrived)s"),
        ),
        (
            rf"temporary protection from {_DAY.format('since')}, arrived {_DAY.format('arrived')}",
            N_("temporary protection from %(since)s, arrived on %(arrived)s"),
        ),
    ],
    AlertKind.BRP_ADDRESS_DIFFERS: [
        (r"the BRP address is not the registered housing", N_("the BRP address is not the registered housing"))
    ],
    AlertKind.DEREGISTERED_WHILE_HOUSED: [
        (rf"deregistered from the BRP on {_DAY.format('day')}", N_("deregistered from the BRP on %(day)s"))
    ],
    AlertKind.MINOR_IN_HOUSING: [(r"a worker under 18 in migrant housing", N_("a worker under 18 in migrant housing"))],
}
_PATTERNS = {kind: [(re.compile(pattern), message) for pattern, message in forms] for kind, forms in DETAILS.items()}


def chain_problem(language: str, problem: str | None) -> str:
    """The chain's problem in `language`; the general one for a problem without a message of its own."""
    return translations(language).gettext(CHAIN_PROBLEMS.get(problem or "", CHAIN_BROKEN))


def alert_detail(language: str, kind: AlertKind | str, detail: str) -> str | None:
    """The alert's detail in `language`, its days and numbers as the language writes them; None if no form reads it."""
    for pattern, message in _PATTERNS.get(AlertKind(kind), []):
        found = pattern.fullmatch(detail)
        if found is not None:
            values = {name: _value(language, text) for name, text in found.groupdict().items()}
            return translations(language).gettext(message) % values
    return None


def _value(language: str, text: str) -> str:
    """A day or a number of a detail as `language` writes it."""
    if len(text) == 10 and text[4] == "-":
        return format_date(date.fromisoformat(text), format="long", locale=language)
    return format_decimal(float(text) if "." in text else int(text), locale=language)
