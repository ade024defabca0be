"""Every card the bot can send, built with realistic data in fi, sv and en.

Used by the card tests (structure, size, verbs) and by the card tools (cards_check.py,
cards_render.py). It lives here, not in cards/, because it joins the cards of every feature
(bot/coffee/cards.py, bot/onboarding/cards.py), and cards/ import no feature.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.coffee.cards import (
    cant_make_it_card,
    coffee_settings_card,
    followup_card,
    followup_thanks_card,
    match_card,
    unmatched_card,
)
from bot.coffee.model import Participant
from bot.content.models import ContentPack
from bot.i18n import LANGUAGES, Language
from bot.onboarding.cards import onboarding_sample_cards
from cards.answers import answer_card, did_you_mean_card, feedback_thanks_card, not_found_card
from cards.base import Card
from cards.browse import help_card, theme_card, themes_card, tip_card, welcome_card
from cards.scheduled import nudge_card, scheduled_tip_card, settings_card


def sample_cards(pack: ContentPack) -> dict[str, Card]:
    """name-lang → card for every card kind in every language."""
    entry = (
        pack.entry("meetings-informal-start")
        if pack.has_entry("meetings-informal-start")
        else pack.entries[0]
    )
    linked = next((e for e in pack.entries if e.links), entry)
    theme = pack.theme(entry.theme)
    cards: dict[str, Card] = {}
    for lang in LANGUAGES:
        related = [other for other in pack.entries if other.theme != linked.theme][:2]
        cards[f"answer-{lang}"] = answer_card(
            linked, pack.theme(linked.theme), lang, related=related
        )
        cards[f"feedback-thanks-{lang}"] = feedback_thanks_card(entry, theme, lang, True)
        cards[f"did-you-mean-{lang}"] = did_you_mean_card(pack.entries[:3], lang)
        cards[f"not-found-{lang}"] = not_found_card(pack, lang)
        if pack.pointers:
            cards[f"not-found-pointer-{lang}"] = not_found_card(pack, lang, pack.pointers[0])
        cards[f"themes-{lang}"] = themes_card(pack, lang)
        cards[f"theme-{lang}"] = theme_card(
            pack,
            pack.theme("reading") if any(t.id == "reading" for t in pack.themes) else theme,
            lang,
        )
        cards[f"tip-{lang}"] = tip_card(entry, theme, lang)
        cards[f"help-{lang}"] = help_card(lang)
        cards[f"welcome-{lang}"] = welcome_card(lang)
        cards[f"scheduled-tip-{lang}"] = scheduled_tip_card(entry, theme, lang)
        cards[f"settings-{lang}"] = settings_card(lang, tips=True, nudges=False, channel=False)
        cards[f"settings-saved-{lang}"] = settings_card(
            lang, tips=False, nudges=True, channel=True, notice="✓"
        )
        if pack.nudges:
            nudge = pack.nudges[0]
            cards[f"nudge-{lang}"] = nudge_card(nudge, pack.entry(nudge.entry), lang)
        cards.update(_coffee_cards(pack, lang))
    cards.update(onboarding_sample_cards(pack))
    return cards


def _coffee_cards(pack: ContentPack, lang: Language) -> dict[str, Card]:
    start = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    partners = [("Pekka Puupää", "pekka.puupaa@virasto.example")]
    starter = pack.entries[0]
    person = Participant(person_id="00000000-0000-0000-0000-000000000001", conversation_id="a:1")
    return {
        f"coffee-match-booked-{lang}": match_card(
            lang=lang,
            group_id=1,
            partners=partners,
            languages=["fi", "en"],
            start=start,
            join_url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            note=None,
            starter_title=starter.title.get(lang),
            starter_entry=starter.id,
        ),
        f"coffee-match-fallback-{lang}": match_card(
            lang=lang,
            group_id=2,
            partners=[*partners, ("Anna Andersson", "anna.andersson@virasto.example")],
            languages=["sv"],
            start=None,
            join_url=None,
            note="no_slot",
            starter_title=None,
            starter_entry=None,
        ),
        f"coffee-unmatched-{lang}": unmatched_card("no_shared_language", lang),
        f"coffee-followup-{lang}": followup_card(1, lang),
        f"coffee-followup-thanks-{lang}": followup_thanks_card(lang),
        f"coffee-cant-{lang}": cant_make_it_card(1, lang, booked=True),
        f"coffee-settings-{lang}": coffee_settings_card(person, lang, notice="✓"),
    }
