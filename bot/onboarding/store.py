"""The storage verbs onboarding needs (implemented in bot/store for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from bot.onboarding.model import (
    Introduction,
    Onboarding,
    OnboardingRequest,
    OnboardingStep,
    StepState,
)


class OnboardingStore(Protocol):
    async def create_onboarding(
        self,
        onboarding_id: str,
        request: OnboardingRequest,
        steps: Sequence[OnboardingStep],
        at: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Onboarding, bool]:
        """Write the onboarding and all its steps in one transaction. With an idempotency
        key already used, nothing is written and the existing onboarding is returned with
        False. (onboarding, created)."""

    async def get_onboarding(self, onboarding_id: str) -> Onboarding | None: ...

    async def list_onboardings(self, state: str | None = None) -> list[Onboarding]: ...

    async def cancel_onboarding(self, onboarding_id: str, at: datetime) -> Onboarding | None:
        """Cancel future (scheduled) steps; None if there is no such onboarding."""

    async def due_steps(self, on: date) -> list[tuple[Onboarding, OnboardingStep]]:
        """Scheduled steps of active onboardings due on or before `on`."""

    async def set_step_state(
        self, onboarding_id: str, step_id: str, state: StepState, at: datetime
    ) -> bool: ...

    async def record_pulse(
        self, onboarding_id: str, pulse: dict[str, Any], at: datetime
    ) -> bool: ...

    async def delete_onboardings_ended_before(self, before: datetime) -> int:
        """Privacy: forget onboardings whose last step is older than the retention."""

    async def save_introduction(self, introduction: Introduction) -> None: ...

    async def get_introduction(self, person_id: str, team_id: str) -> Introduction | None: ...
