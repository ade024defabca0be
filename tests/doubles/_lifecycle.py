"""Sync and async context-manager use for anything with start() and stop()."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self


class StartStop:
    """`with x:` / `async with x:` for a double: start on entry, stop on exit. In async
    code start and stop run in a thread, since they block until the server thread is up."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
