"""The composition root: `build_app(settings)` wires every part of the bot, once."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.chat.handlers import ChatDeps
from bot.content.loader import load_pack
from bot.content.models import ContentPack
from bot.qa.engine import Answerer
from bot.retry import RetryPolicy
from bot.settings import Settings
from bot.store.protocol import Store
from bot.store.sql import open_store
from bot.teams.adapter import build_adapter
from bot.teams.handler import TeamsBot
from bot.teams.http import MessagesEndpoint
from bot.teams.proactive import ConnectorSender, TokenSource
from jobs.calendar import nudges_schedule, tips_schedule
from jobs.limits import RateLimiter
from jobs.planner import Planner
from jobs.render import render
from jobs.runtime import Background
from jobs.sender import Sender

log = logging.getLogger(__name__)

DEPS_KEY: web.AppKey[ChatDeps] = web.AppKey("deps", ChatDeps)
BOT_KEY: web.AppKey[TeamsBot] = web.AppKey("bot", TeamsBot)
BACKGROUND_KEY: web.AppKey[Background] = web.AppKey("background", Background)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    return web.json_response(
        {"status": "ok", "content_version": deps.pack.version, "entries": len(deps.pack.entries)}
    )


def build_planner(settings: Settings, store: Store, pack: ContentPack) -> Planner:
    tips = tips_schedule(settings.tips_time, settings.timezone)
    nudges = nudges_schedule(settings.nudges_weekday, settings.nudges_time, settings.timezone)
    return Planner(store, pack, tips, nudges)


def build_sender(
    settings: Settings,
    store: Store,
    pack: ContentPack,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> tuple[Sender, ConnectorSender]:
    connector = ConnectorSender(TokenSource(settings, credentials_factory))
    sender = Sender(
        store,
        connector,
        lambda payload: render(pack, payload),
        RateLimiter(tenant_rate=settings.send_rate),
        clock=clock,
    )
    return sender, connector


async def build_app(
    settings: Settings,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    retry: RetryPolicy | None = None,
    seed: int | None = None,
    answerer: Answerer | None = None,
    store: Store | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> web.Application:
    """The aiohttp application. Loads and validates the content pack and opens (and
    migrates) the database: a broken pack or an unreachable database stops start-up.

    `credentials_factory` replaces the outbound token source (tests use a fixed token);
    `retry` and `seed` make retries fast and reproducible; `answerer` and `store` let tests
    reuse an index and a database; `clock` fixes the time.
    """
    answerer = answerer or Answerer(load_pack(settings.content_dir))
    pack = answerer.pack
    owns_store = store is None
    store = store or await open_store(settings.database)
    deps = ChatDeps(
        pack=pack,
        answerer=answerer,
        store=store,
        default_language=settings.default_language,
        tips_time=settings.tips_time,
        timezone=settings.timezone,
        rng=random.Random(seed),
        clock=clock,
    )
    bot = TeamsBot(deps, retry=retry, seed=seed)
    endpoint = MessagesEndpoint(
        build_adapter(settings, credentials_factory),
        bot,
        require_auth=not settings.local_mode,
        max_body_bytes=settings.max_body_bytes,
    )
    sender, connector = build_sender(settings, store, pack, credentials_factory, clock=clock)
    background = Background(build_planner(settings, store, pack), sender, settings.timezone, clock)

    # The client limit sits above ours so our own check answers 413 with a clear message.
    app = web.Application(client_max_size=settings.max_body_bytes * 2)
    app[DEPS_KEY] = deps
    app[BOT_KEY] = bot
    app[BACKGROUND_KEY] = background
    app.router.add_post("/api/messages", endpoint.handle)
    app.router.add_get("/healthz", _healthz)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if settings.scheduler:
            await background.start()
        yield
        await background.stop()
        await connector.close()
        if owns_store:
            await store.close()

    app.cleanup_ctx.append(lifecycle)
    log.info(
        "content pack %s loaded: %d entries, %d nudges; %s mode",
        pack.version,
        len(pack.entries),
        len(pack.nudges),
        "local (anonymous, loopback only)" if settings.local_mode else "authenticated",
    )
    return app


def serve(settings: Settings) -> None:
    """Run the bot until interrupted (what `make run` does)."""
    print(f"Yhteisöbotti listening on http://{settings.host}:{settings.port}/api/messages")
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)
