"""Who may use which braincube and memory base; lookups that raise clear 403/404 errors.

Access rule: the owner of a braincube and every account granted it (``braindock braincube
grant``) can read and author everything in it. Nobody else learns anything about it, except
that a request naming it is refused with 403.
"""

from __future__ import annotations

import re
import uuid as uuidlib

from fastapi import Request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, Conflict, Forbidden, NotFound
from braindock.server.identity.requests import authenticate_request
from braindock.server.identity.tokens import Caller
from braindock.server.storage.models import Account, Braincube, BraincubeGrant, MemoryBase, Variable

#: Braincube names become URL path segments and the official client formats them with
#: ``str.format`` (``braincube.md`` 10.18), so they are restricted to URL-safe characters.
BRAINCUBE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def braincube_caller(request: Request) -> Caller:
    """The caller of a Braincube web-service request, authenticated once per request with the ``BRAINCUBE``
    scope (``shared/reference/braincube.md`` 2.1) and kept in ``request.state`` for the handler.

    Raises:
        Unauthorized: missing, invalid, expired or revoked token (401).
        Forbidden: the token lacks the ``BRAINCUBE`` scope (403).
    """
    caller: Caller | None = getattr(request.state, "braincube_caller", None)
    if caller is None:
        caller = authenticate_request(request, "BRAINCUBE")
        request.state.braincube_caller = caller
    return caller


def accessible_braincubes(session: Session, account_id: int) -> list[Braincube]:
    """Braincubes the account owns or was granted, ordered by creation."""
    granted = select(BraincubeGrant.braincube_id).where(BraincubeGrant.account_id == account_id)
    query = (
        select(Braincube).where(or_(Braincube.owner_id == account_id, Braincube.id.in_(granted))).order_by(Braincube.id)
    )
    return list(session.scalars(query))


def braincube_for(session: Session, caller: Caller, name: str) -> Braincube:
    """The braincube ``name`` if ``caller`` may use it.

    A name in lower case that matches no braincube exactly also matches the one braincube whose name differs only
    in case: host names are lower-cased by clients, so ``{braincube-name}`` host routing (:mod:`.host_routing`)
    delivers ``plant-a`` for a braincube named ``Plant-A``.

    Raises:
        NotFound: no braincube with that name exists (404).
        Forbidden: it exists but the caller was not granted it (403).
    """
    cube = session.scalar(select(Braincube).where(Braincube.name == name))
    if cube is None and name == name.lower():
        matches = session.scalars(select(Braincube).where(func.lower(Braincube.name) == name).limit(2)).all()
        cube = matches[0] if len(matches) == 1 else None
    if cube is None:
        raise NotFound(f"braincube {name!r} does not exist")
    if cube.owner_id != caller.account_id:
        grant = session.scalar(
            select(BraincubeGrant).where(
                BraincubeGrant.braincube_id == cube.id, BraincubeGrant.account_id == caller.account_id
            )
        )
        if grant is None:
            raise Forbidden(f"account {caller.email} has no access to braincube {name!r}")
    return cube


def parse_bcid(value: str, what: str) -> int:
    """Parse a ``bcId`` path segment; a non-integer names ``what`` in a 404."""
    try:
        return int(value)
    except ValueError:
        raise NotFound(f"{what} {value!r} does not exist") from None


def memory_base_for(session: Session, cube: Braincube, mb: str | int) -> MemoryBase:
    """Memory base ``mb`` (its bcId) of ``cube``.

    Raises:
        NotFound: no such memory base in this braincube (404).
    """
    bc_id = parse_bcid(str(mb), "memory base")
    base = session.get(MemoryBase, bc_id)
    if base is None or base.braincube_id != cube.id:
        raise NotFound(f"memory base {mb} does not exist in braincube {cube.name!r}")
    return base


def variables_of(session: Session, base: MemoryBase) -> list[Variable]:
    """Variables of a memory base in ``bcId`` order."""
    return list(session.scalars(select(Variable).where(Variable.memory_base_id == base.id).order_by(Variable.bc_id)))


def create_braincube(session: Session, name: str, owner: Account) -> Braincube:
    """Create a braincube owned by ``owner``.

    Raises:
        BadRequest: the name is not URL-safe (letters, digits, ``.``, ``_``, ``-``; 1–100 chars).
        Conflict: the name is taken, in any letter case (host names, :mod:`.host_routing`).
    """
    if not BRAINCUBE_NAME.match(name):
        raise BadRequest(
            f"name: {name!r} must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field="name",
        )
    taken = session.scalar(select(Braincube.name).where(func.lower(Braincube.name) == name.lower()).limit(1))
    if taken is not None:  # host names are case-insensitive (host_routing): one braincube per spelling
        raise Conflict(f"braincube {name!r} already exists" + ("" if taken == name else f" as {taken!r}"))
    cube = Braincube(name=name, product_id=str(uuidlib.uuid4()), owner_id=owner.id)
    session.add(cube)
    session.flush()
    return cube


def get_braincube(session: Session, name: str) -> Braincube:
    """Braincube by name, for admin commands (no access check).

    Raises:
        NotFound: no such braincube.
    """
    cube = session.scalar(select(Braincube).where(Braincube.name == name))
    if cube is None:
        raise NotFound(f"braincube {name!r} does not exist")
    return cube


def grant_braincube(session: Session, cube: Braincube, account: Account) -> bool:
    """Give ``account`` access to ``cube``; returns False if it already had it."""
    if cube.owner_id == account.id:
        return False
    existing = session.scalar(
        select(BraincubeGrant).where(BraincubeGrant.braincube_id == cube.id, BraincubeGrant.account_id == account.id)
    )
    if existing is not None:
        return False
    session.add(BraincubeGrant(braincube_id=cube.id, account_id=account.id))
    return True
