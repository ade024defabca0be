"""Chat commands in Finnish, Swedish and English: whole-message phrases, and pausing with a date.

Each phrase names its language, so the reply comes in the language the command was typed
in. A question that merely contains a command word is not a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.chat.model import Incoming
from bot.settings import Language

# None: the phrase exists in more than one language ("tips"), the user's locale decides.
PHRASES: dict[str, dict[str, Language | None]] = {
    "help": {"apua": "fi", "apu": "fi", "ohje": "fi", "ohjeet": "fi", "hjälp": "sv",
             "hjalp": "sv", "help": "en", "?": None},
    "themes": {"aiheet": "fi", "aihe": "fi", "teemat": "fi", "teman": "sv", "tema": "sv",
               "ämnen": "sv", "themes": "en", "topics": "en"},
    "tip": {"vinkki": "fi", "vinkkejä": "fi", "vinkkiä": "fi", "tips": None, "tip": "en"},
    "settings": {"asetukset": "fi", "inställningar": "sv", "installningar": "sv",
                 "settings": "en"},
    "subscribe_tips": {"tilaa vinkit": "fi", "tilaa vinkki": "fi", "tilaa vinkkejä": "fi",
                       "tilaa päivän vinkki": "fi", "prenumerera på tips": "sv",
                       "prenumerera tips": "sv", "subscribe tips": "en",
                       "subscribe to tips": "en"},
    "unsubscribe_tips": {"lopeta vinkit": "fi", "peru vinkit": "fi", "peruuta vinkit": "fi",
                         "avsluta tips": "sv", "sluta med tips": "sv",
                         "avsluta prenumerationen på tips": "sv", "unsubscribe tips": "en",
                         "stop tips": "en"},
    "subscribe_nudges": {"tilaa muistutukset": "fi", "tilaa viikkomuistutukset": "fi",
                         "tilaa yhteisöteot": "fi", "prenumerera på påminnelser": "sv",
                         "prenumerera påminnelser": "sv", "subscribe nudges": "en",
                         "subscribe to nudges": "en"},
    "unsubscribe_nudges": {"lopeta muistutukset": "fi", "peru muistutukset": "fi",
                           "avsluta påminnelser": "sv", "sluta med påminnelser": "sv",
                           "unsubscribe nudges": "en", "stop nudges": "en"},
    "coffee_on": {"kahvi mukaan": "fi", "kahville mukaan": "fi", "mukaan kahville": "fi",
                  "kaffe med": "sv", "med på kaffe": "sv", "coffee on": "en",
                  "join coffee": "en"},
    "coffee_off": {"kahvi pois": "fi", "pois kahvilta": "fi", "kaffe av": "sv",
                   "coffee off": "en", "leave coffee": "en"},
    "coffee_settings": {"kahviasetukset": "fi", "kaffeinställningar": "sv",
                        "coffee settings": "en"},
    "erase": {"poista tietoni": "fi", "poista minun tietoni": "fi",
              "radera mina uppgifter": "sv", "delete my data": "en"},
}  # fmt: skip

_KINDS: dict[str, tuple[str, Language | None]] = {
    "vinkit": ("tips", "fi"),
    "vinkkien": ("tips", "fi"),
    "tips": ("tips", None),
    "muistutukset": ("nudges", "fi"),
    "påminnelser": ("nudges", "sv"),
    "nudges": ("nudges", "en"),
    "kahvi": ("coffee", "fi"),
    "kahvit": ("coffee", "fi"),
    "kaffe": ("coffee", "sv"),
    "coffee": ("coffee", "en"),
}
_PAUSE_WORDS: dict[str, Language] = {
    "tauko": "fi",
    "tauota": "fi",
    "pausa": "sv",
    "paus": "sv",
    "pause": "en",
}
_PAUSE = re.compile(
    r"^(?P<verb>tauko|tauota|pausa|paus|pause)\s+(?P<kind>vinkit|vinkkien|tips|muistutukset|påminnelser|nudges|kahvi|kahvit|kaffe|coffee)"
    r"\s+(?:asti\s+|till\s+|until\s+|to\s+)?(?P<date>\S+?)(?:\s+asti)?$"
)
# "kahvitauko 2026-12-31", "kaffepaus …", "coffee pause …" read as "tauko kahvi …".
_COFFEE_PAUSE = re.compile(r"^(?P<kind>kahvi|kaffe|coffee) ?(?P<verb>tauko|paus|pause)\b")
# "älä yhdistä maija@virasto.fi", "para inte ihop med …", "don't pair me with …"
_AVOID = re.compile(
    r"^(?P<verb>älä yhdistä|älä yhdistä minua|para inte ihop mig med|para inte ihop med|"
    r"don't pair me with|do not pair me with)(?:\s+(?P<who>.+))?$"
)
_AVOID_LANG: dict[str, Language] = {
    "älä yhdistä": "fi",
    "älä yhdistä minua": "fi",
    "para inte ihop mig med": "sv",
    "para inte ihop med": "sv",
    "don't pair me with": "en",
    "do not pair me with": "en",
}
MAX_PAUSE_DAYS = 366
_TRIM = re.compile(r"^[\s/!.,:;]+|[\s!.,:;]+$")
_DATE_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class Command:
    name: str
    lang: Language | None
    kind: str | None = None  # tips | nudges, for pause
    until: date | None = None  # for pause; None when the date did not parse


def normalise(text: str) -> str:
    return " ".join(_TRIM.sub("", text).lower().split())


def parse_date(text: str) -> date | None:
    """ISO (2026-12-31) or Finnish (31.12.2026) dates."""
    match = _DATE_DMY.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_command(text: str) -> Command | None:
    """The command a whole message is, or None for a question."""
    phrase = normalise(text)
    if len(phrase) > 80:
        return None
    for name, phrases in PHRASES.items():
        if phrase in phrases:
            return Command(name, phrases[phrase])
    avoid = _AVOID.match(phrase)
    if avoid:
        who = (avoid["who"] or "").strip()
        return Command("coffee_avoid", _AVOID_LANG[avoid["verb"]], kind=who)
    match = _PAUSE.match(_COFFEE_PAUSE.sub(r"\g<verb> \g<kind>", phrase))
    if match:
        kind, kind_lang = _KINDS[match["kind"]]
        lang = _PAUSE_WORDS[match["verb"]] if kind_lang is None else kind_lang
        return Command("pause", lang, kind=kind, until=parse_date(match["date"]))
    return None


def command_language(
    incoming: Incoming, command: Command | None, default_language: Language
) -> Language:
    """The command word's language; for words shared by languages, the user's own."""
    if command is not None and command.lang is not None:
        return command.lang
    locale = incoming.locale_language
    if command is not None and command.name == "tip" and locale == "fi":
        return "en"  # 'tips' is not Finnish: a Finnish client typing it reads English or Swedish
    return locale or default_language


def valid_pause(until: date | None, today: date) -> bool:
    """A pause ends after today and at most a year ahead."""
    return until is not None and today < until <= today + timedelta(days=MAX_PAUSE_DAYS)
