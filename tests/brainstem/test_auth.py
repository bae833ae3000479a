"""Password login, device login (JSON endpoints, HTML page, CLI) and administrators (``brainstem.md`` 2)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from braindock.config import Settings
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.database import open_database
from braindock.server.storage.models import utcnow
from tests.brainstem.conftest import PASSWORD, Api, Lab


def test_password_token_endpoint(lab: Lab) -> None:
    response = httpx.post(
        f"{lab.url}/api/token/",
        json={"username": "meg@stem.example", "password": PASSWORD},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == body["access"] and body["token"].startswith("bd_p")
    assert isinstance(body["token_id"], int) and body["message"] == "token created"
    me = Api(lab.url, body["token"]).get(f"private/users/user/{lab.account_ids['meg']}/")
    assert me.status_code == 200 and me.json()["user"]["email"] == "meg@stem.example"
    # the 2025 documentation's path and the "email" spelling work too
    other = httpx.post(f"{lab.url}/api/auth/token/", json={"email": "MEG@stem.example", "password": PASSWORD})
    assert other.status_code == 200 and other.json()["token_type"] == "bearer"
    assert other.json()["token"] != body["token"]


def test_password_token_endpoint_refuses_bad_credentials(lab: Lab) -> None:
    for body in (
        {"username": "meg@stem.example", "password": "wrong password"},
        {"username": "nobody@stem.example", "password": PASSWORD},
        {"username": "meg@stem.example"},
        {},
    ):
        response = httpx.post(f"{lab.url}/api/token/", json=body)
        assert response.status_code == 400, body
        assert "detail" in response.json()
    assert httpx.post(f"{lab.url}/api/token", content=b"not json").status_code == 400


def start(lab: Lab, client_name: str = "brainstem-python") -> dict:
    response = httpx.post(f"{lab.url}/api/auth/device/", json={"client_name": client_name})
    assert response.status_code == 200
    return response.json()


def poll(lab: Lab, device_code: str | None) -> dict:
    response = httpx.post(f"{lab.url}/api/auth/device/token/", json={"device_code": device_code})
    assert response.status_code == 200  # always, whatever the outcome (2.0.0 raise_for_status)
    return response.json()


def test_device_flow_approved_on_the_html_page(lab: Lab) -> None:
    grant = start(lab)
    assert set(grant) >= {"device_code", "user_code", "verification_uri", "verification_uri_complete", "interval"}
    assert grant["interval"] == 5 and grant["expires_in"] == 900
    assert re.fullmatch(r"[A-Z]{4}-\d{4}", grant["user_code"])
    assert grant["verification_uri"] == f"{lab.url}/account/authorize/"
    assert grant["verification_uri_complete"] == f"{lab.url}/account/authorize/?session={grant['session_id']}"
    assert poll(lab, grant["device_code"]) == {"status": "authorization_pending"}

    page = httpx.get(grant["verification_uri_complete"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert grant["user_code"] in page.text and "brainstem-python" in page.text
    assert "<form method='post'" in page.text and "name='password'" in page.text

    form = {"session": grant["session_id"], "email": "cy@stem.example", "password": "wrong", "decision": "approve"}
    wrong = httpx.post(f"{lab.url}/account/authorize/", data=form)
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.text
    assert poll(lab, grant["device_code"]) == {"status": "authorization_pending"}

    approved = httpx.post(f"{lab.url}/account/authorize/", data={**form, "password": PASSWORD})
    assert approved.status_code == 200 and "Approved" in approved.text
    result = poll(lab, grant["device_code"])
    assert result["status"] == "success" and result["token"].startswith("bd_p")
    api = Api(lab.url, result["token"])
    assert api.get(f"private/users/user/{lab.account_ids['cy']}/").json()["user"]["email"] == "cy@stem.example"
    # single use
    assert poll(lab, grant["device_code"]) == {"error": "already_used"}
    closed = httpx.get(grant["verification_uri_complete"])
    assert closed.status_code == 410


def test_device_flow_with_typed_code_and_denial(lab: Lab) -> None:
    grant = start(lab, "my script")
    page = httpx.get(f"{lab.url}/account/authorize/")
    assert page.status_code == 200 and "name='user_code'" in page.text
    typed = grant["user_code"].lower().replace("-", " ")
    denied = httpx.post(
        f"{lab.url}/account/authorize",
        data={"user_code": typed, "email": "cy@stem.example", "password": PASSWORD, "decision": "deny"},
    )
    assert denied.status_code == 200 and "denied" in denied.text
    assert poll(lab, grant["device_code"]) == {"error": "access_denied"}
    unknown = httpx.post(
        f"{lab.url}/account/authorize/",
        data={"user_code": "ZZZZ-0000", "email": "cy@stem.example", "password": PASSWORD, "decision": "approve"},
    )
    assert unknown.status_code == 404 and "No login request has this code." in unknown.text
    assert httpx.get(f"{lab.url}/account/authorize/?session=nope").status_code == 404


def test_device_flow_odd_polls(lab: Lab) -> None:
    assert poll(lab, "dc_unknown") == {"error": "invalid_device_code"}
    assert poll(lab, None) == {"error": "invalid_device_code"}
    garbled = httpx.post(f"{lab.url}/api/auth/device/token/", content=b"{{{")
    assert garbled.status_code == 200 and garbled.json() == {"error": "invalid_device_code"}
    # MATLAB sends an empty body to start
    empty = httpx.post(f"{lab.url}/api/auth/device/", content=b"")
    assert empty.status_code == 200 and "device_code" in empty.json()
    # an expired request (moved into the past in the store: no waiting)
    grant = start(lab)
    database = open_database(Settings.load(lab.server.data_dir).database_url)
    try:
        with database.session() as session:
            table = db.device_authorization
            session.execute(
                sa.update(table)
                .where(table.c.user_code == grant["user_code"])
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        database.dispose()
    assert poll(lab, grant["device_code"]) == {"error": "expired_token"}


def test_device_flow_approved_from_the_cli(lab: Lab) -> None:
    grant = start(lab, "headless box")
    lab.server.cli("brainstem", "approve", grant["user_code"].lower(), "--email", "max@stem.example")
    result = poll(lab, grant["device_code"])
    assert result["status"] == "success"
    me = Api(lab.url, result["token"]).get(f"private/users/user/{lab.account_ids['max']}/")
    assert me.json()["user"]["email"] == "max@stem.example"
    again = lab.server.cli_result("brainstem", "approve", grant["user_code"], "--email", "max@stem.example")
    assert again.returncode == 1 and "already answered" in again.stderr


def test_cli_administrators(lab: Lab) -> None:
    email = lab.server.cli("account", "create", "eve@stem.example", "--password", PASSWORD, "--admin")
    assert email == "eve@stem.example"
    token = httpx.post(f"{lab.url}/api/token/", json={"username": email, "password": PASSWORD}).json()["token"]
    eve = Api(lab.url, token)
    assert eve.get("super/stem/project/").status_code == 200
    lab.server.cli("brainstem", "admin", email, "--revoke")
    assert eve.get("super/stem/project/").status_code == 403
