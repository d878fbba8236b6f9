"""Generated cases remembered by what generated them, for every run of one process.

Drawing a case is most of a run's work (hypothesis builds and draws the operation's strategies,
then shrinks for the simplest case). What a draw yields depends only on the operation as the
contract document defines it, the generation settings, the values the step pins (path
parameters, page 1, a body), the mode and the seed: never on the site, whose answers only reach
generation through those pinned values. So a process that runs the suite many times (the
project's tests, the benchmarks) or a run whose steps ask for the same case twice (a positive
step and its auth probe) draws each case once; every later ask gets a fresh copy of the same
case, bound to the asking run's operation.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from schemathesis import Case
from schemathesis.core import NOT_SET

__all__ = ["CaseMemo", "document_fingerprint", "remembered"]

AnyCase = Case[Any]

# generation settings that change no draw (how many examples a runner asks for)
_NOT_GENERATION = frozenset({"max_examples", "_is_default"})


def document_fingerprint(document: Mapping[str, Any]) -> str:
    """The sha256 of ``document`` (its JSON, keys sorted): equal for equal documents."""
    text = json.dumps(document, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def generation_key(operation: Any) -> str:
    """The schema's generation settings for ``operation`` that can change what is drawn."""
    config = operation.schema.config.generation_for(operation=operation, phase="fuzzing")
    fields = getattr(config, "__dict__", None) or {
        name: getattr(config, name) for name in getattr(config, "__slots__", ())
    }
    return repr(sorted((k, repr(v)) for k, v in fields.items() if k not in _NOT_GENERATION))


@dataclass(frozen=True)
class _Drawn:
    """A drawn case without its operation: what rebuilds an equal case for another schema."""

    method: str
    path: str
    path_parameters: dict[str, Any]
    headers: dict[str, Any]
    cookies: dict[str, Any]
    query: dict[str, Any]
    body: Any
    media_type: str | None
    multipart_content_types: dict[str, str] | None
    meta: Any

    @classmethod
    def of(cls, case: AnyCase) -> _Drawn:
        return cls(
            method=case.method,
            path=case.path,
            path_parameters=copy.deepcopy(case.path_parameters),
            headers=copy.deepcopy(dict(case.headers)),
            cookies=copy.deepcopy(case.cookies),
            query=copy.deepcopy(case.query),
            body=_copy_body(case.body),
            media_type=case.media_type,
            multipart_content_types=copy.deepcopy(case.multipart_content_types),
            meta=copy.deepcopy(case._meta),
        )

    def case_for(self, operation: Any) -> AnyCase:
        case: AnyCase = operation.schema.make_case(
            operation=operation,
            method=self.method,
            path=self.path,
            path_parameters=copy.deepcopy(self.path_parameters),
            headers=copy.deepcopy(self.headers),
            cookies=copy.deepcopy(self.cookies),
            query=copy.deepcopy(self.query),
            body=_copy_body(self.body),
            media_type=self.media_type,
            multipart_content_types=copy.deepcopy(self.multipart_content_types),
            meta=copy.deepcopy(self.meta),
        )
        return case


def _copy_body(body: Any) -> Any:
    return body if body is NOT_SET else copy.deepcopy(body)


class CaseMemo:
    """At most ``size`` drawn cases, the least recently asked for forgotten first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._drawn: OrderedDict[tuple[Any, ...], _Drawn | None] = OrderedDict()
        self.hits = self.draws = 0

    def case(
        self, key: tuple[Any, ...], operation: Any, draw: Callable[[], AnyCase | None]
    ) -> AnyCase | None:
        """The case ``draw()`` gives for ``key``, drawn on the first ask only (``None``, no
        case could be generated, is remembered too)."""
        if key in self._drawn:
            self.hits += 1
            self._drawn.move_to_end(key)
            drawn = self._drawn[key]
            return None if drawn is None else drawn.case_for(operation)
        self.draws += 1
        case = draw()
        self._drawn[key] = None if case is None else _Drawn.of(case)
        if len(self._drawn) > self.size:
            self._drawn.popitem(last=False)
        return case


remembered = CaseMemo()
