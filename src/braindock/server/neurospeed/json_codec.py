"""Fast JSON for the NeuroSpeed hot path (Socket.IO packets, uplink ``data`` strings, recorder lines).

Every accepted ``pipeline`` packet is decoded twice (the Socket.IO frame, then its ``data`` string) and encoded
twice (the recorder's JSON line and the ``data`` event); with the standard library that was about a third of the
server's CPU per packet. :mod:`orjson` does the same work several times faster and round-trips floats exactly
(shortest representation, like ``repr``).

Where orjson is stricter than :mod:`json` the standard library takes over, so behaviour does not change:

* decoding: ``NaN``, ``Infinity`` and other extensions that the official client's ``json.dumps`` can emit (the
  uplink validator then names them, ``neurospeed.md`` D9);
* encoding: integers beyond 64 bits and objects orjson does not know.

Output differs from ``json.dumps`` only in spelling (UTF-8 instead of ``\\uXXXX`` escapes, ``1e-07`` written
``1e-7``): the same JSON values.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, **_: Any) -> str:
    """``obj`` as compact JSON text (keyword arguments such as ``separators`` are accepted and ignored)."""
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError: big ints, unknown types
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def dumps_line(obj: Any) -> bytes:
    """``obj`` as one UTF-8 JSON line ending in ``\\n`` (the recorder's packet files)."""
    try:
        return orjson.dumps(obj, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def loads(text: str | bytes) -> Any:
    """Parse JSON text; accepts what :func:`json.loads` accepts.

    Raises:
        ValueError: not JSON (:class:`json.JSONDecodeError`).
        RecursionError: nested too deeply for the standard library.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class JsonModule:
    """The ``json`` interface python-socketio's packets call (``dumps(data, separators=...)``, ``loads``)."""

    dumps = staticmethod(dumps)
    loads = staticmethod(loads)
