"""``Customer_Account_Manager``: the customer's users and access flags (``neurospeed.md`` 3.2, 3.3)."""

from __future__ import annotations

import re
from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase, as_id, pager

__all__ = ["Customer_Account_Manager"]

_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_RESERVED = frozenset({"login", "list", "settings"})
MIN_PASSWORD_LENGTH = 8


class Customer_Account_Manager(HttpHandlerBase):  # noqa: N801 - official name
    """User management with a customer token. Errors raise (``ValidationError`` naming the field,
    ``NotFound``, ``Conflict`` for a duplicate username)."""

    NEEDS_ROLE = "customer"

    def get_headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <customer access token>"}`` (2.5)."""
        return self._http.get_and_update_headers()

    def get_user_id(self, username: str) -> int:
        """The id of a user (``GET /users/{username}``, 3.2).

        Raises:
            ValueError: not a valid username. NotFound: unknown user.
        """
        self._check_username(username)
        return int(self._http.GET_request(f"/users/{username}")["id"])

    def get_all_existing_users(self, page_number: int = 1, page_size: int = 50) -> dict[str, Any]:
        """Pager envelope of the customer's users (``POST /users/list``, 3.0/3.2; ``["pager"]["items"]``)."""
        return self._http.POST_request("/users/list", pager(page_number, page_size))

    def get_insight_access(self) -> dict[str, Any]:
        """``{"access": bool}``: may this customer read insights (3.3)."""
        return self._http.GET_request("/customers/customers_access/get_insight_access")

    def get_recording_exporting_access(self) -> dict[str, Any]:
        """``{"access": bool}``: may this customer use the recorder/exporter (3.3)."""
        return self._http.GET_request("/customers/customers_access/get_recordings_access")

    def get_access_to_raw_data(self) -> dict[str, Any]:
        """``{"access": bool}``: may this customer receive raw samples in the user rooms (3.3)."""
        return self._http.GET_request("/customers/customers_access/get_raw_data_access")

    def get_customer_details(self) -> dict[str, Any]:
        """The customer profile (``account_id``, ``email``...)."""
        return self._http.GET_request("/customers/current")

    def create_new_user(self, new_username: str, new_password: str) -> dict[str, Any]:
        """Create a user → the user object. Raises ``ValueError`` locally for invalid names/passwords."""
        self._check_username(new_username)
        self._check_password(new_password)
        return self._http.POST_request("/users", {"username": new_username, "password": new_password})

    def delete_user(self, id_of_user_to_delete: Any) -> Any:
        """Delete a user (``DELETE /users?id=``, 3.2; numeric strings accepted) → the server's answer.

        Raises:
            NotFound: unknown user or one of another customer.
        """
        return self._http.DELETE_request("/users", {"id": str(as_id(id_of_user_to_delete))})

    def modify_user(self, user_id_to_modify: Any, new_username: str, new_password: str) -> dict[str, Any]:
        """Rename a user and set its password (form-encoded ``PUT /users?id=``, 3.2) → the user object.

        Raises:
            ValueError: invalid name/password (checked locally). NotFound: unknown user. Conflict: name taken.
        """
        self._check_username(new_username)
        self._check_password(new_password)
        form = {"username": new_username, "password": new_password}
        return self._http.PUT_request("/users", form, {"id": str(as_id(user_id_to_modify))})

    def check_username_for_validity(self, username: Any) -> bool:
        """1-64 characters of ``A-Z a-z 0-9 . _ -``, not ``login``/``list``/``settings`` (D4)."""
        return isinstance(username, str) and bool(_USERNAME.match(username)) and username.lower() not in _RESERVED

    def check_password_for_validity(self, password: Any) -> bool:
        """At least 8 characters."""
        return isinstance(password, str) and len(password) >= MIN_PASSWORD_LENGTH

    def _check_username(self, username: Any) -> None:
        if not self.check_username_for_validity(username):
            raise ValueError(f"invalid username {username!r}: 1-64 characters of A-Z a-z 0-9 . _ -, not reserved")

    def _check_password(self, password: Any) -> None:
        if not self.check_password_for_validity(password):
            raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
