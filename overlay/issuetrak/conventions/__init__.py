"""Issuetrak's conventions, in one dependency-free place (standard library only).

What the SDK, the mock and the tooling all need to agree on about Issuetrak API v2, beyond what
the document's schemas say:

* request kinds: :func:`is_search`, :func:`is_write` (searches are POSTs that change nothing);
* documents: :func:`iter_operations`, :func:`pair_operations` and :func:`parameter_key` (how
  operations and parameters are matched across documents), JSON pointers (:func:`pointer`, :func:`value_at`), local
  ``$ref`` (:func:`resolve_ref`, :func:`deref_node`, :func:`ref_name`, :func:`refs_in`);
* filters: how many values each match type takes (:func:`arity`, :func:`describe_arity`);
* the issue PATCH table the document publishes in prose (:func:`parse_patch_table`,
  :class:`PatchRule`);
* URLs: :func:`origin`, :func:`is_loopback`;
* labels: :func:`label_ident`, the module name of a pinned label's generated package;
* bodies: :func:`is_json_content_type`, :func:`trace_id`, :func:`trace_id_in`.

Example::

    from issuetrak import conventions

    conventions.is_write("POST", "/Issues/Search")        # False: a search changes nothing
    conventions.arity("RangeInclusive")                    # (2, 2)
    conventions.origin("https://Example.com:443/api/v2")  # 'https://example.com'
"""

from __future__ import annotations

from .bodies import TRACE_ID_KEY, is_json_content_type, trace_id, trace_id_in
from .documents import (
    HTTP_METHODS,
    Operation,
    deref_node,
    escape,
    iter_operations,
    pair_operations,
    parameter_key,
    pointer,
    ref_name,
    refs_in,
    resolve_ref,
    split_pointer,
    unescape,
    value_at,
)
from .labels import label_ident
from .match_types import ARITY, arity, describe_arity
from .patch_table import (
    PatchRule,
    document_patch_rules,
    parse_patch_table,
    patch_table_text,
    rule_rows,
    rules_from_rows,
)
from .requests import is_search, is_write
from .urls import is_loopback, origin

__all__ = [
    "ARITY",
    "HTTP_METHODS",
    "TRACE_ID_KEY",
    "Operation",
    "PatchRule",
    "arity",
    "deref_node",
    "describe_arity",
    "document_patch_rules",
    "escape",
    "is_json_content_type",
    "is_loopback",
    "is_search",
    "is_write",
    "iter_operations",
    "label_ident",
    "origin",
    "pair_operations",
    "parameter_key",
    "parse_patch_table",
    "patch_table_text",
    "pointer",
    "ref_name",
    "refs_in",
    "resolve_ref",
    "rule_rows",
    "rules_from_rows",
    "split_pointer",
    "trace_id",
    "trace_id_in",
    "unescape",
    "value_at",
]
