"""The sender: claims due deliveries, keeps to the rate limits, sends, records the outcome.

Nothing is lost on a crash: a claimed delivery carries a lease, and when a sender dies its
lease expires and another sender (or the restarted one) claims it again. The only
duplicates possible are the sends that were in flight at the moment of the crash, or done but
not yet recorded (successful sends are recorded together when their batch ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.chat.model import Reply
from bot.retry import FINAL_STATUSES
from bot.store.model import ConversationRef, Delivery, Outcome
from bot.store.protocol import Store
from jobs.limits import RateLimiter
from jobs.ports import ProactivePort, SendResult

log = logging.getLogger(__name__)

Renderer = Callable[[Mapping[str, Any]], Reply | None]
FinalHook = Callable[[Delivery, Outcome], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SenderConfig:
    batch_size: int = 200
    lease_seconds: float = 120.0
    concurrency: int = 32
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 600.0
    idle_seconds: float = 2.0
    default_retry_after: float = 5.0


@dataclass
class _Batch:
    """What the deliveries of one claimed batch share: the references prefetched for all
    recipients (kept current as the batch opens chats or deactivates conversations), and the
    successful sends and the tips sent, written together when the batch ends."""

    refs: dict[str, ConversationRef]
    sent: list[tuple[Delivery, int | None]] = field(default_factory=list)
    tips: list[tuple[str, str]] = field(default_factory=list)
    written: bool = False  # a send that outlives the batch is written one by one


class Sender:
    """One sender per process; several may share a database."""

    def __init__(
        self,
        store: Store,
        port: ProactivePort,
        render: Renderer,
        limiter: RateLimiter,
        *,
        config: SenderConfig | None = None,
        owner: str | None = None,
        clock: Clock = utc_now,
        seed: int | None = None,
        on_final: FinalHook | None = None,
    ) -> None:
        self.store = store
        self.port = port
        self.render = render
        self.limiter = limiter
        self.config = config or SenderConfig()
        self.owner = owner or f"sender-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self._rng = random.Random(seed)
        self._on_final = on_final
        self._throttle_until: datetime | None = None
        self._retries: list[datetime] = []  # a heap of the retry times this sender set
        self._looked_at: datetime | None = None  # `now` of the last claim
        self.sent = 0

    def _batch_size(self) -> int:
        # Claim no more than can be sent within half a lease at the allowed rate, so a
        # claimed delivery is never still waiting when its lease runs out.
        affordable = int(self.limiter.tenant_rate * self.config.lease_seconds / 2)
        return max(1, min(self.config.batch_size, affordable))

    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many deliveries were handled."""
        now = self.clock()
        shared = await self.store.throttle_until()
        if shared is not None and shared > now:
            self._throttle_until = max(shared, self._throttle_until or shared)
            return 0
        self._looked_at = now
        deliveries = await self.store.claim_deliveries(
            self.owner, self._batch_size(), self.config.lease_seconds, now
        )
        if not deliveries:
            return 0
        batch = _Batch(await self.store.get_references([d.recipient for d in deliveries]))
        gate = asyncio.Semaphore(self.config.concurrency)

        async def bounded(delivery: Delivery) -> None:
            async with gate:
                await self._handle(delivery, batch)

        try:
            await asyncio.gather(*(bounded(delivery) for delivery in deliveries))
        finally:
            batch.written = True
            sent, batch.sent = batch.sent, []
            tips, batch.tips = batch.tips, []
            try:
                if sent:
                    await self._finish_sent(sent)
            finally:
                if tips:
                    await self.store.record_tips(tips, self.clock())
        return len(deliveries)

    async def _finish_sent(self, sent: list[tuple[Delivery, int | None]]) -> None:
        """Record the successful sends of a batch in one transaction; then, as `_finish` does
        one by one, warn of each lost lease and call the hook for each kept one."""
        kept = await self.store.finish_deliveries(
            self.owner,
            [(delivery.id, Outcome.SENT, status, None) for delivery, status in sent],
            self.clock(),
        )
        for delivery, _ in sent:
            if delivery.id not in kept:
                log.warning("delivery %d: lease lost before the outcome was recorded", delivery.id)
            else:
                await self._final(delivery, Outcome.SENT)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleeps while idle or throttled."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:  # the database may be briefly away; keep the loop alive
                log.exception("sender batch failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(self._idle_wait(), 60.0))

    def _idle_wait(self) -> float:
        """Seconds to sleep when nothing was claimed: until a pause ends, else until the
        next retry this sender scheduled falls due, else `idle_seconds`."""
        now = self.clock()
        if self._throttle_until is not None and self._throttle_until > now:
            return (self._throttle_until - now).total_seconds()
        while self._retries and self._looked_at is not None and self._retries[0] <= self._looked_at:
            heapq.heappop(self._retries)  # was due at the last claim: another sender has it
        wait = self.config.idle_seconds
        if self._retries:
            wait = min(wait, max(0.0, (self._retries[0] - now).total_seconds()))
        return wait

    async def _reference(
        self, delivery: Delivery, batch: _Batch
    ) -> ConversationRef | SendResult | None:
        """The conversation to send to (prefetched for the batch); for a person not yet
        chatting with the bot, the 1:1 chat is opened first (and remembered) when the payload
        says where."""
        ref = batch.refs.get(delivery.recipient)
        if ref is not None or not delivery.recipient.startswith("person:"):
            return ref
        ref = await self.store.get_reference(delivery.recipient)  # saved since the prefetch?
        create = delivery.payload.get("create")
        if ref is not None:
            return ref
        if not isinstance(create, Mapping) or not isinstance(create.get("user_id"), str):
            return None
        service_url = str(create.get("service_url") or "")
        tenant = create.get("tenant_id") if isinstance(create.get("tenant_id"), str) else None
        conversation_id, result = await self.port.create_personal(
            service_url, tenant, str(create["user_id"])
        )
        if conversation_id is None:
            return result
        ref = ConversationRef(
            conversation_id=delivery.recipient,
            kind="personal",
            tenant_id=tenant,
            service_url=service_url,
            reference={
                "conversation": {"id": conversation_id, "conversationType": "personal"},
                "serviceUrl": service_url,
                "channelId": "msteams",
            },
            user_aad_id=delivery.recipient.split(":", 1)[1],
        )
        await self.store.save_reference(ref)
        batch.refs[delivery.recipient] = ref
        return ref

    async def _handle(self, delivery: Delivery, batch: _Batch) -> None:
        found = await self._reference(delivery, batch)
        if isinstance(found, SendResult):
            await self._record(delivery, found, batch)
            return
        ref = found
        if ref is None or not ref.active:
            await self._finish(delivery, Outcome.FAILED, None)
            return
        reply = self.render(delivery.payload)
        if reply is None:
            log.warning("delivery %d: payload names nothing we can send", delivery.id)
            await self._finish(delivery, Outcome.FAILED, None)
            return
        await self.limiter.acquire(ref.conversation_id, ref.tenant_id or "")
        if self._throttle_until is not None and self._throttle_until > self.clock():
            # Another send saw 429 while this one waited: give it back untouched.
            await self._finish(delivery, Outcome.RETRY, None, self._throttle_until)
            return
        try:
            result = await self.port.send(ref, reply)
        except Exception:  # a bug or an unexpected client error: the outcome is unknown
            log.exception("delivery %d: send raised", delivery.id)
            result = SendResult(status=None, timed_out=True)
        await self._record(delivery, result, batch)

    async def _record(self, delivery: Delivery, result: SendResult, batch: _Batch) -> None:
        now = self.clock()
        if result.ok:
            self.sent += 1
            if batch.written:
                await self._finish(delivery, Outcome.SENT, result.status)
            else:
                batch.sent.append((delivery, result.status))
            entry = delivery.payload.get("entry")
            if delivery.payload.get("kind") == "tip" and isinstance(entry, str):
                if batch.written:
                    await self.store.record_tip(delivery.recipient, entry, now)
                else:
                    batch.tips.append((delivery.recipient, entry))
            return
        if result.status in (403, 404):
            # Blocked, uninstalled or gone: final, and stop writing to that conversation.
            await self.store.deactivate_reference(delivery.recipient)
            known = batch.refs.get(delivery.recipient)
            if known is not None:
                batch.refs[delivery.recipient] = replace(known, active=False)
            await self._finish(delivery, Outcome.FAILED, result.status)
            return
        if result.status == 429:
            pause = result.retry_after or self.config.default_retry_after
            until = now + timedelta(seconds=pause)
            self._throttle_until = max(until, self._throttle_until or until)
            await self.store.set_throttle_until(until)
            await self._finish(delivery, Outcome.RETRY, 429, until)
            return
        if result.timed_out and result.request_sent:
            await self._finish(delivery, Outcome.UNKNOWN, result.status)
            return
        if result.status in FINAL_STATUSES or delivery.attempts >= self.config.max_attempts:
            await self._finish(delivery, Outcome.FAILED, result.status)
            return
        # 412, 5xx, or a request that never left: retry later with backoff and jitter.
        backoff = min(
            self.config.backoff_cap_seconds,
            self.config.backoff_base_seconds * 2 ** max(0, delivery.attempts - 1),
        )
        delay = max(backoff * self._rng.uniform(0.5, 1.0), result.retry_after or 0.0)
        await self._finish(delivery, Outcome.RETRY, result.status, now + timedelta(seconds=delay))

    async def _finish(
        self,
        delivery: Delivery,
        outcome: Outcome,
        status: int | None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        kept = await self.store.finish_delivery(
            delivery.id, self.owner, outcome, status, self.clock(), next_attempt_at
        )
        if outcome is Outcome.RETRY and next_attempt_at is not None and kept:
            heapq.heappush(self._retries, next_attempt_at)
        if not kept:
            log.warning("delivery %d: lease lost before the outcome was recorded", delivery.id)
        elif outcome in (Outcome.SENT, Outcome.FAILED):
            await self._final(delivery, outcome)

    async def _final(self, delivery: Delivery, outcome: Outcome) -> None:
        if self._on_final is None:
            return
        try:
            await self._on_final(delivery, outcome)
        except Exception:  # a hook must never stop the pipeline
            log.exception("delivery %d: the final-outcome hook failed", delivery.id)
