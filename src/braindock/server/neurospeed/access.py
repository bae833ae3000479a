"""Per-customer access flags (``neurospeed.md`` 3.3): ``insights``, ``recordings``, ``raw_data``.

Stored in ``ns_customer_access``; a customer without a row has every flag on (the self-hosted default, D6).
An administrator changes them with ``braindock neurospeed access CUSTOMER_EMAIL --insights on|off
--recordings on|off --raw-data on|off``. They are answered by ``GET /customers/customers_access/get_{insight,
recordings,raw_data}_access`` (``{"access": bool}``) and enforced by the server:

* ``insights`` off → every ``/users/settings/insights...`` endpoint answers 403, and the HIAs of the customer's
  users get no live insight values (``output.cognitive_analysis`` ``{}``; read when an HIA connects);
* ``recordings`` off → every ``/gateway/recorder...`` and ``/gateway/exporter...`` endpoint answers 403 (the
  signed download link of an export already made keeps working until it expires), and sleep staging
  (``weekly_best_sleep`` / ``weekly_worst_sleep``) reads no recording: 200 with ``sleep: null`` and the reason;
* ``raw_data`` off → the user-room listeners (``/target_is_user_room_as_user``, ``..._as_customer``) are refused
  with ``CONNECT_ERROR {"message": "Forbidden: raw data access is off for this customer"}``.

Routes declare a flag with the :func:`needs` dependency.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed.errors import NsForbidden
from braindock.server.neurospeed.http import authenticate
from braindock.server.storage.neurospeed_models import NsCustomerAccess

FLAGS = ("insights", "recordings", "raw_data")


def flags(session: Session, customer_id: int) -> dict[str, bool]:
    """``{"insights", "recordings", "raw_data"}`` of a customer (all ``True`` without a stored row)."""
    row = session.get(NsCustomerAccess, customer_id)
    if row is None:
        return dict.fromkeys(FLAGS, True)
    return {name: bool(getattr(row, name)) for name in FLAGS}


def set_flags(session: Session, customer_id: int, **changes: bool | None) -> dict[str, bool]:
    """Change the given flags (``None``: unchanged) and return all of them.

    Raises:
        ValueError: a name not in :data:`FLAGS`.
    """
    unknown = set(changes) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown access flags: {', '.join(sorted(unknown))}")
    row = session.get(NsCustomerAccess, customer_id)
    if row is None:
        row = NsCustomerAccess(customer_id=customer_id, insights=True, recordings=True, raw_data=True)
        session.add(row)
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, bool(value))
    session.flush()
    return {name: bool(getattr(row, name)) for name in FLAGS}


def require(session: Session, customer_id: int, flag: str) -> None:
    """Raise :class:`NsForbidden` (403) when ``flag`` is off for the customer."""
    if not flags(session, customer_id)[flag]:
        raise NsForbidden(f"{flag.replace('_', ' ')} access is off for this customer")


def needs(flag: str) -> Any:
    """FastAPI dependency (``dependencies=[access.needs("recordings")]``, after ``require_token``): the
    request's customer (the customer of a user token's user) must have ``flag`` on.

    Raises:
        NsUnauthorized: no valid token (401); NsForbidden: ``flag`` off (403).
    """

    async def check(request: Request) -> None:
        def run() -> None:
            with request.app.state.services.database.session() as session:
                principal = authenticate(request, session, customer_only=False)
                require(session, principal.customer.id, flag)

        await run_in_threadpool(run)

    check.__name__ = f"needs_{flag}"
    return Depends(check)
