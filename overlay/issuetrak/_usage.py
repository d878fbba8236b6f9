"""Recording what an integration uses: operations, parameter names, filters, writes and reads.

Off by default: nothing here runs unless a client was made with ``record_usage=PATH`` or
``$ISSUETRAK_USAGE`` is set (the hot path pays one ``is None`` check per request). When on, each
request the SDK builds is noted (:meth:`UsageRecorder.note_request`), and attribute reads on the
generated models are noted by :mod:`issuetrak._usage_reads`. The usage file is written at exit
(and when a client closes), merged into what is already there under a file lock, so several
processes and pytest-xdist workers can record into one file.

The file names things, never values: no token, no site URL, no field value. It is sorted,
indented JSON, meant to be committed and reviewed::

    {
      "format": "issuetrak-usage/1",
      "labels": ["cloud-2026.07"],
      "operations": {
        "POST /Issues/Search": {"body": ["filter", "pageNumber"], "filters": {"filter.isOpen": ["Exact"]}}
      },
      "reads": {"IssueDTO": ["issueNumber", "subject"]}
    }
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "ENV",
    "FORMAT",
    "UsageFileError",
    "UsageRecorder",
    "active_recorders",
    "flush_all",
    "load_usage",
    "merge_usage",
    "recorder_for",
    "usage_text",
]

ENV = "ISSUETRAK_USAGE"
FORMAT = "issuetrak-usage/1"
_SETS = ("body", "patch", "query", "sort")

_recorders: dict[str, UsageRecorder] = {}
_lock = threading.Lock()


class UsageFileError(ValueError):
    """A file that is not a usage file (the message is one line naming it)."""


class UsageRecorder:
    """What one usage file will hold; shared by every client recording into that file."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.labels = {label}
        self.operations: dict[str, dict[str, Any]] = {}
        self.reads: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def _operation(self, key: str) -> dict[str, Any]:
        entry = self.operations.get(key)
        if entry is None:
            entry = self.operations[key] = {}
        return entry

    def note_request(self, key: str, params: Any, body: Any, search: bool) -> None:
        """One request of operation ``key`` (``"POST /Issues/Search"``): names only."""
        from ._usage_body import describe_body

        with self._lock:
            entry = self._operation(key)
            if params:
                entry.setdefault("query", set()).update(str(k) for k in params)
            for part, names in describe_body(body, search).items():
                if part == "filters":
                    filters = entry.setdefault("filters", {})
                    for field, operators in names.items():
                        filters.setdefault(field, set()).update(operators)
                else:
                    entry.setdefault(part, set()).update(names)

    def note_whole_response(self, key: str) -> None:
        """A raw body was handed to the caller: every property of the answer counts as read."""
        with self._lock:
            self._operation(key)["whole_response"] = True

    def note_read(self, schema: str, prop: str) -> None:
        names = self.reads.get(schema)
        if names is None:
            with self._lock:
                names = self.reads.setdefault(schema, set())
        names.add(prop)

    def snapshot(self) -> dict[str, Any]:
        """The recorded usage as the file's JSON object."""
        with self._lock:
            operations = {
                key: {part: _plain(value) for part, value in entry.items()}
                for key, entry in self.operations.items()
            }
            reads = {schema: sorted(props) for schema, props in self.reads.items()}
        return normalise(
            {
                "format": FORMAT,
                "labels": sorted(self.labels),
                "operations": operations,
                "reads": reads,
            }
        )

    def flush(self) -> None:
        """Merge what was recorded into the file (under a lock: other processes may write too).

        A path that holds something other than a usage file is left as it is, with one warning.
        """
        from ._logging import logger

        try:
            merge_into(self.path, self.snapshot())
        except UsageFileError as exc:
            logger.warning("usage not recorded: %s", exc)


def _plain(value: Any) -> Any:
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def normalise(usage: Mapping[str, Any]) -> dict[str, Any]:
    """Sorted keys and sorted, de-duplicated lists: the same usage always gives the same file."""
    operations: dict[str, Any] = {}
    for key, entry in sorted(usage.get("operations", {}).items()):
        out: dict[str, Any] = {}
        for part, value in sorted(entry.items()):
            if part == "filters":
                out[part] = {f: sorted(set(ops)) for f, ops in sorted(value.items())}
            elif part == "whole_response":
                out[part] = bool(value)
            else:
                out[part] = sorted(set(value))
        operations[key] = out
    reads = {s: sorted(set(p)) for s, p in sorted(usage.get("reads", {}).items()) if p}
    return {
        "format": FORMAT,
        "labels": sorted(set(usage.get("labels", ()))),
        "operations": operations,
        "reads": reads,
    }


def merge_usage(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """The union of two usages."""
    merged = normalise(first)
    other = normalise(second)
    merged["labels"] = sorted({*merged["labels"], *other["labels"]})
    for key, entry in other["operations"].items():
        target = merged["operations"].setdefault(key, {})
        for part, value in entry.items():
            if part == "filters":
                filters = target.setdefault(part, {})
                for field, ops in value.items():
                    filters[field] = sorted({*filters.get(field, ()), *ops})
            elif part == "whole_response":
                target[part] = True
            else:
                target[part] = sorted({*target.get(part, ()), *value})
    for schema, props in other["reads"].items():
        merged["reads"][schema] = sorted({*merged["reads"].get(schema, ()), *props})
    return normalise(merged)


def usage_text(usage: Mapping[str, Any]) -> str:
    """The file's text: sorted, indented JSON with a final newline."""
    return json.dumps(normalise(usage), indent=2, sort_keys=True) + "\n"


def load_usage(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a usage file; :class:`UsageFileError` (one line) when it is not one."""
    where = Path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageFileError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageFileError(f"{where}: not a usage file (not readable JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageFileError(f'{where}: not a usage file (no "format": "{FORMAT}")')
    if not isinstance(data.get("operations", {}), dict) or not isinstance(
        data.get("reads", {}), dict
    ):
        raise UsageFileError(f"{where}: not a usage file (operations/reads are not objects)")
    return normalise(data)


def merge_into(path: Path, usage: Mapping[str, Any]) -> None:
    """Read-merge-write ``path`` under an exclusive lock (a file in the temporary folder, named
    after ``path``, so that the committed folder gets nothing but the usage file)."""
    import hashlib
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    with _FileLock(Path(tempfile.gettempdir()) / f"issuetrak-usage-{digest}.lock"):
        merged = dict(usage)
        if path.exists() and path.stat().st_size:
            merged = merge_usage(load_usage(path), usage)
        text = usage_text(merged)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)


class _FileLock:
    """An exclusive advisory lock for the duration of a read-merge-write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    def __enter__(self) -> None:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except ImportError:  # Windows: msvcrt locks a byte range instead
            import msvcrt

            msvcrt.locking(self._fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)  # closing releases the lock


def recorder_for(path: str | os.PathLike[str] | None, label: str) -> UsageRecorder | None:
    """The recorder for ``path`` (or ``$ISSUETRAK_USAGE``), or ``None`` when recording is off."""
    if path is None:
        path = os.environ.get(ENV) or None
    if path is None:
        return None
    where = Path(path).resolve()
    with _lock:
        recorder = _recorders.get(str(where))
        if recorder is None:
            recorder = _recorders[str(where)] = UsageRecorder(where, label)
            if len(_recorders) == 1:
                atexit.register(flush_all)
        recorder.labels.add(label)
    from ._usage_reads import watch

    watch(label, note_read)
    return recorder


def note_read(schema: str, prop: str) -> None:
    """A read of ``schema.prop`` on a returned model: noted by every recorder of the process."""
    for recorder in tuple(_recorders.values()):
        recorder.note_read(schema, prop)


def active_recorders() -> tuple[UsageRecorder, ...]:
    """Every recorder of this process."""
    return tuple(_recorders.values())


def stop_all() -> None:
    """Forget every recorder (clients still holding one keep noting into it, unwritten)."""
    with _lock:
        _recorders.clear()


def flush_all() -> None:
    """Write every recorder's usage (at exit; the pytest plugin calls it at session end)."""
    for recorder in active_recorders():
        recorder.flush()


# -- the hooks the SDK calls (only when a recorder is active) -----------------------------------

_keys: dict[tuple[str, str, str], str | None] = {}


def _spec_key(spec: Any, kwargs: Mapping[str, Any]) -> str | None:
    """``"METHOD /template"`` of a facade operation, worked out once per operation."""
    ident = (spec.package, spec.tag, spec.name)
    if ident not in _keys:
        from ._usage_routes import operation_key

        placeholders = {**kwargs, **{p: "{" + p + "}" for p in spec.path_params}}
        parts = spec.module._get_kwargs(**placeholders)
        _keys[ident] = operation_key(spec.package, str(parts["method"]), str(parts["url"]))
    return _keys[ident]


def note_call(
    recorder: UsageRecorder, spec: Any, kwargs: Mapping[str, Any], parts: Mapping[str, Any]
) -> None:
    """A facade call of ``spec`` is about to send the request ``parts`` describes."""
    key = _spec_key(spec, kwargs)
    if key is not None:
        search = bool(spec.paged_by_body)
        recorder.note_request(key, parts.get("params"), parts.get("json"), search)


def note_raw(recorder: UsageRecorder, package: str, request: Any, api_base_path: str) -> None:
    """``client.request(...)`` or ``with_raw_response``: the request, and the whole answer read."""
    from ._exceptions import relative_path
    from ._usage_routes import operation_key

    key = operation_key(package, request.method, relative_path(request.url, api_base_path))
    if key is None:
        return
    body: Any = None
    if "json" in request.headers.get("content-type", ""):
        try:
            body = json.loads(request.content or b"null")
        except (ValueError, RuntimeError):
            body = None
    search = key.startswith("POST ") and key.endswith("/Search")
    recorder.note_request(key, dict(request.url.params), body, search)
    recorder.note_whole_response(key)


def note_raw_response(response: Any) -> None:
    """``client.with_raw_response....``: the caller holds the raw body, so all of it counts as read."""
    from ._usage_routes import operation_key
    from ._versions import resolve

    request = response.request
    path = request.url.path
    marker = path.find("/api/v2/")  # the API base of every Issuetrak site
    relative = path[marker + len("/api/v2") :] if marker >= 0 else path
    for recorder in active_recorders():
        for label in sorted(recorder.labels):
            key = operation_key(resolve(label).package, request.method, relative)
            if key is not None:
                recorder.note_whole_response(key)
                break


def recording() -> bool:
    """Whether any recorder is active in this process."""
    return bool(_recorders)
