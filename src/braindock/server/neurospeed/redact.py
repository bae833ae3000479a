"""Keep NeuroSpeed credentials out of the server log (``neurospeed.md`` 6.12, D29).

The user-room clients put ``jwt_token`` in the query string, which uvicorn prints in its access and
WebSocket log lines; :func:`install` adds a filter to those loggers that replaces the values of
``jwt_token``/``jwt_refresh_token``/``refreshToken``/``password`` query parameters by ``REDACTED``.
"""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"((?:jwt_token|jwt_refresh_token|refreshToken|password)=)[^&\s\"']*")
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """``text`` with secret query values replaced by ``REDACTED``."""
    return _SECRET.sub(r"\1REDACTED", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message arguments (and message) through :func:`redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Attach :class:`RedactSecrets` to uvicorn's loggers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
            logger.addFilter(RedactSecrets())
