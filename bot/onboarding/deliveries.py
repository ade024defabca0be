"""Onboarding's delivery kinds: a sequence step that fell due, the newcomer's welcome with
the introduction form, the posted introduction and the teammates' prompt to say hello.

Everything a card shows travels in the payload (the introduction's words, the step's
values), so what is sent is what was confirmed, even if it changes before the send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from bot.chat.model import Reply
from bot.clock import Clock
from bot.i18n import Language
from bot.onboarding.cards import intro_form_card, intro_post_card, step_card, teammate_prompt_card
from bot.onboarding.model import Introduction, StepState
from bot.onboarding.sequences import Sequence
from bot.onboarding.store import OnboardingStore
from bot.records import Outcome
from jobs.deliveries import DeliveryKind, DeliveryPayload


@dataclass(frozen=True)
class DueStep(DeliveryPayload):
    """One step of an HR onboarding sequence, to its recipient on its working day."""

    tag = "onboarding_step"

    onboarding: str  # onboarding id
    sequence: str  # sequence id in the bundle
    step: str  # step id in that sequence
    lang: Language
    values: Mapping[str, str]  # the step text's placeholders: name, start_date, buddy, ...


@dataclass(frozen=True)
class IntroWelcome(DeliveryPayload):
    """To a newcomer who joined a team: welcome, and the form to introduce themselves."""

    tag = "intro_welcome"

    team: str
    name: str  # prefilled in the form
    lang: Language


@dataclass(frozen=True)
class _Introduced(DeliveryPayload):
    """A posted introduction's words, as the newcomer confirmed them."""

    team: str
    person: str  # the newcomer's Entra object id
    name: str
    role: str
    location: str
    languages: str
    about: str
    lang: Language
    upn: str | None = None  # for a chat link, when known

    @classmethod
    def of(cls, intro: Introduction, lang: Language) -> Self:
        return cls(
            team=intro.team_id,
            person=intro.person_id,
            name=intro.name,
            role=intro.role_text,
            location=intro.location_text,
            languages=intro.languages_text,
            about=intro.about_text,
            lang=lang,
        )

    def introduction(self) -> Introduction:
        return Introduction(
            person_id=self.person,
            team_id=self.team,
            name=self.name,
            role_text=self.role,
            location_text=self.location,
            languages_text=self.languages,
            about_text=self.about,
        )


@dataclass(frozen=True)
class IntroPost(_Introduced):
    """The introduction, posted to the team's channel."""

    tag = "intro_post"


@dataclass(frozen=True)
class IntroTeammate(_Introduced):
    """To each teammate: here is the newcomer, book a short get-to-know chat."""

    tag = "intro_teammate"


def delivery_kinds(
    sequences: Mapping[str, Sequence], onboarding: OnboardingStore, clock: Clock
) -> tuple[DeliveryKind[Any], ...]:
    def render_step(due: DueStep) -> Reply | None:
        sequence = sequences.get(due.sequence)
        step = next((s for s in sequence.steps if s.id == due.step), None) if sequence else None
        if step is None:  # the bundle changed since the onboarding started
            return None
        return Reply(card=step_card(step, due.lang, due.values, due.onboarding), lang=due.lang)

    async def step_ended(due: DueStep, outcome: Outcome) -> None:
        # A step that cannot be delivered shows as failed to HR.
        if outcome is Outcome.FAILED:
            await onboarding.set_step_state(due.onboarding, due.step, StepState.FAILED, clock())

    return (
        DeliveryKind(DueStep, render_step, on_final=step_ended),
        DeliveryKind(IntroWelcome, _render_welcome),
        DeliveryKind(IntroPost, _render_post),
        DeliveryKind(IntroTeammate, _render_teammate),
    )


def _render_welcome(welcome: IntroWelcome) -> Reply | None:
    if not welcome.team:
        return None
    intro = Introduction(person_id="", team_id=welcome.team, name=welcome.name)
    return Reply(card=intro_form_card(intro, welcome.lang), lang=welcome.lang)


def _render_post(post: IntroPost) -> Reply | None:
    if not post.team or not post.person:
        return None
    return Reply(card=intro_post_card(post.introduction(), post.lang, post.upn), lang=post.lang)


def _render_teammate(prompt: IntroTeammate) -> Reply | None:
    if not prompt.team or not prompt.person:
        return None
    return Reply(card=teammate_prompt_card(prompt.introduction(), prompt.lang), lang=prompt.lang)
