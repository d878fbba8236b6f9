"""Serving an app over TCP the way ``issuetrak-mock`` does: our own listening socket, uvicorn.

The socket is bound before uvicorn starts so that ``--port 0`` can print the port it got. It
is made as a TCP socket explicitly (``IPPROTO_TCP``): asyncio turns Nagle's algorithm off
(``TCP_NODELAY``) only on connections accepted from such a socket, and with Nagle on, the
small writes of a keep-alive response meet the client's delayed ACK and every request waits
about 40 ms. ``TCP_NODELAY`` is also set on the listening socket, whose connections inherit it.

uvicorn closes a connection that stays idle between requests (``timeout_keep_alive``), but not
one that opened and sends nothing, or sends a request head a byte at a time: such a connection
would be held for ever. :class:`HeadTimeoutProtocol` gives every request head a deadline
(Kestrel's ``RequestHeadersTimeout``): ``408`` and the connection closed when it passes. The
body has its own deadline in the app (``create_app(body_timeout=...)``).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .body import READ_TIMEOUT

__all__ = ["HeadTimeoutProtocol", "listening_socket", "uvicorn_server"]

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head."""

    head_timeout = READ_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._waiting_from = self.cycle  # a new cycle means a whole head arrived
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._waiting_from:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # a pipelined request may have started its cycle already: its head is in
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.cycle is not self._waiting_from:
            return
        self.transport.write(_TIMED_OUT)
        self.transport.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for ``host:port`` (``port`` 0 picks a free one); ``OSError`` if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def uvicorn_server(
    app: Any, *, log_level: str = "warning", head_timeout: float = READ_TIMEOUT
) -> Any:
    """A ``uvicorn.Server`` for ``app``; run it with ``server.run(sockets=[listening_socket(...)])``.

    ``head_timeout``: seconds a client has to send a whole request head (``408`` after that).
    """
    import uvicorn

    protocol = type("HeadTimeout", (HeadTimeoutProtocol,), {"head_timeout": head_timeout})
    config = uvicorn.Config(app, log_level=log_level, lifespan="off", http=protocol)
    return uvicorn.Server(config)
