"""All doubles on one loopback server, wired to trust each other's tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from ._lifecycle import StartStop
from ._server import LoopbackServer
from .connector import ConnectorDouble
from .graph import GraphDouble
from .identity import FixedTokenBotCredentialsFactory, IdentityDouble
from .teams import TeamsDriver

if TYPE_CHECKING:
    from msgraph.graph_service_client import GraphServiceClient

__all__ = ["DEFAULT_APP_ID", "GRAPH_SCOPE", "Doubles"]

DEFAULT_APP_ID = "6f1c0a2e-4b7d-4c1e-9a53-0d2b8f4e7a10"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class Doubles(StartStop):
    """Identity, Bot Connector and Graph doubles served together.

    With ``require_tokens`` the connector and Graph answer 401 unless the request carries
    ``identity.access_token`` (what :meth:`bot_credentials_factory` and
    :meth:`graph_client` use)::

        with Doubles() as d:
            settings = {**d.bot_settings(), "APP_ID": d.app_id, ...}
            team = d.connector.add_team("Kehittäjät")
    """

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        identity: IdentityDouble | None = None,
        connector: ConnectorDouble | None = None,
        graph: GraphDouble | None = None,
        require_tokens: bool = True,
    ) -> None:
        self.app_id = app_id
        self.identity = identity or IdentityDouble()
        self.connector = connector or ConnectorDouble()
        self.graph = graph or GraphDouble()
        if require_tokens:
            self.connector.expected_token = self.identity.access_token
            self.graph.expected_token = self.identity.access_token
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("Doubles are not started")
        return self._server.url

    def start(self) -> Self:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        for double in (self.identity, self.connector, self.graph):
            double.add_routes(app)
        self._server = LoopbackServer(app, name="doubles").start()
        for double in (self.identity, self.connector, self.graph):
            double.bind(self._server.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            for double in (self.identity, self.connector, self.graph):
                double.unbind()

    def reset(self) -> None:
        """Forget recorded calls, faults and rate-limit history of every double, and the
        calendars' events and busy times: one test's bookings must not count in the next
        (a test that counted events failed when another booking test ran before it)."""
        self.identity.calls.clear()
        self.connector.reset()
        self.graph.reset()
        self.graph.clear_calendars()

    def bot_settings(self) -> dict[str, str]:
        """botframework configuration overrides (``TO_BOT_FROM_CHANNEL_*`` and friends)."""
        return self.identity.bot_settings()

    def bot_credentials_factory(self) -> FixedTokenBotCredentialsFactory:
        return self.identity.bot_credentials_factory(self.app_id)

    def driver(self, bot_url: str, **kwargs: Any) -> TeamsDriver:
        return TeamsDriver(bot_url, self.identity, self.connector, app_id=self.app_id, **kwargs)

    def graph_client(self) -> GraphServiceClient:
        """A real msgraph-sdk client pointed at the Graph double."""
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )
        from msgraph.graph_request_adapter import GraphRequestAdapter
        from msgraph.graph_service_client import GraphServiceClient

        auth = AzureIdentityAuthenticationProvider(self.identity.credential(), scopes=[GRAPH_SCOPE])
        adapter = GraphRequestAdapter(auth)
        adapter.base_url = self.graph.base_url
        return GraphServiceClient(request_adapter=adapter)
