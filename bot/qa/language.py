"""Language of a short, informal question: Finnish, Swedish or English.

Chat questions are often five words with no punctuation, so this combines stop words,
the pack's own vocabulary per language and a few letter patterns instead of a general
language identifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.i18n import LANGUAGES, Language
from bot.qa.text import STOPWORDS, tokens

_FINNISH_ENDINGS = re.compile(
    r"(ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|ksi|iin|aan|ään|seen|ista|istä|uksen|yksen|ko|kö|"
    r"nen|sen|ien|jen|ita|itä|ssa|ssani|ani|mme|tte|vat|vät|isi|isin)$"
)
_SWEDISH_ENDINGS = re.compile(r"(arna|erna|orna|heten|ning|ningar|tion|en|et|ar|or|er)$")
_ENGLISH_ENDINGS = re.compile(r"(ing|tion|ness|ship|ly|ed|'s)$")


def detect_language(
    text: str,
    vocabulary: Mapping[Language, frozenset[str]],
    fallback: Language = "fi",
) -> Language:
    """The most likely language of `text`; `fallback` when there is no evidence either way."""
    words = tokens(text)
    if not words:
        return fallback
    score: dict[Language, float] = dict.fromkeys(LANGUAGES, 0.0)
    for word in words:
        for lang in LANGUAGES:
            if word in STOPWORDS[lang]:
                score[lang] += 2.0
            if word in vocabulary.get(lang, frozenset()):
                score[lang] += 1.0
        if "å" in word:
            score["sv"] += 2.0
        if "ä" in word or "ö" in word:
            score["fi"] += 0.7
            score["sv"] += 0.4
        if re.search(r"(aa|ee|ii|oo|uu|yy|ää|öö|kk|tt|pp|ss|ll|nn)", word) and not word.endswith(
            "ss"
        ):
            score["fi"] += 0.4
        if len(word) > 3:
            if _FINNISH_ENDINGS.search(word):
                score["fi"] += 0.6
            if _SWEDISH_ENDINGS.search(word):
                score["sv"] += 0.3
            if _ENGLISH_ENDINGS.search(word):
                score["en"] += 0.3
        if re.search(r"(th|wh|sh|ch|w)", word):
            score["en"] += 0.5
    best = max(LANGUAGES, key=lambda lang: (score[lang], lang == fallback))
    if score[best] <= 0.0:
        return fallback
    return best
