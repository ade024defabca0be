"""Every user-facing string of the bot, in Finnish, Swedish and English.

One catalogue so a translator sees everything in one place, and a test checks that no
language is missing. Use `t(key, lang, **values)`. Ground floor: it imports no feature; the
sentences of the onboarding cards are in bot/texts/onboarding.py, merged into CATALOGUE here.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import Language
from bot.texts.onboarding import ONBOARDING_TEXTS

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
    # --- virtual coffee ---------------------------------------------------------------
    "coffee.subject": {
        "fi": "Virtuaalikahvit ☕",
        "sv": "Virtuellt kaffe ☕",
        "en": "Virtual coffee ☕",
    },
    "coffee.meeting_body": {
        "fi": "<p>Tämä on virtuaalinen kahvitapaaminen Teamsissa: {names}. Yhteisöbotti sopi ajan, kun kaikilla oli kalenterissa tilaa.</p><p>Jos aika ei sovi, ehdota uutta aikaa tai kirjoita botille.</p>",
        "sv": "<p>Det här är en virtuell kaffeträff i Teams: {names}. Yhteisöbotti bokade en tid då alla hade tid i kalendern.</p><p>Om tiden inte passar, föreslå en ny tid eller skriv till boten.</p>",
        "en": "<p>This is a virtual coffee meeting in Teams: {names}. Yhteisöbotti booked a time when everyone's calendar was free.</p><p>If the time doesn't suit you, propose a new time or write to the bot.</p>",
    },
    "coffee.match.title": {
        "fi": "Kahviseuraa tälle viikolle ☕",
        "sv": "Kaffesällskap den här veckan ☕",
        "en": "Your coffee match this week ☕",
    },
    "coffee.match.with": {
        "fi": "Tapaat: {names}",
        "sv": "Du träffar: {names}",
        "en": "You'll meet: {names}",
    },
    "coffee.match.languages": {
        "fi": "Yhteiset kielet: {languages}",
        "sv": "Gemensamma språk: {languages}",
        "en": "Shared languages: {languages}",
    },
    "coffee.match.booked": {
        "fi": "Aika on varattu kalentereihinne: {when}.",
        "sv": "Tiden är bokad i era kalendrar: {when}.",
        "en": "The meeting is in your calendars: {when}.",
    },
    "coffee.match.join": {
        "fi": "Liity kokoukseen",
        "sv": "Anslut till mötet",
        "en": "Join the meeting",
    },
    "coffee.match.chat": {"fi": "Aloita chat", "sv": "Starta en chatt", "en": "Start a chat"},
    "coffee.match.new_meeting": {
        "fi": "Ehdota aikaa",
        "sv": "Föreslå en tid",
        "en": "Propose a time",
    },
    "coffee.match.starter": {
        "fi": "Juttuaihe: {starter}",
        "sv": "Samtalsämne: {starter}",
        "en": "Conversation starter: {starter}",
    },
    "coffee.fallback.not_configured": {
        "fi": "Kalentereihin varaaminen ei ole käytössä, joten sopikaa aika keskenänne.",
        "sv": "Bokning i kalendrarna används inte, så kom överens om en tid sinsemellan.",
        "en": "Calendar booking is not in use here, so agree on a time between you.",
    },
    "coffee.fallback.permission_denied": {
        "fi": "Minulla ei ole lupaa varata aikaa kalentereihin, joten sopikaa aika keskenänne.",
        "sv": "Jag har inte behörighet att boka i kalendrarna, så kom överens om en tid sinsemellan.",
        "en": "I'm not allowed to book in your calendars, so agree on a time between you.",
    },
    "coffee.fallback.not_found": {
        "fi": "En löytänyt kaikkien kalentereita, joten sopikaa aika keskenänne.",
        "sv": "Jag hittade inte allas kalendrar, så kom överens om en tid sinsemellan.",
        "en": "I couldn't find everyone's calendar, so agree on a time between you.",
    },
    "coffee.fallback.no_slot": {
        "fi": "Kalentereista ei löytynyt yhteistä vapaata aikaa tällä viikolla, joten sopikaa aika keskenänne.",
        "sv": "Det fanns ingen gemensam ledig tid i kalendrarna den här veckan, så kom överens om en tid sinsemellan.",
        "en": "Your calendars had no common free time this week, so agree on a time between you.",
    },
    "coffee.fallback.unavailable": {
        "fi": "Kalenteripalvelu ei vastannut, joten sopikaa aika keskenänne.",
        "sv": "Kalendertjänsten svarade inte, så kom överens om en tid sinsemellan.",
        "en": "The calendar service didn't answer, so agree on a time between you.",
    },
    "coffee.button.cant": {"fi": "En pääse", "sv": "Jag kan inte", "en": "Can't make it"},
    "coffee.button.new_time": {
        "fi": "Etsi uusi aika",
        "sv": "Hitta en ny tid",
        "en": "Find another time",
    },
    "coffee.button.cancel": {
        "fi": "Peru ja kerro muille",
        "sv": "Avboka och meddela de andra",
        "en": "Cancel and tell the others",
    },
    "coffee.button.pause": {
        "fi": "Tauko kahveista",
        "sv": "Paus från kaffet",
        "en": "Pause coffee",
    },
    "coffee.button.settings": {
        "fi": "Kahviasetukset",
        "sv": "Kaffeinställningar",
        "en": "Coffee settings",
    },
    "coffee.unmatched.title": {
        "fi": "Tällä kertaa ei kahviseuraa",
        "sv": "Inget kaffesällskap den här gången",
        "en": "No coffee match this time",
    },
    "coffee.unmatched.no_shared_language": {
        "fi": "Kukaan tämän kierroksen osallistujista ei puhu samaa kieltä kanssasi. Voit lisätä kieliä kahviasetuksissa.",
        "sv": "Ingen av deltagarna i den här omgången talar samma språk som du. Du kan lägga till språk i kaffeinställningarna.",
        "en": "No one in this round speaks a language you chose. You can add languages in the coffee settings.",
    },
    "coffee.unmatched.no_one_in_scope": {
        "fi": "Valitsemassasi joukossa ei ollut muita osallistujia. Voit laajentaa joukkoa kahviasetuksissa.",
        "sv": "Det fanns inga andra deltagare i den krets du valt. Du kan utvidga kretsen i kaffeinställningarna.",
        "en": "There were no other participants in the circle you chose. You can widen it in the coffee settings.",
    },
    "coffee.unmatched.only_avoided": {
        "fi": "Ainoat mahdolliset parit olivat henkilöitä, joita pyysit välttämään.",
        "sv": "De enda möjliga paren var personer du bett att undvika.",
        "en": "The only possible matches were people you asked to avoid.",
    },
    "coffee.unmatched.alone": {
        "fi": "Olit tällä kierroksella ainoa osallistuja. Kutsu kollega mukaan: kahvi mukaan.",
        "sv": "Du var den enda deltagaren i den här omgången. Bjud in en kollega: kaffe med.",
        "en": "You were the only participant this round. Invite a colleague: coffee on.",
    },
    "coffee.unmatched.no_free_partner": {
        "fi": "Tällä kierroksella kukaan sopiva ei ollut vapaana. Yritetään taas ensi kierroksella.",
        "sv": "Den här omgången var ingen lämplig person ledig. Vi försöker igen nästa omgång.",
        "en": "This round nobody suitable was free for you. We'll try again next round.",
    },
    "coffee.avoid.done": {
        "fi": "Selvä, sinua ei yhdistetä häneen. Häntä ei kerrota tästä.",
        "sv": "Okej, du paras inte ihop med hen. Hen får inte veta om det.",
        "en": "OK, you won't be paired with them. They are not told.",
    },
    "coffee.avoid.unknown": {
        "fi": "En tunnistanut henkilöä. Mainitse hänet (@) tai kirjoita sähköpostiosoite.",
        "sv": "Jag kände inte igen personen. Nämn hen (@) eller skriv e-postadressen.",
        "en": "I didn't recognise the person. Mention them (@) or write their email address.",
    },
    "coffee.avoid.full": {
        "fi": "Listallasi on jo enimmäismäärä henkilöitä.",
        "sv": "Din lista har redan det högsta antalet personer.",
        "en": "Your list already has the maximum number of people.",
    },
    "coffee.followup.title": {"fi": "Tapasitteko?", "sv": "Träffades ni?", "en": "Did you meet?"},
    "coffee.followup.body": {
        "fi": "Vastauksesi lasketaan vain organisaation yhteistilastoon, ei koskaan henkilökohtaisesti.",
        "sv": "Ditt svar räknas bara in i organisationens gemensamma statistik, aldrig personligt.",
        "en": "Your answer only counts towards the organisation's totals, never per person.",
    },
    "coffee.followup.yes": {"fi": "Kyllä", "sv": "Ja", "en": "Yes"},
    "coffee.followup.no": {"fi": "Ei", "sv": "Nej", "en": "No"},
    "coffee.followup.rescheduled": {"fi": "Siirrettiin", "sv": "Flyttades", "en": "Rescheduled"},
    "coffee.followup.thanks": {
        "fi": "Kiitos vastauksesta!",
        "sv": "Tack för svaret!",
        "en": "Thanks for answering!",
    },
    "coffee.optin.done": {
        "fi": "Olet mukana virtuaalikahveilla! Saat parin kierroksen alussa maanantaisin. Säädä asetuksia alta.",
        "sv": "Du är med på virtuellt kaffe! Du får ett par när omgången börjar på måndagar. Justera inställningarna nedan.",
        "en": "You're in for virtual coffee! You'll get a match when a round starts on Mondays. Adjust your settings below.",
    },
    "coffee.optout.done": {
        "fi": "Et ole enää mukana virtuaalikahveilla. Tervetuloa takaisin milloin vain: kahvi mukaan.",
        "sv": "Du är inte längre med på virtuellt kaffe. Välkommen tillbaka när som helst: kaffe med.",
        "en": "You're out of virtual coffee. Welcome back any time: coffee on.",
    },
    "coffee.not_in": {
        "fi": "Et ole mukana virtuaalikahveilla. Liity kirjoittamalla: kahvi mukaan.",
        "sv": "Du är inte med på virtuellt kaffe. Gå med genom att skriva: kaffe med.",
        "en": "You're not in virtual coffee. Join by typing: coffee on.",
    },
    "coffee.only_personal": {
        "fi": "Virtuaalikahveille liitytään henkilökohtaisessa chatissa kanssani.",
        "sv": "Man går med på virtuellt kaffe i en personlig chatt med mig.",
        "en": "You join virtual coffee in a personal chat with me.",
    },
    "coffee.pause.done": {
        "fi": "Kahvitauko {until} asti.",
        "sv": "Kaffepaus till och med {until}.",
        "en": "Coffee paused until {until}.",
    },
    "coffee.settings.title": {
        "fi": "Kahviasetukset",
        "sv": "Kaffeinställningar",
        "en": "Coffee settings",
    },
    "coffee.settings.frequency": {"fi": "Kuinka usein", "sv": "Hur ofta", "en": "How often"},
    "coffee.frequency.weekly": {"fi": "Joka viikko", "sv": "Varje vecka", "en": "Every week"},
    "coffee.frequency.biweekly": {
        "fi": "Joka toinen viikko",
        "sv": "Varannan vecka",
        "en": "Every two weeks",
    },
    "coffee.frequency.monthly": {
        "fi": "Kerran kuussa",
        "sv": "En gång i månaden",
        "en": "Once a month",
    },
    "coffee.settings.group_size": {
        "fi": "Ryhmän koko",
        "sv": "Gruppens storlek",
        "en": "Group size",
    },
    "coffee.group.2": {"fi": "Kahdestaan", "sv": "Två och två", "en": "Pairs"},
    "coffee.group.3": {"fi": "Kolmen ryhmä", "sv": "Grupper om tre", "en": "Groups of three"},
    "coffee.settings.languages": {
        "fi": "Kielet, joilla voin jutella",
        "sv": "Språk jag kan prata på",
        "en": "Languages I can chat in",
    },
    "coffee.settings.scope": {"fi": "Keiden kanssa", "sv": "Med vem", "en": "With whom"},
    "coffee.scope.team": {"fi": "Oma tiimi", "sv": "Mitt team", "en": "My team"},
    "coffee.scope.organisation": {
        "fi": "Oma organisaatio",
        "sv": "Min organisation",
        "en": "My organisation",
    },
    "coffee.scope.everyone": {
        "fi": "Kaikki (myös muut virastot)",
        "sv": "Alla (också andra ämbetsverk)",
        "en": "Everyone (other agencies too)",
    },
    "coffee.settings.weekdays": {"fi": "Sopivat päivät", "sv": "Passande dagar", "en": "Good days"},
    "weekday.0": {"fi": "maanantai", "sv": "måndag", "en": "Monday"},
    "weekday.1": {"fi": "tiistai", "sv": "tisdag", "en": "Tuesday"},
    "weekday.2": {"fi": "keskiviikko", "sv": "onsdag", "en": "Wednesday"},
    "weekday.3": {"fi": "torstai", "sv": "torsdag", "en": "Thursday"},
    "weekday.4": {"fi": "perjantai", "sv": "fredag", "en": "Friday"},
    "coffee.settings.window": {
        "fi": "Aikaikkuna (alkaen – päättyen)",
        "sv": "Tidsfönster (från – till)",
        "en": "Time window (from – to)",
    },
    "coffee.settings.length": {
        "fi": "Tapaamisen pituus (min)",
        "sv": "Mötets längd (min)",
        "en": "Meeting length (min)",
    },
    "coffee.settings.saved": {
        "fi": "Kahviasetukset tallennettu.",
        "sv": "Kaffeinställningarna har sparats.",
        "en": "Coffee settings saved.",
    },
    "coffee.settings.invalid": {
        "fi": "Asetuksissa oli virhe: {problem}. Mitään ei muutettu.",
        "sv": "Inställningarna hade ett fel: {problem}. Inget ändrades.",
        "en": "The settings had a problem: {problem}. Nothing was changed.",
    },
    "coffee.cant.cancelled": {
        "fi": "Selvä, peruin tämän kerran ja kerroin muille.",
        "sv": "Okej, jag avbokade den här gången och meddelade de andra.",
        "en": "OK, I cancelled this time and told the others.",
    },
    "coffee.cant.partner": {
        "fi": "{name} ei pääse tällä kertaa kahville. Uusi pari tulee seuraavalla kierroksella.",
        "sv": "{name} kan inte komma på kaffe den här gången. Ett nytt par kommer i nästa omgång.",
        "en": "{name} can't make it to coffee this time. A new match comes next round.",
    },
    "coffee.cant.rebooked": {
        "fi": "Uusi aika on varattu: {when}. Kerroin muille.",
        "sv": "En ny tid är bokad: {when}. Jag meddelade de andra.",
        "en": "A new time is booked: {when}. I told the others.",
    },
    "coffee.cant.moved": {
        "fi": "Kahvitapaaminen siirtyi: {when}.",
        "sv": "Kaffeträffen flyttades: {when}.",
        "en": "Your coffee meeting moved: {when}.",
    },
    "coffee.cant.no_slot": {
        "fi": "Uutta yhteistä aikaa ei löytynyt tältä viikolta. Voit perua ja kertoa muille.",
        "sv": "Ingen ny gemensam tid hittades den här veckan. Du kan avboka och meddela de andra.",
        "en": "No new common time this week. You can cancel and tell the others.",
    },
    "erase.done": {
        "fi": "Poistin kahvitietosi: osallistumisen, asetukset ja aiemmat kahviparit.",
        "sv": "Jag raderade dina kaffeuppgifter: deltagandet, inställningarna och tidigare kaffepar.",
        "en": "I deleted your coffee data: participation, settings and past coffee matches.",
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
    "answer.related": {"fi": "Katso myös", "sv": "Se även", "en": "See also"},
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
    # --- onboarding in chat (the cards' texts are in bot/texts/onboarding.py) --------------
    "intro.meeting.subject": {
        "fi": "Tutustumistapaaminen: {name}",
        "sv": "Bekantskapsmöte: {name}",
        "en": "Get-to-know chat: {name}",
    },
    "intro.meeting.body": {
        "fi": "<p>Lyhyt virtuaalinen tutustumistapaaminen Teamsissa: kerrotaan, mitä kumpikin tekee ja mikä työssä on nyt ajankohtaista.</p>",
        "sv": "<p>Ett kort virtuellt bekantskapsmöte i Teams: berätta vad ni var och en gör och vad som är aktuellt i arbetet just nu.</p>",
        "en": "<p>A short virtual get-to-know chat in Teams: tell each other what you work on and what is current right now.</p>",
    },
    "intro.meeting.booked": {
        "fi": "Tutustumistapaaminen henkilön {name} kanssa on varattu: {when}.",
        "sv": "Bekantskapsmötet med {name} är bokat: {when}.",
        "en": "Your get-to-know chat with {name} is booked: {when}.",
    },
    "intro.meeting.fallback": {
        "fi": "En voinut varata aikaa kalentereihin. Sovi tapaaminen henkilön {name} kanssa chatissa.",
        "sv": "Jag kunde inte boka en tid i kalendrarna. Kom överens med {name} i chatten.",
        "en": "I couldn't book a time in the calendars. Agree on a chat with {name} directly.",
    },
    "hr.not_allowed": {
        "fi": "Perehdytyksen voi käynnistää vain HR.",
        "sv": "Bara HR kan starta en introduktion.",
        "en": "Only HR can start an onboarding.",
    },
    "hr.usage": {
        "fi": "Kirjoita esimerkiksi: perehdytys @Henkilö 2026-12-01 (tai sähköpostiosoite).",
        "sv": "Skriv till exempel: introduktion @Person 2026-12-01 (eller e-postadress).",
        "en": "Write for example: onboarding @Person 2026-12-01 (or an email address).",
    },
    "hr.unknown_person": {
        "fi": "En löytänyt henkilöä {name} tämän keskustelun jäsenistä.",
        "sv": "Jag hittade inte {name} bland medlemmarna i den här konversationen.",
        "en": "I couldn't find {name} among the members of this conversation.",
    },
    "hr.failed": {
        "fi": "Perehdytystä ei käynnistetty: {problem}",
        "sv": "Introduktionen startades inte: {problem}",
        "en": "The onboarding was not started: {problem}",
    },
    "hr.started": {
        "fi": "Perehdytys käynnistetty: {name}.",
        "sv": "Introduktionen har startat: {name}.",
        "en": "Onboarding started: {name}.",
    },
    "hr.cancelled": {
        "fi": "Selvä, mitään ei käynnistetty.",
        "sv": "Okej, inget startades.",
        "en": "OK, nothing was started.",
    },
}

CATALOGUE.update(ONBOARDING_TEXTS)


def t(key: str, lang: Language, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled in."""
    text = CATALOGUE[key][lang]
    return text.format(**values) if values else text
