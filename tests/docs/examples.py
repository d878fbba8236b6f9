"""Reading the code blocks of the project's Markdown pages (README.md, DEVELOPERS.md, docs/).

A fenced block's first info word is its language. ``python`` blocks are run (in page order, in
one namespace per page), ``pycon`` blocks are doctests, and a ``python`` block that defines
``test_*`` functions is a pytest example, run by pytest itself. Every other block (``console``,
``sh``, ``text``, ``toml``, ...) is shown, not run.

A block is left out only when the line just above its fence says why, in the page source::

    <!-- docs-test: skip: needs a live Issuetrak site -->
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PYTHON", "REPO", "Block", "pages", "read_blocks"]

REPO = Path(__file__).resolve().parents[2]
PYTHON = frozenset({"python", "py"})
DOCTEST = frozenset({"pycon"})

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_SKIP = re.compile(r"^\s*<!--\s*docs-test:\s*skip\s*:?(?P<reason>.*?)-->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the block's first code line in the page
    language: str  # "" when the fence names none
    code: str
    skip: str | None  # the reason given in the page source, or None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in PYTHON | DOCTEST and self.skip is None

    @property
    def is_pytest(self) -> bool:
        """A ``python`` block that defines test functions: pytest collects and runs it."""
        if self.language not in PYTHON:
            return False
        tree = ast.parse(self.code)
        return any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
            for node in tree.body
        )

    def compiled(self) -> object:
        """The block compiled so that tracebacks name the page and its line numbers."""
        tree = ast.parse(self.code, filename=str(self.page))
        ast.increment_lineno(tree, self.line - 1)
        return compile(tree, str(self.page), "exec")


def pages() -> list[Path]:
    """Every page whose examples must run: README.md, DEVELOPERS.md and docs/**/*.md."""
    return [REPO / "README.md", REPO / "DEVELOPERS.md", *sorted((REPO / "docs").rglob("*.md"))]


def read_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page``, in order (a block inside a list keeps its indent off)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = (opening["info"].split() or [""])[0].lower()
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            text = lines[end]
            stripped = text.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                break
            body.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
            end += 1
        skip = _SKIP.match(lines[index - 1]) if index > 0 else None
        blocks.append(
            Block(
                page=page,
                line=index + 2,
                language=language,
                code="\n".join(body) + "\n",
                skip=skip["reason"].strip() if skip else None,
            )
        )
        index = end + 1
    return blocks
