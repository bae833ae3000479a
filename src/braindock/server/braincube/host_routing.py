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
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

_PREFIXES = ("/braincube/mb/", "/braindata/mb")
#: Normal-layout paths of a braincube named ``mb``: never placeholder paths (memory-base ids are integers).
_NORMAL_MB = ("/braincube/mb/braincube/", "/braincube/mb/braindata/")


def braincube_from_host(host: str, suffix: str) -> str | None:
    """The braincube name of ``host`` (``"<name>.<suffix>[:port]"``, any case) or ``None``.

    >>> braincube_from_host("Plant-A.data.example.net:8420", "data.example.net")
    'plant-a'
    """
    name_and_suffix = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # keep bare IPv6 intact
    name_and_suffix = name_and_suffix.lower().rstrip(".")
    tail = "." + suffix.lower().strip(".")
    if not name_and_suffix.endswith(tail):
        return None
    name = name_and_suffix[: -len(tail)]
    return name or None


class BraincubeHostRouting:
    """ASGI middleware: rewrite placeholder-mode paths of ``{braincube-name}.<suffix>`` hosts (module docstring).

    Args:
        app: the wrapped ASGI app.
        suffix: the domain under which each braincube has a host name (``Settings.braincube_host_suffix``);
            ``None`` or ``""`` turns the middleware into a pass-through.
    """

    def __init__(self, app: Any, suffix: str | None) -> None:
        self.app = app
        self.suffix = (suffix or "").strip(".")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point."""
        path = scope.get("path", "")
        if self.suffix and scope["type"] == "http" and path.startswith(_PREFIXES) and not path.startswith(_NORMAL_MB):
            host = next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"host"), "")
            name = braincube_from_host(host, self.suffix)
            if name is not None:
                path = f"/braincube/{name}{path}"
                raw = f"/braincube/{quote(name, safe='')}".encode() + (scope.get("raw_path") or b"")
                scope = {**scope, "path": path, "raw_path": raw}
        await self.app(scope, receive, send)
