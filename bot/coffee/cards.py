"""Virtual coffee cards: the match, no match, "did you meet?", settings, can't make it.

Pure functions from coffee's own data to Adaptive Card 1.5 dicts, built from the shared
builders of cards/ (which import no feature).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from bot.coffee.model import LENGTHS, Frequency, Participant, Scope
from bot.i18n import LANGUAGES, Language
from bot.texts import t
from cards.base import (
    VERB_COFFEE_CANCEL,
    VERB_COFFEE_CANT,
    VERB_COFFEE_MET,
    VERB_COFFEE_PAUSE,
    VERB_COFFEE_REBOOK,
    VERB_COFFEE_SAVE,
    VERB_COFFEE_SETTINGS,
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


def when_text(start: datetime, lang: Language, timezone: str = "Europe/Helsinki") -> str:
    """'maanantai 30.11. klo 13.00' style, in the reader's language and local time."""
    local = start.astimezone(ZoneInfo(timezone))
    day = t(f"weekday.{local.weekday()}", lang)
    clock = {"fi": "klo", "sv": "kl.", "en": "at"}[lang]
    return f"{day} {local.day}.{local.month}. {clock} {local:%H.%M}"


def chat_link(upns: Sequence[str]) -> str:
    return "https://teams.microsoft.com/l/chat/0/0?" + urlencode({"users": ",".join(upns)})


def new_meeting_link(upns: Sequence[str], subject: str) -> str:
    query = urlencode({"subject": subject, "attendees": ",".join(upns)}, quote_via=quote)
    return "https://teams.microsoft.com/l/meeting/new?" + query


def _pause_action(lang: Language) -> Element:
    return {
        "type": "Action.ShowCard",
        "title": t("coffee.button.pause", lang),
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.Date",
                    "id": "until",
                    "label": t("pause.label", lang),
                    "isRequired": True,
                    "errorMessage": t("pause.bad_date", lang),
                }
            ],
            "actions": [execute(t("button.pause_until", lang), VERB_COFFEE_PAUSE, {"lang": lang})],
        },
    }


def match_card(
    *,
    lang: Language,
    group_id: int,
    partners: Sequence[tuple[str, str | None]],
    languages: Sequence[str],
    start: datetime | None,
    join_url: str | None,
    note: str | None,
    starter_title: str | None,
    starter_entry: str | None,
    timezone: str = "Europe/Helsinki",
) -> Card:
    """Who, shared languages, the booked time and join link (or deep links), a starter."""
    names = ", ".join(name or "?" for name, _ in partners)
    language_names = ", ".join(
        t(f"language.{code}", lang) for code in languages if code in LANGUAGES
    )
    body: list[Element] = [
        heading(t("coffee.match.title", lang)),
        paragraph(t("coffee.match.with", lang, names=names), weight="Bolder"),
        subtle(t("coffee.match.languages", lang, languages=language_names)),
    ]
    actions: list[Element] = []
    if start is not None and join_url:
        body.append(
            paragraph(t("coffee.match.booked", lang, when=when_text(start, lang, timezone)))
        )
        actions.append(open_url(t("coffee.match.join", lang), join_url))
    else:
        reason = note if note in _FALLBACK_REASONS else "unavailable"
        body.append(paragraph(t(f"coffee.fallback.{reason}", lang)))
        upns = [upn for _, upn in partners if upn]
        if upns:
            actions.append(open_url(t("coffee.match.chat", lang), chat_link(upns)))
            actions.append(
                open_url(
                    t("coffee.match.new_meeting", lang),
                    new_meeting_link(upns, t("coffee.subject", lang)),
                )
            )
    if starter_title:
        body.append(paragraph(t("coffee.match.starter", lang, starter=starter_title)))
        if starter_entry:
            actions.append(
                execute(
                    t("button.read_more", lang),
                    VERB_SHOW_ENTRY,
                    {"entry": starter_entry, "lang": lang},
                )
            )
    actions.append(
        execute(t("coffee.button.cant", lang), VERB_COFFEE_CANT, {"group": group_id, "lang": lang})
    )
    actions.append(_pause_action(lang))
    return card(body, actions, lang)


_FALLBACK_REASONS = ("not_configured", "permission_denied", "not_found", "no_slot", "unavailable")


def cant_make_it_card(group_id: int, lang: Language, *, booked: bool) -> Card:
    """Offer the next free slot (when the meeting was booked) or cancel and tell the others."""
    actions = []
    if booked:
        actions.append(
            execute(
                t("coffee.button.new_time", lang),
                VERB_COFFEE_REBOOK,
                {"group": group_id, "lang": lang},
            )
        )
    actions.append(
        execute(
            t("coffee.button.cancel", lang), VERB_COFFEE_CANCEL, {"group": group_id, "lang": lang}
        )
    )
    return card([heading(t("coffee.button.cant", lang))], actions, lang)


def unmatched_card(reason: str, lang: Language) -> Card:
    key = f"coffee.unmatched.{reason}"
    text = t(key, lang) if reason in _UNMATCHED else t("coffee.unmatched.alone", lang)
    body = [heading(t("coffee.unmatched.title", lang)), paragraph(text)]
    return card(
        body,
        [execute(t("coffee.button.settings", lang), VERB_COFFEE_SETTINGS, {"lang": lang})],
        lang,
    )


_UNMATCHED = ("no_shared_language", "no_one_in_scope", "only_avoided", "alone", "no_free_partner")


def followup_card(group_id: int, lang: Language) -> Card:
    body = [heading(t("coffee.followup.title", lang)), subtle(t("coffee.followup.body", lang))]
    actions = [
        execute(
            t(f"coffee.followup.{answer}", lang),
            VERB_COFFEE_MET,
            {"group": group_id, "answer": answer, "lang": lang},
        )
        for answer in ("yes", "no", "rescheduled")
    ]
    return card(body, actions, lang)


def followup_thanks_card(lang: Language) -> Card:
    return card(
        [heading(t("coffee.followup.title", lang)), paragraph(t("coffee.followup.thanks", lang))],
        None,
        lang,
    )


def _choices(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "value": value} for title, value in pairs]


def coffee_settings_card(
    participant: Participant, lang: Language, notice: str | None = None
) -> Card:
    """Every preference the issue lists, as inputs with labels."""
    body: list[Element] = [heading(t("coffee.settings.title", lang))]
    if notice:
        body.append(paragraph(notice, weight="Bolder"))
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": "frequency",
            "label": t("coffee.settings.frequency", lang),
            "style": "compact",
            "value": participant.frequency.value,
            "choices": _choices(
                [(t(f"coffee.frequency.{f.value}", lang), f.value) for f in Frequency]
            ),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "group_size",
            "label": t("coffee.settings.group_size", lang),
            "style": "expanded",
            "value": str(participant.group_size),
            "choices": _choices(
                [(t("coffee.group.2", lang), "2"), (t("coffee.group.3", lang), "3")]
            ),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "languages",
            "label": t("coffee.settings.languages", lang),
            "isMultiSelect": True,
            "style": "expanded",
            "value": ",".join(code for code in LANGUAGES if code in participant.languages),
            "choices": _choices([(t(f"language.{code}", lang), code) for code in LANGUAGES]),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "scope",
            "label": t("coffee.settings.scope", lang),
            "style": "compact",
            "value": participant.scope.value,
            "choices": _choices([(t(f"coffee.scope.{s.value}", lang), s.value) for s in Scope]),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "weekdays",
            "label": t("coffee.settings.weekdays", lang),
            "isMultiSelect": True,
            "style": "expanded",
            "value": ",".join(str(day) for day in sorted(participant.weekdays)),
            "choices": _choices([(t(f"weekday.{day}", lang), str(day)) for day in range(5)]),
        },
        {
            "type": "ColumnSet",
            "columns": [
                {
                    "type": "Column",
                    "items": [
                        {
                            "type": "Input.Time",
                            "id": "day_start",
                            "label": t("coffee.settings.window", lang),
                            "value": participant.day_start.strftime("%H:%M"),
                        }
                    ],
                },
                {
                    "type": "Column",
                    "items": [
                        {
                            "type": "Input.Time",
                            "id": "day_end",
                            "label": t("coffee.settings.window", lang),
                            "value": participant.day_end.strftime("%H:%M"),
                        }
                    ],
                },
            ],
        },
        {
            "type": "Input.ChoiceSet",
            "id": "length",
            "label": t("coffee.settings.length", lang),
            "style": "compact",
            "value": str(participant.length_minutes),
            "choices": _choices([(str(minutes), str(minutes)) for minutes in LENGTHS]),
        },
    ]
    return card(
        body,
        [execute(t("button.save", lang), VERB_COFFEE_SAVE, {"lang": lang}), _pause_action(lang)],
        lang,
    )
