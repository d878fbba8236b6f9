"""An ASGI app served by uvicorn on 127.0.0.1 (port 0: the kernel picks a free one), recording
every request that reaches it - a live site on loopback, and the counting proxy in front of it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


class Recording:
    """ASGI middleware that records ``(method, path)`` of every request it passes on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            with self._lock:
                self.requests.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def free_port() -> int:
    """A port nothing listens on (for "cannot reach" tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: Any) -> Iterator[tuple[str, Recording]]:
    """``(base URL, recorder)`` while uvicorn serves ``app`` on 127.0.0.1 at a port of its choosing."""
    recording = Recording(app)
    server = uvicorn.Server(
        uvicorn.Config(recording, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", recording
    finally:
        server.should_exit = True
        thread.join(10)
