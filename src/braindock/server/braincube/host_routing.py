"""Braincubes told apart by host name: ``braincube_base_url = "https://{braincube-name}.<suffix>"`` (1.5).

In placeholder mode the official client drops the ``braincube/{bc}/`` prefix of every entity path and puts the
braincube's name into the URL instead (``shared/reference/braincube.md`` 1.5, 3.1). A placeholder in the *path*
needs nothing from the server: the URLs are those of the normal layout. A placeholder in the *host name* does:
with ``BRAINDOCK_BRAINCUBE_HOST_SUFFIX=data.example.net``, a request whose ``Host`` is
``plant-a.data.example.net`` and whose path is

* ``/braincube/mb/...`` (web services E1–E13) becomes ``/braincube/plant-a/braincube/mb/...``;
* ``/braindata/mb<id>/...`` (E14, E15) becomes ``/braincube/plant-a/braindata/mb<id>/...``.

Everything else (SSO, BrainSTEM, NeuroSpeed, paths already in the normal layout) is left alone, and so is every
request to another host. Clients send host names in lower case; :func:`.access.braincube_for` matches a
lower-case name to the one braincube that differs only in case. A name that is no braincube gets the usual 404
of the normal layout. The host name suffix is ``Settings.braincube_host_suffix``; DNS (a wildcard record) and
TLS (a wildcard certificate) for ``*.<suffix>`` are the deployment's part.

**Domain mode** (``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``, ``Settings.braincube_domain``). The documented
configuration ``{"api_key": ..., "domain": "mybraincube.com"}`` makes every client version call
``https://mybraincube.com/sso-server/...`` for the SSO and ``https://api.mybraincube.com/braincube/{bc}/...`` for
the API (``braincube.md`` 1.3; 2.1.0 builds the same two URLs by hand). Both reach braindock on one port and both
path sets are those of the normal layout, so nothing is rewritten; the middleware splits the two host names the
way Braincube does, so that a client (or a proxy) sending a request to the wrong one learns it from a 404 that
names the right one:

* host ``api.<domain>``: ``/sso-server/...`` answers 404 (the SSO is at ``https://<domain>/``);
* host ``<domain>``: ``/braincube/...`` and ``/braindata/...`` answer 404 (the API is at ``https://api.<domain>/``).

Every other path (``/healthz``, ``/docs``) and every other host (an IP address, BrainSTEM's or NeuroSpeed's host
names) is left alone. DNS for both names (or hosts-file entries) and a certificate for both
(``braindock tls init --host <domain> --host api.<domain>``) are the deployment's part.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

_PREFIXES = ("/braincube/mb/", "/braindata/mb")
#: Normal-layout paths of a braincube named ``mb``: never placeholder paths (memory-base ids are integers).
_NORMAL_MB = ("/braincube/mb/braincube/", "/braincube/mb/braindata/")


#: Paths of the Braincube API (normal layout, and the placeholder paths of the host-suffix mode).
_API_PREFIXES = ("/braincube/", "/braindata/")
_SSO_PREFIX = "/sso-server/"


def host_name(host: str) -> str:
    """``host`` (a ``Host`` header value) without its port, in lower case and without a trailing dot.

    >>> host_name("API.MyBraincube.com:8443")
    'api.mybraincube.com'
    """
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # keep bare IPv6 intact
    return name.lower().rstrip(".")


def wrong_host(host: str, path: str, domain: str) -> str | None:
    """In domain mode, why ``path`` is not served on ``host`` (``None``: it is, or the host is not the domain's).

    >>> wrong_host("api.mybraincube.com", "/sso-server/ws/user/me", "mybraincube.com")
    'the Braincube SSO of mybraincube.com is at https://mybraincube.com/sso-server/, not on api.mybraincube.com'
    >>> wrong_host("mybraincube.com", "/sso-server/ws/user/me", "mybraincube.com") is None
    True
    """
    name = host_name(host)
    if name == f"api.{domain}" and (path.startswith(_SSO_PREFIX) or path == _SSO_PREFIX.rstrip("/")):
        return f"the Braincube SSO of {domain} is at https://{domain}/sso-server/, not on {name}"
    if name == domain and path.startswith(_API_PREFIXES):
        return f"the Braincube API of {domain} is at https://api.{domain}{path.split('?')[0][:200]}, not on {name}"
    return None


def braincube_from_host(host: str, suffix: str) -> str | None:
    """The braincube name of ``host`` (``"<name>.<suffix>[:port]"``, any case) or ``None``.

    >>> braincube_from_host("Plant-A.data.example.net:8420", "data.example.net")
    'plant-a'
    """
    name_and_suffix = host_name(host)
    tail = "." + suffix.lower().strip(".")
    if not name_and_suffix.endswith(tail):
        return None
    name = name_and_suffix[: -len(tail)]
    return name or None


class BraincubeHostRouting:
    """ASGI middleware: rewrite placeholder-mode paths of ``{braincube-name}.<suffix>`` hosts, and split
    ``<domain>`` (SSO) from ``api.<domain>`` (API) in domain mode (module docstring).

    Args:
        app: the wrapped ASGI app.
        suffix: the domain under which each braincube has a host name (``Settings.braincube_host_suffix``);
            ``None`` or ``""`` turns the host-suffix mode off.
        domain: the clients' configured ``domain`` (``Settings.braincube_domain``); ``None`` or ``""`` turns
            the domain mode off. With both off the middleware is a pass-through.
    """

    def __init__(self, app: Any, suffix: str | None, domain: str | None = None) -> None:
        self.app = app
        self.suffix = (suffix or "").strip(".")
        self.domain = (domain or "").strip().strip(".").lower()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point."""
        path = scope.get("path", "")
        if self.domain and scope["type"] == "http":
            host = next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"host"), "")
            problem = wrong_host(host, path, self.domain)
            if problem is not None:
                body = json.dumps({"error": "not_found", "message": problem}).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 404, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        if self.suffix and scope["type"] == "http" and path.startswith(_PREFIXES) and not path.startswith(_NORMAL_MB):
            host = next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"host"), "")
            name = braincube_from_host(host, self.suffix)
            if name is not None:
                path = f"/braincube/{name}{path}"
                raw = f"/braincube/{quote(name, safe='')}".encode() + (scope.get("raw_path") or b"")
                scope = {**scope, "path": path, "raw_path": raw}
        await self.app(scope, receive, send)
