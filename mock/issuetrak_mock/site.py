"""The state of one simulated Issuetrak site: stores, users and tokens, references, memberships."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, SystemClock
from .routing import RouteTable, build_routes
from .schemas import SchemaIndex, format_datetime, ref_name
from .search import StoreIndex

__all__ = ["Actor", "MissingReference", "MockSite", "TokenInfo"]

Record = dict[str, Any]

# Issuetrak names some references differently from the entity they point at.
_STEM_ALIASES = {
    "configitem": "configurationitem",
    "assignedto": "user",
    "submittedby": "user",
    "nextactionedto": "user",
    "nextaction": "user",
    "enteredby": "user",
    "closedby": "user",
    "reopenedby": "user",
    "lastactivityby": "user",
    "createdbyuser": "user",
    "modifiedbyuser": "user",
    "parentissue": "issue",
}


class MissingReference(ValueError):
    """A payload refers to a record that does not exist (answered as a Validation message)."""


@dataclass
class Actor:
    """The user a token acts as."""

    user_iid: int
    token: str
    is_admin: bool
    is_agent: bool
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions


@dataclass
class TokenInfo:
    user_iid: int
    expires: dt.datetime | None = None


@dataclass
class Store:
    """The records of one entity (``records``: iid -> read record; ``meta``: what the API does
    not show, such as the parent of a note).

    ``version`` moves on with every change, so search indexes built on an older version are
    rebuilt; code that changes records in place outside the handlers calls :meth:`touch`.
    """

    key: str
    entity: str
    records: dict[Any, Record] = field(default_factory=dict)
    meta: dict[Any, dict[str, Any]] = field(default_factory=dict)
    next_iid: int = 1
    version: int = 0

    def allocate(self) -> int:
        iid = self.next_iid
        self.next_iid += 1
        return iid

    def touch(self) -> None:
        """Mark the records as changed (search indexes over them are rebuilt on next use)."""
        self.version += 1


def _fresh(value: Any) -> Any:
    """A copy with new containers and the same keys and leaves (all immutable)."""
    if value.__class__ is dict:
        return {key: _fresh(item) for key, item in value.items()}
    if value.__class__ is list:
        return [_fresh(item) for item in value]
    return value


def singular(segment: str) -> str:
    s = segment.lower()
    s = re.sub(r"ies(\d*)$", r"y\1", s)
    s = re.sub(r"(ses|xes)(\d*)$", lambda m: m.group(1)[:-2] + m.group(2), s)
    return re.sub(r"s(\d*)$", r"\1", s)


class MockSite:
    """Everything a served mock knows; :func:`issuetrak_mock.create_app` wraps one in an ASGI app.

    ``tokens`` maps the seeded roles (``"admin"``, ``"agent"``, ``"end_user"``) to API tokens;
    ``expired_token`` is a token whose expiry date has passed.
    """

    def __init__(
        self, document: Mapping[str, Any], *, clock: Clock | None = None, seed: int = 0
    ) -> None:
        self.document = document
        self.clock: Clock = clock or SystemClock()
        self.seed = seed
        self.random = random.Random(seed)
        self.index = SchemaIndex(document)
        self.routes: RouteTable = build_routes(document, self.index)
        self.stores: dict[str, Store] = {}
        for route in self.routes.routes:
            if route.store and route.entity and route.store not in self.stores:
                self.stores[route.store] = Store(route.store, route.entity)
        self._stems: dict[str, str | None] = {}
        for key, store in self.stores.items():
            stem = store.entity.lower()
            self._stems[stem] = None if stem in self._stems and self._stems[stem] != key else key
        for key in self.stores:
            stem = singular(key.split(":")[0])
            self._stems.setdefault(stem, key)
        self.read_props: dict[str, list[str]] = {}
        self._prop_sets: dict[str, frozenset[str]] = {}
        self.tokens: dict[str, str] = {}
        self.token_users: dict[str, TokenInfo] = {}
        self.expired_token = ""
        # memberships: (owner store, owner iid) -> {target iid: flags}
        self.group_members: dict[int, set[int]] = {}
        self.org_members: dict[tuple[str, int], dict[int, dict[str, Any]]] = {}
        self.singletons: dict[str, Any] = {}
        self.issue_number = itertools.count(1)
        self._trace_prefix = "0H" + "".join(
            self.random.choice("ABCDEFGHIJKLMNOPQRSTUV0123456789") for _ in range(11)
        )
        self._trace_counter = itertools.count(1)
        self._templates: dict[str, Any] = {}
        self._stem_cache: dict[str, str | None] = {}
        self._plans: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._indexes: dict[str, tuple[tuple[int, int], StoreIndex]] = {}
        # one request at a time changes the site: the server runs one event loop, but in-process
        # clients may share an app across threads (each SyncASGITransport has its own loop)
        self.lock = threading.RLock()

    # -- small helpers -----------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock.now()

    def now_text(self) -> str:
        return format_datetime(self.now())

    def trace_id(self) -> str:
        """A new ASP.NET-style ``TraceIdentifier`` (connection id : request counter)."""
        return f"{self._trace_prefix}:{next(self._trace_counter):08X}"

    def store(self, key: str) -> Store:
        return self.stores[key]

    def touch(self) -> None:
        """Mark every store as changed: call it after editing records in place outside the API,
        so that searches see the edit (API calls do this themselves)."""
        for store in self.stores.values():
            store.touch()

    def search_index(self, store: Store) -> StoreIndex:
        """The search index of ``store`` at its current version (built on first use)."""
        users = self.find_store("user")
        stamp = (store.version, users.version if users is not None else 0)
        cached = self._indexes.get(store.key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        index = StoreIndex(store.records, store.meta)
        self._indexes[store.key] = (stamp, index)
        return index

    def find_store(self, entity_or_stem: str) -> Store | None:
        key = self.store_key_for_stem(entity_or_stem.lower())
        return self.stores.get(key) if key else None

    def store_key_for_stem(self, stem: str) -> str | None:
        try:
            return self._stem_cache[stem]
        except KeyError:
            found = self._find_stem(stem)
            if found is not None:
                # only hits are kept: payload field names are the client's, and a cache of
                # every name ever sent would grow with each request
                self._stem_cache[stem] = found
            return found

    def _find_stem(self, stem: str) -> str | None:
        stem = stem.lower()
        stem = _STEM_ALIASES.get(stem, stem)
        key = self._stems.get(stem)
        if key:
            return key
        best: str | None = None
        for known, candidate in self._stems.items():
            if candidate and stem.endswith(known) and (best is None or len(known) > len(best)):
                best = known
        return self._stems.get(best) if best else None

    def _prop_set(self, entity: str) -> frozenset[str]:
        found = self._prop_sets.get(entity)
        if found is None:
            found = self._prop_sets[entity] = frozenset(self.props_of(entity))
        return found

    def props_of(self, entity: str) -> list[str]:
        props = self.read_props.get(entity)
        if props is None:
            props = list(self.index.properties(entity))
            self.read_props[entity] = props
        return props

    # -- users and tokens ----------------------------------------------------------------------

    def users(self) -> Store:
        store = self.find_store("user")
        if store is None:
            raise RuntimeError("the document has no User entity")
        return store

    def user_name(self, iid: Any) -> str | None:
        store = self.find_store("user")
        if store is None or iid is None:
            return None
        rec = store.records.get(iid)
        return None if rec is None else rec.get("displayName")

    def issue_token(
        self, user_iid: int, role: str | None = None, *, expires: dt.datetime | None = None
    ) -> str:
        """Make an API token for ``user_iid`` (deterministic for a given seed)."""
        raw = f"{self.seed}:{user_iid}:{role}:{len(self.token_users)}"
        token = f"itk_{role or 'user'}_{hashlib.sha256(raw.encode()).hexdigest()[:24]}"
        self.token_users[token] = TokenInfo(user_iid, expires)
        if role:
            self.tokens[role] = token
        return token

    def actor_for(self, token: str | None) -> Actor | None:
        """The actor of a token, or ``None`` (401) when the token is missing, unknown or expired,
        or its user is gone, inactive or lacks the permission to authenticate with the API."""
        if not token:
            return None
        info = self.token_users.get(token)
        if info is None or (info.expires is not None and info.expires <= self.now()):
            return None
        user = self.users().records.get(info.user_iid)
        if user is None or not user.get("isActive", True):
            return None
        perms: set[str] = set()
        groups = self.find_store("group")
        for group_iid in self.group_members.get(info.user_iid, ()):
            group = groups.records.get(group_iid) if groups else None
            if group and group.get("isActive", True):
                perms.update(group.get("permissions") or [])
        is_admin = bool(user.get("isSysAdmin"))
        if not is_admin and "CanUseApiV2" not in perms:
            return None  # "Can authenticate with the API v2" is what makes a token work at all
        return Actor(info.user_iid, token, is_admin, bool(user.get("isAgent")), frozenset(perms))

    # -- records ---------------------------------------------------------------------------------

    def reference(self, store_key: str, iid: Any, ref_schema: str) -> dict[str, Any] | None:
        store = self.stores.get(store_key)
        rec = store.records.get(iid) if store else None
        if rec is None:
            return None
        name = rec.get("name", rec.get("displayName", rec.get("subject")))
        props = self.index.properties(ref_schema)
        out: dict[str, Any] = {}
        if "name" in props:
            out["name"] = None if name is None else str(name)
        if "id" in props:
            id_type = self.index.resolve(props["id"]).get("type")
            rid = rec.get("id", iid)
            out["id"] = (
                str(rid)
                if id_type == "string"
                else (rid if isinstance(rid, int) and not isinstance(rid, bool) else iid)
            )
        if "iid" in props:
            out["iid"] = iid
        return self.index.fit_record(out, ref_schema, self.now())  # e.g. a name cut to maxLength

    def check_reference(self, field_name: str, value: Any) -> None:
        """Raise :class:`MissingReference` when ``fieldIid: value`` points at nothing."""
        if value is None or not field_name.endswith("Iid"):
            return
        key = self.store_key_for_stem(field_name[:-3])
        if key is None:
            return
        store = self.stores[key]
        if value not in store.records:
            raise MissingReference(
                f"{store.entity} with IID {value} does not exist ('{field_name}')."
            )

    def _plan(self, entity: str, key: str) -> tuple[Any, ...]:
        """How a payload field lands on a record of ``entity`` (cached; see :meth:`apply_payload`)."""
        cached = self._plans.get((entity, key))
        if cached is not None:
            return cached
        props = self.index.properties(entity)
        plan: tuple[Any, ...] = ("skip",)
        if key in props:
            target = props[key]
            ref = ref_name(target)
            if ref and ref.startswith("ReferencedEntity"):
                plan = ("skip",)
            else:
                resolved = self.index.resolve(target)
                items = (
                    self.index.resolve(resolved.get("items", {}))
                    if resolved.get("type") == "array"
                    else {}
                )
                shaped = "properties" in resolved or "properties" in items
                nullable = bool(target.get("nullable") or resolved.get("nullable"))
                plan = ("shape", target, nullable) if shaped else ("copy", target, nullable)
        elif key.endswith("Iid"):
            stem = key[:-3]
            for cand in (
                stem,
                stem + "User",
                stem.replace("edTo", "") + "User",
                stem.replace("By", "ByUser"),
            ):
                if cand in props:
                    ref = ref_name(props[cand])
                    if ref and ref.startswith("ReferencedEntity"):
                        plan = ("ref", cand, self.store_key_for_stem(stem), ref)
                    break
        elif key.endswith("Iids"):
            plural = key[:-4] + "s"
            if plural in props:
                ref = ref_name(self.index.resolve(props[plural]).get("items", {}))
                if ref:
                    plan = ("refs", plural, self.store_key_for_stem(key[:-4]), ref)
        if plan[0] != "skip" or key in props:
            # a plan for a field of the schema; a name the schema does not know (the client's
            # choice, possibly a new one in every request) is worked out again, never kept
            self._plans[(entity, key)] = plan
        return plan

    def apply_payload(self, record: Record, entity: str, payload: Mapping[str, Any]) -> None:
        """Copy a Create/Update payload onto a read record by Issuetrak's naming rules.

        Same-named fields are copied (date-times normalised to the wire format); ``xIid`` fills a
        reference ``x`` (or ``xUser``) with ``{id, iid, name}``; ``xIids`` fills a list ``xs``.
        Unknown fields are ignored, as the real API does.
        """
        for key, value in payload.items():
            plan = self._plan(entity, key)
            action = plan[0]
            if value is None and action in ("copy", "shape") and not plan[2]:
                continue  # null for a field the record never leaves empty: keep what it has
            if action == "copy":
                # stored as the read schema types it (date-times in the wire format, ...)
                record[key] = self.index.fit(value, plan[1], self.now())
            elif action == "shape":
                record[key] = self.conform(value, plan[1])
            elif action == "ref":
                _, cand, store_key, ref = plan
                found = (
                    self.reference(store_key, value, ref)
                    if store_key and value is not None
                    else None
                )
                record[cand] = found if found is not None else self.template(ref)
            elif action == "refs" and isinstance(value, list):
                _, plural, store_key, ref = plan
                if store_key:
                    record[plural] = [r for v in value if (r := self.reference(store_key, v, ref))]
                else:
                    record[plural] = [{"id": v, "iid": v, "name": None} for v in value]

    def new_record(self, store: Store, payload: Mapping[str, Any], actor_iid: int | None) -> Record:
        """A full read record: schema defaults, then the payload, then server-owned fields."""
        now = self.now_text()
        record = self.template(store.entity)
        self.apply_payload(record, store.entity, payload)
        iid = store.allocate()
        props = self.index.properties(store.entity)
        if "iid" in props:
            record["iid"] = iid
        if "id" in props and (record.get("id") in (None, "", 0)):
            id_type = self.index.resolve(props["id"]).get("type")
            record["id"] = str(iid) if id_type == "string" else iid
        for key in ("createdDate", "modifiedDate"):
            if key in props:
                record[key] = now
        for key in ("createdByUserIid", "modifiedByUserIid"):
            if key in props:
                record[key] = actor_iid
        if "isActive" in props and "isActive" not in payload:
            record["isActive"] = True
        store.records[iid] = record
        store.meta[iid] = {}
        store.touch()
        return record

    def update_record(
        self, store: Store, iid: Any, payload: Mapping[str, Any], actor_iid: int | None
    ) -> Record:
        record = store.records[iid]
        self.apply_payload(record, store.entity, payload)
        props = self.index.properties(store.entity)
        if "iid" in props:
            record["iid"] = iid
        if "modifiedDate" in props:
            record["modifiedDate"] = self.now_text()
        if "modifiedByUserIid" in props:
            record["modifiedByUserIid"] = actor_iid
        store.touch()
        return record

    def conform(self, value: Any, schema: Mapping[str, Any]) -> Any:
        """``value`` reshaped to ``schema``: unknown keys dropped, missing required ones defaulted."""
        resolved = self.index.resolve(schema)
        if value is None:
            return (
                None
                if schema.get("nullable") or resolved.get("nullable")
                else self.index.default_for(schema, self.now(), depth=1)
            )
        if isinstance(value, list) and resolved.get("type") == "array":
            return [self.conform(v, resolved.get("items", {})) for v in value]
        props = resolved.get("properties")
        if isinstance(value, Mapping) and isinstance(props, Mapping):
            out = {k: self.conform(v, props[k]) for k, v in value.items() if k in props}
            for key in resolved.get("required", []):
                if key not in out and key in props:
                    out[key] = self.index.default_for(props[key], self.now(), depth=1)
            return out
        return value

    def template(self, entity: str) -> Record:
        """A fresh copy of the entity's default record (built once per entity, then copied).

        The copy is new down to every dict and list, but shares the template's keys and
        values: a record parsed from JSON would hold its own copy of every field name, which
        for 100,000 issues is hundreds of megabytes of the same strings.
        """
        cached = self._templates.get(entity)
        if cached is None:
            cached = self.index.default_for(self.index.schemas.get(entity, {}), self.now())
            self._templates[entity] = cached
        result: Record = _fresh(cached)
        return result

    def output(self, schema: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record in the shape of ``schema`` (usually its own read schema).

        A response schema may name another schema than the record's own (the document has such
        slips); then missing required fields get schema defaults so the answer still conforms.
        """
        props = self.props_of(schema)
        if (
            isinstance(record, dict)
            and len(record) == len(props)
            and record.keys() == self._prop_set(schema)
        ):
            # already in shape (the usual case: a record of the schema's own entity); it is
            # serialised before the next request can change it, so no copy is needed
            return record
        out = {k: record[k] for k in props if k in record}
        if len(out) < len(props):
            spec = self.index.schemas.get(schema, {})
            for key in spec.get("required", []):
                if key not in out:
                    out[key] = self.index.default_for(
                        spec["properties"].get(key, {}), self.now(), depth=1
                    )
        return out
