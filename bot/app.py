"""The composition root: `build_app(settings)` wires every part of the bot, once."""

from __future__ import annotations

import logging
import random

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.chat.feedback import FeedbackCounts
from bot.chat.handlers import ChatDeps
from bot.content.loader import load_pack
from bot.qa.engine import Answerer
from bot.qa.misses import MissLog
from bot.retry import RetryPolicy
from bot.settings import Settings
from bot.teams.adapter import build_adapter
from bot.teams.handler import TeamsBot
from bot.teams.http import MessagesEndpoint

log = logging.getLogger(__name__)

DEPS_KEY: web.AppKey[ChatDeps] = web.AppKey("deps", ChatDeps)
BOT_KEY: web.AppKey[TeamsBot] = web.AppKey("bot", TeamsBot)


async def _healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    return web.json_response(
        {"status": "ok", "content_version": deps.pack.version, "entries": len(deps.pack.entries)}
    )


def build_app(
    settings: Settings,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    retry: RetryPolicy | None = None,
    seed: int | None = None,
    answerer: Answerer | None = None,
) -> web.Application:
    """The aiohttp application. Loads and validates the content pack (fails fast if broken).

    `credentials_factory` replaces the outbound token source (tests use a fixed token);
    `retry` and `seed` make retries fast and reproducible in tests; `answerer` reuses an
    already built index (tests build many apps over one pack).
    """
    answerer = answerer or Answerer(load_pack(settings.content_dir))
    pack = answerer.pack
    deps = ChatDeps(
        pack=pack,
        answerer=answerer,
        misses=MissLog(settings.misses_path),
        feedback=FeedbackCounts(),
        default_language=settings.default_language,
        rng=random.Random(seed),
    )
    bot = TeamsBot(deps, retry=retry, seed=seed)
    endpoint = MessagesEndpoint(
        build_adapter(settings, credentials_factory),
        bot,
        require_auth=not settings.local_mode,
        max_body_bytes=settings.max_body_bytes,
    )
    # The client limit sits above ours so our own check answers 413 with a clear message.
    app = web.Application(client_max_size=settings.max_body_bytes * 2)
    app[DEPS_KEY] = deps
    app[BOT_KEY] = bot
    app.router.add_post("/api/messages", endpoint.handle)
    app.router.add_get("/healthz", _healthz)
    log.info(
        "content pack %s loaded: %d entries; %s mode",
        pack.version,
        len(pack.entries),
        "local (anonymous, loopback only)" if settings.local_mode else "authenticated",
    )
    return app


def serve(settings: Settings) -> None:
    """Run the bot until interrupted (what `make run` does)."""
    app = build_app(settings)
    print(f"Yhteisöbotti listening on http://{settings.host}:{settings.port}/api/messages")
    web.run_app(app, host=settings.host, port=settings.port, print=None)
