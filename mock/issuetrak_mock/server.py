"""Serving an app over TCP the way ``issuetrak-mock`` does: our own listening socket, uvicorn.

The socket is bound before uvicorn starts so that ``--port 0`` can print the port it got. It
is made as a TCP socket explicitly (``IPPROTO_TCP``): asyncio turns Nagle's algorithm off
(``TCP_NODELAY``) only on connections accepted from such a socket, and with Nagle on, the
small writes of a keep-alive response meet the client's delayed ACK and every request waits
about 40 ms. ``TCP_NODELAY`` is also set on the listening socket, whose connections inherit it.
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["listening_socket", "uvicorn_server"]


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


def uvicorn_server(app: Any, *, log_level: str = "warning") -> Any:
    """A ``uvicorn.Server`` for ``app``; run it with ``server.run(sockets=[listening_socket(...)])``."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off"))
