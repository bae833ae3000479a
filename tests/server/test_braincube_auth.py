"""SSO, tokens and access control of the Braincube protocol against a live server."""

from __future__ import annotations

import httpx

from tests.conftest import Plant


def test_user_me_lists_only_the_callers_braincubes(plant: Plant) -> None:
    with plant.api() as api:
        body = api.get("/sso-server/ws/user/me").json()
    names = [element["product"]["name"] for element in body["accessList"]]
    assert "plant-a" in names and "plant-b" not in names
    element = body["accessList"][names.index("plant-a")]
    assert element["name"] == "plant-a"
    assert len(element["product"]["productId"]) == 36
    with plant.api(plant.other_token) as api:
        bobs = [e["name"] for e in api.get("/sso-server/ws/user/me").json()["accessList"]]
        assert "plant-b" in bobs and "plant-a" not in bobs


def test_missing_and_invalid_tokens_get_401(plant: Plant) -> None:
    path = f"/braincube/plant-a/braincube/mb/{plant.mb}/extended"
    anonymous = httpx.get(plant.url + path)
    assert anonymous.status_code == 401
    assert "X-api-key" in anonymous.json()["message"]
    for bad in ("nonsense", plant.token[:-2] + "xx", "bd_p000000000000_abc"):
        response = httpx.get(plant.url + path, headers={"X-api-key": bad})
        assert response.status_code == 401, bad
        assert response.json()["error"] == "unauthorized"


def test_foreign_braincube_is_403_and_unknown_is_404(plant: Plant) -> None:
    with plant.api(plant.other_token) as api:
        response = api.get(f"/braincube/plant-a/braincube/mb/{plant.mb}/extended")
        assert response.status_code == 403
        assert "plant-a" in response.json()["message"]
        lf = api.post(f"/braincube/plant-a/braindata/mb{plant.mb}/LF", json={"definitions": []})
        assert lf.status_code == 403
        # bob's own braincube does not contain alice's memory base
        assert api.get(f"/braincube/plant-b/braincube/mb/{plant.mb}/extended").status_code == 404
    with plant.api() as api:
        missing = api.get("/braincube/no-such-cube/braincube/mb/all/summary")
        assert missing.status_code == 404
        assert "no-such-cube" in missing.json()["message"]


def test_grant_gives_access(plant: Plant) -> None:
    server = plant.server
    server.cli("account", "create", "carol@example.com", "--password", "carol-password")
    token = server.cli("token", "create", "carol@example.com")
    path = f"/braincube/plant-a/braincube/mb/{plant.mb}/extended"
    assert httpx.get(plant.url + path, headers={"X-api-key": token}).status_code == 403
    server.cli("braincube", "grant", "plant-a", "carol@example.com")
    response = httpx.get(plant.url + path, headers={"X-api-key": token})
    assert response.status_code == 200
    assert response.json()["bcId"] == plant.mb


def test_revoked_token_is_refused_at_once(plant: Plant) -> None:
    token = plant.server.cli("token", "create", "alice@example.com")
    me = plant.url + "/sso-server/ws/user/me"
    assert httpx.get(me, headers={"X-api-key": token}).status_code == 200
    public_id = plant.server.cli("token", "revoke", token)
    assert token.startswith(f"bd_p{public_id}_")
    assert httpx.get(me, headers={"X-api-key": token}).status_code == 401
    listing = plant.server.cli("token", "list", "alice@example.com")
    assert f"{public_id}\tpat" in listing and "revoked" in listing


def test_scopes_are_enforced(plant: Plant) -> None:
    sso_only = plant.server.cli("token", "create", "alice@example.com", "--scope", "SSO_READ")
    headers = {"X-api-key": sso_only}
    assert httpx.get(plant.url + "/sso-server/ws/user/me", headers=headers).status_code == 200
    data = httpx.get(plant.url + f"/braincube/plant-a/braincube/mb/{plant.mb}/extended", headers=headers)
    assert data.status_code == 403
    assert "BRAINCUBE" in data.json()["message"]
    bad = plant.server.cli_result("token", "create", "alice@example.com", "--scope", "EVERYTHING")
    assert bad.returncode == 1 and "EVERYTHING" in bad.stderr and bad.stdout == ""


def test_oauth2_exchange_gives_a_session_token(plant: Plant) -> None:
    exchange = httpx.get(
        plant.url + "/sso-server/ws/oauth2/session", headers={"Authorization": f"Bearer {plant.token}"}
    )
    assert exchange.status_code == 200
    session = exchange.json()["token"]
    assert session.startswith("bd_s")
    me = httpx.get(plant.url + "/sso-server/ws/user/me", headers={"IPLSSOTOKEN": session})
    assert me.status_code == 200 and "plant-a" in [e["name"] for e in me.json()["accessList"]]
    # a session token is not a PAT, and a bad bearer is refused
    assert httpx.get(plant.url + "/sso-server/ws/user/me", headers={"X-api-key": session}).status_code == 401
    bad = httpx.get(plant.url + "/sso-server/ws/oauth2/session", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    old = httpx.get(
        plant.url + "/sso-server/rest/session/openWithToken", headers={"Authorization": f"Bearer {plant.token}"}
    )
    assert old.status_code == 200 and old.json()["token"].startswith("bd_s")


def test_tokens_and_passwords_are_not_stored_or_logged_in_clear(plant: Plant) -> None:
    import sqlite3

    with plant.api() as api:
        api.get("/sso-server/ws/user/me")
    log = plant.server.log()
    assert plant.token not in log
    secret = plant.token.split("_", 2)[2]
    database = sqlite3.connect(plant.server.data_dir / "braindock.sqlite")
    dump = "\n".join(database.iterdump())
    database.close()
    assert secret not in dump
    assert "alice-password" not in dump
    assert "$argon2id$" in dump
