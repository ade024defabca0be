"""User-facing strings of onboarding cards and messages, in Finnish, Swedish and English.

The catalogue format of bot/texts (key → {fi, sv, en}, `{placeholders}` for str.format),
merged into its CATALOGUE. Ground floor, like the rest of bot/texts. Keys start with "onboarding." (sequence step cards),
"intro." (the newcomer's introduction) or "hr." (HR's confirmation card).
Placeholders are filled with values that the cards have already escaped.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import Language

ONBOARDING_TEXTS: Final[dict[str, dict[Language, str]]] = {
    # ------------------------------------------------------------ sequence step cards
    "onboarding.context": {
        "fi": "Perehdytys",
        "sv": "Introduktion",
        "en": "Onboarding",
    },
    "onboarding.context_for": {
        "fi": "Perehdytys: {name}",
        "sv": "Introduktion: {name}",
        "en": "Onboarding: {name}",
    },
    "onboarding.fallback.buddy": {
        "fi": "tiimisi nimeämä kollega",
        "sv": "en kollega som teamet utser",
        "en": "a colleague named by your team",
    },
    "onboarding.fallback.manager": {
        "fi": "esihenkilösi",
        "sv": "din chef",
        "en": "your manager",
    },
    "onboarding.button.done": {"fi": "Tehty", "sv": "Klart", "en": "Done"},
    "onboarding.done": {
        "fi": "✓ Merkitty tehdyksi. Kiitos!",
        "sv": "✓ Markerat som klart. Tack!",
        "en": "✓ Marked as done. Thank you!",
    },
    "onboarding.button.write_intro": {
        "fi": "Kirjoita esittely",
        "sv": "Skriv en presentation",
        "en": "Write my introduction",
    },
    "onboarding.button.coffee_join": {
        "fi": "Mukaan kahveille",
        "sv": "Jag är med på kaffe",
        "en": "Count me in",
    },
    "onboarding.coffee.note": {
        "fi": "Osallistuminen on vapaaehtoista. Voit lopettaa milloin vain kirjoittamalla: kahvi pois.",
        "sv": "Det är frivilligt att delta. Du kan sluta när du vill genom att skriva: kaffe av.",
        "en": "Joining is voluntary. You can stop whenever you like by typing: coffee off.",
    },
    "onboarding.pulse.score": {
        "fi": "Miltä alku on tuntunut asteikolla 1–5?",
        "sv": "Hur har starten känts på en skala från 1 till 5?",
        "en": "How has the start felt, on a scale of 1 to 5?",
    },
    "onboarding.pulse.score.1": {
        "fi": "1 – Tosi vaikealta",
        "sv": "1 – Mycket tung",
        "en": "1 – Very hard",
    },
    "onboarding.pulse.score.2": {
        "fi": "2 – Melko vaikealta",
        "sv": "2 – Ganska tung",
        "en": "2 – Quite hard",
    },
    "onboarding.pulse.score.3": {
        "fi": "3 – Siltä väliltä",
        "sv": "3 – Sådär",
        "en": "3 – So-so",
    },
    "onboarding.pulse.score.4": {
        "fi": "4 – Hyvältä",
        "sv": "4 – Bra",
        "en": "4 – Good",
    },
    "onboarding.pulse.score.5": {
        "fi": "5 – Erinomaiselta",
        "sv": "5 – Mycket bra",
        "en": "5 – Great",
    },
    "onboarding.pulse.score_error": {
        "fi": "Valitse yksi vaihtoehdoista 1–5.",
        "sv": "Välj ett av alternativen 1–5.",
        "en": "Choose one of the options 1–5.",
    },
    "onboarding.pulse.comment": {
        "fi": "Kommentti (vapaaehtoinen, menee vain HR:lle)",
        "sv": "Kommentar (frivillig, går bara till HR)",
        "en": "Comment (optional, goes to HR only)",
    },
    "onboarding.pulse.comment_hint": {
        "fi": "Mikä on auttanut? Mitä olisit kaivannut?",
        "sv": "Vad har hjälpt? Vad skulle du ha behövt?",
        "en": "What has helped? What would you have needed?",
    },
    "onboarding.pulse.privacy": {
        "fi": "Vastauksesi näkee vain HR. Esihenkilösi ja tiimisi eivät näe sitä.",
        "sv": "Bara HR ser ditt svar. Din chef och ditt team ser det inte.",
        "en": "Only HR sees your answer. Your manager and your team don't.",
    },
    "onboarding.button.send": {"fi": "Lähetä", "sv": "Skicka", "en": "Send"},
    "onboarding.pulse.thanks_title": {
        "fi": "Kiitos vastauksestasi!",
        "sv": "Tack för ditt svar!",
        "en": "Thank you for answering!",
    },
    "onboarding.pulse.thanks_body": {
        "fi": "Vastauksesi meni HR:lle, ja sen avulla perehdytystä kehitetään. Jos jokin painaa mieltä, voit ottaa yhteyttä myös esihenkilöösi tai perehdyttäjääsi.",
        "sv": "Ditt svar gick till HR och används för att utveckla introduktionen. Om något tynger dig kan du också kontakta din chef eller din introduktör.",
        "en": "Your answer went to HR and helps improve orientation. If something is on your mind, you can also talk to your manager or your orientation lead.",
    },
    # ------------------------------------------------------------ the newcomer's introduction
    "intro.form.title": {
        "fi": "Esittele itsesi tiimille",
        "sv": "Presentera dig för teamet",
        "en": "Introduce yourself to the team",
    },
    "intro.form.body": {
        "fi": "Muutama rivi riittää. Näet esikatselun ennen julkaisua, eikä mitään julkaista ilman lupaasi.",
        "sv": "Några rader räcker. Du ser en förhandsvisning innan något publiceras, och ingenting publiceras utan ditt samtycke.",
        "en": "A few lines are enough. You'll see a preview first, and nothing is posted without your consent.",
    },
    "intro.field.name": {"fi": "Nimi", "sv": "Namn", "en": "Name"},
    "intro.field.name_error": {
        "fi": "Kirjoita nimesi.",
        "sv": "Skriv ditt namn.",
        "en": "Please write your name.",
    },
    "intro.field.role": {
        "fi": "Rooli ja mitä teen",
        "sv": "Roll och vad jag arbetar med",
        "en": "Role and what I work on",
    },
    "intro.hint.role": {
        "fi": "Esim. erityisasiantuntija, hankintojen juridiikka",
        "sv": "T.ex. specialsakkunnig, juridik kring upphandlingar",
        "en": "E.g. senior specialist, procurement law",
    },
    "intro.field.location": {
        "fi": "Missä yleensä työskentelen",
        "sv": "Var jag oftast arbetar",
        "en": "Where I usually work",
    },
    "intro.hint.location": {
        "fi": "Esim. Joensuun toimitalo ja etänä",
        "sv": "T.ex. ämbetshuset i Joensuu och på distans",
        "en": "E.g. the Joensuu office and remotely",
    },
    "intro.field.languages": {"fi": "Kielet", "sv": "Språk", "en": "Languages"},
    "intro.hint.languages": {
        "fi": "Esim. suomi, ruotsi, englanti",
        "sv": "T.ex. svenska, finska, engelska",
        "en": "E.g. Finnish, Swedish, English",
    },
    "intro.field.about": {
        "fi": "Jotain minusta (vapaaehtoinen)",
        "sv": "Något om mig (frivilligt)",
        "en": "Something about me (optional)",
    },
    "intro.hint.about": {
        "fi": "Harrastus, lempikahvi tai mitä odotat uudelta työltä",
        "sv": "En hobby, ditt favoritkaffe eller vad du ser fram emot i det nya jobbet",
        "en": "A hobby, your favourite coffee or what you look forward to in the new job",
    },
    "intro.photo_reminder": {
        "fi": "📷 Muista myös profiilikuva Teamsissa: kasvot nimen vieressä helpottavat tutustumista.",
        "sv": "📷 Glöm inte profilbilden i Teams: ett ansikte bredvid namnet gör det lättare att lära känna varandra.",
        "en": "📷 Remember your Teams profile photo too: a face next to your name makes it easier to get to know you.",
    },
    "intro.button.preview": {"fi": "Esikatsele", "sv": "Förhandsvisa", "en": "Preview"},
    "intro.button.decline": {
        "fi": "En halua esittelyä",
        "sv": "Jag vill inte presenteras",
        "en": "No introduction, thanks",
    },
    "intro.button.post": {
        "fi": "Julkaise tiimille",
        "sv": "Publicera för teamet",
        "en": "Post to the team",
    },
    "intro.button.edit": {"fi": "Muokkaa", "sv": "Redigera", "en": "Edit"},
    "intro.preview.title": {
        "fi": "Esikatselu",
        "sv": "Förhandsvisning",
        "en": "Preview",
    },
    "intro.preview.body": {
        "fi": "Tältä esittelysi näyttää tiimin kanavalla. Julkaise, muokkaa tai jätä julkaisematta.",
        "sv": "Så här ser din presentation ut i teamets kanal. Publicera, redigera eller låt bli.",
        "en": "This is how your introduction will look in the team's channel. Post it, edit it or leave it.",
    },
    "intro.post.title": {
        "fi": "Tervetuloa tiimiin, {name}! 👋",
        "sv": "Välkommen till teamet, {name}! 👋",
        "en": "Welcome to the team, {name}! 👋",
    },
    "intro.post.lead": {
        "fi": "Uusi kollega esittäytyy:",
        "sv": "En ny kollega presenterar sig:",
        "en": "A new colleague introduces themselves:",
    },
    "intro.post.role": {"fi": "Rooli ja työ", "sv": "Roll och arbete", "en": "Role and work"},
    "intro.post.location": {
        "fi": "Työskentelee yleensä",
        "sv": "Arbetar oftast",
        "en": "Usually works",
    },
    "intro.post.languages": {"fi": "Kielet", "sv": "Språk", "en": "Languages"},
    "intro.post.about": {"fi": "Lisäksi", "sv": "Dessutom", "en": "Also"},
    "intro.post.invite": {
        "fi": "Sano hei tai varaa lyhyt tutustumishetki: kerro, mitä teet ja mikä on juuri nyt ajankohtaista.",
        "sv": "Säg hej eller boka en kort bekantskapsstund: berätta vad du gör och vad som är aktuellt just nu.",
        "en": "Say hi or book a short get-to-know chat: tell them what you do and what's current right now.",
    },
    "intro.button.say_hi": {"fi": "Sano hei", "sv": "Säg hej", "en": "Say hi"},
    "intro.button.book": {
        "fi": "Varaa tutustumishetki",
        "sv": "Boka en bekantskapsstund",
        "en": "Book a get-to-know chat",
    },
    "intro.teammate.title": {
        "fi": "Tutustu uuteen kollegaan",
        "sv": "Lär känna en ny kollega",
        "en": "Get to know a new colleague",
    },
    "intro.teammate.body": {
        "fi": "{name} aloitti tiimissänne. Varaa lyhyt tutustumishetki, jossa kerrot omista tehtävistäsi ja siitä, mikä niissä on nyt ajankohtaista. Niin uusi kollega oppii nopeasti, keneltä mitäkin kysytään.",
        "sv": "{name} har börjat i ert team. Boka en kort bekantskapsstund där du berättar om dina uppgifter och vad som är aktuellt i dem nu. Så lär sig den nya snabbt vem man frågar om vad.",
        "en": "{name} has joined your team. Book a short get-to-know chat to tell them about your work and what's current in it right now. That way a new colleague quickly learns who to ask about what.",
    },
    "intro.teammate.once": {
        "fi": "Saat tämän kutsun vain kerran.",
        "sv": "Du får den här inbjudan bara en gång.",
        "en": "You'll get this invitation only once.",
    },
    "intro.declined.title": {
        "fi": "Selvä, esittelyä ei julkaista",
        "sv": "Okej, ingen presentation publiceras",
        "en": "Got it, no introduction will be posted",
    },
    "intro.declined.body": {
        "fi": "Tiimin kanavalle ei tule mitään. Jos muutat mielesi, voit kirjoittaa esittelyn myöhemmin.",
        "sv": "Ingenting visas i teamets kanal. Om du ändrar dig kan du skriva en presentation senare.",
        "en": "Nothing appears in the team's channel. If you change your mind, you can write an introduction later.",
    },
    "intro.button.write_anyway": {
        "fi": "Kirjoitan sittenkin",
        "sv": "Jag skriver ändå",
        "en": "I'll write one after all",
    },
    "intro.posted.title": {
        "fi": "Esittelysi on julkaistu 🎉",
        "sv": "Din presentation är publicerad 🎉",
        "en": "Your introduction is posted 🎉",
    },
    "intro.posted.body": {
        "fi": "Tiimisi näkee sen kanavalla, ja kollegat saavat kutsun varata kanssasi tutustumishetken.",
        "sv": "Ditt team ser den i kanalen, och kollegerna får en inbjudan att boka en bekantskapsstund med dig.",
        "en": "Your team can see it in the channel, and your colleagues are invited to book a get-to-know chat with you.",
    },
    # ------------------------------------------------------------ HR's confirmation
    "hr.confirm.title": {
        "fi": "Aloitetaanko perehdytys?",
        "sv": "Ska introduktionen startas?",
        "en": "Start the onboarding?",
    },
    "hr.confirm.body": {
        "fi": "Tarkista tiedot. Vaiheet ajoitetaan työpäivinä aloituspäivästä, ja viikonloput ja pyhäpäivät ohitetaan.",
        "sv": "Kontrollera uppgifterna. Stegen schemaläggs i arbetsdagar från startdagen, och veckoslut och helgdagar hoppas över.",
        "en": "Check the details. Steps are scheduled in working days from the start date, skipping weekends and public holidays.",
    },
    "hr.field.employee": {"fi": "Työntekijä", "sv": "Medarbetare", "en": "Employee"},
    "hr.field.start_date": {"fi": "Aloituspäivä", "sv": "Startdag", "en": "Start date"},
    "hr.field.sequence": {"fi": "Ohjelma", "sv": "Program", "en": "Sequence"},
    "hr.field.buddy": {"fi": "Perehdyttäjä", "sv": "Introduktör", "en": "Orientation lead"},
    "hr.field.manager": {"fi": "Esihenkilö", "sv": "Chef", "en": "Manager"},
    "hr.field.language": {"fi": "Kieli", "sv": "Språk", "en": "Language"},
    "hr.value.none": {"fi": "ei nimetty", "sv": "inte utsedd", "en": "not named"},
    "hr.note.past_start": {
        "fi": "Aloituspäivä on jo mennyt: tervetuloviesti lähtee heti, ja vaiheet, joiden päivä on ohi, jätetään väliin.",
        "sv": "Startdagen har redan varit: välkomstmeddelandet skickas genast, och steg vars dag redan har passerat hoppas över.",
        "en": "The start date has passed: the welcome goes out now, and steps whose day has passed are skipped.",
    },
    "hr.note.day_off": {
        "fi": "Aloituspäivä ei ole työpäivä, joten ensimmäiset viestit lähtevät {date}.",
        "sv": "Startdagen är inte en arbetsdag, så de första meddelandena skickas {date}.",
        "en": "The start date isn't a working day, so the first messages go out on {date}.",
    },
    "hr.button.confirm": {
        "fi": "Aloita perehdytys",
        "sv": "Starta introduktionen",
        "en": "Start onboarding",
    },
    "hr.button.cancel": {"fi": "Peruuta", "sv": "Avbryt", "en": "Cancel"},
}
