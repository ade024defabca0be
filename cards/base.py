"""Small builders for Adaptive Card 1.5 elements (the version Teams supports).

Everything here returns plain dicts; card modules compose them. Text from users never
reaches these builders unescaped: cards show content-pack text and our own strings only.
"""

from __future__ import annotations

from typing import Any

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

# Verbs of Action.Execute buttons; every one has a handler in one feature (bot/*/chat.py).
VERB_FEEDBACK = "feedback"
VERB_SHOW_ENTRY = "showEntry"
VERB_SHOW_THEME = "showTheme"
VERB_THEMES = "themes"
VERB_TIP = "tip"
VERB_PAUSE = "pause"
VERB_UNSUBSCRIBE = "unsubscribe"
VERB_SETTINGS = "settings"
VERB_SAVE_SETTINGS = "saveSettings"
VERB_COFFEE_CANT = "coffeeCant"
VERB_COFFEE_CANCEL = "coffeeCancel"
VERB_COFFEE_REBOOK = "coffeeRebook"
VERB_COFFEE_PAUSE = "coffeePause"
VERB_COFFEE_SETTINGS = "coffeeSettings"
VERB_COFFEE_SAVE = "coffeeSave"
VERB_COFFEE_MET = "coffeeMet"
VERB_COFFEE_JOIN = "coffeeJoin"
VERB_ONBOARDING_ACK = "onboardingAck"
VERB_ONBOARDING_PULSE = "onboardingPulse"
VERB_INTRO_PREVIEW = "introPreview"
VERB_INTRO_POST = "introPost"
VERB_INTRO_EDIT = "introEdit"
VERB_INTRO_DECLINE = "introDecline"
VERB_INTRO_BOOK = "introBook"
VERB_HR_CONFIRM = "hrConfirm"
VERB_HR_CANCEL = "hrCancel"
VERBS = frozenset(
    {
        VERB_COFFEE_JOIN,
        VERB_ONBOARDING_ACK,
        VERB_ONBOARDING_PULSE,
        VERB_INTRO_PREVIEW,
        VERB_INTRO_POST,
        VERB_INTRO_EDIT,
        VERB_INTRO_DECLINE,
        VERB_INTRO_BOOK,
        VERB_HR_CONFIRM,
        VERB_HR_CANCEL,
        VERB_COFFEE_CANT,
        VERB_COFFEE_CANCEL,
        VERB_COFFEE_REBOOK,
        VERB_COFFEE_PAUSE,
        VERB_COFFEE_SETTINGS,
        VERB_COFFEE_SAVE,
        VERB_COFFEE_MET,
        VERB_FEEDBACK,
        VERB_SHOW_ENTRY,
        VERB_SHOW_THEME,
        VERB_THEMES,
        VERB_TIP,
        VERB_PAUSE,
        VERB_UNSUBSCRIBE,
        VERB_SETTINGS,
        VERB_SAVE_SETTINGS,
    }
)


def card(body: list[Element], actions: list[Element] | None = None, lang: str = "fi") -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "lang": lang,
        "body": body,
    }
    if actions:
        result["actions"] = actions
    return result


def heading(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": text,
        "style": "heading",
        "size": "Large",
        "weight": "Bolder",
        "wrap": True,
    }


def subtle(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": text,
        "isSubtle": True,
        "size": "Small",
        "wrap": True,
        "spacing": "None",
    }


def paragraph(text: str, *, weight: str | None = None) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if weight:
        block["weight"] = weight
    return block


def execute(title: str, verb: str, data: dict[str, Any], *, tooltip: str | None = None) -> Element:
    """An Action.Execute button; `verb` must be one of VERBS."""
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}")
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    if tooltip:
        action["tooltip"] = tooltip
    return action


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(actions: list[Element]) -> Element:
    return {"type": "ActionSet", "actions": actions}
