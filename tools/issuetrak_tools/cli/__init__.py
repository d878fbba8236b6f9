"""``issuetrak <command>``: the project's tools, one module per command.

The Makefile's targets are thin wrappers over these, so ``issuetrak <command>`` (or
``python -m issuetrak_tools <command>``) does the same on a machine without make. Each command
module has ``main(argv) -> int``. A command whose extra is not installed says which one to
install, in one line, instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "EXTRAS", "main"]

# command name -> (module under issuetrak_tools.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "regen": ("regen", "regenerate generated/issuetrak_client/<label> from a pinned document"),
    "fetch-spec": ("fetch_spec", "download (or copy) an Issuetrak API v2 document and pin it"),
    "contract": ("contract", "check the mock or a live site against the pinned document"),
    "spec-diff": ("spec_diff", "changelog between two documents, breaking changes marked"),
    "drift": ("drift", "read-only crawl of a live site, reporting where it departs from the pin"),
}

# command -> the extra of the issuetrak distribution that provides what it imports
EXTRAS: dict[str, str] = {
    "regen": "tools",
    "fetch-spec": "tools",
    "spec-diff": "tools",
    "drift": "tools",
    "contract": "contract",
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items())
    return f"usage: issuetrak <command> [options]\n\ncommands:\n{rows}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        sys.stderr.write(f"issuetrak: unknown command {name!r}\n\n{_usage()}")
        return 2
    try:
        module = importlib.import_module(f"issuetrak_tools.cli.{COMMANDS[name][0]}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("issuetrak", "issuetrak_tools"):
            raise
        extra = EXTRAS[name]
        sys.stderr.write(
            f"issuetrak {name}: needs the [{extra}] extra ({exc.name} is not installed): "
            f"pip install 'issuetrak[{extra}]'\n"
        )
        return 2
    result: int = module.main(rest)
    return result
