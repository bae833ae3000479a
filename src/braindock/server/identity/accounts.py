"""Accounts: create, look up and authenticate by email and password."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, Conflict, NotFound
from braindock.server.identity.passwords import hash_secret, verify_secret
from braindock.server.storage.models import Account

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    """``email`` stripped and lower-cased, the form accounts are stored and looked up by."""
    return email.strip().lower()


def create_account(session: Session, email: str, password: str) -> Account:
    """Create an account.

    Raises:
        BadRequest: the email is malformed or the password shorter than 8 characters.
        Conflict: an account with this email exists.
    """
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise BadRequest(f"email: {email!r} is not an email address", field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"password: must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if session.scalar(select(Account).where(Account.email == email)) is not None:
        raise Conflict(f"account {email} already exists")
    account = Account(email=email, password_hash=hash_secret(password))
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, email: str) -> Account:
    """The account with ``email``.

    Raises:
        NotFound: no such account.
    """
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        raise NotFound(f"account {email} does not exist")
    return account


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The account if ``password`` is right, else ``None`` (same work either way)."""
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        verify_secret(_DUMMY_HASH, password)
        return None
    return account if verify_secret(account.password_hash, password) else None


_DUMMY_HASH = hash_secret("braindock-dummy-password")
