"""Onboarding steps become deliveries at the send time of their due working day.

Each (onboarding, step) is one occurrence with one delivery, so a restart, a second
replica or a slow tick can never send a step twice; the messages matter, so an unknown
outcome is resent (must_arrive).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.chat.model import person_recipient
from bot.i18n import to_language
from bot.onboarding.deliveries import DueStep
from bot.onboarding.model import Onboarding, OnboardingStep, Role, StepState
from bot.onboarding.sequences import Sequence
from bot.onboarding.store import OnboardingStore
from bot.records import NewDelivery
from bot.storage import Store
from bot.workdays import is_working_day
from jobs.deliveries import OpenChat, to_json

log = logging.getLogger(__name__)


def step_key(onboarding_id: str, step_id: str) -> str:
    return f"onboarding:{onboarding_id}:{step_id}"


@dataclass
class OnboardingPlanner:
    store: Store
    onboarding: OnboardingStore
    sequences: Mapping[str, Sequence]
    clock: Callable[[], datetime]
    timezone: str = "Europe/Helsinki"
    send_at: time = time(9, 0)
    service_url: str = ""  # where to open 1:1 chats when no reference tells
    tenant_id: str | None = None

    async def tick(self, now: datetime) -> int:
        """Hand every due step to the delivery pipeline; returns how many were planned."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if not is_working_day(local.date()) or local.time().replace(tzinfo=None) < self.send_at:
            return 0
        planned = 0
        for onboarding, step in await self.onboarding.due_steps(local.date()):
            delivery = await self._delivery(onboarding, step)
            if delivery is None:
                await self.onboarding.set_step_state(
                    onboarding.id, step.step_id, StepState.FAILED, now
                )
                continue
            await self.store.create_occurrence(
                step_key(onboarding.id, step.step_id), "onboarding", [delivery], now
            )
            await self.onboarding.set_step_state(onboarding.id, step.step_id, StepState.SENT, now)
            planned += 1
        return planned

    async def _delivery(self, onboarding: Onboarding, step: OnboardingStep) -> NewDelivery | None:
        request = onboarding.request
        values = {
            "name": request.employee_name,
            "start_date": request.start_date.strftime("%d.%m.%Y"),
            "buddy": await self._name(request.buddy_id),
            "manager": await self._name(request.manager_id),
        }
        due = DueStep(
            onboarding=onboarding.id,
            sequence=request.sequence,
            step=step.step_id,
            # Checked when the onboarding was made; "fi" as the renderer did.
            lang=to_language(request.language) or "fi",
            values=values,
        )
        if step.role is Role.TEAM:
            if not step.recipient_id:
                return None
            return NewDelivery(step.recipient_id, to_json(due), must_arrive=True)
        if not step.recipient_id:
            return None
        team_ref = await self.store.get_reference(request.team_id) if request.team_id else None
        service_url = team_ref.service_url if team_ref else self.service_url
        person = await self.store.get_person(step.recipient_id)
        tenant = (
            (team_ref.tenant_id if team_ref else None)
            or (person.tenant_id if person else None)
            or self.tenant_id
        )
        create = (
            OpenChat(service_url=service_url, tenant_id=tenant, user_id=step.recipient_id)
            if service_url
            else None
        )
        return NewDelivery(
            person_recipient(step.recipient_id), to_json(due, create), must_arrive=True
        )

    async def _name(self, person_id: str | None) -> str:
        if not person_id:
            return ""
        person = await self.store.get_person(person_id)
        return person.name if person else ""
