"""The HR onboarding HTTP API (aiohttp): a thin edge over OnboardingService.

    POST   /api/onboarding            start one: 201 + Location, or 200 on an idempotent replay
    GET    /api/onboarding?state=...  list (state: active | cancelled | completed; none: all)
    GET    /api/onboarding/{id}       one, with its steps, skipped steps and the pulse
    DELETE /api/onboarding/{id}       cancel the steps still to come: 200 with the result

Every route authenticates first (HrAuthenticator) and fails closed. Every error is JSON:
`{"error": "...", "problems": [{"field": ..., "message": ...}]}` — 400 bad body or query,
401/403/503 credentials (401 with `WWW-Authenticate`), 404 unknown onboarding or user,
409 idempotency key reused with another request, 413 body over the limit, 415 not JSON,
422 a UPN while Microsoft Graph is off, 503 directory unavailable, 500 anything else.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.http.hr_auth import AuthError, HrAuthenticator, Principal
from bot.onboarding.model import Onboarding
from bot.onboarding.service import (
    DirectoryNeeded,
    DirectoryUnavailable,
    IdempotencyConflict,
    OnboardingService,
    Problem,
    RequestErrors,
    UnknownUser,
    onboarding_document,
)

log = logging.getLogger(__name__)

BASE_PATH = "/api/onboarding"
MAX_BODY_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")  # onboarding ids are UUIDs; anything else: 404

Handler = Callable[[web.Request, Principal], Awaitable[web.StreamResponse]]


class _Refusal(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        problems: list[Problem] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.problems = problems or []
        self.headers = dict(headers or {})


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    # Answers carry personal data (and errors are never worth caching).
    return web.json_response(
        payload,
        status=status,
        headers={**(headers or {}), "Cache-Control": "no-store"},
        dumps=lambda data: json.dumps(data, ensure_ascii=False),
    )


def _error(refusal: _Refusal) -> web.Response:
    return _json(
        refusal.status,
        {"error": refusal.error, "problems": refusal.problems},
        refusal.headers,
    )


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _Refusal(
            400,
            "the request body has errors",
            [{"field": name, "message": "is given more than once"} for name in repeated],
        )
    return dict(pairs)


class OnboardingApi:
    """The route handlers; `add_onboarding_routes` registers them."""

    def __init__(
        self,
        service: OnboardingService,
        authenticator: HrAuthenticator,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.service = service
        self.authenticator = authenticator
        self.max_body_bytes = max_body_bytes

    def guard(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """The route: authenticate, run `handler`, turn every failure into a JSON error."""

        async def route(request: web.Request) -> web.StreamResponse:
            try:
                try:
                    principal = await self.authenticator.authenticate(request.headers)
                except AuthError as error:
                    raise _Refusal(error.status, error.message, headers=error.headers) from None
                return await handler(request, principal)
            except _Refusal as refusal:
                return _error(refusal)
            except RequestErrors as error:
                return _error(_Refusal(400, "the request has errors", error.problems))
            except UnknownUser as error:
                message = f"no such user in the directory: {error.field} {error.value!r}"
                return _error(_Refusal(404, message, error.problems))
            except DirectoryNeeded as error:
                message = "user principal names cannot be resolved without Microsoft Graph"
                return _error(_Refusal(422, message, error.problems))
            except DirectoryUnavailable as error:
                return _error(_Refusal(503, str(error), headers={"Retry-After": "30"}))
            except IdempotencyConflict as error:
                problem: Problem = {"field": IDEMPOTENCY_HEADER, "message": str(error)}
                return _error(_Refusal(409, str(error), [problem]))
            except Exception as error:
                # The type only: messages of database errors carry the request's values.
                log.error("%s %s failed: %s", request.method, request.path, type(error).__name__)
                log.debug("onboarding API failure", exc_info=error)
                return _error(_Refusal(500, "internal error"))

        return route

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise _Refusal(415, "Content-Type must be application/json")
        limit = self.max_body_bytes
        too_large = _Refusal(413, f"the body is larger than {limit} bytes")
        if request.content_length is not None and request.content_length > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(16 * 1024):
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        try:
            document = json.loads(b"".join(chunks), object_pairs_hook=_object_without_duplicates)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _Refusal(400, "the body is not valid JSON") from None
        if not isinstance(document, dict):
            raise _Refusal(
                400,
                "the request has errors",
                [{"field": "body", "message": "must be a JSON object"}],
            )
        return document

    def _document(self, onboarding: Onboarding) -> dict[str, Any]:
        return onboarding_document(onboarding, self.service.skipped_steps(onboarding))

    async def create(self, request: web.Request, principal: Principal) -> web.StreamResponse:
        fields = await self._body(request)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        onboarding, created = await self.service.start(fields, principal.subject, key)
        document = self._document(onboarding)
        location = f"{BASE_PATH}/{onboarding.id}"
        if created:
            log.info("onboarding %s started (%d steps)", onboarding.id, len(onboarding.steps))
            return _json(201, document, {"Location": location})
        return _json(200, document, {"Location": location, "Idempotent-Replayed": "true"})

    async def listing(self, request: web.Request, principal: Principal) -> web.StreamResponse:
        unknown = sorted(set(request.query) - {"state"})
        problems: list[Problem] = [
            {"field": name, "message": "unknown query parameter; the only one is state"}
            for name in unknown
        ]
        if len(request.query.getall("state", [])) > 1:
            problems.append({"field": "state", "message": "is given more than once"})
        if problems:
            raise _Refusal(400, "the request has errors", problems)
        onboardings = await self.service.list(request.query.get("state"))
        return _json(200, {"onboardings": [self._document(o) for o in onboardings]})

    def _id(self, request: web.Request) -> str:
        onboarding_id = request.match_info["onboarding_id"]
        if not _ID.match(onboarding_id):
            raise _Refusal(404, "no such onboarding")
        return onboarding_id

    async def show(self, request: web.Request, principal: Principal) -> web.StreamResponse:
        onboarding = await self.service.get(self._id(request))
        if onboarding is None:
            raise _Refusal(404, "no such onboarding")
        return _json(200, self._document(onboarding))

    async def cancel(self, request: web.Request, principal: Principal) -> web.StreamResponse:
        onboarding = await self.service.cancel(self._id(request))
        if onboarding is None:
            raise _Refusal(404, "no such onboarding")
        log.info("onboarding %s cancelled", onboarding.id)
        return _json(200, self._document(onboarding))


def add_onboarding_routes(
    app: web.Application,
    service: OnboardingService,
    authenticator: HrAuthenticator,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> OnboardingApi:
    """Register the HR onboarding API on `app` (every route authenticates first)."""
    api = OnboardingApi(service, authenticator, max_body_bytes=max_body_bytes)
    app.router.add_post(BASE_PATH, api.guard(api.create))
    app.router.add_get(BASE_PATH, api.guard(api.listing))
    app.router.add_get(BASE_PATH + "/{onboarding_id}", api.guard(api.show))
    app.router.add_delete(BASE_PATH + "/{onboarding_id}", api.guard(api.cancel))
    return api
