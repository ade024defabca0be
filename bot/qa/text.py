"""Turning free chat text into tokens: normalisation, tokenisation, stop words.

Pure functions with no state, shared by the index (pack side) and the query side so the
two always agree.
"""

from __future__ import annotations

import re
import unicodedata

# Letters we keep inside words; everything else separates tokens. Hyphens inside a word
# (tyky-päivä, 1-to-1) are handled by `tokens` so both the parts and the joined form count.
_WORD = re.compile(r"[0-9a-zåäöüéèáàíóúõæøß]+(?:-[0-9a-zåäöüéèáàíóúõæøß]+)*")
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A))

MAX_QUESTION_CHARS = 500

STOPWORDS: dict[str, frozenset[str]] = {
    "fi": frozenset(
        """
        ja tai sekä että kun jos niin mutta vaan vai koska joka jotka mikä mitkä mitä mita
        miten mites kuinka milloin missä missa mistä mihin miksi kuka ketkä kenen kenelle keitä
        minkä millä miltä minne mikä millainen millaisia millaisen minkälainen minkälaisia
        onko ovatko voiko voinko voisiko voisinko voimme voin voi voisi voisin voisimme
        pitäisikö pitäisi pitää pitääkö täytyy täytyykö kannattaa kannattaako saako saanko
        on ole olla oli olisi ollut ovat olen olet olemme olette en et ei emme ette eivät
        se ne sen niiden siitä siihen sitä niitä tämä tämän tätä tässä tästä tähän nämä
        näitä noita tuo tuon tuota hän he hänen heidän minä mä mun minun minua minulle mulle
        sinä sä sun sinun sinua sinulle me meidän meitä meille meillä meillekin te teidän
        teille teillä itse oma oman omaa omat omia omalla
        kaikki kaikkien kaikille jokin joku jotain jotakin mitään mitäs
        myös vielä jo nyt sitten siis kuitenkin esim esimerkiksi eli ym jne yms mm
        tosi aika vähän paljon hyvin ihan vain vaan kanssa ilman kautta varten mukaan
        noin yli alle ennen jälkeen aikana sekä kuin
        hei moi moikka terve huomenta kiitos kiitti please plz
        kerro kerrotko tiedätkö anna neuvoa neuvo neuvoja vinkkejä vinkki vinkit vinkkiä
        """.split()
    ),
    "sv": frozenset(
        """
        och eller men att som när om så hur vad vilken vilket vilka varför var vem vems
        vart varifrån när är var vara varit blir bli blev har hade ha kan kunde ska skall
        skulle bör borde måste får fick får vill ville
        jag du han hon vi ni de den det dem mig dig oss er sig min mitt mina din ditt dina
        vår vårt våra er ert era sin sitt sina deras hans hennes
        en ett på i av för med till från om ut upp under över efter före mellan hos utan
        inte ingen inget inga någon något några alla allt all denna detta dessa här där
        också redan nu sedan då bara ju nog väl mycket lite mer mest
        hej tack snälla ge tips råd berätta
        """.split()
    ),
    "en": frozenset(
        """
        a an the and or but if so of to in on at by for with from about into over under
        after before between is are was were be been being am do does did doing done
        have has had having can could should would will shall may might must
        i me my mine we us our ours you your yours he him his she her they them their
        it its this that these those there here what which who whom whose when where why how
        not no nor any some all each every more most less much many very just also too
        please hi hello hey thanks thank tell give tips tip advice any anything something
        get got make makes let lets ok okay
        """.split()
    ),
}
ALL_STOPWORDS: frozenset[str] = STOPWORDS["fi"] | STOPWORDS["sv"] | STOPWORDS["en"]


def normalize(text: str) -> str:
    """Unicode-normalise, lowercase, drop control characters, cap the length."""
    text = unicodedata.normalize("NFKC", text)[: MAX_QUESTION_CHARS * 4]
    return text.translate(_CONTROL).lower()


def words(text: str) -> list[str]:
    """Surface words of a text, hyphenated words kept whole (e.g. 'tyky-päivä')."""
    return _WORD.findall(normalize(text))


def tokens(text: str) -> list[str]:
    """Tokens for matching: every word, and for a hyphenated word its parts and the joined form."""
    result: list[str] = []
    for word in words(text):
        if "-" in word:
            parts = [part for part in word.split("-") if part]
            result.extend(parts)
            result.append("".join(parts))
        else:
            result.append(word)
    return result


def content_tokens(text: str) -> list[str]:
    """Tokens without stop words of any of the three languages."""
    return [token for token in tokens(text) if token not in ALL_STOPWORDS]
