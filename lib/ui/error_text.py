"""The one place an API error becomes words for the user.

`lib.errors` carries only data (kind, status, server message, rule, target); this module picks
the catalog text for it in the user's language, the way openai-python keeps presentation out
of its exceptions.
"""

from __future__ import annotations

from lib import errors, formats
from lib.i18n import key_family, t

# Every `kind` an error (or a ledger row's error column) can hold, and every network-guard rule.
ERROR_KEY = key_family("error", errors.KINDS)
REFUSED_KEY = key_family("error.refused_address", errors.REFUSAL_RULES)


# The secrets setting behind each network-guard rule: named to whoever can change it only.
REFUSAL_SETTINGS = {
    "scheme": "[security]",
    "host": "[security] allowed_hosts",
    "private": "[security] allow_private_networks",
}


def explain(error: errors.ReshiError, lang: str, *, admin: bool = False) -> str:
    """What happened and what to do, without the server's words (for a short inline reason).
    An admin is also told which setting decides a refused address; others are not shown config."""
    if isinstance(error, errors.RefusedAddressError):
        text = t(REFUSED_KEY(error.rule), lang, target=error.target)
        setting = REFUSAL_SETTINGS.get(error.rule)  # an unreadable URL ("invalid") has none to change
        return text + " " + t("error.refused_setting", lang, setting=setting) if admin and setting else text
    if isinstance(error, errors.QuotaExceededError):
        key = "quota.exceeded_day" if error.period == "day" else "quota.exceeded_month"
        return t(
            key,
            lang,
            limit=formats.number(error.limit, lang),
            used=formats.number(error.used, lang),
            price=formats.number(error.price, lang),
        )
    return t(ERROR_KEY(error.kind), lang)


def error_text(error: errors.ReshiError, lang: str, *, admin: bool = False) -> str:
    """The explanation, followed by the server's own words when it sent any."""
    return _with_server_words(explain(error, lang, admin=admin), error.server_message, lang)


def recorded_error_text(kind: str, server_message: str, lang: str) -> str:
    """`error_text` for an error kept as its kind and server message (a failed chat reply)."""
    known = kind if kind in errors.KINDS else errors.ReshiError.kind
    return _with_server_words(t(ERROR_KEY(known), lang), server_message, lang)


def _with_server_words(text: str, server_message: str, lang: str) -> str:
    return text + ("\n\n" + t("error.server_said", lang, message=server_message) if server_message else "")
