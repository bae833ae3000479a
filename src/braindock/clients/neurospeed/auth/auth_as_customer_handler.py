"""``Auth_AS_Customer_handler``: customer-level login (``neurospeed.md`` 1.5, 2.2; manual 3.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from braindock.clients.neurospeed.auth._base import AuthApiView, AuthHandlerBase, AuthOptions, require

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

    class Customer_Auth_Api(AuthApiView):  # noqa: N801 - official name
        """The official inner class (Appendix A): ``customer_login()``, ``update_refresh_token()`` and the token
        getters, as a view on the handler (``handler._auth_api_instance``)."""

        def customer_login(self) -> bool:
            """Log in (POST /api/auth/login (2.2)); ``True`` on success.

            Raises:
                AuthenticationError: credentials refused. ConnectionError / TimeoutError: server unreachable.
            """
            return self._login()

    LOGIN_ENDPOINT = "/auth/login"
    ROLE = "customer"

    def __init__(
        self,
        customer_config: dict[str, Any],
        api_config: Mapping[str, Any] | None = None,
        **options: Unpack[AuthOptions],
    ) -> None:
        require(customer_config, "email", "customer_config")
        require(customer_config, "password", "customer_config")
        super().__init__(customer_config, api_config, **options)
        self._auth_api_instance = self.Customer_Auth_Api(self)

    def _login_body(self) -> dict[str, Any]:
        return {"email": str(self._config["email"]), "password": str(self._config["password"])}

    def _principal_name(self) -> str:
        return str(self._config["email"])

    def get_customer_email(self) -> str:
        """The customer's e-mail (``email`` of the config)."""
        return str(self._config["email"])

    def get_hia_id(self) -> str | None:
        """``HIA_ID`` of the config if any (2.3.5 always raised ``KeyError`` here)."""
        value = self._config.get("HIA_ID")
        return None if value is None else str(value)
