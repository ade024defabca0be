"""Cards for answers: the answer itself, "did you mean", not found, thanks for feedback."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.models import ContentPack, Entry, Pointer, Theme
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


MAX_RELATED = 2


def _related(entries: Sequence[Entry], lang: Language) -> list[Element]:
    """'See also': other entries the question may also be about, as buttons."""
    if not entries:
        return []
    buttons = [
        execute(other.title.get(lang), VERB_SHOW_ENTRY, {"entry": other.id, "lang": lang})
        for other in entries[:MAX_RELATED]
    ]
    return [paragraph(t("answer.related", lang), weight="Bolder"), action_set(buttons)]


def answer_card(
    entry: Entry,
    theme: Theme,
    lang: Language,
    *,
    feedback: bool = True,
    related: Sequence[Entry] = (),
) -> Card:
    """The practice in `lang`, its theme and sources, up to two related entries
    ("see also") and 👍/👎 feedback buttons."""
    body: list[Element] = [
        heading(entry.title.get(lang)),
        subtle(t("answer.theme", lang, theme=theme.title.get(lang))),
        paragraph(entry.body.get(lang)),
        *_links(entry, lang),
        *_related(related, lang),
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


def not_found_card(pack: ContentPack, lang: Language, pointer: Pointer | None = None) -> Card:
    """Not found: where to ask instead when the question is a known near-miss (the
    pack's pointer), then the themes the bot does know about."""
    body = [heading(t("notfound.title", lang))]
    if pointer is not None:
        body.append(paragraph(pointer.text.get(lang), weight="Bolder"))
    body.append(paragraph(t("notfound.body", lang)))
    for theme in pack.themes:
        action = execute(theme.title.get(lang), VERB_SHOW_THEME, {"theme": theme.id, "lang": lang})
        body.append(selectable_row(theme.title.get(lang), [], action))
    return card(body, None, lang)
