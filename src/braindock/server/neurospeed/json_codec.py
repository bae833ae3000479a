"""Fast JSON for the NeuroSpeed hot path (Socket.IO packets, uplink ``data`` strings, recorder lines).

Every accepted ``pipeline`` packet is decoded twice (the Socket.IO frame, then its ``data`` string) and encoded
twice (the recorder's JSON line and the ``data`` event); with the standard library that was about a third of the
server's CPU per packet. :mod:`orjson` does the same work several times faster and round-trips floats exactly
(shortest representation, like ``repr``).

Where orjson differs from :mod:`json` the standard library takes over, so what goes out on the wire stays what
python-socketio's default encoder sent:

* decoding: ``NaN``, ``Infinity`` and other extensions that the official client's ``json.dumps`` can emit
  (``neurospeed.md`` 6.6, 7.4: channel values ``NaN``/``±Infinity`` are accepted as missing values), and
  integers of 19 digits or more (orjson would turn those beyond 64 bits into floats); :func:`loads_flagged`
  says when that happened. As python-engineio's decoder did, integers of more than 100 digits are refused;
* encoding: orjson would write ``NaN``/``±Infinity`` as ``null``. An event that may hold them (a packet that
  arrived with such tokens, band powers that are not finite) is marked :class:`StandardJson` and written by the
  standard library, as are integers beyond 64 bits and objects orjson does not know. The standard library
  escapes non-ASCII (``ensure_ascii``), as python-socketio did, so a lone surrogate never reaches a socket.

Output of the fast path differs from ``json.dumps`` only in spelling (UTF-8 instead of ``\\uXXXX`` escapes,
``0.00001`` for ``1e-05``): the same JSON values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
#: A run of this many digits may be an integer orjson cannot keep exact (beyond 64 bits).
_LONG_DIGITS = re.compile(rb"\d{19}")
#: Longest integer literal accepted (python-engineio's limit for Socket.IO packets).
MAX_INT_DIGITS = 100


class StandardJson(dict):  # type: ignore[type-arg]
    """A ``dict`` that must be encoded by the standard library (it may hold ``NaN``/``±Infinity``).

    :func:`dumps` checks for it at the top level of its argument and in the items of a top-level list (the
    ``[event, payload]`` list of a Socket.IO packet).
    """


def _standard(obj: Any) -> bool:
    if isinstance(obj, StandardJson):
        return True
    return isinstance(obj, list) and any(isinstance(item, StandardJson) for item in obj)


def _encode(obj: Any, option: int) -> bytes:
    """orjson's bytes for ``obj``, or the standard library's (ASCII) for marked objects and what orjson refuses."""
    if not _standard(obj):
        try:
            return orjson.dumps(obj, option=option)
        except TypeError:  # orjson.JSONEncodeError: big ints, unknown types
            pass
    text = json.dumps(obj, separators=(",", ":"))
    return (text + "\n" if option & orjson.OPT_APPEND_NEWLINE else text).encode()


def dumps(obj: Any, **_: Any) -> str:
    """``obj`` as compact JSON text (keyword arguments such as ``separators`` are accepted and ignored)."""
    return _encode(obj, _OPTIONS).decode()


def dumps_line(obj: Any) -> bytes:
    """``obj`` as one UTF-8 JSON line ending in ``\\n`` (the recorder's packet files)."""
    return _encode(obj, _OPTIONS | orjson.OPT_APPEND_NEWLINE)


def _bounded_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"integer literal of {digits} digits (at most {MAX_INT_DIGITS} digits)")
    return int(literal)


def loads_flagged(text: str | bytes) -> tuple[Any, bool]:
    """Parse JSON text; the flag is ``True`` when the standard library did it (module docstring: ``NaN``,
    ``Infinity``, long integers, very deep nesting), i.e. when encoding the value back needs it too.

    Raises:
        ValueError: not JSON (:class:`json.JSONDecodeError`), or an integer of more than 100 digits.
        RecursionError: nested too deeply for the standard library.
    """
    raw = text.encode() if isinstance(text, str) else text
    if _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw), False
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, parse_int=_bounded_int), True


def loads(text: str | bytes) -> Any:
    """Parse JSON text; accepts what :func:`json.loads` accepts (:func:`loads_flagged` without the flag)."""
    return loads_flagged(text)[0]


class JsonModule:
    """The ``json`` interface python-socketio's packets call (``dumps(data, separators=...)``, ``loads``)."""

    dumps = staticmethod(dumps)
    loads = staticmethod(loads)
