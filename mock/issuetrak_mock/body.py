"""Reading a request body with a size limit, chunk by chunk, so an oversize body costs nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importable without the [mock] extra: the CLI reads the default from here
    from starlette.requests import Request

__all__ = ["MAX_BODY_BYTES", "READ_TIMEOUT", "BodyTooLarge", "read_body"]

#: The default largest request body: 4 MiB, classic ASP.NET's ``maxRequestLength``.
MAX_BODY_BYTES = 4 * 1024 * 1024

#: Seconds a request's head, and then its body, may take to arrive (Kestrel's default
#: ``RequestHeadersTimeout``); a client that takes longer, or a body that never ends, gets 408.
READ_TIMEOUT = 30.0


class BodyTooLarge(ValueError):
    """The body is over the limit (answered ``413`` before any of it is parsed)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {limit:,} bytes.")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or :class:`BodyTooLarge` as soon as ``Content-Length`` or the bytes received so
    far pass ``limit``; the rest is never read (the server discards it), so neither memory nor
    the event loop is spent on it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
