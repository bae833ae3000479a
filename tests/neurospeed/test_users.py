"""Customer-side user management, profile and access flags (``neurospeed.md`` 3.2, 3.3); tenant isolation."""

from __future__ import annotations

import uuid

import httpx

from tests.neurospeed.conftest import Customer, login_user


def name() -> str:
    return f"user_{uuid.uuid4().hex[:8]}"


def test_create_get_list_modify_delete(acme: Customer) -> None:
    username = name()
    with acme.http() as api:
        created = api.post("/users", json={"username": username, "password": "initial-pass"})
        assert created.status_code == 201
        user = created.json()
        assert user["username"] == username
        assert user["settings"]["userId"] == user["id"]

        fetched = api.get(f"/users/{username}")
        assert fetched.status_code == 200
        assert fetched.json()["id"] == user["id"]
        assert fetched.json()["created_at"].endswith("Z")

        listing = api.post("/users/list", json={"pager": {"page_number": 1, "page_size": 100}, "filters": {}})
        pager = listing.json()["pager"]
        assert user["id"] in [item["id"] for item in pager["items"]]
        assert pager["page_number"] == 1 and pager["actual_page_size"] == len(pager["items"])
        assert listing.json()["filters"] == {}

        renamed = name()
        modified = api.put("/users", params={"id": user["id"]}, data={"username": renamed, "password": "second-pass"})
        assert modified.status_code == 200, modified.text
        assert modified.json() == {**modified.json(), "id": user["id"], "username": renamed}
        assert login_user(acme.server, acme.account_id, renamed, "second-pass")["accessToken"]
        assert api.get(f"/users/{username}").status_code == 404

        deleted = api.delete("/users", params={"id": str(user["id"])})
        assert deleted.status_code == 200 and deleted.json() is True
        assert api.get(f"/users/{renamed}").status_code == 404
        assert api.delete("/users", params={"id": user["id"]}).status_code == 404


def test_pager_pages_and_newest_first(acme: Customer) -> None:
    names = [name() for _ in range(3)]
    with acme.http() as api:
        for username in names:
            assert api.post("/users", json={"username": username, "password": "initial-pass"}).status_code == 201
        page = api.post("/users/list", json={"pager": {"page_number": 1, "page_size": 2}}).json()["pager"]
        assert page["actual_page_size"] == 2 and page["total_records"] >= 3
        assert page["total_pages"] == (page["total_records"] + 1) // 2
        assert [item["username"] for item in page["items"]] == [names[2], names[1]]
        assert api.post("/users/list", json={"pager": {"page_size": 101}}).status_code == 400


def test_validation_errors(acme: Customer) -> None:
    username = name()
    with acme.http() as api:
        assert api.post("/users", json={"username": username, "password": "initial-pass"}).status_code == 201
        duplicate = api.post("/users", json={"username": username, "password": "initial-pass"})
        assert duplicate.status_code == 409 and duplicate.json()["statusCode"] == 409
        for body in [
            {"username": "has space", "password": "initial-pass"},
            {"username": "list", "password": "initial-pass"},
            {"username": "Login", "password": "initial-pass"},
            {"username": name(), "password": "short"},
            {"password": "initial-pass"},
        ]:
            response = api.post("/users", json=body)
            assert response.status_code == 400, body
            assert response.json()["message"]
        assert api.put("/users", params={"id": "abc"}, data={"password": "another-pass"}).status_code == 400
        assert api.put("/users", data={"password": "another-pass"}).status_code == 400


def test_customers_cannot_see_or_touch_each_others_users(acme: Customer, globex: Customer) -> None:
    username = name()
    with acme.http() as api:
        user = api.post("/users", json={"username": username, "password": "initial-pass"}).json()
    with globex.http() as api:
        assert api.get(f"/users/{username}").status_code == 404
        assert api.put("/users", params={"id": user["id"]}, data={"password": "hijacked-pass"}).status_code == 404
        assert api.delete("/users", params={"id": user["id"]}).status_code == 404
        listed = api.post("/users/list", json={"pager": {"page_number": 1, "page_size": 100}}).json()
        assert user["id"] not in [item["id"] for item in listed["pager"]["items"]]
        # the same username may exist in another customer
        assert api.post("/users", json={"username": username, "password": "initial-pass"}).status_code == 201
    assert login_user(acme.server, acme.account_id, username, "initial-pass")
    response = httpx.post(
        acme.server.url + "/api/users/login",
        json={"account_id": globex.account_id, "username": username, "password": "hijacked-pass"},
        timeout=60,
    )
    assert response.status_code == 401
    with acme.http() as api:
        assert api.get(f"/users/{username}").json()["id"] == user["id"]


def test_user_tokens_cannot_manage_users(acme: Customer) -> None:
    user = acme.create_user()
    with acme.http(user.access) as api:
        assert api.post("/users", json={"username": name(), "password": "initial-pass"}).status_code == 403
        assert api.get(f"/users/{user.username}").status_code == 403


def test_current_customer_and_access_flags(acme: Customer) -> None:
    user = acme.create_user()
    with acme.http() as api:
        current = api.get("/customers/current").json()
    assert current["email"] == acme.email and current["account_id"] == acme.account_id
    assert current["role"] == "customer" and current["is_active"] is True
    for token in (acme.access, user.access):
        with acme.http(token) as api:
            for flag in ("insight", "recordings", "raw_data"):
                response = api.get(f"/customers/customers_access/get_{flag}_access")
                assert response.status_code == 200 and response.json() == {"access": True}
