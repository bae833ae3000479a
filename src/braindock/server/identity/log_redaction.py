"""Keep credentials out of the server log, whatever protocol or client put them where.

Clients sometimes put credentials into URLs (NeuroSpeed room listeners send ``jwt_token`` in the query string,
exporter download links carry a ``signature``, a misconfigured script may append ``?token=<PAT>``), and uvicorn
prints every request line. :class:`RedactCredentials` rewrites each log record before it is written:

* braindock tokens ``bd_p<id>_<secret>`` / ``bd_s<id>_<secret>`` / ``bd_l<id>_<secret>`` keep their public
  id (useful to find the token with ``braindock token list``) and lose the secret: ``bd_p0123456789ab_REDACTED``;
* OAuth2 access and refresh tokens ``bdo_…`` / ``bdr_…`` become ``bdo_REDACTED`` / ``bdr_REDACTED``;
* anything shaped like a JWT (``eyJ….….…``) becomes ``REDACTED-JWT``;
* the values of query or form parameters with credential names (:data:`SECRET_PARAMETERS`) become
  ``REDACTED``.

:func:`install` attaches the filter to uvicorn's and braindock's loggers and to the handlers of the root
logger, so records that propagate from child loggers are covered too. Passwords only ever travel in request
bodies, which braindock never logs.
"""

from __future__ import annotations

import logging
import re

#: Query/form parameter names whose values are credentials.
SECRET_PARAMETERS = (
    "password",
    "token",
    "access_token",
    "refresh_token",
    "refreshToken",
    "jwt_token",
    "jwt_refresh_token",
    "api_key",
    "apikey",
    "signature",
    "device_code",
    "code",
    "client_secret",
    "code_verifier",
)
_BRAINDOCK_TOKEN = re.compile(r"\b(bd_[psl][0-9a-f]{12})_[A-Za-z0-9_\-]+")
_OAUTH2_TOKEN = re.compile(r"\b(bd[or]_)[A-Za-z0-9_\-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
#: A credential parameter anywhere a name can start (after a non-word character or at the start of the text).
_PARAMETER = re.compile(r"(?i)((?<![\w-])(?:" + "|".join(map(re.escape, SECRET_PARAMETERS)) + r")=)[^&\s\"']*")
#: ``authlib`` logs issued tokens at debug level (``"Issue token %r to %r"``, the token dict as one argument).
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "braindock", "authlib")


def redact(text: str) -> str:
    """``text`` with braindock tokens, JWTs and credential parameters replaced (see the module docstring)."""
    text = _BRAINDOCK_TOKEN.sub(r"\1_REDACTED", text)
    text = _OAUTH2_TOKEN.sub(r"\1REDACTED", text)
    text = _JWT.sub("REDACTED-JWT", text)
    return _PARAMETER.sub(r"\1REDACTED", text)


class RedactCredentials(logging.Filter):
    """Rewrites a record's formatted message through :func:`redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the record (``record.getMessage()``: ``msg % args``, so tokens inside non-string arguments
        such as Authlib's token dict are caught), redact it and store it as ``msg`` with no ``args``; always
        returns ``True``."""
        if record.name == "uvicorn.access":
            # uvicorn's access formatter reads the five string/number args itself: keep them, redacted.
            if isinstance(record.args, tuple):
                record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format: redact what is there
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        return True


def _add(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(existing, RedactCredentials) for existing in target.filters):
        target.addFilter(RedactCredentials())


def install() -> None:
    """Attach :class:`RedactCredentials` to :data:`LOGGERS`, their handlers and the root handlers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        _add(logger)
        for handler in logger.handlers:
            _add(handler)
    for handler in logging.getLogger().handlers:
        _add(handler)
