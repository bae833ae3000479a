"""NeuroSpeed customers and users on the shared identity (``shared/reference/neurospeed.md`` 0.2, 1.6, 3.2, 8.1 D4).

* A **customer** is a braindock account (email + argon2 password). Its ``ns_customers`` row, holding the
  public tenant id ``account_id`` (``<email local part slug>_<10 alphanumerics>``), is created on the first
  customer login, so any ``braindock account create`` account can use NeuroSpeed.
* A **user** belongs to one customer; ``username`` is unique within the customer, limited to
  ``[A-Za-z0-9._-]{1,64}`` (the official client puts it unescaped in URL paths) and not one of the reserved
  path words ``login``, ``list``, ``settings``. Passwords have at least 8 characters and are argon2-hashed.

Every lookup takes the caller's customer, so one customer can never see or change another's users
(other tenants' objects answer 404, D5).
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from braindock.server.identity.accounts import authenticate, normalise_email
from braindock.server.identity.passwords import hash_secret, verify_secret
from braindock.server.neurospeed.errors import NsBadRequest, NsConflict, NsNotFound
from braindock.server.neurospeed.http import parse_id
from braindock.server.storage.models import Account
from braindock.server.storage.neurospeed_models import NsCustomer, NsUser

USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RESERVED_USERNAMES = frozenset({"login", "list", "settings"})
MIN_PASSWORD_LENGTH = 8
_ALNUM = string.ascii_letters + string.digits
_DUMMY_HASH = hash_secret("braindock-neurospeed-dummy")


def iso(moment: datetime | None) -> str | None:
    """``2025-02-03T09:41:07.512Z`` (UTC, milliseconds) or ``None`` (``neurospeed.md`` 3.0)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_account_id(email: str) -> str:
    slug = re.sub(r"[^a-z0-9]", "", email.split("@", 1)[0].lower())[:20] or "customer"
    return f"{slug}_{''.join(secrets.choice(_ALNUM) for _ in range(10))}"


def customer_of_account(session: Session, account: Account) -> NsCustomer:
    """The NeuroSpeed customer of ``account``, created (with a fresh ``account_id``) if it has none yet."""
    customer = session.scalar(select(NsCustomer).where(NsCustomer.owner_id == account.id))
    if customer is None:
        customer = NsCustomer(owner_id=account.id, account_id=_new_account_id(account.email))
        session.add(customer)
        session.flush()
    return customer


def login_customer(session: Session, email: str, password: str) -> NsCustomer | None:
    """The customer for ``email``/``password``, or ``None`` when they are wrong (``neurospeed.md`` 2.2)."""
    account = authenticate(session, email, password)
    return None if account is None else customer_of_account(session, account)


def find_customer(session: Session, tenant: str) -> NsCustomer | None:
    """The customer named by ``tenant``: its ``account_id`` or, for the legacy ``customer_username``
    spelling (``neurospeed.md`` 1.6), the customer's email."""
    customer = session.scalar(select(NsCustomer).where(NsCustomer.account_id == tenant))
    if customer is None and "@" in tenant:
        account = session.scalar(select(Account).where(Account.email == normalise_email(tenant)))
        if account is not None:
            customer = session.scalar(select(NsCustomer).where(NsCustomer.owner_id == account.id))
    return customer


def login_user(session: Session, tenant: str, username: str, password: str) -> NsUser | None:
    """The user for ``account_id``/``username``/``password``, or ``None`` (same work either way, 2.3)."""
    customer = find_customer(session, tenant) if tenant else None
    user = None
    if customer is not None:
        user = session.scalar(select(NsUser).where(NsUser.customer_id == customer.id, NsUser.username == username))
    if user is None:
        verify_secret(_DUMMY_HASH, password)
        return None
    return user if verify_secret(user.password_hash, password) else None


def _check_username(username: Any) -> str:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise NsBadRequest("username must be 1-64 characters from A-Z a-z 0-9 . _ -")
    if username.lower() in RESERVED_USERNAMES:
        raise NsBadRequest(f"username {username!r} is reserved")
    return username


def _check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise NsBadRequest(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _taken(session: Session, customer: NsCustomer, username: str, except_id: int | None = None) -> bool:
    query = select(NsUser.id).where(NsUser.customer_id == customer.id, NsUser.username == username)
    if except_id is not None:
        query = query.where(NsUser.id != except_id)
    return session.scalar(query) is not None


def create_user(session: Session, customer: NsCustomer, username: Any, password: Any) -> NsUser:
    """Create a user of ``customer`` (``POST /users``, 3.2).

    Raises:
        NsBadRequest: bad username or password shorter than 8 characters (400).
        NsConflict: the username exists in this customer (409).
    """
    username = _check_username(username)
    password = _check_password(password)
    if _taken(session, customer, username):
        raise NsConflict(f"user {username} already exists")
    user = NsUser(customer_id=customer.id, username=username, password_hash=hash_secret(password))
    session.add(user)
    session.flush()
    return user


def get_user_by_name(session: Session, customer: NsCustomer, username: str) -> NsUser:
    """The user ``username`` of ``customer``.

    Raises:
        NsNotFound: no such user in this customer (404).
    """
    user = session.scalar(select(NsUser).where(NsUser.customer_id == customer.id, NsUser.username == username))
    if user is None:
        raise NsNotFound(f"user {username} not found")
    return user


def get_user_by_id(session: Session, customer: NsCustomer, user_id: Any) -> NsUser:
    """The user with id ``user_id`` (int or numeric string) of ``customer``.

    Raises:
        NsBadRequest: ``user_id`` is not an integer (400).
        NsNotFound: no such user in this customer, or an id outside 1..2**63-1 (404).
    """
    numeric = parse_id(user_id, "id")
    user = session.get(NsUser, numeric)
    if user is None or user.customer_id != customer.id:
        raise NsNotFound(f"user {numeric} not found")
    return user


def modify_user(session: Session, customer: NsCustomer, user_id: Any, username: Any, password: Any) -> NsUser:
    """Change the username and/or password of a user (``PUT /users?id=``, 3.2); absent/empty fields stay.

    Raises:
        NsBadRequest, NsNotFound, NsConflict: as for :func:`create_user` / :func:`get_user_by_id`.
    """
    user = get_user_by_id(session, customer, user_id)
    if username not in (None, "") and username != user.username:
        username = _check_username(username)
        if _taken(session, customer, username, except_id=user.id):
            raise NsConflict(f"user {username} already exists")
        user.username = username
    if password not in (None, ""):
        user.password_hash = hash_secret(_check_password(password))
    user.updated_at = datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    return user


def delete_user(session: Session, customer: NsCustomer, user_id: Any) -> None:
    """Delete a user (``DELETE /users?id=``, 3.2); its tokens stop working at once.

    Raises:
        NsBadRequest, NsNotFound: as for :func:`get_user_by_id`.
    """
    session.delete(get_user_by_id(session, customer, user_id))
    session.flush()


def list_users(session: Session, customer: NsCustomer, page_number: int, page_size: int) -> tuple[int, list[NsUser]]:
    """``(total, page)`` of the customer's users, most recently updated first (3.0 pager, 1-based pages)."""
    total = session.scalar(select(func.count()).select_from(NsUser).where(NsUser.customer_id == customer.id)) or 0
    rows = session.scalars(
        select(NsUser)
        .where(NsUser.customer_id == customer.id)
        .order_by(NsUser.updated_at.desc(), NsUser.id.desc())
        .offset((page_number - 1) * page_size)
        .limit(page_size)
    ).all()
    return total, list(rows)


def user_json(user: NsUser, with_settings: bool = False) -> dict[str, Any]:
    """The user object of 3.2: ``{"id", "username", "created_at", "updated_at"[, "settings"]}``."""
    body: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "created_at": iso(user.created_at),
        "updated_at": iso(user.updated_at),
    }
    if with_settings:
        body["settings"] = {"userId": user.id, "isDspEnabled": True, "cognitive_type": "moderate", "version": 1}
    return body


def customer_json(customer: NsCustomer, account: Account) -> dict[str, Any]:
    """The customer profile of ``GET /customers/current`` (3.3); braindock keeps no names or company."""
    return {
        "id": customer.id,
        "email": account.email,
        "role": "customer",
        "firstName": None,
        "lastName": None,
        "is_active": True,
        "in_active_reason": None,
        "account_id": customer.account_id,
        "company_name": None,
    }
