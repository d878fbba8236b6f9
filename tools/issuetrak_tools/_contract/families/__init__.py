"""The check families of the contract run: one module each, registered by :func:`.registry.family`.

Importing this package registers the built-in families; :func:`registered` lists them in plan
order. See :mod:`.registry` for what a family is and how to add one.
"""

# the built-in families register themselves on import (order does not matter: the plan sorts)
from issuetrak_tools._contract.families import (  # noqa: F401
    attachments,
    auth,
    body_media,
    body_numbers,
    children,
    close_duplicates,
    composition,
    create_minimal,
    create_references,
    criteria_types,
    deactivate,
    depth,
    field_presence,
    field_values,
    identity,
    int32_bounds,
    listed_iid,
    membership,
    narrow_paging,
    negative_bodies,
    nested_fields,
    not_found,
    operators,
    paging,
    paging_alone,
    patch_clear,
    patch_refused,
    patch_udfs,
    positive,
    primary_membership,
    query_bounds,
    query_enums,
    rate_limit,
    relative_dates,
    restricted,
    restricted_permissions,
    search,
    sort,
    udf_search,
    udfs,
    write_history,
    write_rest,
)
from issuetrak_tools._contract.families.registry import (
    Family,
    PlanContext,
    family,
    handler_for,
    markdown_table,
    registered,
)

__all__ = ["Family", "PlanContext", "family", "handler_for", "markdown_table", "registered"]
