"""``Auth_AS_User_Handler``: user-level login (``neurospeed.md`` 1.6, 1.7, 2.3; manual 3.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from braindock.clients.neurospeed.auth._base import AuthApiView, AuthHandlerBase, AuthOptions, require
from braindock.clients.neurospeed.auth.hia_ids import HiaIdClaim, claim_hia_id
from braindock.clients.neurospeed.errors import ConfigError

__all__ = ["Auth_AS_User_Handler"]


class Auth_AS_User_Handler(AuthHandlerBase):  # noqa: N801 - official name
    """Log in as a user (``POST /api/users/login``) to stream data (HIA) and listen to the user room.

    Args:
        user_config: ``{"account_id": ..., "username": ..., "user_password": ..., "HIA_ID": optional}``.
            ``customer_username`` is accepted instead of ``account_id`` (the customer's e-mail works on
            braindock); the first non-empty of the two is sent as ``account_id``. Without ``HIA_ID`` a 6-character
            id is stored into the dict (1.7): the one this user had on this machine last time, unless another
            process holds it (:mod:`.hia_ids`; ``BRAINDOCK_NEUROSPEED_HIA_IDS=off`` draws a new one each time, as
            the official client does).
        api_config, url, timeout, retries, verify: see
            :class:`~braindock.clients.neurospeed.auth._base.AuthHandlerBase`.

    Raises:
        ConfigError: ``username``, ``user_password`` or both tenant keys missing (a ``KeyError``).

    Example::

        user_auth = Auth_AS_User_Handler(hia_config, url="http://127.0.0.1:8420")
        user_auth.login()
    """

    class User_Auth_Api(AuthApiView):  # noqa: N801 - official name
        """The official inner class (Appendix A): ``user_login()``, ``update_refresh_token()`` and the token getters,
        as a view on the handler (``handler._auth_api_instance``)."""

        def user_login(self) -> bool:
            """Log in (POST /api/users/login (2.3)); ``True`` on success.

            Raises:
                AuthenticationError: credentials refused. ConnectionError / TimeoutError: server unreachable.
            """
            return self._login()

    LOGIN_ENDPOINT = "/users/login"
    ROLE = "user"

    def __init__(
        self,
        user_config: dict[str, Any],
        api_config: Mapping[str, Any] | None = None,
        **options: Unpack[AuthOptions],
    ) -> None:
        require(user_config, "username", "user_config")
        require(user_config, "user_password", "user_config")
        account = user_config.get("account_id") or user_config.get("customer_username")
        if not account:
            raise ConfigError("user_config needs 'account_id' (or the legacy 'customer_username')")
        super().__init__(user_config, api_config, **options)
        self._auth_api_instance = self.User_Auth_Api(self)
        self._account_id = str(account)
        #: The reservation of a persistent HIA id (kept as long as this handler lives), if one was claimed.
        self.hia_id_claim: HiaIdClaim | None = None
        if user_config.get("HIA_ID") in (None, ""):
            self.hia_id_claim = claim_hia_id(self.url_for(""), self._account_id, str(user_config["username"]))
            user_config["HIA_ID"] = self.hia_id_claim.hia_id

    def _login_body(self) -> dict[str, Any]:
        return {
            "account_id": self._account_id,
            "username": str(self._config["username"]),
            "password": str(self._config["user_password"]),
        }

    def _principal_name(self) -> str:
        return str(self._config["username"])

    def get_username(self) -> str:
        """The user's name."""
        return str(self._config["username"])

    def get_hia_id(self) -> str:
        """The HIA id of this process (``HIA_ID`` of the config, always a string)."""
        return str(self._config["HIA_ID"])

    def get_account_id(self) -> str:
        """The customer's account id used at login."""
        return self._account_id
