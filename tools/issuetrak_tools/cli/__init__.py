"""``issuetrak <command>``: the project's tools, one module per command.

The Makefile's targets are thin wrappers over these, so ``issuetrak <command>`` (or
``python -m issuetrak_tools <command>``) does the same on a machine without make. Each command
module has ``main(argv) -> int``. A command whose extra is not installed says which one to
install, in one line, instead of a traceback (its ``--help`` still answers, with exit 0). A
pin, label or generated package that cannot be used is one line too, whichever command meets it,
and so is a file or folder a command cannot read or write (exit 2).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from ._errors import fail, known_errors

__all__ = ["COMMANDS", "EXTRAS", "main"]

# command name -> (module under issuetrak_tools.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "regen": ("regen", "regenerate generated/issuetrak_client/<label> from a pinned document"),
    "fetch-spec": ("fetch_spec", "download (or copy) an Issuetrak API v2 document and pin it"),
    "contract": ("contract", "check the mock or a live site against the pinned document"),
    "spec-diff": ("spec_diff", "changelog between two documents, breaking changes marked"),
    "drift": ("drift", "read-only crawl of a live site, reporting where it departs from the pin"),
    "usage": ("usage", "show a recorded usage file, or check it against the next release"),
}

# command -> the extra of the issuetrak distribution that provides what it imports
EXTRAS: dict[str, str] = {
    "regen": "tools",
    "fetch-spec": "tools",
    "spec-diff": "tools",
    "drift": "tools",
    "contract": "contract",
    "usage": "tools",
}

_HELP = ("-h", "--help")


def _usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items())
    return (
        "usage: issuetrak <command> [options]\n"
        "       issuetrak <command> --help    (options of one command)\n\n"
        f"commands:\n{rows}\n"
    )


def _version() -> str:
    from issuetrak import __version__

    return f"issuetrak {__version__}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in (*_HELP, "help"):
        if len(args) > 1 and args[0] == "help" and args[1] in COMMANDS:
            return main([args[1], "--help"])  # `issuetrak help regen`
        sys.stdout.write(_usage())
        return 0
    if args[0] in ("-V", "--version"):
        sys.stdout.write(_version())
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
        needs = f"needs the [{extra}] extra ({exc.name} is not installed): pip install 'issuetrak[{extra}]'"
        if _HELP[0] in rest or _HELP[1] in rest:
            sys.stdout.write(f"usage: issuetrak {name} ...\n\n{COMMANDS[name][1]}; {needs}\n")
            return 0
        sys.stderr.write(f"issuetrak {name}: {needs}\n")
        return 2
    try:
        result: int = module.main(rest)
    except SystemExit as exc:  # argparse: --help is 0, a usage error 2 (its message is printed)
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")
        return 1
    except known_errors() as exc:  # a command that let a pin or label problem through
        return fail(f"issuetrak {name}", exc)
    except OSError as exc:  # a folder or file it cannot use (--output-dir under a file, ...)
        return fail(f"issuetrak {name}", exc)
    return result
