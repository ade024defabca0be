"""The background side of the bot: the alarm clock of the features' scheduled work (their
ticks: tips and nudges, coffee rounds, onboarding steps) and the sender loop.

APScheduler is only the alarm clock (every minute, and once at start so a restarted
process catches up); the database decides what is due. Each process has its own
in-memory scheduler: an APScheduler job store is never shared between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs.sender import Sender

log = logging.getLogger(__name__)

TICK_SECONDS = 60


Tick = Callable[[datetime], Awaitable[object]]


@dataclass
class Background:
    sender: Sender
    timezone: str
    clock: Callable[[], datetime]
    ticks: Sequence[tuple[str, Tick]] = ()  # the features' scheduled work, then clean-up
    _scheduler: AsyncIOScheduler | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _sender_task: asyncio.Task[None] | None = None
    _ticking: set[asyncio.Task[object]] = field(default_factory=set)

    async def tick(self) -> None:
        """Run every tick once, in order; one failing does not stop the others."""
        task = asyncio.current_task()
        if task is not None:  # `stop` lets a tick under way finish
            self._ticking.add(task)
            task.add_done_callback(self._ticking.discard)
        now = self.clock()
        for name, tick in self.ticks:
            try:
                await tick(now)
            except Exception:  # a failed tick is retried on the next one
                log.exception("%s tick failed", name)

    async def start(self) -> None:
        self._stop = asyncio.Event()
        scheduler = AsyncIOScheduler(timezone=self.timezone)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=TICK_SECONDS, timezone=self.timezone),
            id="planner",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,  # never skip a tick because the loop was busy
            next_run_time=self.clock(),
        )
        scheduler.start()
        self._scheduler = scheduler
        self._sender_task = asyncio.create_task(self.sender.run(self._stop), name="sender")

    async def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            # No new tick; one under way finishes first, because the scheduler's shutdown
            # cancels running jobs halfway.
            self._scheduler.pause()
            if self._ticking:
                await asyncio.wait(set(self._ticking), timeout=20)
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._sender_task is not None:
            try:
                await asyncio.wait_for(self._sender_task, timeout=20)
            except TimeoutError:
                self._sender_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._sender_task
            self._sender_task = None
