"""Generated cases remembered by what generated them, for every run of one process.

Drawing a case is most of a run's work (hypothesis builds and draws the operation's strategies,
then shrinks for the simplest case). What a draw yields depends only on the operation as the
contract document defines it, the generation settings, the values the step pins (path
parameters, page 1, a body), the mode and the seed: never on the site, whose answers only reach
generation through those pinned values. So a process that runs the suite many times (the
project's tests, the benchmarks) or a run whose steps ask for the same case twice (a positive
step and its auth probe) draws each case once; every later ask gets a fresh copy of the same
case, bound to the asking run's operation.

With ``ISSUETRAK_CONTRACT_CASES`` naming a folder, drawn cases are also written there and read
back by every process that runs with the same setting: the project's tests set it to a folder of
the test run, so the xdist workers and the ``issuetrak contract`` processes they start draw each
case once a run instead of once a process. Only point it at a folder you alone write to: its
files are pickles.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from issuetrak_tools._contract.suite_location import SHARED_CASES_VARIABLE
from schemathesis import Case
from schemathesis.core import NOT_SET, NotSet

__all__ = ["CaseMemo", "document_fingerprint", "remembered"]

AnyCase = Case[Any]

# generation settings that change no draw (how many examples a runner asks for)
_NOT_GENERATION = frozenset({"max_examples", "_is_default", "_source_keys"})


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
    return repr(sorted((k, _stable_repr(v)) for k, v in fields.items() if k not in _NOT_GENERATION))


def _stable_repr(value: Any) -> str:
    """``repr(value)``, with a set's members sorted: the same in every process (a set's order
    follows string hashes, which differ from one interpreter to the next)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable_repr(member) for member in value)) + "}"
    return repr(value)


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
    """At most ``size`` drawn cases, the least recently asked for forgotten first; and all of them
    in ``folder`` (default: ``$ISSUETRAK_CONTRACT_CASES`` when asked), if one is set."""

    def __init__(self, size: int = 4096, folder: Path | None = None) -> None:
        self.size = size
        self.folder = folder
        self._drawn: OrderedDict[tuple[Any, ...], _Drawn | None] = OrderedDict()
        self.hits = self.draws = self.loads = 0

    def case(
        self, key: tuple[Any, ...], operation: Any, draw: Callable[[], AnyCase | None]
    ) -> AnyCase | None:
        """The case ``draw()`` gives for ``key``, drawn on the first ask only (``None``, no
        case could be generated, is remembered too)."""
        if key not in self._drawn:
            shared = self._shared_file(key)
            loaded = _load(shared) if shared is not None else _MISSING
            if loaded is _MISSING:
                self.draws += 1
                case = draw()
                self._remember(key, None if case is None else _Drawn.of(case))
                if shared is not None:
                    _store(shared, self._drawn[key])
                return case
            self.loads += 1
            self._remember(key, loaded)
        else:
            self.hits += 1
            self._drawn.move_to_end(key)
        drawn = self._drawn[key]
        return None if drawn is None else drawn.case_for(operation)

    def _remember(self, key: tuple[Any, ...], drawn: _Drawn | None) -> None:
        self._drawn[key] = drawn
        if len(self._drawn) > self.size:
            self._drawn.popitem(last=False)

    def _shared_file(self, key: tuple[Any, ...]) -> Path | None:
        folder = self.folder or os.environ.get(SHARED_CASES_VARIABLE)
        if not folder:
            return None
        return Path(folder) / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.pickle"


_MISSING: Any = object()


def _load(path: Path) -> Any:
    """What ``path`` holds (a drawn case or ``None``), or ``_MISSING`` when nothing is there yet."""
    try:
        drawn = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError):
        return _MISSING
    if drawn is not None and isinstance(drawn.body, NotSet):  # "no body" is one object, by identity
        drawn = replace(drawn, body=NOT_SET)
    return drawn


def _store(path: Path, drawn: _Drawn | None) -> None:
    """Write ``drawn`` to ``path`` whole or not at all: readers in other processes never see a
    half-written file, and of two processes writing the same case the last one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as sink:
            pickle.dump(drawn, sink, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


remembered = CaseMemo()
