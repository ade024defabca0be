"""Cards that arrive on a schedule (daily tip, weekly nudge) and the settings card."""

from __future__ import annotations

from bot.content.models import Entry, Nudge, Theme
from bot.i18n import LANGUAGES, Language
from bot.texts import t
from cards.base import (
    VERB_PAUSE,
    VERB_SAVE_SETTINGS,
    VERB_SHOW_ENTRY,
    VERB_TIP,
    VERB_UNSUBSCRIBE,
    Card,
    Element,
    card,
    execute,
    heading,
    paragraph,
    subtle,
)


def _pause_action(kind: str, lang: Language) -> Element:
    """A button that opens a date picker and pauses `kind` until the chosen date."""
    return {
        "type": "Action.ShowCard",
        "title": t("button.pause", lang),
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
            "actions": [
                execute(t("button.pause_until", lang), VERB_PAUSE, {"kind": kind, "lang": lang})
            ],
        },
    }


def _subscription_actions(kind: str, lang: Language) -> list[Element]:
    return [
        _pause_action(kind, lang),
        execute(t("button.unsubscribe", lang), VERB_UNSUBSCRIBE, {"kind": kind, "lang": lang}),
    ]


def scheduled_tip_card(entry: Entry, theme: Theme, lang: Language) -> Card:
    """The daily tip: the tip, a link to the practice, another tip, pause, unsubscribe."""
    body = [
        heading(t("tip.title", lang)),
        paragraph(entry.tip.get(lang)),
        subtle(t("answer.theme", lang, theme=theme.title.get(lang))),
    ]
    actions = [
        execute(t("button.read_more", lang), VERB_SHOW_ENTRY, {"entry": entry.id, "lang": lang}),
        execute(t("button.another_tip", lang), VERB_TIP, {"lang": lang}),
        *_subscription_actions("tips", lang),
    ]
    return card(body, actions, lang)


def nudge_card(nudge: Nudge, entry: Entry, lang: Language) -> Card:
    body = [
        subtle(t("nudge.title", lang)),
        heading(nudge.title.get(lang)),
        paragraph(nudge.body.get(lang)),
        paragraph(t("nudge.action", lang, action=nudge.action.get(lang)), weight="Bolder"),
    ]
    actions = [
        execute(t("button.read_more", lang), VERB_SHOW_ENTRY, {"entry": entry.id, "lang": lang}),
        *_subscription_actions("nudges", lang),
    ]
    return card(body, actions, lang)


def settings_card(
    lang: Language, *, tips: bool, nudges: bool, channel: bool, notice: str | None = None
) -> Card:
    """Toggles for tips and nudges and the language they come in."""
    body: list[Element] = [heading(t("settings.title", lang))]
    if notice:
        body.append(paragraph(notice, weight="Bolder"))
    body.append(paragraph(t("settings.body", lang)))
    if channel:
        body.append(subtle(t("settings.scope_channel", lang)))
    body += [
        {
            "type": "Input.Toggle",
            "id": "tips",
            "title": t("settings.tips", lang),
            "label": t("tip.title", lang),
            "value": "true" if tips else "false",
        },
        {
            "type": "Input.Toggle",
            "id": "nudges",
            "title": t("settings.nudges", lang),
            "label": t("nudge.title", lang),
            "value": "true" if nudges else "false",
        },
        {
            "type": "Input.ChoiceSet",
            "id": "language",
            "label": t("settings.language", lang),
            "style": "compact",
            "value": lang,
            "choices": [
                {"title": t(f"language.{code}", lang), "value": code} for code in LANGUAGES
            ],
        },
    ]
    return card(body, [execute(t("button.save", lang), VERB_SAVE_SETTINGS, {"lang": lang})], lang)
