"""``Auth_AS_Customer_handler``: customer-level login (``neurospeed.md`` 1.5, 2.2; manual 3.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.auth._base import AuthHandlerBase, require

__all__ = ["Auth_AS_Customer_handler"]


class Auth_AS_Customer_handler(AuthHandlerBase):  # noqa: N801 - official name
    """Log in as a customer (``POST /api/auth/login``) to run the recorder/exporter and manage users.

    Args:
        customer_config: ``{"email": ..., "password": ...}`` (on braindock: the braindock account).
        api_config, url, timeout, retries, verify: see
            :class:`~braindock.clients.neurospeed.auth._base.AuthHandlerBase`.

    Raises:
        ConfigError: ``email`` or ``password`` missing (a ``KeyError``).
    """

    LOGIN_ENDPOINT = "/auth/login"
    ROLE = "customer"

    def __init__(
        self,
        customer_config: dict[str, Any],
        api_config: Mapping[str, Any] | None = None,
        *,
        url: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        verify: Any = None,
    ) -> None:
        require(customer_config, "email", "customer_config")
        require(customer_config, "password", "customer_config")
        super().__init__(customer_config, api_config, url=url, timeout=timeout, retries=retries, verify=verify)

    def _login_body(self) -> dict[str, Any]:
        return {"email": str(self._config["email"]), "password": str(self._config["password"])}

    def _principal_name(self) -> str:
        return str(self._config["email"])

    def get_customer_email(self) -> str:
        return str(self._config["email"])

    def get_hia_id(self) -> str | None:
        """``HIA_ID`` of the config if any (2.3.5 always raised ``KeyError`` here)."""
        value = self._config.get("HIA_ID")
        return None if value is None else str(value)
