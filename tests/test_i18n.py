"""The one coercion from a string to a language (bot/i18n.py).

Before it there were five: client locales and Graph's preferredLanguage took the part before
"-" in any case, card payloads and the planner wanted exactly "fi"/"sv"/"en". One rule now
reads all of them; the cases below say what it accepts and what it leaves to the fallback.
"""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, Language, to_language
from bot.settings import load_settings


def test_languages_are_finnish_first() -> None:
    assert LANGUAGES == ("fi", "sv", "en")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Payload values and settings, as our own cards and operators write them.
        ("fi", "fi"),
        ("sv", "sv"),
        ("en", "en"),
        # Client locales (Teams: BCP 47) and Graph's preferredLanguage.
        ("fi-FI", "fi"),
        ("sv-SE", "sv"),
        ("sv-FI", "sv"),
        ("en-US", "en"),
        ("en-GB", "en"),
        # Case, POSIX-style separators and stray whitespace do not change the language.
        ("SV", "sv"),
        ("Fi-fi", "fi"),
        ("EN-us", "en"),
        ("sv_SE", "sv"),
        (" en-US\n", "en"),
        # Not ours: the fallback of the caller decides.
        ("de", None),
        ("de-FI", None),
        ("fil", None),  # Filipino starts with "fi" but is not Finnish
        ("finnish", None),
        ("-fi", None),
        ("", None),
        ("   ", None),
        (None, None),
        (1, None),
        (["fi"], None),
    ],
)
def test_to_language(value: object, expected: Language | None) -> None:
    assert to_language(value) == expected


def test_the_setting_reads_a_language_tag_too() -> None:
    assert load_settings({"DEFAULT_LANGUAGE": "sv-FI"}).default_language == "sv"
    assert load_settings({"DEFAULT_LANGUAGE": " EN "}).default_language == "en"
