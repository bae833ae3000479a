"""A hosts-file entry and a port-443 listener, emulated inside one client process (tests only).

Put this directory on ``PYTHONPATH`` of an official client's subprocess and set
``BRAINDOCK_TEST_HOSTS`` to a JSON object ``{"host name": ["127.0.0.1", PORT], ...}``. Python imports
``sitecustomize`` at start-up, and this one wraps ``socket.getaddrinfo`` so that, **in this process only**:

* a listed name asked for port 443 (what ``https://name/...`` connects to) resolves to ``(127.0.0.1, PORT)``,
  the random port of the test server (as DNS plus a listener on 443 would);
* a listed name asked for any other port resolves to 127.0.0.1 on that port (a hosts-file entry);
* every other name goes to the real resolver, unchanged.

TLS is untouched: the client still sends the listed name as SNI and verifies the server's certificate for it
against its trust store (``REQUESTS_CA_BUNDLE``). The machine's resolver and ``/etc/hosts`` are never touched.
"""

from __future__ import annotations

import json
import os
import socket

_TABLE = {
    name.lower().rstrip("."): (str(target[0]), int(target[1]))
    for name, target in json.loads(os.environ.get("BRAINDOCK_TEST_HOSTS") or "{}").items()
}

if _TABLE:
    _real_getaddrinfo = socket.getaddrinfo

    def _getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        target = _TABLE.get(str(name).lower().rstrip(".")) if name else None
        if target is None:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        address, https_port = target
        wanted = https_port if str(port) in ("443", "https") else port
        return _real_getaddrinfo(address, wanted, *args, **kwargs)

    socket.getaddrinfo = _getaddrinfo
