"""The sender: claims due deliveries, keeps to the rate limits, sends, records the outcome.

Nothing is lost on a crash: a claimed delivery carries a lease, and when a sender dies its
lease expires and another sender (or the restarted one) claims it again. The only
duplicates possible are the sends that were in flight at the moment of the crash, or done but
not yet recorded (successful sends are recorded together, every `flush_seconds`).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.records import ConversationRef, Delivery, Outcome
from bot.retry import FINAL_STATUSES
from bot.storage import Store
from jobs.deliveries import DeliveryKinds, Envelope, OpenChat, PayloadError
from jobs.limits import RateLimiter
from jobs.ports import ProactivePort, SendResult

log = logging.getLogger(__name__)


# Every sender notes itself in the store this often and counts the others seen within
# three periods; they split the tenant's budget. A sender that joins while others run waits
# one period before sending, so they have slowed down by the time it starts.
HEARTBEAT_SECONDS = 0.5
SEEN_WITHIN_SECONDS = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True)
class SenderConfig:
    batch_size: int = 200
    lease_seconds: float = 120.0
    concurrency: int = 64
    max_attempts: int = 8
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 600.0
    idle_seconds: float = 2.0
    default_retry_after: float = 5.0
    flush_seconds: float = 0.25  # how long a successful send waits to be recorded (`run`)


# What the deliveries of one claim share: the references prefetched for all recipients,
# kept current as their sends open chats or deactivate conversations.
_Refs = dict[str, ConversationRef]
_Queued = tuple[Delivery, _Refs]


class Sender:
    """One sender per process; several may share a database.

    `run` is the pipeline the bot runs: a claimer keeps a short queue of claimed deliveries
    filled, workers (up to `concurrency`) take from it and wait their turn at the rate
    limiter, and the successful sends are recorded together every `flush_seconds`. So the
    next claim is made while the last one is still being sent, and the budget is never idle
    waiting for the slowest send of a batch. `run_once` claims, sends and records one batch, for the
    operator's `send-now` and for tests that step a clock.

    Payloads are read through `kinds` only: one that no registered kind can read fails with
    the reason logged, and each kind's `on_final` hook runs when its delivery is finally sent
    or failed.
    """

    def __init__(
        self,
        store: Store,
        port: ProactivePort,
        kinds: DeliveryKinds,
        limiter: RateLimiter,
        *,
        config: SenderConfig | None = None,
        owner: str | None = None,
        clock: Clock,
        seed: int | None = None,
    ) -> None:
        self.store = store
        self.port = port
        self.kinds = kinds
        self.limiter = limiter
        self.config = config or SenderConfig()
        self.owner = owner or f"sender-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self._rng = random.Random(seed)
        self._throttle_until: datetime | None = None
        self._retries: list[datetime] = []  # a heap of the retry times this sender set
        self._looked_at: datetime | None = None  # `now` of the last claim
        # Successful sends and the tips they carried, not yet recorded (see `_flush`).
        self._sent: list[tuple[Delivery, Envelope, int | None]] = []
        self._tips: list[tuple[str, str]] = []
        self._shared_at: float | None = None  # monotonic time of the last share taken
        self.sent = 0

    def _batch_size(self) -> int:
        # The pipeline may hold up to two claims, so claim no more than can be sent in a
        # quarter of a lease at the allowed rate: a claimed delivery is never still waiting
        # when its lease runs out.
        affordable = int(self.limiter.tenant_rate * self.config.lease_seconds / 4)
        return max(1, min(self.config.batch_size, affordable))

    def _queue_target(self) -> int:
        """Claimed deliveries to keep waiting for a worker: a second's worth of sends (at
        least one for each worker), and never more than a claim."""
        wanted = max(self._worker_count(), int(self.limiter.tenant_rate))
        return max(1, min(self._batch_size(), wanted))

    def _worker_count(self) -> int:
        """Workers for `run`: enough for a second's worth of sends in flight, at most
        `concurrency`. More would only queue at the rate limiter, and on stop each of them
        still sends what it holds."""
        return max(1, min(self.config.concurrency, math.ceil(self.limiter.tenant_rate)))

    def _throttled(self, now: datetime) -> bool:
        return self._throttle_until is not None and self._throttle_until > now

    async def _claim(self) -> tuple[list[Delivery], _Refs]:
        """Claim due deliveries unless a 429 paused every sender; prefetch their references."""
        now = self.clock()
        shared = await self.store.throttle_until()
        if shared is not None and shared > now:
            self._throttle_until = max(shared, self._throttle_until or shared)
            return [], {}
        self._looked_at = now
        deliveries = await self.store.claim_deliveries(
            self.owner, self._batch_size(), self.config.lease_seconds, now
        )
        if not deliveries:
            return [], {}
        return deliveries, await self.store.get_references([d.recipient for d in deliveries])

    async def _take_share(self) -> int:
        """Note this sender as running and pace at its part of the tenant's budget; returns
        how many other senders are running. If the store cannot say, keep the last share."""
        try:
            others = await self.store.sender_alive(self.owner, self.clock(), SEEN_WITHIN_SECONDS)
        except Exception:
            log.exception("sender could not count the other senders")
            return 0
        self._shared_at = time.monotonic()
        self.limiter.share_with(others + 1)
        return others

    async def _join(self, stop: asyncio.Event | None = None) -> None:
        """Take a share; if others are sending, give them a heartbeat to slow down first.
        Noted, then counted in a second transaction: of two senders starting together, the
        later one to be noted then sees the earlier one, even on PostgreSQL where neither
        transaction sees the other's uncommitted row."""
        await self._take_share()
        if await self._take_share():
            await _first_of(stop or asyncio.Event(), None, seconds=HEARTBEAT_SECONDS)

    async def run_once(self) -> int:
        """Claim one batch, send it and record it; returns how many deliveries were handled."""
        if self._shared_at is None:
            await self._join()
        elif time.monotonic() - self._shared_at >= HEARTBEAT_SECONDS:
            await self._take_share()
        deliveries, refs = await self._claim()
        if not deliveries:
            return 0
        gate = asyncio.Semaphore(self.config.concurrency)

        async def bounded(delivery: Delivery) -> None:
            async with gate:
                await self._handle(delivery, refs)

        try:
            await asyncio.gather(*(bounded(delivery) for delivery in deliveries))
        finally:
            await self._flush()
        return len(deliveries)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleeps while idle or throttled. On stop, the claimed
        deliveries no worker has started are given back and the sends under way finish."""
        queue: asyncio.Queue[_Queued | None] = asyncio.Queue()
        room = asyncio.Event()  # set by a worker when the queue runs short
        target = self._queue_target()
        workers = [
            asyncio.create_task(self._work(queue, room, target), name=f"{self.owner}-{i}")
            for i in range(self._worker_count())
        ]
        halt = asyncio.Event()  # the flusher's own stop: set once the workers are done
        flusher = asyncio.create_task(self._flush_until(halt), name=f"{self.owner}-flush")
        heartbeat = asyncio.create_task(self._beat_until(halt), name=f"{self.owner}-beat")
        claiming: asyncio.Task[int] | None = None
        try:
            await self._join(stop)
            while not stop.is_set():
                if queue.qsize() >= target:
                    room.clear()
                    await _first_of(stop, room, seconds=None)
                    continue
                # A task of its own, shielded: a cancellation that arrives once the claim
                # is committed must not lose track of what it claimed (`finally` waits).
                claiming = asyncio.create_task(self._claim_into(queue))
                try:
                    claimed = await asyncio.shield(claiming)
                except Exception:  # the database may be briefly away; keep the loop alive
                    log.exception("sender claim failed")
                    claimed = 0
                if not claimed:
                    await _first_of(stop, None, seconds=min(self._idle_wait(), 60.0))
        finally:
            # On stop, and on a first cancellation too: a claim under way completes, the
            # sends under way finish (the workers are tasks of their own), the flusher ends
            # after its current write, and what was claimed but not started goes back.
            if claiming is not None:
                await asyncio.gather(claiming, return_exceptions=True)
            unstarted = [item for item in _drain(queue) if item is not None]
            for _ in workers:
                queue.put_nowait(None)
            try:
                await asyncio.gather(*workers, return_exceptions=True)
            finally:
                halt.set()
                await asyncio.gather(flusher, heartbeat, return_exceptions=True)
                try:
                    await self._flush()
                    await self._release([delivery for delivery, _ in unstarted])
                    await self.store.sender_gone(self.owner)
                except Exception:  # their leases expire and another sender takes them over
                    log.exception("sender could not record its last outcomes")

    async def _claim_into(self, queue: asyncio.Queue[_Queued | None]) -> int:
        deliveries, refs = await self._claim()
        for delivery in deliveries:
            queue.put_nowait((delivery, refs))
        return len(deliveries)

    async def _work(
        self, queue: asyncio.Queue[_Queued | None], room: asyncio.Event, target: int
    ) -> None:
        while (item := await queue.get()) is not None:
            if queue.qsize() < target:
                room.set()
            delivery, refs = item
            try:
                await self._handle(delivery, refs)
            except Exception:  # the lease expires and the delivery is tried again
                log.exception("delivery %d: handling failed", delivery.id)

    async def _beat_until(self, halt: asyncio.Event) -> None:
        while not halt.is_set():
            await _first_of(halt, None, seconds=HEARTBEAT_SECONDS)
            if not halt.is_set():
                await self._take_share()

    async def _flush_until(self, halt: asyncio.Event) -> None:
        while not halt.is_set():
            await _first_of(halt, None, seconds=self.config.flush_seconds)
            try:
                await self._flush()
            except Exception:  # kept for the next flush; the leases still hold
                log.exception("sender could not record successful sends")

    async def _flush(self) -> None:
        """Record the successful sends so far in one transaction, then the tips they carried;
        as `_finish` does one by one, warn of each lost lease and call the hook for each
        kept one. If writing fails, they stay for the next flush."""
        sent, self._sent = self._sent, []
        tips, self._tips = self._tips, []
        try:
            kept = (
                await self.store.finish_deliveries(
                    self.owner,
                    [(delivery.id, Outcome.SENT, status, None) for delivery, _, status in sent],
                    self.clock(),
                )
                if sent
                else set()
            )
        except BaseException:
            self._sent[:0], self._tips[:0] = sent, tips
            raise
        try:
            if tips:
                await self.store.record_tips(tips, self.clock())
        except BaseException:
            self._tips[:0] = tips
            raise
        finally:
            for delivery, envelope, _ in sent:
                if delivery.id not in kept:
                    log.warning(
                        "delivery %d: lease lost before the outcome was recorded", delivery.id
                    )
                else:
                    await self._final(delivery, envelope, Outcome.SENT)

    async def _release(self, deliveries: list[Delivery]) -> None:
        """Give claimed but unattempted deliveries back, due at once and with the attempt
        not counted."""
        if deliveries:
            await self.store.finish_deliveries(
                self.owner,
                [(delivery.id, Outcome.RELEASED, None, None) for delivery in deliveries],
                self.clock(),
            )

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
        self, delivery: Delivery, open_chat: OpenChat | None, refs: _Refs
    ) -> ConversationRef | SendResult | None:
        """The conversation to send to (prefetched for the claim); for a person not yet
        chatting with the bot, the 1:1 chat is opened first (and remembered) when the payload
        says where."""
        ref = refs.get(delivery.recipient)
        if ref is not None or not delivery.recipient.startswith("person:"):
            return ref
        ref = await self.store.get_reference(delivery.recipient)  # saved since the prefetch?
        if ref is not None:
            return ref
        if open_chat is None:
            return None
        service_url, tenant = open_chat.service_url, open_chat.tenant_id
        conversation_id, result = await self.port.create_personal(
            service_url, tenant, open_chat.user_id
        )
        if conversation_id is None:
            return result
        ref = self.port.personal_reference(delivery.recipient, conversation_id, service_url, tenant)
        await self.store.save_reference(ref)
        refs[delivery.recipient] = ref
        return ref

    async def _handle(self, delivery: Delivery, refs: _Refs) -> None:
        if self._throttled(self.clock()):
            # A 429 paused every sender since this was claimed: give it back untouched.
            await self._finish(delivery, Outcome.RELEASED, None)
            return
        try:
            envelope = self.kinds.decode(delivery.payload)
        except PayloadError as error:  # nothing to send and nothing to retry
            log.warning("delivery %d: unreadable payload: %s", delivery.id, error)
            await self._finish(delivery, Outcome.FAILED, None)
            return
        found = await self._reference(delivery, envelope.open_chat, refs)
        if isinstance(found, SendResult):
            await self._record(delivery, envelope, found, refs)
            return
        ref = found
        if ref is None or not ref.active:
            await self._finish(delivery, Outcome.FAILED, None, envelope=envelope)
            return
        reply = self.kinds.render(envelope)
        if reply is None:
            log.warning("delivery %d: payload names nothing we can send", delivery.id)
            await self._finish(delivery, Outcome.FAILED, None, envelope=envelope)
            return
        await self.limiter.acquire(ref.conversation_id, ref.tenant_id or "")
        if self._throttled(self.clock()):
            # Another send saw 429 while this one waited its turn: give it back untouched.
            await self._finish(delivery, Outcome.RELEASED, None)
            return
        try:
            result = await self.port.send(ref, reply)
        except Exception:  # a bug or an unexpected client error: the outcome is unknown
            log.exception("delivery %d: send raised", delivery.id)
            result = SendResult(status=None, timed_out=True)
        await self._record(delivery, envelope, result, refs)

    async def _record(
        self, delivery: Delivery, envelope: Envelope, result: SendResult, refs: _Refs
    ) -> None:
        now = self.clock()
        if result.ok:
            self.sent += 1
            self._sent.append((delivery, envelope, result.status))  # recorded by `_flush`
            entry = self.kinds.tip_entry(envelope)
            if entry is not None:
                self._tips.append((delivery.recipient, entry))
            return
        if result.status in (403, 404):
            # Blocked, uninstalled or gone: final, and stop writing to that conversation.
            await self.store.deactivate_reference(delivery.recipient)
            known = refs.get(delivery.recipient)
            if known is not None:
                refs[delivery.recipient] = replace(known, active=False)
            await self._finish(delivery, Outcome.FAILED, result.status, envelope=envelope)
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
            await self._finish(delivery, Outcome.FAILED, result.status, envelope=envelope)
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
        *,
        envelope: Envelope | None = None,
    ) -> None:
        """Record one outcome; a final one runs the kind's hook (`envelope`: the payload
        as decoded, None when it could not be)."""
        kept = await self.store.finish_delivery(
            delivery.id, self.owner, outcome, status, self.clock(), next_attempt_at
        )
        if outcome is Outcome.RETRY and next_attempt_at is not None and kept:
            heapq.heappush(self._retries, next_attempt_at)
        if not kept:
            log.warning("delivery %d: lease lost before the outcome was recorded", delivery.id)
        elif outcome in (Outcome.SENT, Outcome.FAILED) and envelope is not None:
            await self._final(delivery, envelope, outcome)

    async def _final(self, delivery: Delivery, envelope: Envelope, outcome: Outcome) -> None:
        try:
            await self.kinds.on_final(envelope, outcome)
        except Exception:  # a hook must never stop the pipeline
            log.exception("delivery %d: the final-outcome hook failed", delivery.id)


async def _first_of(
    stop: asyncio.Event, other: asyncio.Event | None, seconds: float | None
) -> None:
    """Wait until `stop` or `other` is set, or `seconds` pass."""
    waits = [asyncio.ensure_future(stop.wait())]
    if other is not None:
        waits.append(asyncio.ensure_future(other.wait()))
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def _drain(queue: asyncio.Queue[_Queued | None]) -> list[_Queued | None]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
