"""The refusals a form can show, translated by their code: a form error is never English on a Dutch page.

The domain and the API's parameter types name each refusal with a code (the
API's `invalidParams[].code`); its `reason` is English, for API clients. A page
shows the message of the code in the page's language instead. `FORM_CODES`
lists the codes the pages' forms can produce today (the time-travel control:
`api.parameters`' and `api.schemas.workers`' types; the sign-in and language
forms); a page that adds a form adds its codes here, and a test holds both
catalogues to them. A code without a message of its own gets the general one,
in the page's language.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  # gettext's name for "mark for extraction, translate later"
    """Mark `message` for the catalogues; it is translated where it is shown."""
    return message


GENERAL = "invalid"

MESSAGES = {
    GENERAL: N_("This value is not valid."),
    "missing": N_("Fill in this field."),
    # A day (`on`): api.schemas.workers.IsoDate.
    "date_format": N_("Write the date as YYYY-MM-DD, for example 2026-03-01."),
    "date_from_datetime_parsing": N_("This date does not exist; write it as YYYY-MM-DD."),
    "date_parsing": N_("This date does not exist; write it as YYYY-MM-DD."),
    "date_out_of_range": N_("The date must lie between 1900-01-01 and 2100-12-31."),
    # An instant (`asKnownAt`): api.parameters.KnownAt.
    "datetime_format": N_("Write a date and time, for example 2026-03-01T09:30."),
    "datetime_parsing": N_("This moment does not exist; write a date and time, for example 2026-03-01T09:30."),
    "datetime_from_date_parsing": N_(
        "This moment does not exist; write a date and time, for example 2026-03-01T09:30."
    ),
    "timezone_aware": N_("Give the time with its offset from UTC, for example 2026-03-01T09:30+01:00."),
    "datetime_out_of_range": N_("The moment must lie between 1900-01-01 and 2100-12-31."),
    "datetime_future": N_("Nothing is known yet about a moment in the future."),
    # The worker search (`api.schemas.register.WorkerSearch`, as `POST /workers/_search` checks it).
    "search_needs_name_or_document": N_("Give a family name, an identity document, or both."),
    "string_too_long": N_("This is too long."),
    "enum": N_("Choose one of the options."),
    # The inspections' filter and forms (web.inspections, web.inspection_forms): the domain's codes
    # (ledger.domain.inspection, ledger.domain.checks) and the forms' own.
    "before_from": N_("The end date must not be before the start date."),
    "required": N_("Fill in this field."),
    "int_parsing": N_("Fill in a whole number."),
    "decimal_parsing": N_("Write an amount in euros, for example 2500,00."),
    "invalid_choice": N_("Choose one of the options."),
    "in_future": N_("This date lies in the future."),
    "in_past": N_("This date lies in the past."),
    "too_far_ahead": N_("This date lies more than a year ahead."),
    "out_of_range": N_("This number lies outside what is permitted."),
    "too_many_decimals": N_("An amount has at most 2 decimals (cents)."),
    "too_long": N_("This text is too long."),
    "duplicate": N_("Choose each finding once."),
    "not_applicable": N_("Leave this field empty for this choice."),
    "invalid_kvk_number": N_("A KvK number has exactly 8 digits."),
    "findings_required": N_("Choose at least one finding for an inspection with violations."),
    "unknown_employer": N_("No employer with this KvK number is registered."),
    "unknown_address": N_("No housing location is registered at this address."),
    "unknown_location": N_("This housing location is not known; fill in its postcode and house number."),
    "ambiguous_address": N_(
        "Several housing locations are registered at this address; choose it from the location's page."
    ),
    "house_number_missing": N_("Fill in the house number as a number."),
    "no_violations": N_("A sanction can only follow an inspection that found violations."),
    "changed_meanwhile": N_("Someone changed this inspection meanwhile; look at it again before you decide."),
    # The access log's subject (web.audit).
    "uuid_parsing": N_("Fill in an id like 3f2a…: 32 hexadecimal characters, with or without hyphens."),
    # Locaties: the search (the API's rules for `GET /housing-locations`), the period of a timeline, and the
    # occupancy-limit form (the domain's refusals of `HousingLocation.change_occupancy_limit`, by field).
    "whole_number": N_("Write a whole number, for example 12."),
    "invalid_postcode": N_("Write a postcode as 1671 AB: four digits, not starting with 0, and two letters."),
    "house_number_out_of_range": N_("A house number lies between 1 and 99999."),
    "period_too_long": N_("Choose a period of at most two years."),
    "maxOccupants:out_of_range": N_("The maximum lies between 1 and 10000 occupants."),
    "validFrom:out_of_range": N_("The date must lie between 1900-01-01 and 2100-12-31."),
    "validFrom:too_far_ahead": N_("A maximum can be set at most a year ahead."),
    # Rapportages: the API's refusals of a report's question (projections.reports.periods, api.reporting).
    "too_many_periods": N_("A report has at most 400 periods: choose a shorter period or a longer interval."),
    "identifying_group": N_(
        "A public table is never grouped by housing location or employer: such a group can point at a few people."
    ),
    "internal_only": N_("This report is for the municipality's own use only: it has no public variant."),
    # The sign-in and language forms.
    "unknown_role": N_("Choose one of the roles."),
    "unknown_language": N_("Choose Dutch or English."),
    # Signing in at the identity provider (web.sign_in).
    "sign_in_expired": N_("The sign-in took too long or was begun in another window. Sign in again."),
    "sign_in_refused": N_("The identity provider did not sign you in. Sign in again, or ask the service desk."),
    "sign_in_failed": N_("The sign-in could not be completed. Sign in again."),
    "sign_in_invalid": N_("The identity provider's answer could not be trusted, so you are not signed in."),
    "no_staff_role": N_(
        "Your account has no role for the staff pages (registrar, inspector, auditor or administrator)."
        " Employers use their own portal. Ask the functional administrator if you need a role."
    ),
    "provider_unavailable": N_("The identity provider cannot be reached at the moment. Try again in a few minutes."),
}

FORM_CODES = frozenset(MESSAGES)


def message_of(code: str) -> str:
    """The message (untranslated) of a refusal's code; the general one for a code without its own."""
    # A domain refusal is kept as `field:code`: its own message if it has one, else the code's.
    return MESSAGES.get(code) or MESSAGES.get(code.rpartition(":")[2], MESSAGES[GENERAL])
