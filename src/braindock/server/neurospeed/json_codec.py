"""Fast JSON for the NeuroSpeed hot path (Socket.IO packets, uplink ``data`` strings, recorder lines).

Every accepted ``pipeline`` packet is decoded twice (the Socket.IO frame, then its ``data`` string) and encoded
twice (the recorder's JSON line and the ``data`` event); with the standard library that was about a third of the
server's CPU per packet. :mod:`orjson` does the same work several times faster and round-trips floats exactly
(shortest representation, like ``repr``).

Where orjson is stricter than :mod:`json` the standard library takes over, so behaviour does not change:

* decoding: ``NaN``, ``Infinity`` and other extensions that the official client's ``json.dumps`` can emit
  (``neurospeed.md`` 6.6, 7.4: channel values ``NaN``/``±Infinity`` are accepted as missing values);
  :func:`loads_flagged` says when that happened;
* encoding: orjson would write ``NaN``/``±Infinity`` as ``null``. A packet that arrived with such tokens is
  marked (:class:`StandardJson`), and its ``data`` event and recorder line are written by the standard library,
  so listeners get the same floats the HIA sent, as with python-socketio's default encoder;
* encoding: integers beyond 64 bits and objects orjson does not know.

Output differs from ``json.dumps`` only in spelling (UTF-8 instead of ``\\uXXXX`` escapes, ``1e-07`` written
``1e-7``): the same JSON values.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


class StandardJson(dict):  # type: ignore[type-arg]
    """A ``dict`` that must be encoded by the standard library (it may hold ``NaN``/``±Infinity``).

    :func:`dumps` checks for it at the top level of its argument and in the items of a top-level list (the
    ``[event, payload]`` list of a Socket.IO packet).
    """


def _standard(obj: Any) -> bool:
    if isinstance(obj, StandardJson):
        return True
    return isinstance(obj, list) and any(isinstance(item, StandardJson) for item in obj)


def dumps(obj: Any, **_: Any) -> str:
    """``obj`` as compact JSON text (keyword arguments such as ``separators`` are accepted and ignored)."""
    if not _standard(obj):
        try:
            return orjson.dumps(obj, option=_OPTIONS).decode()
        except TypeError:  # orjson.JSONEncodeError: big ints, unknown types
            pass
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def dumps_line(obj: Any) -> bytes:
    """``obj`` as one UTF-8 JSON line ending in ``\\n`` (the recorder's packet files)."""
    if not _standard(obj):
        try:
            return orjson.dumps(obj, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except TypeError:
            pass
    return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def loads_flagged(text: str | bytes) -> tuple[Any, bool]:
    """Parse JSON text like :func:`loads`; the flag is ``True`` when only the standard library could (``NaN``,
    ``Infinity`` tokens, integers beyond 64 bits, very deep nesting).

    Raises:
        ValueError, RecursionError: as :func:`loads`.
    """
    try:
        return orjson.loads(text), False
    except orjson.JSONDecodeError:
        return json.loads(text), True


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
