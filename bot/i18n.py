"""The bot's languages and the one way to read a language from a string.

Ground floor: every package may import this module, and it imports nothing of ours.
Client locales ("fi-FI", "sv-SE", "en-US"), Graph's preferredLanguage, card payload values
and the DEFAULT_LANGUAGE setting all go through `to_language`, so they cannot disagree about
what counts as Swedish.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")
"""Finnish is the source language and comes first: it is the fallback everywhere."""


def to_language(value: object) -> Language | None:
    """One of our languages from a language tag, or None when it names none of them.

    The primary subtag decides, in any case and with surrounding whitespace ignored:
    "sv", "SV", "sv-FI" and "sv_SE" are all Swedish; "fil" (Filipino) and "de-FI" are none
    of ours. Anything that is not a string (a missing or malformed payload value) is None.
    Callers choose their own fallback: `to_language(locale) or default`.
    """
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    for lang in LANGUAGES:
        if primary == lang:
            return lang
    return None
