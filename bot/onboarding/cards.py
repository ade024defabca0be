"""Onboarding cards: sequence steps, the newcomer's introduction, teammates' prompt, HR.

Pure functions from onboarding's own data to Adaptive Card 1.5 dicts, built from the shared
builders of cards/ (which import no feature). Every string comes from the catalogue
(bot/texts/onboarding.py, merged into bot/texts). Text typed by people — introduction
fields, display names from Teams — goes through :func:`escape_markdown` before it reaches
a TextBlock or a Fact, because those render a Markdown subset: a name like
"**x** [y](https://…)" must show as written, not as bold text and a link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from urllib.parse import quote

from bot.content.models import ContentPack
from bot.i18n import LANGUAGES, Language, to_language
from bot.onboarding.model import Introduction, OnboardingRequest, Role
from bot.onboarding.sequences import (
    SEQUENCES_FILE,
    Sequence,
    SequenceStep,
    StepKind,
    load_sequences,
    render_text,
)
from bot.settings import BUNDLED_CONTENT_DIR
from bot.texts import CATALOGUE
from bot.texts.onboarding import ONBOARDING_TEXTS
from bot.workdays import add_working_days
from cards.base import (
    VERB_COFFEE_JOIN,
    VERB_HR_CANCEL,
    VERB_HR_CONFIRM,
    VERB_INTRO_BOOK,
    VERB_INTRO_DECLINE,
    VERB_INTRO_EDIT,
    VERB_INTRO_POST,
    VERB_INTRO_PREVIEW,
    VERB_ONBOARDING_ACK,
    VERB_ONBOARDING_PULSE,
    VERB_SHOW_ENTRY,
    Card,
    Element,
    card,
    execute,
    heading,
    open_url,
    paragraph,
    subtle,
)

# Longest accepted value of each introduction field (the form's maxLength; handlers cap
# again with clean_text, because a client can send anything).
INTRO_LIMITS: Mapping[str, int] = {
    "name": 80,
    "role": 200,
    "location": 120,
    "languages": 120,
    "about": 500,
}
PULSE_COMMENT_LIMIT = 1000
NAME_LIMIT = 80  # display names from Teams
PULSE_SCORES = ("1", "2", "3", "4", "5")
MAX_LINK_BUTTONS = 3

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _t(key: str, lang: Language, **values: object) -> str:
    """Like bot.texts.t, also before ONBOARDING_TEXTS is merged into the CATALOGUE."""
    texts = CATALOGUE.get(key) or ONBOARDING_TEXTS[key]
    text = texts[lang]
    return text.format(**values) if values else text


# ------------------------------------------------------------------ user-typed text

# Bidirectional overrides and isolates can make text read differently from what it is.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
# Characters with a meaning in the Markdown subset of TextBlocks (and a backslash itself).
_MARKDOWN = re.compile(r"([\\`*_\[\]()#>~|<])")
# At the start of a line: "- item", "+ item", "1. item", "1) item" would become a list.
_LIST_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))(?=\s|$)")


def clean_text(value: object, limit: int, *, multiline: bool = False) -> str:
    """Plain text fit to show or store: control characters removed, spaces tidied, capped.

    Not a string → empty. Single-line text has every run of white space (line breaks
    included) turned into one space; multi-line text keeps line breaks, at most one empty
    line in a row. Longer than `limit` characters → cut, ending in "…".
    """
    if not isinstance(value, str) or limit <= 0:
        return ""
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", value.replace("\r\n", "\n")):
        if char in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif char == "\t":
            kept.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co"):
            continue
        else:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        lines = [re.sub(r"\s+", " ", line).strip() for line in text.split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _escape_line(line: str) -> str:
    escaped = _MARKDOWN.sub(r"\\\1", line)
    match = _LIST_START.match(escaped)
    if match:
        indent, sign, number, mark = match.groups()
        if sign:
            escaped = f"{indent}\\{sign}{escaped[match.end() :]}"
        else:
            escaped = f"{indent}{number}\\{mark}{escaped[match.end() :]}"
    return escaped


def escape_markdown(value: object, limit: int = 200, *, multiline: bool = False) -> str:
    """User-typed text made safe for a TextBlock: cleaned and capped (:func:`clean_text`),
    then every Markdown character backslash-escaped, and list markers at a line start too.
    """
    text = clean_text(value, limit, multiline=multiline)
    return "\n".join(_escape_line(line) for line in text.split("\n"))


def date_text(day: date, lang: Language) -> str:
    """'1.12.2026' in Finnish and Swedish, '1 December 2026' in English."""
    if lang == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def chat_link(upn: str) -> str | None:
    """Teams deep link to a 1:1 chat with `upn`, or None when it does not look like a UPN."""
    upn = upn.strip()
    if not re.fullmatch(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", upn):
        return None
    return "https://teams.microsoft.com/l/chat/0/0?users=" + quote(upn, safe="@")


# ------------------------------------------------------------------ sequence steps


def step_values(values: Mapping[str, str | date | None], lang: Language) -> dict[str, str]:
    """Placeholder values for a step's texts: names escaped, dates formatted, and a
    missing buddy or manager replaced by "your orientation lead" / "your manager"."""
    result: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, date):
            result[key] = date_text(value, lang)
        elif isinstance(value, str):
            result[key] = escape_markdown(value, NAME_LIMIT)
    for key in ("buddy", "manager"):
        if not result.get(key):
            result[key] = _t(f"onboarding.fallback.{key}", lang)
    return result


def _step_header(step: SequenceStep, lang: Language, filled: Mapping[str, str]) -> list[Element]:
    if step.role is Role.NEWCOMER or not filled.get("name"):
        context = _t("onboarding.context", lang)
    else:
        context = _t("onboarding.context_for", lang, name=filled["name"])
    return [
        subtle(context),
        heading(render_text(step.title.get(lang), filled)),
        paragraph(render_text(step.body.get(lang), filled)),
    ]


def _read_more(step: SequenceStep, lang: Language) -> list[Element]:
    actions: list[Element] = [
        open_url(link.title, link.url) for link in step.links[:MAX_LINK_BUTTONS]
    ]
    if step.entry:
        data = {"entry": step.entry, "lang": lang}
        actions.append(execute(_t("button.read_more", lang), VERB_SHOW_ENTRY, data))
    return actions


def _pulse_inputs(lang: Language) -> list[Element]:
    return [
        {
            "type": "Input.ChoiceSet",
            "id": "score",
            "label": _t("onboarding.pulse.score", lang),
            "style": "expanded",
            "isRequired": True,
            "errorMessage": _t("onboarding.pulse.score_error", lang),
            "choices": [
                {"title": _t(f"onboarding.pulse.score.{score}", lang), "value": score}
                for score in PULSE_SCORES
            ],
        },
        {
            "type": "Input.Text",
            "id": "comment",
            "label": _t("onboarding.pulse.comment", lang),
            "placeholder": _t("onboarding.pulse.comment_hint", lang),
            "isMultiline": True,
            "maxLength": PULSE_COMMENT_LIMIT,
        },
        subtle(_t("onboarding.pulse.privacy", lang)),
    ]


def step_card(
    step: SequenceStep,
    lang: Language,
    values: Mapping[str, str | date | None],
    onboarding_id: str,
) -> Card:
    """A sequence step as a card; its buttons depend on the step's kind.

    `values` fills the texts' placeholders: name, buddy, manager (display names, escaped
    here) and start_date (a date, formatted for `lang`). Every button carries the
    onboarding id and the step id, so the handler knows what was answered.
    """
    filled = step_values(values, lang)
    body = _step_header(step, lang, filled)
    data = {"onboarding": onboarding_id, "step": step.id, "lang": lang}
    main: list[Element] = []
    if step.kind is StepKind.ACK:
        main.append(execute(_t("onboarding.button.done", lang), VERB_ONBOARDING_ACK, data))
    elif step.kind is StepKind.COFFEE:
        body.append(subtle(_t("onboarding.coffee.note", lang)))
        main.append(execute(_t("onboarding.button.coffee_join", lang), VERB_COFFEE_JOIN, data))
    elif step.kind is StepKind.PULSE:
        body += _pulse_inputs(lang)
        main.append(execute(_t("onboarding.button.send", lang), VERB_ONBOARDING_PULSE, data))
    elif step.kind is StepKind.INTRO:
        body.append(subtle(_t("intro.photo_reminder", lang)))
        main.append(execute(_t("onboarding.button.write_intro", lang), VERB_INTRO_EDIT, data))
    return card(body, [*main, *_read_more(step, lang)], lang)


def step_done_card(
    step: SequenceStep, lang: Language, values: Mapping[str, str | date | None]
) -> Card:
    """The step again after "Done": its texts, the buttons replaced by a thank-you line."""
    filled = step_values(values, lang)
    body = _step_header(step, lang, filled)
    body.append(paragraph(_t("onboarding.done", lang), weight="Bolder"))
    return card(body, _read_more(step, lang), lang)


def pulse_thanks_card(lang: Language) -> Card:
    return card(
        [
            heading(_t("onboarding.pulse.thanks_title", lang)),
            paragraph(_t("onboarding.pulse.thanks_body", lang)),
        ],
        None,
        lang,
    )


# ------------------------------------------------------------------ the introduction


def _intro_input(
    intro_field: str, value: str, lang: Language, *, required: bool = False
) -> Element:
    limit = INTRO_LIMITS[intro_field]
    multiline = intro_field == "about"
    element: Element = {
        "type": "Input.Text",
        "id": intro_field,
        "label": _t(f"intro.field.{intro_field}", lang),
        "maxLength": limit,
        "value": clean_text(value, limit, multiline=multiline),
    }
    if intro_field != "name":
        element["placeholder"] = _t(f"intro.hint.{intro_field}", lang)
    if multiline:
        element["isMultiline"] = True
    if required:
        element["isRequired"] = True
        element["errorMessage"] = _t("intro.field.name_error", lang)
    return element


def _intro_data(intro: Introduction, lang: Language) -> dict[str, str]:
    return {"team": intro.team_id, "lang": lang}


def _decline(intro: Introduction, lang: Language) -> Element:
    action = execute(_t("intro.button.decline", lang), VERB_INTRO_DECLINE, _intro_data(intro, lang))
    action["associatedInputs"] = "none"  # declining needs no name
    return action


def intro_form_card(intro: Introduction, lang: Language) -> Card:
    """The form: name (prefilled), role, where I work, languages, something about me."""
    body: list[Element] = [
        heading(_t("intro.form.title", lang)),
        paragraph(_t("intro.form.body", lang)),
        _intro_input("name", intro.name, lang, required=True),
        _intro_input("role", intro.role_text, lang),
        _intro_input("location", intro.location_text, lang),
        _intro_input("languages", intro.languages_text, lang),
        _intro_input("about", intro.about_text, lang),
        subtle(_t("intro.photo_reminder", lang)),
    ]
    actions = [
        execute(_t("intro.button.preview", lang), VERB_INTRO_PREVIEW, _intro_data(intro, lang)),
        _decline(intro, lang),
    ]
    return card(body, actions, lang)


def _intro_fields(intro: Introduction, lang: Language) -> list[Element]:
    """The introduction's own words, escaped, each under a short label."""
    rows = (
        ("role", intro.role_text),
        ("location", intro.location_text),
        ("languages", intro.languages_text),
        ("about", intro.about_text),
    )
    elements: list[Element] = []
    for key, value in rows:
        multiline = key == "about"
        text = escape_markdown(value, INTRO_LIMITS[key], multiline=multiline)
        if not text:
            continue
        elements.append(paragraph(_t(f"intro.post.{key}", lang), weight="Bolder"))
        block = paragraph(text)
        block["spacing"] = "None"
        elements.append(block)
    return elements


def _intro_body(intro: Introduction, lang: Language) -> list[Element]:
    name = escape_markdown(intro.name, INTRO_LIMITS["name"])
    return [
        heading(_t("intro.post.title", lang, name=name)),
        subtle(_t("intro.post.lead", lang)),
        *_intro_fields(intro, lang),
    ]


def intro_preview_card(intro: Introduction, lang: Language) -> Card:
    """What would be posted, and Post / Edit / Decline: nothing is posted before Post."""
    body: list[Element] = [
        subtle(_t("intro.preview.title", lang)),
        paragraph(_t("intro.preview.body", lang)),
        {"type": "Container", "style": "emphasis", "items": _intro_body(intro, lang)},
    ]
    data = _intro_data(intro, lang)
    actions = [
        execute(_t("intro.button.post", lang), VERB_INTRO_POST, data),
        execute(_t("intro.button.edit", lang), VERB_INTRO_EDIT, data),
        _decline(intro, lang),
    ]
    return card(body, actions, lang)


def _book_action(intro: Introduction, lang: Language) -> Element:
    return execute(
        _t("intro.button.book", lang),
        VERB_INTRO_BOOK,
        {"person": intro.person_id, "team": intro.team_id, "lang": lang},
    )


def intro_post_card(intro: Introduction, lang: Language, newcomer_upn: str | None) -> Card:
    """The introduction in the team's channel: "Say hi" (a chat deep link, when the UPN is
    known) and "Book a get-to-know chat"."""
    body = [*_intro_body(intro, lang), paragraph(_t("intro.post.invite", lang))]
    actions: list[Element] = []
    link = chat_link(newcomer_upn) if newcomer_upn else None
    if link:
        actions.append(open_url(_t("intro.button.say_hi", lang), link))
    actions.append(_book_action(intro, lang))
    return card(body, actions, lang)


def teammate_prompt_card(intro: Introduction, lang: Language) -> Card:
    """Sent once to each teammate: book a short get-to-know chat with the newcomer."""
    name = escape_markdown(intro.name, INTRO_LIMITS["name"])
    body: list[Element] = [
        heading(_t("intro.teammate.title", lang)),
        paragraph(_t("intro.teammate.body", lang, name=name)),
    ]
    role = escape_markdown(intro.role_text, INTRO_LIMITS["role"])
    if role:
        body.append(paragraph(_t("intro.post.role", lang), weight="Bolder"))
        block = paragraph(role)
        block["spacing"] = "None"
        body.append(block)
    body.append(subtle(_t("intro.teammate.once", lang)))
    return card(body, [_book_action(intro, lang)], lang)


def declined_card(lang: Language, team_id: str | None = None) -> Card:
    """To the newcomer after Decline: nothing was posted; they may still write one."""
    body = [heading(_t("intro.declined.title", lang)), paragraph(_t("intro.declined.body", lang))]
    actions: list[Element] = []
    if team_id:
        actions.append(
            execute(
                _t("intro.button.write_anyway", lang),
                VERB_INTRO_EDIT,
                {"team": team_id, "lang": lang},
            )
        )
    return card(body, actions, lang)


def posted_card(intro: Introduction, lang: Language) -> Card:
    """To the newcomer after Post: it is in the channel, teammates are invited."""
    return card(
        [
            heading(_t("intro.posted.title", lang)),
            paragraph(_t("intro.posted.body", lang)),
            {"type": "Container", "style": "emphasis", "items": _intro_body(intro, lang)},
        ],
        None,
        lang,
    )


# ------------------------------------------------------------------ HR


def _person(name: str | None, person_id: str | None, lang: Language) -> str:
    if name:
        return escape_markdown(name, NAME_LIMIT)
    if person_id:
        return escape_markdown(person_id, NAME_LIMIT)
    return _t("hr.value.none", lang)


def hr_confirm_card(
    request: OnboardingRequest,
    lang: Language,
    *,
    sequence_title: str | None = None,
    buddy_name: str | None = None,
    manager_name: str | None = None,
    today: date | None = None,
) -> Card:
    """Confirmation of an HR chat command: who, when, which sequence, buddy, manager.

    Confirm carries the parsed request, so the handler creates exactly what HR saw (and
    checks again that the person pressing it is in the HR group). With `today`, a start
    date in the past or on a day off is explained.
    """
    language = to_language(request.language) or lang
    facts = [
        ("hr.field.employee", _person(request.employee_name, request.employee_id, lang)),
        ("hr.field.start_date", date_text(request.start_date, lang)),
        ("hr.field.sequence", sequence_title or escape_markdown(request.sequence, NAME_LIMIT)),
        ("hr.field.buddy", _person(buddy_name, request.buddy_id, lang)),
        ("hr.field.manager", _person(manager_name, request.manager_id, lang)),
        ("hr.field.language", _t(f"language.{language}", lang)),
    ]
    body: list[Element] = [
        heading(_t("hr.confirm.title", lang)),
        paragraph(_t("hr.confirm.body", lang)),
        {
            "type": "FactSet",
            "facts": [{"title": _t(key, lang), "value": value} for key, value in facts],
        },
    ]
    if today is not None:
        first_day = add_working_days(request.start_date, 0)
        if first_day < today:
            body.append(paragraph(_t("hr.note.past_start", lang), weight="Bolder"))
        elif first_day != request.start_date:
            body.append(
                paragraph(
                    _t("hr.note.day_off", lang, date=date_text(first_day, lang)), weight="Bolder"
                )
            )
    data: dict[str, str] = {
        "employee": request.employee_id,
        "employee_name": request.employee_name,
        "start_date": request.start_date.isoformat(),
        "sequence": request.sequence,
        "language": language,
        "lang": lang,
    }
    for key, value in (
        ("team", request.team_id),
        ("buddy", request.buddy_id),
        ("manager", request.manager_id),
    ):
        if value:
            data[key] = value
    actions = [
        execute(_t("hr.button.confirm", lang), VERB_HR_CONFIRM, data),
        execute(_t("hr.button.cancel", lang), VERB_HR_CANCEL, {"lang": lang}),
    ]
    return card(body, actions, lang)


# ------------------------------------------------------------------ samples


_SAMPLE_PEOPLE: Mapping[str, Mapping[str, str]] = {
    "fi": {
        "name": "Aino Virtanen",
        "upn": "aino.virtanen@virasto.fi",
        "role": "Erityisasiantuntija, hankintojen juridiikka",
        "location": "Joensuun yhteinen toimitalo tiistaisin ja torstaisin, muuten etänä",
        "languages": "suomi, englanti, vähän ruotsia",
        "about": "Lenkkeilen koiran kanssa ja leivon viikonloppuisin. Kysy rohkeasti hankinnoista!",
        "buddy": "Mikko Korhonen",
        "manager": "Leena Heikkinen",
    },
    "sv": {
        "name": "Sara Lindqvist",
        "upn": "sara.lindqvist@virasto.fi",
        "role": "Specialsakkunnig, regional utveckling",
        "location": "Vasa ämbetshus på måndagar, annars på distans",
        "languages": "svenska, finska, engelska",
        "about": "Jag sjunger i kör och paddlar kajak på somrarna.",
        "buddy": "Johan Nyström",
        "manager": "Maria Sjöberg",
    },
    "en": {
        "name": "Daniel Okafor",
        "upn": "daniel.okafor@virasto.fi",
        "role": "Data analyst, statistics and reporting",
        "location": "Helsinki office on Wednesdays, otherwise remote",
        "languages": "English, some Finnish",
        "about": "Learning Finnish one coffee break at a time. Ask me about dashboards!",
        "buddy": "Emilia Laine",
        "manager": "Pekka Nieminen",
    },
}


def _sample_intro(lang: Language) -> Introduction:
    person = _SAMPLE_PEOPLE[lang]
    return Introduction(
        person_id="00000000-0000-4000-8000-0000000000a1",
        team_id="19:team-sample@thread.tacv2",
        name=person["name"],
        role_text=person["role"],
        location_text=person["location"],
        languages_text=person["languages"],
        about_text=person["about"],
    )


def _sample_steps(sequence: Sequence) -> dict[str, SequenceStep]:
    """One step of each kind (the first of the sequence), by kind."""
    steps: dict[str, SequenceStep] = {}
    for step in sequence.steps:
        steps.setdefault(step.kind.value, step)
    return steps


def onboarding_sample_cards(pack: ContentPack) -> dict[str, Card]:
    """name-lang → card for every onboarding card kind, with realistic data in fi, sv, en."""
    sequences = load_sequences(
        BUNDLED_CONTENT_DIR / SEQUENCES_FILE, [entry.id for entry in pack.entries]
    )
    default = sequences["default"]
    steps = _sample_steps(default)
    start = date(2026, 12, 1)
    cards: dict[str, Card] = {}
    for lang in LANGUAGES:
        person = _SAMPLE_PEOPLE[lang]
        values: dict[str, str | date | None] = {
            "name": person["name"],
            "buddy": person["buddy"],
            "manager": person["manager"],
            "start_date": start,
        }
        intro = _sample_intro(lang)
        for kind, step in steps.items():
            cards[f"onboarding-step-{kind}-{lang}"] = step_card(
                step, lang, values, "6f1c2a9e-4b7d-4c1e-9a3f-0d2b8e5c7a10"
            )
        cards[f"onboarding-step-done-{lang}"] = step_done_card(
            default.step("hybrid-ground-rules"), lang, values
        )
        cards[f"onboarding-pulse-thanks-{lang}"] = pulse_thanks_card(lang)
        cards[f"intro-form-{lang}"] = intro_form_card(intro, lang)
        cards[f"intro-preview-{lang}"] = intro_preview_card(intro, lang)
        cards[f"intro-post-{lang}"] = intro_post_card(intro, lang, person["upn"])
        cards[f"intro-teammate-{lang}"] = teammate_prompt_card(intro, lang)
        cards[f"intro-declined-{lang}"] = declined_card(lang, intro.team_id)
        cards[f"intro-posted-{lang}"] = posted_card(intro, lang)
        request = OnboardingRequest(
            employee_id="00000000-0000-4000-8000-0000000000a1",
            employee_name=person["name"],
            start_date=start,
            sequence=default.id,
            language=lang,
            team_id="19:team-sample@thread.tacv2",
            buddy_id="00000000-0000-4000-8000-0000000000b2",
            manager_id="00000000-0000-4000-8000-0000000000c3",
            requested_by="00000000-0000-4000-8000-0000000000d4",
        )
        cards[f"hr-confirm-{lang}"] = hr_confirm_card(
            request,
            lang,
            sequence_title=default.title.get(lang),
            buddy_name=person["buddy"],
            manager_name=person["manager"],
            today=date(2026, 11, 23),
        )
    return cards
