"""Finnish morphology from Voikko: base forms and compound parts of a word.

Snowball's Finnish stemmer leaves `esimiesten` apart from `esimies` and `kokouksen` apart
from `kokous` unless patched, and it never splits compounds. Voikko (Debian `libvoikko1`
and `voikko-fi`, PyPI `libvoikko`) analyses a word into every reading it may have, each
with a base form and its compound parts (`palaveri` is `palaveri` and also `pala+veri`).
The index takes all of them: a wrong reading only adds a rare term.

The library is optional at run time: when it (or its Finnish dictionary) is missing,
`open_morphology` logs that once and returns None, and the index keeps to Snowball.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Protocol

log = logging.getLogger(__name__)

_PART = re.compile(r"\(([^()]*)\)")
MIN_PART_LETTERS = 3  # "m", "a" and other derivation pieces are not words
MAX_WORD_LETTERS = 60  # longer "words" are noise; Voikko need not see them


class Morphology(Protocol):
    """What the index needs from a morphological analyser."""

    def analyse(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(base forms, compound parts) of one lowercase word; both empty if unknown."""
        ...


def parse_wordbases(wordbases: str) -> tuple[str, ...]:
    """Compound parts from Voikko's WORDBASES ('+esi+mies(mies)' -> ('esi', 'mies')).

    A part is written `surface(base)` or bare; the base form is taken when given.
    """
    parts: list[str] = []
    for piece in wordbases.split("+"):
        if not piece:
            continue
        found = _PART.search(piece)
        part = found.group(1) if found and found.group(1) else _PART.sub("", piece)
        part = part.strip().lower()
        if len(part) >= MIN_PART_LETTERS and part.isalpha():
            parts.append(part)
    return tuple(parts)


class VoikkoMorphology:
    """Voikko's Finnish analyser with a cache (questions repeat the pack's words)."""

    def __init__(self, voikko: object) -> None:
        self._voikko = voikko
        self.analyse = lru_cache(maxsize=65536)(self._analyse)

    def _analyse(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if not word or len(word) > MAX_WORD_LETTERS or not word.isalpha():
            return (), ()
        analyses = self._voikko.analyze(word)  # type: ignore[attr-defined]
        bases: dict[str, None] = {}
        parts: dict[str, None] = {}
        for analysis in analyses:
            base = str(analysis.get("BASEFORM") or "").lower()
            if base:
                bases[base] = None
            compound = parse_wordbases(str(analysis.get("WORDBASES") or ""))
            if len(compound) > 1:
                parts.update(dict.fromkeys(compound))
        return tuple(bases), tuple(part for part in parts if part not in bases)


def open_morphology(enabled: bool = True) -> Morphology | None:
    """Voikko's Finnish analyser, or None (logged) when it is off or not installed.

    Called once per answerer, i.e. once at start-up.
    """
    if not enabled:
        return None
    try:
        from libvoikko import Voikko

        voikko = Voikko("fi")
        voikko.analyze("kokous")
    except Exception as error:  # no library: OSError; no dictionary: VoikkoException
        log.warning(
            "Voikko is not available (%s): Finnish words are matched by Snowball stems "
            "only (install libvoikko1 and voikko-fi)",
            type(error).__name__,
        )
        return None
    return VoikkoMorphology(voikko)
