"""Every user-facing string of the bot, in Finnish, Swedish and English.

One catalogue so a translator sees everything in one place, and a test checks that no
language is missing. Use `t(key, lang, **values)`.
"""

from __future__ import annotations

from typing import Final

from bot.settings import Language

CATALOGUE: Final[dict[str, dict[Language, str]]] = {
    "app.name": {"fi": "Yhteisöbotti", "sv": "Yhteisöbotti", "en": "Yhteisöbotti"},
    "welcome.title": {
        "fi": "Hei, olen Yhteisöbotti!",
        "sv": "Hej, jag är Yhteisöbotti!",
        "en": "Hi, I'm Yhteisöbotti!",
    },
    "welcome.body": {
        "fi": "Autan työyhteisöä pysymään yhteisönä, vaikka työtä tehdään monessa paikassa. "
        "Kysy minulta hyvistä käytännöistä: kokouksista, kalentereista, johtamisesta, "
        "perehdytyksestä ja epävirallisista tapaamisista. "
        "Vastaan suomeksi, ruotsiksi ja englanniksi.",
        "sv": "Jag hjälper arbetsgemenskapen att hålla ihop fast arbetet görs på många platser. "
        "Fråga mig om god praxis: möten, kalendrar, ledarskap, introduktion och informella "
        "träffar. Jag svarar på finska, svenska och engelska.",
        "en": "I help a work community stay a community while people work in many places. "
        "Ask me about good practices: meetings, calendars, leadership, onboarding and informal "
        "get-togethers. I answer in Finnish, Swedish and English.",
    },
    "welcome.examples": {
        "fi": 'Kokeile esimerkiksi: "Miten aloitan etäpalaverin?" tai kirjoita apua.',
        "sv": 'Prova till exempel: "Hur inleder jag ett distansmöte?" eller skriv hjälp.',
        "en": 'Try for example: "How should I start a remote meeting?" or type help.',
    },
    "welcome.privacy": {
        "fi": "Tietosuoja: en tallenna kysymyksiin nimeäsi. Vastaamatta jääneet kysymykset "
        "tallennetaan ilman tunnisteita sisällön parantamiseksi.",
        "sv": "Dataskydd: jag sparar inte ditt namn med frågorna. Obesvarade frågor sparas "
        "utan identitet för att förbättra innehållet.",
        "en": "Privacy: I don't store your name with your questions. Unanswered questions are "
        "kept without any identity so the content can be improved.",
    },
    "help.title": {
        "fi": "Näin käytät minua",
        "sv": "Så här använder du mig",
        "en": "How to use me",
    },
    "help.body": {
        "fi": "Kirjoita kysymys omin sanoin, niin etsin siihen sopivan hyvän käytännön. "
        "Kanavalla ja ryhmächatissa mainitse minut (@Yhteisöbotti).",
        "sv": "Skriv en fråga med egna ord så söker jag en passande god praxis. "
        "I en kanal eller gruppchatt nämner du mig (@Yhteisöbotti).",
        "en": "Write a question in your own words and I'll find a matching good practice. "
        "In a channel or group chat, mention me (@Yhteisöbotti).",
    },
    "help.commands": {
        "fi": "Komennot",
        "sv": "Kommandon",
        "en": "Commands",
    },
    "help.command.help": {
        "fi": "apua – tämä ohje",
        "sv": "hjälp – den här hjälpen",
        "en": "help – this help",
    },
    "help.command.themes": {
        "fi": "aiheet – selaa aiheita",
        "sv": "teman – bläddra bland teman",
        "en": "themes – browse the themes",
    },
    "help.command.tip": {
        "fi": "vinkki – satunnainen vinkki",
        "sv": "tips – ett slumpmässigt tips",
        "en": "tip – a random tip",
    },
    "button.themes": {"fi": "Selaa aiheita", "sv": "Bläddra bland teman", "en": "Browse themes"},
    "button.tip": {"fi": "Anna vinkki", "sv": "Ge ett tips", "en": "Give me a tip"},
    "button.another_tip": {"fi": "Uusi vinkki", "sv": "Ett till tips", "en": "Another tip"},
    "button.read_more": {
        "fi": "Lue koko käytäntö",
        "sv": "Läs hela praxisen",
        "en": "Read the whole practice",
    },
    "button.back_to_themes": {
        "fi": "Takaisin aiheisiin",
        "sv": "Tillbaka till teman",
        "en": "Back to themes",
    },
    "button.pause": {"fi": "Tauko", "sv": "Paus", "en": "Pause"},
    "button.pause_until": {"fi": "Pidä tauko", "sv": "Pausa", "en": "Pause"},
    "button.unsubscribe": {
        "fi": "Lopeta tilaus",
        "sv": "Avsluta prenumerationen",
        "en": "Unsubscribe",
    },
    "button.settings": {"fi": "Asetukset", "sv": "Inställningar", "en": "Settings"},
    "button.save": {"fi": "Tallenna", "sv": "Spara", "en": "Save"},
    "pause.label": {
        "fi": "Tauko päättyy (päivämäärä)",
        "sv": "Pausen slutar (datum)",
        "en": "Pause ends on (date)",
    },
    "nudge.title": {
        "fi": "Viikon yhteisöteko",
        "sv": "Veckans gemenskapsgärning",
        "en": "This week's community act",
    },
    "nudge.action": {
        "fi": "Tällä viikolla: {action}",
        "sv": "Den här veckan: {action}",
        "en": "This week: {action}",
    },
    "settings.title": {"fi": "Asetukset", "sv": "Inställningar", "en": "Settings"},
    "settings.body": {
        "fi": "Valitse, mitä minulta saat. Voit muuttaa näitä milloin tahansa.",
        "sv": "Välj vad du vill få av mig. Du kan ändra det när som helst.",
        "en": "Choose what you get from me. You can change this at any time.",
    },
    "settings.scope_channel": {
        "fi": "Asetukset koskevat tätä kanavaa.",
        "sv": "Inställningarna gäller den här kanalen.",
        "en": "These settings apply to this channel.",
    },
    "settings.tips": {
        "fi": "Päivittäinen vinkki arkiaamuisin",
        "sv": "Dagligt tips på vardagsmorgnar",
        "en": "A daily tip on weekday mornings",
    },
    "settings.nudges": {
        "fi": "Viikoittainen yhteisöteko maanantaisin",
        "sv": "En gemenskapsgärning varje måndag",
        "en": "A weekly community act on Mondays",
    },
    "settings.language": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "settings.saved": {
        "fi": "Asetukset tallennettu.",
        "sv": "Inställningarna har sparats.",
        "en": "Settings saved.",
    },
    "language.fi": {"fi": "suomi", "sv": "finska", "en": "Finnish"},
    "language.sv": {"fi": "ruotsi", "sv": "svenska", "en": "Swedish"},
    "language.en": {"fi": "englanti", "sv": "engelska", "en": "English"},
    "subscribe.tips_done": {
        "fi": "Selvä! Saat vinkin arkiaamuisin klo {time}. Lopetus: kirjoita lopeta vinkit.",
        "sv": "Klart! Du får ett tips vardagsmorgnar kl. {time}. Avsluta: skriv avsluta tips.",
        "en": "Done! You'll get a tip on weekday mornings at {time}. To stop: type unsubscribe tips.",
    },
    "subscribe.nudges_done": {
        "fi": "Selvä! Saat viikon yhteisöteon kerran viikossa. Lopetus: kirjoita lopeta muistutukset.",
        "sv": "Klart! Du får veckans gemenskapsgärning en gång i veckan. Avsluta: skriv avsluta påminnelser.",
        "en": "Done! You'll get a community act once a week. To stop: type unsubscribe nudges.",
    },
    "subscribe.channel_done": {
        "fi": "Tämä kanava on nyt tilattu.",
        "sv": "Den här kanalen prenumererar nu.",
        "en": "This channel is now subscribed.",
    },
    "unsubscribe.done": {
        "fi": "Tilaus lopetettu. Et saa näitä enää.",
        "sv": "Prenumerationen är avslutad. Du får inte fler.",
        "en": "Unsubscribed. You won't get these any more.",
    },
    "unsubscribe.none": {
        "fi": "Sinulla ei ollut tätä tilausta.",
        "sv": "Du hade ingen sådan prenumeration.",
        "en": "You had no such subscription.",
    },
    "pause.done": {
        "fi": "Tauko asetettu {until} asti.",
        "sv": "Paus till och med {until}.",
        "en": "Paused until {until}.",
    },
    "pause.bad_date": {
        "fi": "Anna tauon loppupäivä muodossa VVVV-KK-PP, enintään vuoden päähän.",
        "sv": "Ange pausens slutdatum som ÅÅÅÅ-MM-DD, högst ett år framåt.",
        "en": "Give the end of the pause as YYYY-MM-DD, at most a year ahead.",
    },
    "error.storage": {
        "fi": "En juuri nyt pysty tallentamaan tätä. Yritä hetken päästä uudelleen.",
        "sv": "Jag kan inte spara det här just nu. Försök igen om en stund.",
        "en": "I can't save this right now. Please try again in a moment.",
    },
    "answer.theme": {"fi": "Aihe: {theme}", "sv": "Tema: {theme}", "en": "Theme: {theme}"},
    "answer.sources": {"fi": "Lähteet", "sv": "Källor", "en": "Sources"},
    "answer.helpful": {
        "fi": "Oliko tästä apua?",
        "sv": "Var det här till hjälp?",
        "en": "Was this helpful?",
    },
    "answer.yes": {"fi": "👍 Kyllä", "sv": "👍 Ja", "en": "👍 Yes"},
    "answer.no": {"fi": "👎 Ei", "sv": "👎 Nej", "en": "👎 No"},
    "answer.related": {"fi": "Katso myös", "sv": "Se också", "en": "See also"},
    "feedback.thanks_yes": {
        "fi": "Kiitos palautteesta! Hienoa, että tästä oli apua.",
        "sv": "Tack för responsen! Fint att det var till hjälp.",
        "en": "Thanks for the feedback! Glad it helped.",
    },
    "feedback.thanks_no": {
        "fi": "Kiitos palautteesta! Sen avulla sisältöä parannetaan.",
        "sv": "Tack för responsen! Den hjälper oss att förbättra innehållet.",
        "en": "Thanks for the feedback! It helps us improve the content.",
    },
    "didyoumean.title": {
        "fi": "Tarkoititko jotakin näistä?",
        "sv": "Menade du något av dessa?",
        "en": "Did you mean one of these?",
    },
    "didyoumean.body": {
        "fi": "En ole varma, mitä tarkoitit. Valitse lähin aihe tai kysy toisin sanoin.",
        "sv": "Jag är inte säker på vad du menade. Välj det närmaste eller fråga med andra ord.",
        "en": "I'm not sure what you meant. Pick the closest one or ask in other words.",
    },
    "notfound.title": {
        "fi": "En löytänyt tähän vastausta",
        "sv": "Jag hittade inget svar på det här",
        "en": "I couldn't find an answer to that",
    },
    "notfound.body": {
        "fi": "Osaan kertoa yhteisöllisyyttä tukevista käytännöistä monipaikkaisessa työssä. "
        "Kokeile kysyä toisin sanoin tai valitse aihe:",
        "sv": "Jag kan berätta om praxis som stöder gemenskapen i arbete på flera platser. "
        "Försök fråga med andra ord eller välj ett tema:",
        "en": "I know about practices that support community in multi-location work. "
        "Try asking in other words, or pick a theme:",
    },
    "themes.title": {"fi": "Aiheet", "sv": "Teman", "en": "Themes"},
    "themes.body": {
        "fi": "Valitse aihe, niin näytän sen käytännöt.",
        "sv": "Välj ett tema så visar jag dess praxis.",
        "en": "Pick a theme and I'll show its practices.",
    },
    "theme.entries": {
        "fi": "{count} käytäntöä",
        "sv": "{count} exempel på praxis",
        "en": "{count} practices",
    },
    "tip.title": {"fi": "Päivän vinkki", "sv": "Dagens tips", "en": "Tip of the day"},
    "message.empty": {
        "fi": "Kirjoita kysymys, niin etsin vastauksen. Kirjoita apua, jos haluat ohjeet.",
        "sv": "Skriv en fråga så söker jag ett svar. Skriv hjälp för instruktioner.",
        "en": "Write a question and I'll look for an answer. Type help for instructions.",
    },
    "message.too_long": {
        "fi": "Viestisi oli pitkä, joten luin siitä vain alun.",
        "sv": "Ditt meddelande var långt, så jag läste bara början.",
        "en": "Your message was long, so I only read the beginning.",
    },
    "action.invalid": {
        "fi": "Tämä painike ei ole enää käytössä. Kysy uudelleen tai kirjoita apua.",
        "sv": "Den här knappen fungerar inte längre. Fråga igen eller skriv hjälp.",
        "en": "This button no longer works. Ask again or type help.",
    },
    "error.generic": {
        "fi": "Pahoittelut, jokin meni vikaan. Yritä hetken päästä uudelleen.",
        "sv": "Förlåt, något gick fel. Försök igen om en stund.",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
}


def t(key: str, lang: Language, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled in."""
    text = CATALOGUE[key][lang]
    return text.format(**values) if values else text
