"""Cards for browsing: the theme list, the practices of one theme, help, welcome, tip."""

from __future__ import annotations

from bot.content.models import ContentPack, Entry, Theme
from bot.i18n import Language
from bot.texts import t
from cards.base import (
    VERB_SHOW_ENTRY,
    VERB_SHOW_THEME,
    VERB_THEMES,
    VERB_TIP,
    Card,
    Element,
    card,
    execute,
    heading,
    paragraph,
    subtle,
)


def selectable_row(title: str, lines: list[str], action: Element) -> Element:
    """A whole row that acts as one button: keeps long lists out of crowded button sets
    (Teams shows at most six buttons in a row and hides the rest)."""
    return {
        "type": "Container",
        "separator": True,
        "selectAction": action,
        "items": [paragraph(title, weight="Bolder"), *(subtle(line) for line in lines)],
    }


def themes_card(pack: ContentPack, lang: Language) -> Card:
    body: list[Element] = [heading(t("themes.title", lang)), paragraph(t("themes.body", lang))]
    for theme in pack.themes:
        count = len(pack.entries_of(theme.id))
        body.append(
            selectable_row(
                theme.title.get(lang),
                [theme.description.get(lang), t("theme.entries", lang, count=count)],
                execute(theme.title.get(lang), VERB_SHOW_THEME, {"theme": theme.id, "lang": lang}),
            )
        )
    return card(body, None, lang)


def theme_card(pack: ContentPack, theme: Theme, lang: Language) -> Card:
    body: list[Element] = [heading(theme.title.get(lang)), paragraph(theme.description.get(lang))]
    for entry in pack.entries_of(theme.id):
        body.append(
            selectable_row(
                entry.title.get(lang),
                [],
                execute(entry.title.get(lang), VERB_SHOW_ENTRY, {"entry": entry.id, "lang": lang}),
            )
        )
    return card(
        body, [execute(t("button.back_to_themes", lang), VERB_THEMES, {"lang": lang})], lang
    )


def tip_card(entry: Entry, theme: Theme, lang: Language) -> Card:
    body = [
        heading(t("tip.title", lang)),
        paragraph(entry.tip.get(lang)),
        subtle(t("answer.theme", lang, theme=theme.title.get(lang))),
    ]
    actions = [
        execute(t("button.read_more", lang), VERB_SHOW_ENTRY, {"entry": entry.id, "lang": lang}),
        execute(t("button.another_tip", lang), VERB_TIP, {"lang": lang}),
    ]
    return card(body, actions, lang)


def help_card(lang: Language) -> Card:
    body = [
        heading(t("help.title", lang)),
        paragraph(t("help.body", lang)),
        paragraph(t("help.commands", lang), weight="Bolder"),
        paragraph(
            "\n\n".join(
                t(key, lang)
                for key in ("help.command.help", "help.command.themes", "help.command.tip")
            )
        ),
    ]
    return card(body, _start_actions(lang), lang)


def welcome_card(lang: Language) -> Card:
    body = [
        heading(t("welcome.title", lang)),
        paragraph(t("welcome.body", lang)),
        paragraph(t("welcome.examples", lang)),
        subtle(t("welcome.privacy", lang)),
    ]
    return card(body, _start_actions(lang), lang)


def _start_actions(lang: Language) -> list[Element]:
    return [
        execute(t("button.themes", lang), VERB_THEMES, {"lang": lang}),
        execute(t("button.tip", lang), VERB_TIP, {"lang": lang}),
    ]
