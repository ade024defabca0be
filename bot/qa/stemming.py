"""Per-language stems for matching, with the Finnish gaps of Snowball patched.

Snowball's Finnish stemmer leaves `kokous` and `kokouksen` apart and does not touch
compounds; the fix-ups below unify the commonest inflection patterns of the pack's words,
and `Lexicon.split_compound` (in `index.py`) handles compounds against the pack's vocabulary.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import snowballstemmer

from bot.i18n import Language

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
    "palaveeraus": "kokous",
    "etäpalaveeraus": "etäkokous",
    "meeting": "kokous",
    "kokoontuminen": "kokous",
    "konttori": "toimisto",
    "konttorilla": "toimisto",
    "toimari": "toimisto",
    "duuni": "työ",
    "duunari": "työntekijä",
    "työkaveri": "kollega",
    "työkamu": "kollega",
    "kollegi": "kollega",
    "tiimiläinen": "tiimi",
    "tiimikaveri": "kollega",
    "uusi tyyppi": "uusi työntekijä",
    "tyyppi": "henkilö",
    "tulokas": "uusi",
    "newbie": "uusi",
    "etäläinen": "etäosallistuja",
    "etäilijä": "etäosallistuja",
    "hybridipalaveri": "hybridikokous",
    "hybridipalsu": "hybridikokous",
    "tiimipalaveri": "tiimikokous",
    "tiimipalsu": "tiimikokous",
    "viikkopalaveri": "viikkokokous",
    "viikkopalsu": "viikkokokous",
    "dailyt": "daily",
    "retro": "retrospektiivi",
    "kalvo": "esitys",
    "kalvot": "esitys",
    "slaidi": "esitys",
    "slaidit": "esitys",
    "profiilikuva": "kuva",
    "profiilikuvat": "kuva",
    "palkkari": "palkka",
    "virkistyspäivä": "virkistyspäivä",
    "tyky-päivä": "virkistyspäivä",
    "tykypäivät": "virkistyspäivä",
    "pikkujoulu": "pikkujoulu",
    "bileet": "juhla",
    "pippalot": "juhla",
    "kekkerit": "juhla",
    "somechat": "chat",
    "chätti": "chat",
    "chatti": "chat",
    "whatsapp": "signal",
    "whatsapp-ryhmä": "signal",
    "agenda": "asialista",
    "esityslista": "asialista",
    "ruutu": "näyttö",
    "ruudunjako": "näytönjako",
    "kamerat": "kamera",
    "kamerakuva": "kamera",
    "podi": "podcast",
    "podcasti": "podcast",
    "podcastit": "podcast",
    "blogi": "blogi",
    "blogaus": "blogi",
    "spontaani": "epämuodollinen",
    "jutustelu": "kuulumiset",
    "jutella": "kuulumiset",
    "rupattelu": "kuulumiset",
    "small talk": "kuulumiset",
}


def _patch_finnish(stem: str, word: str = "") -> str:
    """Unify stem variants Snowball leaves apart (kokous/kokouks, tapaamin/tapaamis,
    yhtein/yhteis, etäläist/etäläis)."""
    if stem.endswith(("us", "ys", "os", "ös")) and len(stem) > 3:
        stem = stem[:-1] + "ks"
    if stem.endswith("min") and len(stem) >= 5:
        stem = stem[:-3] + "mis"
    elif stem.endswith("nen") and len(stem) > 5:
        stem = stem[:-3] + "s"
    elif word.endswith("nen") and stem.endswith("in") and len(stem) >= 5:
        stem = stem[:-1] + "s"
    elif word.endswith(("sten", "stä", "sta")) and stem.endswith("ist") and len(stem) >= 6:
        stem = stem[:-1]
    for ending in ("yyks", "uuks", "yyt", "uut", "yyd", "uud"):
        if stem.endswith(ending) and len(stem) > len(ending) + 3:
            stem = stem[: -len(ending)] + ending[:2]
            break
    while len(stem) > 4 and stem[-1] in _VOWELS:
        stem = stem[:-1]
    return stem


def _finnish_stem(word: str) -> str:
    result: str = _STEMMERS["fi"].stemWord(word)
    if result.endswith("l") and word.startswith(result + "ist"):
        # Snowball reads the -sta of "lista" (asialista, esityslistan) as a case ending.
        return result + "ist"
    return _patch_finnish(result, word)


def _colloquial_stems() -> dict[str, str]:
    """Stems of the colloquial words, so that inflected forms find them too (palsuissa → palsu).

    Stems shorter than four letters, and stems that a standard word of the map also has,
    are left out: they would catch ordinary words.
    """
    standard_stems = {_finnish_stem(word) for word in COLLOQUIAL.values() if " " not in word}
    result: dict[str, str] = {}
    for word, standard in COLLOQUIAL.items():
        if " " in word or " " in standard or word == standard:
            continue
        key = _finnish_stem(word)
        if len(key) < 4 or key in standard_stems:
            continue
        result.setdefault(key, standard)
    return result


_COLLOQUIAL_STEMS: Final[dict[str, str]] = _colloquial_stems()


@lru_cache(maxsize=65536)
def colloquial_standard(word: str) -> str | None:
    """The standard Finnish word for a colloquial one, inflected or not, if we know it."""
    standard = COLLOQUIAL.get(word)
    if standard is not None:
        return standard
    if len(word) < 4 or word.isdigit():
        return None
    return _COLLOQUIAL_STEMS.get(_finnish_stem(word))


@lru_cache(maxsize=65536)
def stem(word: str, lang: Language) -> str:
    """The matching stem of one lowercase word in one language."""
    if lang == "fi":
        if word.isdigit():
            return word
        standard = colloquial_standard(word)
        if standard is not None and " " not in standard:
            word = standard
        return _finnish_stem(word)
    result: str = _STEMMERS[lang].stemWord(word)
    return result


PREFIX_LENGTH: Final = 5


def prefix_term(word: str) -> str | None:
    """A truncated Finnish form: a weak match that survives endings and late typos."""
    if len(word) < PREFIX_LENGTH + 2 or word.isdigit():
        return None
    return "^" + word[:PREFIX_LENGTH]
