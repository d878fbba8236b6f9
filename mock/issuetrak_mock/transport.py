"""A synchronous httpx transport that runs an ASGI app in process (httpx's own is async only)."""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """Use an ASGI app from ``httpx.Client``: ``httpx.Client(transport=SyncASGITransport(app))``.

    ``httpx.ASGITransport`` is async only; this drives it with ``run_until_complete`` on one
    private event loop kept for the transport's life (so app state bound to a loop stays valid),
    one request at a time; no socket is opened. ``raise_app_exceptions=False`` answers an
    exception in the app with a 500, as a server would (the contract suite wants that).
    """

    def __init__(
        self, app: ASGIApp, *, root_path: str = "", raise_app_exceptions: bool = True
    ) -> None:
        self._inner = httpx.ASGITransport(
            app=app, root_path=root_path, raise_app_exceptions=raise_app_exceptions
        )
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a body the async transport can send again
        with self._lock:
            return self._loop.run_until_complete(self._send(request))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    def close(self) -> None:
        with self._lock:
            if not self._loop.is_closed():
                self._loop.close()
