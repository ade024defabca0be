"""Per-language stems for matching, with the Finnish gaps of Snowball patched.

Snowball's Finnish stemmer leaves `kokous` and `kokouksen` apart and does not touch
compounds; the fix-ups below unify the commonest inflection patterns of the pack's words,
and `Lexicon.split_compound` (in `index.py`) handles compounds against the pack's vocabulary.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import snowballstemmer

from bot.settings import Language

_STEMMERS: Final = {
    "fi": snowballstemmer.stemmer("finnish"),
    "sv": snowballstemmer.stemmer("swedish"),
    "en": snowballstemmer.stemmer("english"),
}
_VOWELS: Final = frozenset("aeiouyäö")

# Colloquial or office words mapped to the standard word the pack uses. This is language
# knowledge, not content: the pack's keywords add more per entry.
COLLOQUIAL: Final[dict[str, str]] = {
    "palaveri": "kokous",
    "palsu": "kokous",
    "palsut": "kokous",
    "palsun": "kokous",
    "palsuissa": "kokous",
    "miitti": "kokous",
    "miitit": "kokous",
    "miitissä": "kokous",
    "meetingi": "kokous",
    "kokkari": "kokous",
    "etäpalsu": "etäkokous",
    "etäpalaveri": "etäkokous",
    "etäpalsut": "etäkokous",
    "etämiitti": "etäkokous",
    "tiimarit": "tiimi",
    "kalkkari": "kalenteri",
    "kalkkariin": "kalenteri",
    "kalkkarissa": "kalenteri",
    "kalkkarit": "kalenteri",
    "kalsa": "kalenteri",
    "kamu": "kamera",
    "webbikamera": "kamera",
    "webkamera": "kamera",
    "kameroita": "kamera",
    "tyky": "virkistys",
    "tykypäivä": "virkistyspäivä",
    "tyhy": "virkistys",
    "tyhypäivä": "virkistyspäivä",
    "pikkujoulut": "pikkujoulu",
    "pomo": "esihenkilö",
    "pomon": "esihenkilö",
    "pomolle": "esihenkilö",
    "pomot": "esihenkilö",
    "pomojen": "esihenkilö",
    "esimies": "esihenkilö",
    "esimiehen": "esihenkilö",
    "esimiehet": "esihenkilö",
    "esimiehille": "esihenkilö",
    "esimiehelle": "esihenkilö",
    "esihlö": "esihenkilö",
    "uusi työntekijä": "uusi työntekijä",
    "mentori": "perehdyttäjä",
    "kummi": "perehdyttäjä",
    "etäily": "etätyö",
    "etäilen": "etätyö",
    "etäillä": "etätyö",
    "etäkahvit": "virtuaalikahvi",
    "etäkahvi": "virtuaalikahvi",
    "kahvittelu": "kahvi",
    "kahvitella": "kahvi",
    "teamsi": "teams",
    "teamsissa": "teams",
    "teamsiin": "teams",
    "teamssiin": "teams",
    "mikki": "mikrofoni",
    "kokousetiketti": "kokouskäytäntö",
    "ohjis": "ohjelma",
    "fiilis": "tunnelma",
    "kuulumisten": "kuulumiset",
    "onboarding": "perehdytys",
    "onboardaus": "perehdytys",
    "onboardingin": "perehdytys",
    "breakout": "breakout",
    "breikkari": "breakout",
    "breikkarit": "breakout",
}


def _patch_finnish(stem: str) -> str:
    """Unify stem variants Snowball leaves apart (kokous/kokouks, tapaamin/tapaamis)."""
    if stem.endswith(("us", "ys", "os", "ös")) and len(stem) > 3:
        stem = stem[:-1] + "ks"
    if stem.endswith("min") and len(stem) >= 5:
        stem = stem[:-3] + "mis"
    elif stem.endswith("nen") and len(stem) > 5:
        stem = stem[:-3] + "s"
    while len(stem) > 4 and stem[-1] in _VOWELS:
        stem = stem[:-1]
    return stem


@lru_cache(maxsize=65536)
def stem(word: str, lang: Language) -> str:
    """The matching stem of one lowercase word in one language."""
    if lang == "fi":
        word = COLLOQUIAL.get(word, word)
        if word.isdigit():
            return word
        return _patch_finnish(_STEMMERS["fi"].stemWord(word))
    result: str = _STEMMERS[lang].stemWord(word)
    return result


def colloquial_standard(word: str) -> str | None:
    """The standard Finnish word for a colloquial one, if we know it."""
    return COLLOQUIAL.get(word)


PREFIX_LENGTH: Final = 5


def prefix_term(word: str) -> str | None:
    """A truncated form for Finnish words: a weak match that survives endings and typos late in the word."""
    if len(word) < PREFIX_LENGTH + 2 or word.isdigit():
        return None
    return "^" + word[:PREFIX_LENGTH]
