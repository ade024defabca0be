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
        mun sun meiän teiän meil teil mul sul mulla sulla mulle sulle munkin
        onks onkse onko oisko olis ois oisi ollaan olla oon oot ollu ei oo
        kannattaaks kannattais pitäiskö pitäskö pitäis pitäs voisko vois voiks saisko sais
        miks mites miten mitä miksi mikä missä mistä miten kans niinku niinkun jotenki
        joo okei ok no niin noh siis eli et että ettei
        onkohan olisiko olisko voisiko kuuluuko kuuluu pitäisikö tarvitseeko
        joku jotkut jollain jollakin joka jokainen jokaisen jokaisella kaikkien kaikkia
        tää toi nää noi sit sitte sitku kun ku
        täällä siellä tänne sinne
        niistä niihin niille niillä näistä noista siitä sille siinä sillä siellä
        koko ajan aikaa ajassa kaikkea kaikesta mitään mikään kukaan
        montako monta moni monet kannattaisi kannattaisiko kannattais kannatko
        haluaa haluan haluaisin haluaisi haluavat haluttaisiin
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
        man sin sitt jag mig mej dig dej vi oss ni er ens någon något några
        är var bli blir finns fanns går gick kommer
        hur vad varför vilken vilket vilka när var vem
        t ex tex typ liksom ju väl nog
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
        i'm im don't dont doesn't isn't it's its we're our ours ourselves yourself
        should shall would could must can cannot can't won't
        yes yeah hmm um anyone someone everyone everybody
        """.split()
    ),
}
ALL_STOPWORDS: frozenset[str] = STOPWORDS["fi"] | STOPWORDS["sv"] | STOPWORDS["en"]

# Common words that are not stop words but say little about which practice is meant
# (do, best, idea, problem). They still match, but an unknown one weighs little in the
# coverage measure, so "jutella niitä näitä" or "best way to" does not sink a question.
GENERIC: dict[str, frozenset[str]] = {
    "fi": frozenset(
        """
        tehdä teen tekee tehdään tehty teemme tekisi saada saadaan saan saisi saamme
        järjestää järjestetään järjestän hoitaa hoidetaan toimia toimii toimisi sujua sujuu
        mennä menee mennään tulla tulee tullaan käydä käydään käyttää käytetään auttaa
        haluta haluan haluaisin haluaisimme halutaan tarvita tarvitaan tarvitsen tarvitsemme
        tietää tiedän löytää löydän löytyy kysyä kysyn kertoa sanoa sanotaan ajatella
        aloittaa aloitetaan alkuun alkaa alkaisi keksiä keksitään parantaa
        hyvä hyviä hyvää paras parhaat parempi parempia huono huonosti oikea oikein
        sopiva sopivasti tärkeä tärkeää järkevä järkeä järkevää hyöty hyötyä hyödyllinen
        idea ideoita ideat keino keinoja tapa tapoja tavat asia asiat asioita juttu jutut
        juttuja homma hommat kohta osa kerta ongelma ongelmia apu apua ohjeita
        mahdollista mahdollisuus esimerkki esimerkkejä käytäntö käytännöt käytäntöjä
        yleensä usein aina joskus koskaan välillä nykyään ensi tänään huomenna
        ihmiset ihmisiä porukka porukalla kaikki muut muille toisille toisiaan
        oikeasti tosiaan varmaan ehkä kyllä todella liian enemmän vähemmän
        sujuvasti paremmin helposti nopeasti
        reistailee temppuilee kaatuu kaatuilee takkuaa takkuilee bugaa jumittaa
        """.split()
    ),
    "sv": frozenset(
        """
        göra gör gjort görs göras få får fick ordna ordnar fungera fungerar använda använder
        hjälpa hjälp behöva behöver behövs vilja vet veta hitta hittar fråga frågor
        bra bäst bästa bättre dålig dåligt viktig viktigt rätt sätt sättet idé idéer
        sak saker problem exempel gå går komma kommer ta tar sätta börja början
        kanske alltid aldrig ofta ibland jämt mer mest fler flest andra varandra folk
        människor tips förslag lösning verkligen egentligen
        strular strula krånglar krångla funkar funka hänger kraschar
        """.split()
    ),
    "en": frozenset(
        """
        do does doing done make making way ways best better good bad right wrong idea ideas
        thing things stuff problem problems issue issues help use using used need needs want
        wants know find start starting run running handle keep go going come take put try
        really always never often sometimes usually actually properly even still kind sort
        lot lots people others other each suggestions suggestion example examples
        important useful possible easy easier worth point
        fumble fumbles crash crashes crashing broken break breaks glitch glitches
        """.split()
    ),
}

# General synonyms (language knowledge, not content): a question word on the left also
# matches the words on the right. Keys and values are single words; hyphenated keys are
# written joined (on-site → onsite), as `tokens` also yields the joined form.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "fi": {
        "esityslista": ("asialista",),
        "agenda": ("asialista",),
        "kokouskutsu": ("kutsu",),
        "etänä": ("etä", "virtuaalinen"),
        "etäyhteys": ("etä", "virtuaalinen"),
        "paikan": ("läsnä",),
        "paikalla": ("läsnä",),
        "lähitapaaminen": ("läsnä", "kasvokkain"),
        "livenä": ("kasvokkain", "läsnä"),
        "naamatusten": ("kasvokkain",),
        "toimistolla": ("toimisto", "kasvokkain"),
        "etätyö": ("etä",),
        "kotoa": ("etä", "kotona"),
        "kotona": ("etä",),
        "hengähdystauko": ("tauko",),
        "tulokas": ("uusi", "työntekijä"),
        "aloittaja": ("uusi", "työntekijä"),
        "työkaveri": ("kollega",),
        "kollega": ("työkaveri",),
        "jaksaminen": ("työhyvinvointi", "hyvinvointi", "työkyky"),
        "hyvinvointi": ("työhyvinvointi", "jaksaminen"),
        "koulutus": ("kurssi", "valmennus"),
        "kurssi": ("koulutus", "verkkokurssi"),
        "oppiminen": ("oppia", "osaaminen"),
        "aikataulu": ("kalenteri",),
        "mikrofoni": ("ääni", "tekniikka"),
        "kuuloke": ("ääni", "tekniikka"),
        "näytönjako": ("tekniikka", "jakaa"),
        "min": ("minuutti",),
    },
    "sv": {
        "föredragningslista": ("dagordning", "agenda"),
        "dagordning": ("agenda",),
        "agenda": ("dagordning",),
        "kallelse": ("inbjudan", "möteskallelse"),
        "mötesinbjudan": ("inbjudan",),
        "inbjudan": ("kallelse",),
        "hemifrån": ("distans", "hemma"),
        "hemma": ("distans",),
        "distansarbete": ("distans",),
        "distans": ("virtuell",),
        "plats": ("fysisk", "närvaro"),
        "närvaro": ("fysisk",),
        "kontoret": ("kontor",),
        "chef": ("förman", "ledare"),
        "förman": ("chef",),
        "kollega": ("arbetskamrat",),
        "arbetskamrat": ("kollega",),
        "webbkamera": ("kamera",),
        "fika": ("kaffe", "kaffepaus"),
        "kaffe": ("fika",),
        "paus": ("rast",),
        "rast": ("paus",),
        "nyanställd": ("ny", "anställd", "nykomling"),
        "nykomling": ("ny", "anställd"),
        "introduktion": ("inskolning",),
        "inskolning": ("introduktion",),
        "återkoppling": ("feedback",),
        "feedback": ("återkoppling",),
        "mikrofon": ("teknik", "ljud"),
        "skärmdelning": ("teknik", "skärm"),
        "enkät": ("omröstning",),
        "omröstning": ("enkät",),
        "välmående": ("välbefinnande", "arbetsförmåga", "ork"),
        "ork": ("välbefinnande", "arbetsförmåga"),
        "utbildning": ("kurs",),
        "kurs": ("utbildning",),
        "min": ("minuter",),
    },
    "en": {
        "onsite": ("person", "office"),
        "inperson": ("person",),
        "facetoface": ("face", "person"),
        "f2f": ("face", "person"),
        "irl": ("face", "person"),
        "online": ("virtual", "remote"),
        "remote": ("virtual", "distance"),
        "remotely": ("remote", "distance"),
        "wfh": ("remote", "home"),
        "home": ("remote",),
        "invite": ("invitation",),
        "invitation": ("invite",),
        "boss": ("supervisor", "manager"),
        "manager": ("supervisor",),
        "supervisor": ("manager",),
        "coworker": ("colleague",),
        "coworkers": ("colleague",),
        "colleague": ("coworker",),
        "newcomer": ("new", "employee", "hire"),
        "onboarding": ("orientation",),
        "orientation": ("onboarding",),
        "hire": ("employee", "new"),
        "starter": ("new", "employee"),
        "webcam": ("camera",),
        "video": ("camera",),
        "mic": ("microphone", "technology"),
        "microphone": ("technology", "audio"),
        "audio": ("technology", "sound"),
        "call": ("meeting",),
        "calls": ("meeting",),
        "breather": ("break",),
        "wellbeing": ("coping",),
        "burnout": ("wellbeing", "coping", "resilience"),
        "course": ("training",),
        "training": ("course",),
        "interactive": ("engage", "participation", "interaction"),
        "engagement": ("engage", "participation"),
        "poll": ("polls", "survey"),
        "polls": ("poll",),
        "mins": ("minutes",),
    },
}


def normalize(text: str) -> str:
    """Unicode-normalise, lowercase, drop control characters, cap the length."""
    text = unicodedata.normalize("NFKC", text)[: MAX_QUESTION_CHARS * 4]
    return text.translate(_CONTROL).lower()


# "1:1", "1-1", "1 on 1", "1to1", "one-to-one" all become one token.
_ONE_TO_ONE = re.compile(
    r"\b(?:1|one)(?:\s*[:/]\s*|\s*-\s*(?:(?:on|to)\s*-\s*)?|\s*(?:on|to)\s*)(?:1|one)\b"
)


def words(text: str) -> list[str]:
    """Surface words of a text, hyphenated words kept whole (e.g. 'tyky-päivä')."""
    return _WORD.findall(_ONE_TO_ONE.sub(" 1to1 ", normalize(text)))


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
