"""The second interpreter of ``issuetrak regen``: the derived modules that need the runtime, the
import check, and the namespaces, in one fresh interpreter that imports the new package.

regen starts it (:class:`issuetrak_tools._codegen.Finisher`) before the generator runs, so
loading the runtime and the namespace generator overlaps the generator's work. It then waits for
one line on stdin: ``go`` once the package is generated, stamped and its ``_document.json``
written; anything else (regen stopped) ends it without touching anything. On ``go`` it writes
``_patch_rules.py``, imports every module of the package as a user's program would (one JSON line
on stdout: ``[[module, error], ...]``) and, when all import, writes the namespaces with
:func:`issuetrak_tools._nsgen.main` (its problem lines on stderr, exit 1)::

    python -m issuetrak_tools._finish PACKAGE PACKAGE_DIR
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback
import types
from pathlib import Path

__all__ = ["import_failures", "main"]


def _error(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def import_failures(root: str) -> list[tuple[str, str]]:
    """(module, error) for every module of package ``root`` that does not import."""
    failed: list[tuple[str, str]] = []
    try:
        package = importlib.import_module(root)
    except BaseException as exc:
        return [(root, _error(exc))]

    def unlisted(name: str) -> None:
        failed.append((name, "cannot be listed"))

    for info in pkgutil.walk_packages(package.__path__, root + ".", onerror=unlisted):
        try:
            importlib.import_module(info.name)
        except BaseException as exc:
            failed.append((info.name, _error(exc)))
    return failed


def _without_httpx_cli() -> None:
    """Keep httpx from loading its command line (click, rich and pygments, installed beside the
    generator: a third of this interpreter's start-up); nothing here runs it."""
    if "httpx" in sys.modules:
        return
    stub = types.ModuleType("httpx._main")

    def main() -> None:
        raise SystemExit("the httpx command line is not loaded in regen's checking interpreter")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules.setdefault(stub.__name__, stub)


def main(argv: list[str] | None = None) -> int:
    package, folder = sys.argv[1:] if argv is None else argv
    _without_httpx_cli()
    # the runtime and the namespace generator load now, while regen's generator runs, and so do
    # the runtime modules the namespaces will import
    from issuetrak_tools import _codegen, _nsgen

    for name in _nsgen.RUNTIME_MODULES:
        importlib.import_module(name)
    if sys.stdin.readline().strip() != "go":
        return 0
    sys.dont_write_bytecode = True  # leave no __pycache__ in the package being checked
    importlib.invalidate_caches()  # the package appeared after this interpreter started
    package_dir = Path(folder)
    _codegen.write_patch_rules(package_dir)
    failed = import_failures(package)
    print(json.dumps(failed), flush=True)
    if failed:
        return 0
    return _nsgen.main([package, str(package_dir / _codegen.NAMESPACES_PACKAGE)])


if __name__ == "__main__":
    raise SystemExit(main())
