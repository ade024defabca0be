"""Common lifecycle of a double: served alone, or together with others on one server."""

from __future__ import annotations

from typing import Self

from aiohttp import web

from ._lifecycle import StartStop
from ._server import LoopbackServer

__all__ = ["Double"]


class Double(StartStop):
    """A double adds its routes to an aiohttp app and learns its base URL when served.

    ``start()`` serves it on a :class:`LoopbackServer` of its own; :class:`Doubles`
    serves several on one server instead.
    """

    name = "double"

    def __init__(self) -> None:
        self._base_url: str | None = None
        self._server: LoopbackServer | None = None

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def bind(self, base_url: str) -> None:
        """Called by whoever serves the routes, once the URL is known."""
        self._base_url = base_url.rstrip("/")
        self.on_started()

    def unbind(self) -> None:
        self.on_stopped()

    def on_started(self) -> None:
        """Hook for subclasses, run when the routes are being served."""

    def on_stopped(self) -> None:
        """Hook for subclasses, run after the server stopped."""

    @property
    def url(self) -> str:
        """Base URL of the server the double runs on (no trailing slash)."""
        if self._base_url is None:
            raise RuntimeError(f"{type(self).__name__} is not being served; call start()")
        return self._base_url

    def start(self) -> Self:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        self.add_routes(app)
        server = LoopbackServer(app, name=self.name).start()
        self._server = server
        self.bind(server.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            self.unbind()
