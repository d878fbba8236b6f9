"""A fault-injecting HTTP/1.1 proxy on a real loopback socket, in front of the mock served by uvicorn.

Both run in background threads of the test process, each on 127.0.0.1 with a port the kernel
picks. The proxy reads each request, decides its fate from a fixed *plan* per request (keyed by
method, path and body, so a retry of the same request meets the next step of the same plan), and
then answers it itself, forwards it, or breaks the connection:

=================  =========================================================================
``ok``             forward, relay the answer
``429``            answer 429 with a short ``Retry-After`` (nothing forwarded)
``503``            answer 503 (nothing forwarded)
``502-after``      forward (the site does the work), answer 502, as a gateway does
``reset-before``   reset the connection (RST) without forwarding
``reset-after``    forward, then reset the connection instead of answering
``delay``          forward, then hold the answer past the client's read timeout
``cut-body``       forward, send the head and half the body, close (a body cut short)
``bad-json``       forward, answer with a complete framing but half the JSON (undecodable)
``429-zero``       answer 429 with ``Retry-After: 0`` (nothing forwarded)
``html-before``    answer 200 with an HTML login page, as a captive proxy does (nothing forwarded)
``html-after``     forward (the site does the work), answer 200 with an HTML page
``trickle``        forward, send the head, then the body one byte per ``trickle`` seconds
``echo-token``     answer 500 echoing the request's ``X-Api-Key`` everywhere (see
                   :func:`echo_shapes`: trace id, ``Request-Id``, body encodings)
``limits-spent``   forward, relay the answer with AspNetCoreRateLimit headers saying the
                   site's 1 m window has 0 requests left for 30 s
``quota-429``      answer 429 ``Retry-After: 1`` with a quota body for the 1 m window
=================  =========================================================================

Nothing here knows the SDK: it is the network misbehaving.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

FAULTS = (
    "ok",
    "429",
    "503",
    "502-after",
    "reset-before",
    "reset-after",
    "delay",
    "cut-body",
    "bad-json",
    "429-zero",
    "html-before",
    "html-after",
    "trickle",
    "echo-token",
    "limits-spent",
    "quota-429",
)
LOGIN_PAGE = b"<!DOCTYPE html><html><body><form action='/login'>Sign in</form></body></html>"
QUOTA_BODY = b"API calls quota exceeded! maximum admitted 100 per 1m."


def echo_shapes(token: str) -> list[str]:
    """How sites echo a credential: plain, URL-encoded, base64 (alone and inside a Basic
    credential), hex, HTML-escaped, upper case (and, in :func:`_echo`, JSON-escaped)."""
    import base64
    import html
    from urllib.parse import quote

    raw = token.encode()
    return [
        token,
        quote(token, safe=""),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b64encode(b"user:" + raw).decode(),
        raw.hex(),
        html.escape(token),
        token.upper(),
    ]


@dataclass
class Plans:
    """Which faults each request meets: a plan (list of steps) per request key, the plans of
    ``choices`` dealt in turn to new keys (so every plan is met once there are as many keys);
    a request sent more often than its plan is long is forwarded."""

    choices: Sequence[Sequence[str]]
    seen: Counter[str] = field(default_factory=Counter)
    met: Counter[str] = field(default_factory=Counter)
    plans: dict[str, Sequence[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_step(self, key: str) -> str:
        with self.lock:
            plan = self.plans.setdefault(key, self.choices[len(self.plans) % len(self.choices)])
            count = self.seen[key]
            self.seen[key] += 1
            step = plan[count] if count < len(plan) else "ok"
            self.met[step] += 1
        return step


class FaultProxy:
    """An asyncio proxy in its own thread: ``with FaultProxy(upstream, plans) as url: ...``."""

    def __init__(
        self,
        upstream: str,
        plans: Plans,
        *,
        delay: float,
        retry_after: str = "0.02",
        trickle: float = 0.05,
    ):
        self.trickle = trickle
        self.upstream = upstream
        self.plans = plans
        self.delay = delay
        self.retry_after = retry_after
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._client: httpx.AsyncClient | None = None

    def __enter__(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.url = future.result(timeout=10)
        return self.url

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> str:
        self._client = httpx.AsyncClient(base_url=self.upstream, timeout=30)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        assert self._server is not None and self._client is not None
        self._server.close()
        await self._server.wait_closed()
        await self._client.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = [tuple(line.split(": ", 1)) for line in lines if ": " in line]
                length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
                body = await reader.readexactly(length) if length else b""
                key = f"{method} {target} {hashlib.sha256(body).hexdigest()}"
                if not await self._answer(
                    self.plans.next_step(key), method, target, headers, body, writer
                ):
                    return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _forward(
        self, method: str, target: str, headers: list[Any], body: bytes
    ) -> httpx.Response:
        assert self._client is not None
        keep = {
            k: v for k, v in headers if k.lower() not in ("host", "content-length", "connection")
        }
        return await self._client.request(method, target, headers=keep, content=body)

    async def _answer(
        self,
        step: str,
        method: str,
        target: str,
        headers: list[Any],
        body: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Play one step; whether the connection stays open."""
        if step == "429":
            writer.write(_head(429, {"Retry-After": self.retry_after}, b""))
            await writer.drain()
            return True
        if step == "503":
            writer.write(_head(503, {"Retry-After": "0"}, b""))
            await writer.drain()
            return True
        if step == "reset-before":
            _reset(writer)
            return False
        if step == "429-zero":
            writer.write(_head(429, {"Retry-After": "0"}, b""))
        elif step == "quota-429":
            writer.write(_head(429, {"Retry-After": "1", "Content-Type": "text/plain"}, QUOTA_BODY))
        elif step == "html-before":
            writer.write(_head(200, {"Content-Type": "text/html"}, LOGIN_PAGE))
        elif step == "echo-token":
            writer.write(_echo(dict(headers).get("X-Api-Key", "")))
        if step in ("429-zero", "quota-429", "html-before", "echo-token"):
            await writer.drain()
            return True
        answer = await self._forward(method, target, headers, body)
        content = answer.content
        kept = {"Content-Type": answer.headers.get("content-type", "application/json")}
        if step == "502-after":
            writer.write(_head(502, {}, b""))
        elif step == "reset-after":
            _reset(writer)
            return False
        elif step == "delay":
            await asyncio.sleep(self.delay)
            _reset(writer)
            return False
        elif step == "cut-body" and len(content) > 2:
            writer.write(_head(answer.status_code, kept, content)[: -(len(content) // 2)])
            await writer.drain()
            writer.close()
            return False
        elif step == "html-after":
            writer.write(_head(200, {"Content-Type": "text/html"}, LOGIN_PAGE))
        elif step == "trickle":
            writer.write(_head(answer.status_code, kept, content)[: -len(content) or None])
            for byte in range(len(content)):
                if writer.is_closing():
                    return False
                writer.write(content[byte : byte + 1])
                try:
                    await writer.drain()
                except ConnectionError:
                    return False
                await asyncio.sleep(self.trickle)
        elif step == "limits-spent":
            reset = datetime.now(UTC) + timedelta(seconds=30)
            spent = {
                "X-Rate-Limit-Limit": "1m",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            }
            writer.write(_head(answer.status_code, {**kept, **spent}, content))
        elif step == "bad-json" and len(content) > 2:
            writer.write(_head(answer.status_code, kept, content[: len(content) // 2]))
        else:
            writer.write(_head(answer.status_code, kept, content))
        await writer.drain()
        return True


def _head(status: int, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _echo(token: str) -> bytes:
    """A 500 that echoes ``token`` in every shape: trace id, Request-Id, a header, a UTF-16
    body."""
    shapes = echo_shapes(token)
    escaped = "".join(f"\\u{ord(c):04x}" for c in token)  # JSON that decodes to the token
    body = (
        json.dumps(
            {"traceId": token, "information": [{"message": f"bad key {s}"} for s in shapes]}
        )[:-1]
        + f', "detail": "{escaped}"}}'
    )
    return _head(
        500,
        {
            "Request-Id": token,
            "X-Echo": shapes[1],
            "Content-Type": "application/json; charset=utf-16",
        },
        body.encode("utf-16"),
    )


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, as a crashed peer or a dropped NAT entry does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a port the kernel picks) in a thread."""
    import uvicorn
    from issuetrak_mock.server import listening_socket

    sock = listening_socket("127.0.0.1", 0)  # TCP_NODELAY: no 40 ms delayed-ACK stall per request
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):  # until uvicorn has started serving (a startup flag, not a timing)
        if server.started:
            started.set()
            break
        threading.Event().wait(0.01)
    try:
        assert started.is_set(), "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
