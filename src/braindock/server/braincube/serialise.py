"""JSON shapes of Braincube entities, as the official client reads them.

Source: ``shared/reference/braincube.md`` 3.4 (identity members, ``<prefix>_<uuid>`` form) and
3.5 (per-entity members). Every form (summary, extended, selector) carries the full structure,
as 9.14 recommends, so objects obtained from lists support every method.
"""

from __future__ import annotations

from typing import Any

from braindock.server.storage.models import Braincube, MbEntity, MemoryBase, Variable

UUID_PREFIX = {"datagroup": "DG", "event": "EV", "job": "JOB", "rule": "RULE"}


def access_element(cube: Braincube) -> dict[str, Any]:
    """One element of ``user/me``'s ``accessList`` (2.3), with a top-level ``name`` as well."""
    return {"name": cube.name, "product": {"name": cube.name, "productId": cube.product_id}}


def memory_base(base: MemoryBase) -> dict[str, Any]:
    """A memory base as E1/E2 serve it (``braincube.md`` 3.4, 3.5).

    ``{"bcId", "name", "uuid": "MB_<uuid>", "numberOfRows"}`` plus ``referenceDateVariable: {"bcId"}`` when set.
    """
    body: dict[str, Any] = {
        "bcId": base.id,
        "name": base.name,
        "uuid": f"MB_{base.uuid}",
        "numberOfRows": base.row_count,
    }
    if base.order_variable_id is not None:
        body["referenceDateVariable"] = {"bcId": base.order_variable_id}
    return body


def variable(var: Variable) -> dict[str, Any]:
    """A variable as E3/E4 serve it: ``{"bcId", "standard", "tag", "local", "type", "unit"}`` (``braincube.md`` 3.5)."""
    return {
        "bcId": var.bc_id,
        "standard": var.standard,
        "tag": var.tag,
        "local": var.local,
        "type": var.type,
        "unit": var.unit,
    }


def entity(row: MbEntity) -> dict[str, Any]:
    """A data group, event, job or rule: identity members plus its stored document."""
    body: dict[str, Any] = {"bcId": row.id, "name": row.name, "uuid": f"{UUID_PREFIX[row.kind]}_{row.uuid}"}
    body.update(row.document or {})
    return body
