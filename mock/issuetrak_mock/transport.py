"""A synchronous httpx transport that runs an ASGI app in process (httpx's own is async only)."""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

__all__ = ["SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """Use an ASGI app from ``httpx.Client``: ``httpx.Client(transport=SyncASGITransport(app))``.

    The app runs on a private event loop, one request at a time; no socket is opened.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=content
        )
        with self._lock:
            response = self._loop.run_until_complete(self._send(forwarded))
        return response

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
