"""The Braincube SSO as an OAuth2 authorization server (RFC 6749, RFC 7636 PKCE, RFC 7009 revocation).

The protocol is Authlib's (``authlib.oauth2.rfc6749``); braindock supplies storage, its login and consent
pages and a thin Starlette adapter:

* :mod:`.applications`: scopes, registering / listing / revoking applications (``braindock oauth-app``).
* :mod:`.server`: the Authlib ``AuthorizationServer`` with the code grant (PKCE accepted), the refresh grant
  and the revocation endpoint, bound to one database session per request.
* :mod:`.access`: turning a presented access token into a :class:`~braindock.server.identity.tokens.Caller`.

The HTTP endpoints are in ``braindock.server.braincube.oauth2`` (``shared/reference/braincube.md`` 2.1,
braincube-token-getter 0.0.2).
"""
