"""How a command reports a problem it cannot get past: one line on stderr, no traceback."""

from __future__ import annotations

import sys

__all__ = ["fail", "known_errors", "one_line"]


def one_line(exc: object) -> str:
    """The exception's (or text's) message on one line: hint lines (indented in some) are joined."""
    parts = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(parts) or type(exc).__name__


def fail(prog: str, exc: BaseException, code: int = 2) -> int:
    """Write ``<prog>: <message>`` as one line on stderr and return ``code``."""
    sys.stderr.write(f"{prog}: {one_line(exc)}\n")
    return code


def known_errors() -> tuple[type[BaseException], ...]:
    """The errors a bad pin, label or generated package raises, as far as they are loaded.

    ``issuetrak_tools.spec`` needs the [tools]/[contract] extras, so it is looked up only when
    already imported: a ``SpecError`` can only come from a module that imported it.
    """
    from issuetrak.errors import ConfigurationError

    found: list[type[BaseException]] = [ConfigurationError]
    spec = sys.modules.get("issuetrak_tools.spec")
    if spec is not None:
        found.append(spec.SpecError)
    return tuple(found)
