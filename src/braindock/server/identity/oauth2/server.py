"""Authlib's OAuth2 authorization server on braindock's storage, with a thin Starlette adapter.

Authlib ships no Starlette/FastAPI server integration; like its Flask and Django integrations, this module
implements the framework hooks of :class:`authlib.oauth2.rfc6749.AuthorizationServer`
(``create_oauth2_request``, ``create_json_request``, ``handle_response``, ``query_client``, ``save_token``)
and the storage hooks of the grants. All protocol checks (parameters, client authentication, redirect URI,
PKCE, scope, error answers) are Authlib's:

* :class:`CodeGrant`: RFC 6749 4.1 with RFC 7636 PKCE accepted (``plain`` or ``S256``; optional, as the
  braincube-token-getter sends none); clients authenticate by ``client_secret_post`` (the token getter) or
  ``client_secret_basic``. A code is single use: it is claimed when it is looked up, and a replayed code
  revokes every token issued for it (RFC 6749 4.1.2, 10.5).
* :class:`RefreshGrant`: RFC 6749 6, rotating the refresh token.
* :class:`Revocation`: RFC 7009 for access and refresh tokens.

The request objects are built by the HTTP layer from an already read body (Starlette reads it
asynchronously) and a server is bound to one database session per request (:class:`SsoAuthorizationServer`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    AuthorizationServer,
    ClientMixin,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from braindock.config import Settings
from braindock.server.identity.oauth2.access import digest, new_access_token, new_refresh_token
from braindock.server.identity.oauth2.applications import OAUTH2_SCOPES, secret_matches
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.oauth2_models import OAuth2Application, OAuth2AuthorizationCode, OAuth2Token

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
GRANT_TYPES = ("authorization_code", "refresh_token")
#: How long an expired authorization code is kept (to recognise a replay) before it is deleted.
CODE_RETENTION = timedelta(days=1)

# -- the Starlette adapter ---------------------------------------------------------------------------------


class FormPayload(OAuth2Payload):
    """Parameters of an OAuth2 request: ``data`` holds the first value of each name, ``datalist`` all of them."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    """An :class:`OAuth2Request` from a Starlette request's URL, headers and already parsed query and form.

    Args:
        method: HTTP method.
        uri: the full request URL (Authlib refuses non-TLS URIs except loopback, RFC 6749 1.6 / RFC 8252 7.3).
        headers: the request headers (a case-insensitive mapping, e.g. Starlette's ``Headers``).
        query: the query parameters as ``(name, value)`` pairs.
        form: the ``application/x-www-form-urlencoded`` body as pairs.
        payload_from: ``"query"`` (authorization endpoint, RFC 6749 4.1.1) or ``"form"`` (token and revocation
            endpoints, RFC 6749 4.1.3, RFC 7009 2.1).

    Raises:
        authlib.oauth2.rfc6749.InsecureTransportError: a plain-HTTP URI that is not loopback.
    """

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
        payload_from: str,
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = FormPayload(query if payload_from == "query" else form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _JsonPayload(JsonPayload):
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


# -- models as Authlib sees them ---------------------------------------------------------------------------


class Client(ClientMixin):
    """An :class:`OAuth2Application` row as an Authlib client (confidential, secret checked against its
    SHA-256 digest in constant time)."""

    def __init__(self, row: OAuth2Application) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an application with a single redirect URI may omit redirect_uri (RFC 6749 3.1.2.3).
        return self.row.redirect_uris[0] if len(self.row.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scope to grant: all of the application's scopes when none is asked for; ``None`` (→
        ``invalid_scope``) when a requested scope is not one of the application's (RFC 6749 3.3)."""
        allowed = list(self.row.scopes or ())
        if not scope:
            return list_to_scope(allowed)
        requested = list(dict.fromkeys(scope_to_list(scope)))
        if not requested or any(name not in allowed for name in requested):
            return None
        return list_to_scope(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.row.redirect_uris or ())

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(self.row.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class Code(AuthorizationCodeMixin):
    """An :class:`OAuth2AuthorizationCode` row as Authlib (and its PKCE extension) reads it."""

    def __init__(self, row: OAuth2AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class Token(TokenMixin):
    """An :class:`OAuth2Token` row as Authlib's refresh grant and revocation endpoint read it."""

    def __init__(self, row: OAuth2Token) -> None:
        self.row = row
        self.matched = "access"  # which of the pair a revocation request named (Revocation.query_token)

    def check_client(self, client: Client) -> bool:
        return self.row.application_id == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.row.expires_at - self.row.created_at).total_seconds()))

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> int:
        return self.row.account_id

    def get_client(self) -> ClientMixin:
        return Client(self.row.application)


# -- grants and endpoints ----------------------------------------------------------------------------------


class CodeGrant(AuthorizationCodeGrant):
    """RFC 6749 4.1 on the ``oauth2_authorization_codes`` table (see the module docstring)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: SsoAuthorizationServer

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        """Store the code's digest, client, account, redirect URI, scope and PKCE challenge; unredeemed codes
        that expired more than :data:`CODE_RETENTION` ago are deleted (replays that late need no detection;
        redeemed codes stay: their id groups the tokens of one grant)."""
        data = request.payload.data
        self.server.session.execute(
            delete(OAuth2AuthorizationCode).where(
                OAuth2AuthorizationCode.expires_at < utcnow() - CODE_RETENTION,
                OAuth2AuthorizationCode.used_at.is_(None),  # a redeemed code anchors its token family
            )
        )
        self.server.session.add(
            OAuth2AuthorizationCode(
                code_digest=digest(code),
                application_id=request.client.row.id,
                account_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method") if data.get("code_challenge") else None,
                expires_at=utcnow() + timedelta(seconds=self.server.settings.oauth2_code_ttl_s),
            )
        )
        self.server.session.flush()

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        """The unexpired, unused code issued to ``client``, claimed here so that it works only once."""
        session = self.server.session
        row = session.scalar(
            select(OAuth2AuthorizationCode).where(
                OAuth2AuthorizationCode.code_digest == digest(code),
                OAuth2AuthorizationCode.application_id == client.row.id,
            )
        )
        if row is None:
            return None
        now = utcnow()
        if row.used_at is not None:
            # A replayed code: revoke whatever it produced (RFC 6749 4.1.2, 10.5).
            revoke_family(session, row.id, None)
            return None
        if row.expires_at <= now:
            return None
        claimed = session.execute(
            update(OAuth2AuthorizationCode)
            .where(OAuth2AuthorizationCode.id == row.id, OAuth2AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
        )
        return Code(row) if claimed.rowcount == 1 else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing left to do: the code was claimed by :meth:`query_authorization_code`."""

    def authenticate_user(self, authorization_code: Code) -> Account | None:
        return self.server.session.get(Account, authorization_code.row.account_id)


def revoke_family(session: Session, code_id: int | None, token_id: int | None) -> None:
    """Revoke every unrevoked token of one grant: the rows issued for code ``code_id`` and their refreshes
    (just row ``token_id`` when the grant has no code). Sessions opened with them end too (their parent is
    checked on every request, ``access.session_parent_is_live``)."""
    where = OAuth2Token.code_id == code_id if code_id is not None else OAuth2Token.id == token_id
    session.execute(update(OAuth2Token).where(where, OAuth2Token.revoked_at.is_(None)).values(revoked_at=utcnow()))


class RefreshGrant(RefreshTokenGrant):
    """RFC 6749 6: a new access token and a new refresh token; the old refresh token stops working.

    The refresh token is claimed with a conditional ``UPDATE`` (like a code), so two concurrent refreshes
    cannot both succeed; presenting a spent refresh token again revokes the whole grant family (RFC 6749
    10.4: the token was stolen or the client is broken). The old access token keeps working until it expires.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: SsoAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        session = self.server.session
        row = session.scalar(select(OAuth2Token).where(OAuth2Token.refresh_digest == digest(refresh_token)))
        if row is None or row.revoked_at is not None:
            return None
        if row.refresh_used_at is not None:
            revoke_family(session, row.code_id, row.id)
            return None
        if row.refresh_expires_at is not None and row.refresh_expires_at <= utcnow():
            return None
        self.request.refresh_token_row = row
        return Token(row)

    def authenticate_user(self, refresh_token: Token) -> Account | None:
        return self.server.session.get(Account, refresh_token.row.account_id)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Claim the refresh token; when another request claimed it first, revoke the family (with the row
        just saved for this request) and answer ``invalid_grant``."""
        row = refresh_token.row
        claimed = self.server.session.execute(
            update(OAuth2Token)
            .where(OAuth2Token.id == row.id, OAuth2Token.refresh_used_at.is_(None))
            .values(refresh_used_at=utcnow())
        )
        if claimed.rowcount != 1:
            revoke_family(self.server.session, row.code_id, row.id)
            raise InvalidGrantError("refresh_token: already used")


class Revocation(RevocationEndpoint):
    """RFC 7009 on ``oauth2_tokens``: revoking either token of a pair revokes both."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: SsoAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        session = self.server.session
        value = digest(token_string)
        columns = [("access", OAuth2Token.access_digest), ("refresh", OAuth2Token.refresh_digest)]
        if token_type_hint == "refresh_token":
            columns.reverse()
        for matched, column in columns:
            row = session.scalar(select(OAuth2Token).where(column == value))
            if row is not None:
                found = Token(row)
                found.matched = matched
                return found
        return None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        """An access token: its row (both tokens of the pair). A refresh token: the whole grant family, so
        the access tokens issued with it and with its predecessors end too (RFC 7009 2.1)."""
        if getattr(token, "matched", None) == "refresh":
            revoke_family(self.server.session, token.row.code_id, token.row.id)
        elif token.row.revoked_at is None:
            token.row.revoked_at = utcnow()


# -- the server --------------------------------------------------------------------------------------------


class SsoAuthorizationServer(AuthorizationServer):
    """Authlib's authorization server bound to one database ``session`` (one instance per HTTP request).

    ``handle_response`` returns Authlib's ``(status, body, headers)`` unchanged; the HTTP layer turns it
    into a Starlette response.

    Args:
        session: the request's unit of work (committed by the caller, also after an OAuth2 error answer, so
            that a claimed or replayed code stays marked).
        settings: token and code lifetimes (``oauth2_*_ttl_s``).
    """

    def __init__(self, session: Session, settings: Settings) -> None:
        super().__init__(scopes_supported=list(OAUTH2_SCOPES))
        self.session = session
        self.settings = settings
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: new_access_token(),
                lambda **_: new_refresh_token(),
                lambda client, grant_type: settings.oauth2_access_token_ttl_s,
            ),
        )
        self.register_grant(CodeGrant, [CodeChallenge(required=False)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> Client | None:
        """The registered, unrevoked application with ``client_id``, or ``None``."""
        row = self.session.scalar(select(OAuth2Application).where(OAuth2Application.client_id == client_id))
        return Client(row) if row is not None and row.revoked_at is None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Store the digests of a token response's access and refresh tokens (RFC 6749 5.1)."""
        now = utcnow()
        code: Code | None = request.authorization_code
        previous: OAuth2Token | None = getattr(request, "refresh_token_row", None)
        refresh = token.get("refresh_token")
        self.session.add(
            OAuth2Token(
                application_id=request.client.row.id,
                account_id=request.user.id,
                code_id=code.row.id if code is not None else (previous.code_id if previous is not None else None),
                access_digest=digest(token["access_token"]),
                refresh_digest=digest(refresh) if refresh else None,
                scope=token.get("scope") or "",
                created_at=now,
                expires_at=now + timedelta(seconds=int(token.get("expires_in") or 0)),
                refresh_expires_at=(now + timedelta(seconds=self.settings.oauth2_refresh_token_ttl_s))
                if refresh
                else None,
            )
        )
        self.session.flush()

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        """The HTTP layer builds :class:`StarletteOAuth2Request` itself (the body is read asynchronously)."""
        if not isinstance(request, OAuth2Request):
            raise TypeError("pass a StarletteOAuth2Request")
        return request

    def create_json_request(self, request: Any) -> JsonRequest:
        """Not used (no JSON endpoints are registered); kept for the framework contract."""
        if isinstance(request, JsonRequest):
            return request
        json_request = JsonRequest(request.method, request.uri, request.headers)
        json_request.payload = _JsonPayload(dict(request.payload.data))
        return json_request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal receivers in braindock."""
