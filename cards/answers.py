"""Cards for answers: the answer itself, "did you mean", not found, thanks for feedback."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.models import ContentPack, Entry, Theme
from bot.i18n import Language
from bot.texts import t
from cards.base import (
    VERB_FEEDBACK,
    VERB_SHOW_ENTRY,
    VERB_SHOW_THEME,
    Card,
    Element,
    action_set,
    card,
    execute,
    heading,
    open_url,
    paragraph,
    subtle,
)
from cards.browse import selectable_row

MAX_LINKS = 6


def _links(entry: Entry, lang: Language) -> list[Element]:
    if not entry.links:
        return []
    return [
        paragraph(t("answer.sources", lang), weight="Bolder"),
        action_set([open_url(link.title, link.url) for link in entry.links[:MAX_LINKS]]),
    ]


def answer_card(entry: Entry, theme: Theme, lang: Language, *, feedback: bool = True) -> Card:
    """The practice in `lang`, its theme and sources, and 👍/👎 feedback buttons."""
    body: list[Element] = [
        heading(entry.title.get(lang)),
        subtle(t("answer.theme", lang, theme=theme.title.get(lang))),
        paragraph(entry.body.get(lang)),
        *_links(entry, lang),
    ]
    actions: list[Element] = []
    if feedback:
        body.append(paragraph(t("answer.helpful", lang), weight="Bolder"))
        data = {"entry": entry.id, "lang": lang}
        actions = [
            execute(t("answer.yes", lang), VERB_FEEDBACK, {**data, "helpful": True}),
            execute(t("answer.no", lang), VERB_FEEDBACK, {**data, "helpful": False}),
        ]
    return card(body, actions, lang)


def feedback_thanks_card(entry: Entry, theme: Theme, lang: Language, helpful: bool) -> Card:
    """The answer card again, its buttons replaced by a thank-you line."""
    result = answer_card(entry, theme, lang, feedback=False)
    key = "feedback.thanks_yes" if helpful else "feedback.thanks_no"
    result["body"].append(paragraph(t(key, lang), weight="Bolder"))
    return result


def did_you_mean_card(entries: Sequence[Entry], lang: Language) -> Card:
    body = [heading(t("didyoumean.title", lang)), paragraph(t("didyoumean.body", lang))]
    actions = [
        execute(entry.title.get(lang), VERB_SHOW_ENTRY, {"entry": entry.id, "lang": lang})
        for entry in entries[:3]
    ]
    return card(body, actions, lang)


def not_found_card(pack: ContentPack, lang: Language) -> Card:
    body = [heading(t("notfound.title", lang)), paragraph(t("notfound.body", lang))]
    for theme in pack.themes:
        action = execute(theme.title.get(lang), VERB_SHOW_THEME, {"theme": theme.id, "lang": lang})
        body.append(selectable_row(theme.title.get(lang), [], action))
    return card(body, None, lang)
