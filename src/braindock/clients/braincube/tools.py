"""Configuration, URL and date helpers (``shared/reference/braincube.md`` sections 1 and 5.3).

Differences from the official client, all on paths where it fails or misbehaves:

* configuration files are read whole, so pretty-printed JSON works (defect 10.12); a file whose
  first line alone is JSON followed by other text is still accepted, like before;
* an explicit ``config_file`` that does not exist raises
  :class:`~braindock.clients.braincube.errors.ConfigNotFoundError` instead of silently falling back
  to other credentials (defect 10.14);
* a missing ``domain`` (without both explicit base URLs) raises
  :class:`~braindock.clients.braincube.errors.ConfigurationError` instead of producing
  ``https://None``; a ``domain`` given with a scheme keeps that scheme instead of doubling it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from braindock.clients.braincube import constants
from braindock.clients.braincube.errors import ConfigNotFoundError, ConfigurationError


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON configuration file (braincube.md 1.2).

    Args:
        path: path of a file holding one JSON object (on one line or pretty-printed).

    Returns:
        The decoded configuration dictionary.

    Raises:
        ConfigNotFoundError: the file does not exist (also a ``FileNotFoundError``).
        ConfigurationError: the file is not a JSON object.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigNotFoundError(f"configuration file {os.fspath(path)!r} not found") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as whole_error:
        # The official client decodes the first line only; keep accepting such files.
        first_line = text.split("\n", 1)[0]
        try:
            config = json.loads(first_line)
        except json.JSONDecodeError:
            raise ConfigurationError(
                f"configuration file {os.fspath(path)!r} is not valid JSON: {whole_error}"
            ) from None
    if not isinstance(config, dict):
        raise ConfigurationError(f"configuration file {os.fspath(path)!r} must hold a JSON object")
    return config


def check_config(
    config_dict: Mapping[str, Any] | None = None, config_file: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Pick the configuration following the lookup order of braincube.md 1.2.

    1. ``config_dict`` if it is a non-empty mapping;
    2. ``config_file`` if given (it must exist, see the module docstring);
    3. ``./config.json``;
    4. ``~/.braincube/config.json``.

    Returns:
        A new configuration dictionary.

    Raises:
        ConfigNotFoundError: nothing found (also a ``FileNotFoundError``).
        ConfigurationError: the chosen file is not a JSON object.
    """
    if config_dict:
        return dict(config_dict)
    if config_file is not None:
        return read_config(config_file)
    for candidate in (constants.DEFAULT_CONFIG, constants.DEFAULT_HOME_CONFIG):
        if os.path.exists(candidate):
            return read_config(candidate)
    raise ConfigNotFoundError(
        "the client needs a configuration: pass config_dict= or config_file=, or create "
        f"./{constants.DEFAULT_CONFIG} or {constants.DEFAULT_HOME_CONFIG}"
    )


def strip_path(path: str) -> str:
    """Remove the ``/`` characters at both ends of ``path``."""
    return path.strip("/")


def join_path(path_elmts: Iterable[str]) -> str:
    """Join path parts with single ``/`` separators, ignoring empty parts.

    ``join_path(["braincube/plant-a/", "/braindata/mb42/simple"])`` gives
    ``"braincube/plant-a/braindata/mb42/simple"``.
    """
    return "/".join(part for part in (strip_path(str(p)) for p in path_elmts) if part)


def build_url(base_url: str = "", path: str = "", braincube_name: str = "") -> str:
    """Assemble a request URL from a base URL and a relative path (braincube.md 1.4).

    The base URL's query and fragment are dropped, its path is joined to ``path`` with single
    slashes, the result never ends with ``/``, and every ``{braincube-name}`` is replaced by
    ``braincube_name``. A query string inside ``path`` is kept.

    Args:
        base_url: SSO or API base URL, e.g. ``"http://127.0.0.1:8420"``.
        path: relative path, e.g. ``"braincube/plant-a/braindata/mb42/simple"``.
        braincube_name: replacement for the ``{braincube-name}`` placeholder.

    Returns:
        The absolute URL.
    """
    parts = urlsplit(base_url)
    joined = strip_path("/".join((strip_path(parts.path), strip_path(path))))
    url = urlunsplit((parts.scheme, parts.netloc, joined, "", ""))
    return url.replace(constants.BRAINCUBE_NAME_PLACEHOLDER, braincube_name)


def _domain_url(config: Mapping[str, Any], subdomain: str, explicit_key: str) -> str:
    domain = config.get(constants.DOMAIN_KEY)
    if not domain or not isinstance(domain, str):
        raise ConfigurationError(
            f"the configuration needs {constants.DOMAIN_KEY!r}, or both "
            f"{constants.SSO_BASE_URL_KEY!r} and {constants.BRAINCUBE_BASE_URL_KEY!r} "
            f"({explicit_key!r} is missing)"
        )
    scheme, sep, host = domain.partition("://")
    if not sep:
        scheme, host = "https", domain
    host = strip_path(host)
    return f"{scheme}://{subdomain}{host}"


def get_sso_base_url(config: Mapping[str, Any]) -> str:
    """SSO base URL: ``sso_base_url`` or ``https://<domain>``, without end slashes (1.3).

    Raises:
        ConfigurationError: neither ``sso_base_url`` nor ``domain`` is set.
    """
    if config.get(constants.SSO_BASE_URL_KEY):
        return strip_path(str(config[constants.SSO_BASE_URL_KEY]))
    return _domain_url(config, "", constants.SSO_BASE_URL_KEY)


def get_braincube_base_url(config: Mapping[str, Any]) -> str:
    """API base URL: ``braincube_base_url`` or ``https://api.<domain>``, without end slashes (1.3).

    Raises:
        ConfigurationError: neither ``braincube_base_url`` nor ``domain`` is set.
    """
    if config.get(constants.BRAINCUBE_BASE_URL_KEY):
        return strip_path(str(config[constants.BRAINCUBE_BASE_URL_KEY]))
    return _domain_url(config, "api.", constants.BRAINCUBE_BASE_URL_KEY)


def generate_header(
    authentication: Mapping[str, str],
    content_type: str = constants.JSON_MEDIA_TYPE,
    accept: str = constants.JSON_MEDIA_TYPE,
) -> dict[str, str]:
    """Default request headers: the single auth header plus JSON content type and accept (2.2).

    Raises:
        ConfigurationError: ``authentication`` holds more than one header.
    """
    if len(authentication) > 1:
        raise ConfigurationError("exactly one authentication header may be sent")
    return {**authentication, "Content-Type": content_type, "Accept": accept}


def to_datetime_str(timestamp: float | None) -> str | None:
    """Convert an epoch-milliseconds bound to the ``YYYYMMDD_HHMMSS`` UTC text (braincube.md 5.3).

    Milliseconds are truncated. Like the official client, a falsy value (``None`` **or** ``0``)
    means "no bound" and gives ``None`` (defect 10.15 is kept so filters stay identical).

    Args:
        timestamp: milliseconds since 1970-01-01T00:00:00Z, or ``None``.

    Returns:
        e.g. ``"20240101_000000"`` for ``1704067200000``, or ``None``.
    """
    if not timestamp:
        return None
    return datetime.fromtimestamp(timestamp / 1000, tz=UTC).strftime(constants.DATETIME_FORMAT)


def parse_datetime_str(text: Any) -> datetime | None:
    """Parse a ``YYYYMMDD_HHMMSS`` string into a naive ``datetime`` (UTC by convention, 4.4).

    Anything that is not such a string (``"null"``, ``None``, ISO text...) gives ``None``.
    """
    if type(text) is str and len(text) == 15 and text[8] == "_":
        try:
            return datetime(
                int(text[0:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[9:11]),
                int(text[11:13]),
                int(text[13:15]),
            )
        except ValueError:
            return None
    return None
