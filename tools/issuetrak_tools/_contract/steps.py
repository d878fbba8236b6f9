"""Carrying out a :class:`~.plan.Plan`: one step at a time, each sent through the run's target.

:class:`Engine` is what the pytest suite's ``test_step`` items call, and what the project's own
tests and benchmarks call directly. It keeps what the run has learnt (:class:`Knowledge`: the iids
and records each answer showed, the records the run created) so that later steps send requests a
site can answer with success: ``GET /Causes/{iid}`` with an iid ``GET /Causes`` listed, an update
of a record the run created.

A step raises :class:`StepFailed` (an ``AssertionError``) naming its deviations, which are also in
the recorder; :class:`~.target.RateLimited` and :class:`~.transport.RequestBudgetExhausted` leave
it unchecked; :class:`Unchecked` says why a step had nothing to send.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from issuetrak.conventions import is_write
from issuetrak_tools._contract import persistence
from issuetrak_tools._contract.case_memo import document_fingerprint, generation_key, remembered
from issuetrak_tools._contract.cases import send_case, validate_case
from issuetrak_tools._contract.entities import Conventions, OperationRef
from issuetrak_tools._contract.paging import FetchedPage
from issuetrak_tools._contract.probe import (
    PAGING_PAGE_SIZE,
    POSITIVE_PAGE_SIZE,
    Unchecked,
    concrete,
    json_or_none,
    plain_value,
)
from issuetrak_tools._contract.report import FailureRecord, Recorder, curl_of, trace_id_of
from issuetrak_tools._contract.target import Target
from issuetrak_tools._contract.tiers import Step
from issuetrak_tools._contract.transport import RequestBudgetExhausted
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import FailureGroup

__all__ = ["Engine", "Knowledge", "StepFailed", "Unchecked"]

AnyCase = Case[Any]


class StepFailed(AssertionError):
    """A step found deviations (each one is also in the recorder)."""

    def __init__(self, step: Step, records: list[FailureRecord]) -> None:
        self.records = records
        lines = [f"{step.id}: {len(records)} deviation(s)"]
        for record in records:
            lines.append(f"  {record.check}: {record.title}")
            if record.message:
                lines.append("    " + record.message.strip().replace("\n", "\n    ")[:2000])
            if record.curl:
                lines.append("    " + record.curl[:2000])
        super().__init__("\n".join(lines))


@dataclass
class Knowledge:
    """What the run's answers have shown so far."""

    iids: dict[str, list[Any]] = field(default_factory=dict)  # store -> iids seen
    created: dict[str, list[Any]] = field(default_factory=dict)  # store -> iids the run created
    items: dict[str, list[Any]] = field(default_factory=dict)  # operation -> records it listed
    first_pages: dict[str, FetchedPage] = field(default_factory=dict)  # page 1 of the walk's size

    def learn(self, ref: OperationRef, body: Any) -> None:
        values = body.get("values") if isinstance(body, Mapping) else None
        store = ref.store
        if isinstance(values, list):
            known = self.items.setdefault(ref.label, [])
            seen = {_key(i) for i in known}
            for item in values:
                if len(known) < MAX_ITEMS and _key(item) not in seen:
                    known.append(item)
                    seen.add(_key(item))
            if store:
                for item in values:
                    self._iid(store, item)
        elif isinstance(values, Mapping) and store:
            iid = self._iid(store, values)
            if iid is not None and ref.kind == "create":
                self.created.setdefault(store, []).append(iid)

    def _iid(self, store: str, item: Any) -> Any:
        iid = item.get("iid") if isinstance(item, Mapping) else None
        if isinstance(iid, int | str) and not isinstance(iid, bool):
            known = self.iids.setdefault(store, [])
            if iid not in known:
                known.append(iid)
            return iid
        return None

    def pick(self, store: str, *, created_only: bool = False, prefer_created: bool = False) -> Any:
        created = self.created.get(store, [])
        if created_only:
            return created[-1] if created else None
        if prefer_created and created:
            return created[-1]
        known = self.iids.get(store, [])
        return known[0] if known else None


MAX_ITEMS = 100


def _key(item: Any) -> str:
    if isinstance(item, Mapping) and item.get("iid") is not None:
        return f"iid={item['iid']}"
    return repr(item)


def _step_seed(seed: int, step: Step) -> int:
    return zlib.crc32(f"{seed}:{step.id}".encode())


def simplest_case(strategy: Any) -> AnyCase | None:
    """The simplest case of ``strategy``: required values only, each as small as it may be.

    The positive case of a read: exactly the parameters the run pins (known iids, page 1) and
    nothing optional, so its answer is the one every later step can build on.
    """
    from hypothesis import find

    try:
        case: AnyCase = find(
            strategy,
            lambda _: True,
            settings=settings(
                database=None,
                deadline=None,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception:
        return None
    return case


DRAWS = 2  # hypothesis's first example is its simplest; a draw keeps the next one


def draw_case(strategy: Any, seed: int) -> AnyCase | None:
    """One generated case from ``strategy``, the same for the same ``seed``."""
    found: list[AnyCase] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=DRAWS,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def pick(case: AnyCase) -> None:
        found.append(case)

    try:
        pick()
    except Exception:  # hypothesis could not generate (unsatisfiable): nothing to send
        return None
    return found[-1] if found else None


class Engine:
    """Runs the steps of a plan against one target (see the module docstring)."""

    def __init__(
        self,
        *,
        target: Target,
        document: Mapping[str, Any],
        schema: Any,
        recorder: Recorder,
        conventions: Conventions,
        seed: int = 0,
    ) -> None:
        self.target, self.document, self.schema = target, document, schema
        self.recorder, self.conventions, self.seed = recorder, conventions, seed
        self.knowledge = Knowledge()
        self._fingerprint: str | None = None  # of the document, for remembered cases
        # records this run writes carry it, so a sandbox can tell them apart from one night to
        # the next (names that must be unique stay unique)
        self.stamp = secrets.token_hex(3)

    def __repr__(self) -> str:
        return f"Engine({self.target!r})"

    # -- running steps ------------------------------------------------------------------------

    def execute(self, step: Step) -> None:
        """Run ``step``; raise :class:`StepFailed` when it found deviations."""
        from issuetrak_tools._contract.families import handler_for

        family, handler = handler_for(step.kind)
        try:
            records = handler(self, step)
        except RequestBudgetExhausted:
            raise  # cut, not carried out
        except Exception:
            self.recorder.family_ran(family.name)
            raise
        self.recorder.family_ran(family.name)
        for record in records:
            self.recorder.add_failure(record)
        if records:
            raise StepFailed(step, [self._clean(r) for r in records])

    def _clean(self, record: FailureRecord) -> FailureRecord:
        from issuetrak_tools._contract.credentials import redact

        secrets = self.target.secrets
        return FailureRecord(
            record.operation,
            record.check,
            redact(record.title, secrets),
            redact(record.message, secrets),
            record.status_code,
            record.trace_id,
            redact(record.curl, secrets),
        )

    # -- building cases -------------------------------------------------------------------------

    def ref(self, step: Step) -> OperationRef:
        ref = self.conventions.operation(step.operation)
        if ref is None:
            raise Unchecked(f"{step.operation} is not in the document")
        return ref

    def operation(self, ref: OperationRef) -> Any:
        return self.schema[ref.path][ref.method]

    def path_params(self, ref: OperationRef) -> dict[str, Any]:
        values: dict[str, Any] = {}
        writes = is_write(ref.method, ref.path)
        for param in ref.params:
            owner = self.conventions.owner(ref.path, param)
            value = None
            if owner is not None:
                value = self.knowledge.pick(
                    owner.store,
                    created_only=ref.method == "DELETE",
                    prefer_created=writes,
                )
            if value is None and ref.method == "DELETE":
                raise Unchecked(f"{ref.label}: no record created by this run to delete")
            values[param] = 1 if value is None else value
        return values

    def paging_pins(self, ref: OperationRef, size: int) -> tuple[dict[str, Any] | None, Any]:
        """(query, body) that ask for page 1 of ``size`` where the operation pages."""
        spec = self.document["paths"][ref.path][ref.method.lower()]
        names = {str(p.get("name", "")).lower(): p.get("name") for p in spec.get("parameters", [])}
        query = None
        if "pagenumber" in names and "pagesize" in names:
            query = {names["pagenumber"]: 1, names["pagesize"]: size}
        body = None
        if ref.kind == "search" and ref.request_schema:
            schema = self.conventions.index.schemas.get(ref.request_schema, {})
            props, required = schema.get("properties", {}), set(schema.get("required", []))
            if (
                "pageNumber" in props
                and "pageSize" in props
                and required <= {"pageNumber", "pageSize"}
            ):
                body = {"pageNumber": 1, "pageSize": size}
        return query, body

    def case(
        self,
        ref: OperationRef,
        step: Step,
        mode: GenerationMode = GenerationMode.POSITIVE,
        *,
        pin: bool = True,
        path_parameters: Mapping[str, Any] | None = None,
        simplest: bool = False,
    ) -> AnyCase:
        operation = self.operation(ref)
        kwargs: dict[str, Any] = {"generation_mode": mode}
        if pin:
            params = dict(path_parameters) if path_parameters is not None else self.path_params(ref)
            if params:
                kwargs["path_parameters"] = params
            query, body = self.paging_pins(ref, PAGING_PAGE_SIZE)
            if query:
                kwargs["query"] = query
            if body is not None:
                kwargs["body"] = body
        seed = _step_seed(self.seed, step)
        case = self.drawn(
            operation,
            (ref.label, "simplest" if simplest else seed, kwargs),
            lambda: (
                simplest_case(operation.as_strategy(**kwargs))
                if simplest
                else draw_case(operation.as_strategy(**kwargs), seed)
            ),
        )
        if case is not None and pin and is_write(ref.method, ref.path):
            if step.kind == "positive" and ref.kind in ("create", "update"):
                self.complete_body(case, ref)
            self.fill_references(case)
        if case is None and mode is GenerationMode.NEGATIVE:
            positive = {"generation_mode": GenerationMode.POSITIVE}
            case = self.drawn(
                operation,
                (ref.label, seed, positive),
                lambda: draw_case(operation.as_strategy(**positive), seed),
            )
        if case is None:
            raise Unchecked(f"{ref.label}: no {mode.value} case could be generated")
        return case

    def drawn(
        self, operation: Any, what: tuple[Any, ...], draw: Callable[[], AnyCase | None]
    ) -> AnyCase | None:
        """``draw()``'s case, drawn once a process for the same document, generation settings
        and ``what`` (label, seed, strategy arguments): see :mod:`.case_memo`."""
        if self._fingerprint is None:
            self._fingerprint = document_fingerprint(self.document)
        label, seed, kwargs = what
        key = (
            self._fingerprint,
            generation_key(operation),
            label,
            seed,
            json.dumps(kwargs, sort_keys=True, default=repr),
        )
        return remembered.case(key, operation, draw)

    def send(
        self, case: AnyCase, ref: OperationRef, *, headers: Mapping[str, str] | None = None
    ) -> tuple[Any, list[FailureRecord]]:
        """Send and check ``case``; learn from a success. Returns (response, deviations)."""
        response = send_case(case, self.target, self.recorder, headers=headers)
        if 200 <= response.status_code < 300:
            self.recorder.saw_success(ref.label)
            with contextlib.suppress(ValueError):
                self.knowledge.learn(ref, response.json())
        records: list[FailureRecord] = []
        # the schema's after_validate hook records each failure under its check's name
        self.recorder.sink = records
        try:
            validate_case(case, response, self.target, headers=headers)
        except FailureGroup:
            pass
        finally:
            self.recorder.sink = None
        return response, list(records)

    def complete_body(self, case: AnyCase, ref: OperationRef) -> None:
        """Give a create or update a value for every scalar field its schema has.

        ``write_persisted`` compares what was sent with what reading the record gives back, so the
        positive write sends every field, each with a plain value that differs between the
        create and the update (``contract 1 ...`` then ``contract 2 ...``), instead of whatever
        hypothesis drew (often nothing, or ``null``).
        """
        if not ref.request_schema:
            return
        index = self.conventions.index
        body = case.body if isinstance(case.body, dict) else {}
        number = 1 if ref.kind == "create" else 2
        for name, schema in index.properties(ref.request_schema).items():
            value = plain_value(index.resolve(schema), number, self.stamp)
            if value is not None:
                body[name] = value
        case.body = body

    def fill_references(self, case: AnyCase) -> None:
        """Point a write's ``fooIid`` fields at records the run has seen, so the site can accept it."""
        body = case.body
        if not isinstance(body, dict):
            return
        for name, value in list(body.items()):
            if not name.endswith("Iid") or not isinstance(value, int) or isinstance(value, bool):
                continue
            owner = self.conventions.owner("/", name)
            known = self.knowledge.pick(owner.store) if owner is not None else None
            if isinstance(known, int):
                body[name] = known

    def remember_first_page(self, ref: OperationRef, case: AnyCase, response: Any) -> None:
        """Keep a paged read's answer when it is exactly page 1 at the walk's size."""
        query, body = self.paging_pins(ref, PAGING_PAGE_SIZE)
        plain_query = dict(case.query or {}) == (query or {})
        plain_body = (body is None and not isinstance(case.body, dict)) or case.body == body
        if not (plain_query and plain_body) or (query is None and body is None):
            return
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        self.knowledge.first_pages[ref.label] = FetchedPage(
            response.status_code,
            parsed,
            case_curl(case, self.target),
            trace_id_of(response.content),
        )

    # -- raw requests (probes) ------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        token: bool = True,
        restricted: bool = False,
        content: bytes | None = None,
        content_type: str | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """Send a probe; ``restricted``: with the restricted user's token instead of the run's.
        A body is ``json``, or raw ``content`` sent as ``content_type``, or multipart ``files``."""
        second = self.target.restricted_headers if restricted else None
        if restricted and second is None:
            raise Unchecked("the run has no restricted token")
        headers = dict(second or self.target.headers) if token else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        url = self.target.base_url.rstrip("/") + path
        self.target.before_call(f"{method} {path}")
        response = self.target.client.request(
            method, url, headers=headers, params=params, json=json, content=content, files=files
        )
        self.target.after_call(
            f"{method} {path}", response.status_code, response.headers.get("retry-after")
        )
        return response

    def case_curl(self, case: AnyCase) -> str:
        """The curl line that repeats ``case`` (token filtered)."""
        return case_curl(case, self.target)

    def curl(self, response: httpx.Response) -> str:
        return curl_of(response.request, self.target.secrets)

    def failure(
        self,
        ref: OperationRef,
        response: Any,
        check: str,
        title: str,
        message: str,
        curl: str | None = None,
    ) -> FailureRecord:
        """A deviation of ``ref`` that ``response`` shows: its status and trace id, and the curl
        line that repeats it (``response``'s request's unless given)."""
        return FailureRecord(
            operation=ref.label,
            check=check,
            title=title,
            message=message,
            status_code=response.status_code,
            trace_id=trace_id_of(response.content),
            curl=self.curl(response) if curl is None else curl,
        )

    # -- reads the families share ----------------------------------------------------------------

    def list_records(self, ref: OperationRef, size: int) -> list[Any]:
        """Page 1 of ``ref`` (a list or search) at ``size``, learnt; the records it listed."""
        path = concrete(ref.path, self.path_params(ref))
        query, body = self.paging_pins(ref, size)
        response = self.request(ref.method, path, params=query, json=body)
        if response.status_code == 200:
            with contextlib.suppress(ValueError):
                self.knowledge.learn(ref, response.json())
        return self.knowledge.items.get(ref.label, [])

    def items(self, ref: OperationRef) -> list[Any]:
        """The records ``ref`` listed so far (page 1 of it, fetched now if none yet)."""
        if ref.label in self.knowledge.items:
            return self.knowledge.items[ref.label]
        return self.list_records(ref, POSITIVE_PAGE_SIZE)

    # -- write persistence ----------------------------------------------------------------------

    def read_back(self, ref: OperationRef, case: AnyCase, response: Any) -> list[FailureRecord]:
        collection = self.conventions.collection_of(ref)
        get = collection.operations.get("get") if collection else None
        if collection is None or get is None or not ref.request_schema:
            return []
        try:
            answer = response.json()
        except ValueError:
            answer = None
        values = answer.get("values") if isinstance(answer, Mapping) else None
        iid = values.get("iid") if isinstance(values, Mapping) else None
        if ref.kind == "update":
            iid = (case.path_parameters or {}).get(ref.params[0], iid) if ref.params else iid
        if iid is None:
            return []
        records: list[FailureRecord] = []
        if self.in_schema(get):
            # the read-back is the get's positive case as well: its answer is checked in full
            get_case = self.operation(get).Case(path_parameters={get.params[0]: iid})
            checked, records = self.send(get_case, get)
            status, content = checked.status_code, checked.content
            read_body: Any = json_or_none(content)
            curl = case_curl(get_case, self.target)
        else:
            read = self.request("GET", concrete(get.path, {get.params[0]: iid}))
            status, content, read_body = read.status_code, read.content, json_or_none(read.content)
            curl = self.curl(read)
        self.recorder.ran_check(persistence.CHECK)
        if not 200 <= status < 300:
            return [
                *records,
                FailureRecord(
                    operation=ref.label,
                    check=persistence.CHECK,
                    title="The record just written cannot be read back",
                    message=f"{ref.label} answered {response.status_code}; {get.label} with iid {iid} answered {status}",
                    status_code=status,
                    trace_id=trace_id_of(content),
                    curl=curl,
                ),
            ]
        stored = read_body.get("values") if isinstance(read_body, Mapping) else None
        found, compared = persistence.mismatches(
            self.conventions, ref.request_schema, collection.entity, case.body, stored
        )
        if not found:
            return records
        return [
            *records,
            FailureRecord(
                operation=ref.label,
                check=persistence.CHECK,
                title="A field sent in a write is not what reading the record gives back",
                message=(
                    f"{ref.label} answered {response.status_code}, then {get.label} (iid {iid}) "
                    f"differs in {len(found)} of {compared} compared field(s): "
                    + "; ".join(m.describe() for m in found[:5])
                ),
                status_code=status,
                trace_id=trace_id_of(content),
                curl=curl,
            ),
        ]

    def in_schema(self, ref: OperationRef) -> bool:
        """Whether the run's schema has ``ref`` (selected, and allowed by the write policy)."""
        paths = self.schema.raw_schema.get("paths", {})
        return ref.method.lower() in paths.get(ref.path, {})


def case_curl(case: AnyCase, target: Target) -> str:
    from issuetrak_tools._contract.credentials import redact

    try:
        return redact(case.as_curl_command(base_url=target.base_url), target.secrets)
    except Exception as exc:
        return f"(no curl reproduction: {exc})"
