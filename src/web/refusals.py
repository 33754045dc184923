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
    return MESSAGES.get(code, MESSAGES[GENERAL])
