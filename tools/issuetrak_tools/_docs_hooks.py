"""mkdocs hook: the reference page of the client namespaces, from the generated package.

The namespaces are generated per pinned document (``issuetrak_client.<label>.namespaces``, see
:mod:`issuetrak_tools._nsgen`), so their page cannot be written by hand: ``<!-- namespaces -->``
in a page becomes one mkdocstrings block per tag of the default label's package, which the
documentation build renders from the generated classes (signatures and docstrings).
mkdocs.yml names this file under ``hooks``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

PLACEHOLDER = "<!-- namespaces -->"
_DEFAULT = re.compile(r'^DEFAULT_PACKAGE = "(?P<ident>\w+)"$', re.M)


def namespace_blocks(index: Path) -> str:
    """The Markdown of every namespace of the default label in the generated ``index``."""
    found = _DEFAULT.search((index / "__init__.py").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{index / '__init__.py'} names no DEFAULT_PACKAGE; run make regen")
    package = f"issuetrak_client.{found['ident']}.namespaces"
    folder = index / found["ident"] / "namespaces"
    tags = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    blocks = [f"The default label's package is `{package.rsplit('.', 1)[0]}`.", ""]
    for tag in tags:
        cls = "".join(part[:1].upper() + part[1:] for part in tag.split("_"))
        blocks += [
            f"## `client.{tag}`",
            "",
            f"::: {package}.{tag}.{cls}",
            "    options:",
            "      show_root_heading: false",
            "      show_root_toc_entry: false",
            "      heading_level: 3",
            "      inherited_members: true",
            "",
        ]
    return "\n".join(blocks)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if PLACEHOLDER not in markdown:
        return markdown
    index = Path(config["config_file_path"]).parent / "generated" / "issuetrak_client"
    return markdown.replace(PLACEHOLDER, namespace_blocks(index))
