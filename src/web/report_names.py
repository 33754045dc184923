"""What the Rapportages page calls the reports, their measures, intervals, groups and disclosures (untranslated).

The API's names (docs/reports.md) are the keys; the texts are translated
where they are shown, so the chart's legend and the table's headers speak the
page's language. Marked with `N_` for the catalogues.
"""

from __future__ import annotations

from collections.abc import Callable

from web.refusals import N_

REPORT_NAMES = {
    "headcounts": N_("Housed workers per period"),
    "flows": N_("Arrivals and departures per period"),
    "capacity": N_("Capacity on a day"),
    "inspections": N_("Inspections and sanctions per period"),
}

MEASURES = {
    "headcountAtStart": N_("Housed on the first day"),
    "distinctResidents": N_("Residents in the period"),
    "personDays": N_("Person-days"),
    "workersRegistered": N_("Registrations"),
    "housingStarts": N_("Stays begun"),
    "housingEnds": N_("Stays ended"),
    "contractEnds": N_("Contracts ended"),
    "departures": N_("Departures"),
    "inspections": N_("Inspections"),
    "inspectionsCompliant": N_("Compliant"),
    "inspectionsViolations": N_("With violations"),
    "findingsOvercrowding": N_("Overcrowding"),
    "findingsFireSafety": N_("Fire safety"),
    "findingsHygiene": N_("Hygiene"),
    "findingsSanitary": N_("Sanitary facilities"),
    "findingsUnregisteredOccupants": N_("Unregistered occupants"),
    "findingsOther": N_("Other findings"),
    "sanctions": N_("Sanctions"),
    "sanctionsWarning": N_("Warnings"),
    "sanctionsOrderSubjectToPenalty": N_("Orders subject to penalty"),
    "sanctionsAdministrativeFine": N_("Administrative fines"),
    "sanctionsAgainstEmployer": N_("Against the employer"),
    "sanctionsAgainstOwner": N_("Against the owner"),
    "amountEur": N_("Amount (EUR)"),
    "maxOccupants": N_("Permitted maximum"),
    "headcount": N_("Housed"),
    "freePlaces": N_("Free places"),
    "overBy": N_("Too many"),
    "utilisation": N_("Utilisation"),
}

INTERVALS = {
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "year": N_("Year"),
}

GROUPS = {
    "housingLocation": N_("Housing location"),
    "employer": N_("Employer"),
    "nationality": N_("Nationality"),
    "postcodeArea": N_("Postcode area"),
    "kind": N_("Kind of housing"),
}

DISCLOSURES = {
    "internal": N_("Internal (the figures as counted)"),
    "public": N_("Public (cells of fewer than 5 persons suppressed)"),
}


def translated(names: dict[str, str], gettext: Callable[[str], str]) -> dict[str, str]:
    """The names in the page's language."""
    return {key: gettext(text) for key, text in names.items()}
