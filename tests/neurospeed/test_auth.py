"""NeuroSpeed login, refresh and the 401 contract (``neurospeed.md`` 2.2-2.6) against a live server."""

from __future__ import annotations

import os
import stat

import httpx

from tests.neurospeed.conftest import PASSWORD, USER_PASSWORD, Customer, login_user, new_customer


def post(customer: Customer, path: str, body: dict) -> httpx.Response:
    return httpx.post(customer.server.url + "/api" + path, json=body, timeout=60)


def test_customer_login_returns_a_token_pair(acme: Customer) -> None:
    response = post(acme, "/auth/login", {"email": acme.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(token) == {"accessToken", "refreshToken"}
    assert token["accessToken"].count(".") == 2  # a JWT


def test_failed_logins_are_401_but_never_say_unauthorized(acme: Customer) -> None:
    user = acme.create_user()
    for path, body in [
        ("/auth/login", {"email": acme.email, "password": "wrong-password"}),
        ("/auth/login", {"email": "nobody@example.com", "password": PASSWORD}),
        ("/users/login", {"account_id": acme.account_id, "username": user.username, "password": "wrong-pass"}),
        ("/users/login", {"account_id": "nobody_0000000000", "username": user.username, "password": USER_PASSWORD}),
    ]:
        response = post(acme, path, body)
        assert response.status_code == 401, (path, body)
        assert response.json()["message"] == "Invalid credentials"
        assert response.json()["statusCode"] == 401


def test_login_with_a_malformed_body_is_400(acme: Customer) -> None:
    response = post(acme, "/auth/login", {"email": acme.email})
    assert response.status_code == 400
    assert "password" in response.json()["message"]


def test_user_login_by_account_id_or_legacy_customer_email(acme: Customer) -> None:
    user = acme.create_user()
    assert login_user(acme.server, acme.account_id, user.username, USER_PASSWORD)["accessToken"]
    assert login_user(acme.server, acme.email, user.username, USER_PASSWORD)["accessToken"]


def test_login_accepts_a_form_body_of_older_clients(acme: Customer) -> None:
    response = httpx.post(
        acme.server.url + "/api/auth/login", data={"email": acme.email, "password": PASSWORD}, timeout=60
    )
    assert response.status_code == 200
    assert response.json()["token"]["accessToken"]


def test_protected_endpoints_answer_the_refresh_triggering_401(acme: Customer) -> None:
    for headers in [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Bearer {acme.refresh}"}]:
        response = httpx.get(acme.server.url + "/api/customers/current", headers=headers, timeout=60)
        assert response.status_code == 401
        assert response.json()["message"] == "Unauthorized"


def test_refresh_rotates_the_pair_and_old_refresh_tokens_die(acme: Customer) -> None:
    first = post(acme, "/auth/login", {"email": acme.email, "password": PASSWORD}).json()["token"]
    response = post(acme, "/auth/refresh_token", {"refreshToken": first["refreshToken"]})
    assert response.status_code == 200
    second = response.json()["token"]
    assert second["refreshToken"] != first["refreshToken"]
    with acme.http(second["accessToken"]) as api:
        assert api.get("/customers/current").json()["email"] == acme.email
    again = post(acme, "/auth/refresh_token", {"refreshToken": first["refreshToken"]})
    assert again.status_code == 401
    assert again.json()["message"] != "Unauthorized"  # the client would recurse on that body (2.6)
    for bad in [{"refreshToken": "garbage"}, {"refreshToken": first["accessToken"]}, {}]:
        response = post(acme, "/auth/refresh_token", bad)
        assert response.status_code == 401
        assert response.json()["message"] != "Unauthorized"


def test_user_tokens_refresh_at_the_same_endpoint(acme: Customer) -> None:
    user = acme.create_user()
    response = post(acme, "/auth/refresh_token", {"refreshToken": user.refresh})
    assert response.status_code == 200
    token = response.json()["token"]["accessToken"]
    with acme.http(token) as api:
        assert api.get("/customers/customers_access/get_raw_data_access").json() == {"access": True}
        assert api.get("/customers/current").status_code == 403  # customer-only endpoint


def test_a_deleted_user_loses_its_tokens(acme: Customer) -> None:
    user = acme.create_user()
    with acme.http() as api:
        assert api.delete("/users", params={"id": user.id}).json() is True
    with acme.http(user.access) as api:
        response = api.get("/customers/customers_access/get_insight_access")
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized"
    assert post(acme, "/auth/refresh_token", {"refreshToken": user.refresh}).status_code == 401


def test_signing_key_is_private_and_never_logged(acme: Customer) -> None:
    key_path = acme.server.data_dir / "neurospeed-jwt.key"
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    key = key_path.read_text().strip()
    assert len(bytes.fromhex(key)) == 64
    assert key not in acme.server.log_path.read_text()


def test_customers_are_created_on_first_login_with_distinct_account_ids(server) -> None:  # type: ignore[no-untyped-def]
    one, two = new_customer(server), new_customer(server)
    assert one.account_id != two.account_id
    assert one.account_id.startswith(one.email.split("@")[0].replace("-", ""))
