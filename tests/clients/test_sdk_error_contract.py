"""SDK errors keep the official clients' contract as well as braindock's (issue 10).

What a script catches today on an HTTP error answer (read in the official packages):

* braincube-connector 2.8.0: ``request_ws`` calls ``raise_for_status()`` → ``requests.HTTPError``, read as
  ``err.response.status_code``;
* brainstem-python-api-tools 0.2.0 / 2.0.0: ``load``/``save``/``delete`` return the ``requests.Response``
  (``resp.status_code``, ``resp.raise_for_status()`` → ``requests.HTTPError``); 2.0.0's ``load_all=True``
  raises ``requests.HTTPError`` itself (its own ``AuthenticationError`` for a 401);
* neurospeed 2.3.5: every handler catches ``requests.HTTPError`` internally (``e.response.status_code``,
  ``e.response.text``), prints and returns ``None``.

So every braindock SDK HTTP error is also a ``requests.HTTPError`` whose ``response`` answers ``status_code``,
``text``, ``json()``, ``headers`` and ``url``, and stays the typed error with ``.status``. Each case below is a
real 401/403/404 answered by a live braindock server, caught both ways.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from braindock.clients.braincube import errors as braincube_errors
from braindock.clients.braincube.client import Client as BraincubeClient
from braindock.clients.brainstem import BrainstemClient, BrainstemHTTPError, NotFoundError, PermissionDeniedError
from braindock.clients.brainstem import UnauthorizedError as BrainstemUnauthorized
from braindock.clients.neurospeed import (
    Auth_AS_Customer_handler,
    Auth_AS_User_Handler,
    HttpService,
    NeuroSpeedHTTPError,
    NotFound,
    PermissionDenied,
    UnauthorizedError,
    UserRoom_Recorder_Exporter_Handler,
    UserRoom_Recorder_Handler,
)
from braindock.config import Settings
from braindock.server.identity.accounts import create_account
from braindock.server.identity.tokens import issue_token
from braindock.server.storage.database import open_database
from tests.conftest import Plant, RunningServer
from tests.neurospeed.conftest import PASSWORD, USER_PASSWORD, new_customer


def caught_as_requests(call: Any) -> requests.HTTPError:
    """Run ``call`` the way scripts of the official clients do; return the ``requests.HTTPError`` it raised."""
    try:
        call()
    except requests.HTTPError as err:
        assert err.response is not None
        return err
    raise AssertionError("no requests.HTTPError raised")


def assert_response(err: requests.HTTPError, status: int, path: str) -> None:
    """``err.response`` answers like a ``requests.Response`` of the server's error answer."""
    response = err.response
    assert response.status_code == status and not response.ok
    assert path in str(response.url)
    assert response.text and response.json() == json.loads(response.text)
    assert "json" in response.headers["content-type"]


# -- Braincube ---------------------------------------------------------------------------------------------------


def braincube_sdk(plant: Plant, token: str | None = None) -> BraincubeClient:
    config = dict(plant.config)
    if token is not None:
        config["api_key"] = token
    return BraincubeClient(config_dict=config)


def test_braincube_404_403_401(plant: Plant) -> None:
    with braincube_sdk(plant) as sdk:
        err = caught_as_requests(lambda: sdk.request_ws(f"braincube/{plant.braincube}/braincube/mb/999999/extended"))
        assert isinstance(err, braincube_errors.NotFoundError) and err.status == 404
        assert_response(err, 404, "/mb/999999/extended")
        assert err.response.json()["message"] in str(err)
        with pytest.raises(braincube_errors.NotFoundError) as typed:
            sdk.get_braincube(plant.braincube).get_memory_base(plant.mb).get_variable(999999)
        assert typed.value.status == typed.value.response.status_code == 404
    with braincube_sdk(plant, token=plant.other_token) as bob:
        err = caught_as_requests(
            lambda: bob.request_ws(f"braincube/{plant.braincube}/braincube/mb/{plant.mb}/extended")
        )
        assert isinstance(err, braincube_errors.PermissionDeniedError) and err.status == 403
        assert_response(err, 403, f"/mb/{plant.mb}/extended")
        assert err.request is err.response.request and err.request.method == "GET"
        assert "authorization" not in {name.lower() for name in err.request.headers}  # no token in the exception
    err = caught_as_requests(lambda: braincube_sdk(plant, token="bd_p0_not-a-token"))
    assert isinstance(err, braincube_errors.AuthenticationError) and err.status == 401
    assert err.response.status_code == 401 and err.response.reason == "Unauthorized"
    # the existing attributes are all still there
    assert err.args[0] == 401 and err.message and err.method and err.url and err.body == err.response.json()


# -- BrainSTEM ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brainstem_tokens(server: RunningServer) -> dict[str, str]:
    database = open_database(Settings.load(server.data_dir).database_url)
    tokens: dict[str, str] = {}
    try:
        with database.session() as session:
            for role in ("owner", "member"):
                account = create_account(session, f"contract-{role}-{uuid.uuid4().hex[:6]}@stem.example", PASSWORD)
                session.flush()
                tokens[role] = issue_token(session, account, ["BRAINSTEM"])[1]
                tokens[f"{role}_email"] = account.email
    finally:
        database.dispose()
    return tokens


@pytest.fixture(autouse=True)
def _no_brainstem_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("BRAINSTEM_API_TOKEN", "BRAINSTEM_TOKEN", "BRAINSTEM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRAINSTEM_TOKEN_FILE", str(tmp_path / "token"))
    yield


def test_brainstem_404_403_401(server: RunningServer, brainstem_tokens: dict[str, str]) -> None:
    with BrainstemClient(token=brainstem_tokens["owner"], url=server.url) as owner:
        owner.raise_for_status = True
        project = owner.save("project", data={"name": f"contract-{uuid.uuid4().hex[:8]}", "description": "x"})
        project_id = project.json()["project"]["id"]
        owner.save("project", id=project_id, data={"users": {brainstem_tokens["member_email"]: {}}})
    missing = str(uuid.uuid4())
    with BrainstemClient(token=brainstem_tokens["owner"], url=server.url) as owner:
        # 0.2.0/2.0.0 style: the call returns the response, the script calls raise_for_status()
        answer = owner.load("session", id=missing)
        assert answer.status_code == 404
        err = caught_as_requests(answer.raise_for_status)
        assert isinstance(err, NotFoundError) and err.status == 404
        assert err.response.status_code == answer.status_code and err.response.json() == answer.json()
        assert_response(err, 404, missing)
    with BrainstemClient(token=brainstem_tokens["member"], url=server.url, raise_for_status=True) as member:
        err = caught_as_requests(lambda: member.save("project", id=project_id, data={"description": "member edit"}))
        assert isinstance(err, PermissionDeniedError) and err.status == err.response.status_code == 403
        assert_response(err, 403, project_id)
        assert err.detail and err.messages == err.response.json()
    with BrainstemClient(token="not-a-token", url=server.url) as stranger:
        err = caught_as_requests(lambda: stranger.load("session").raise_for_status())
        assert isinstance(err, BrainstemUnauthorized) and isinstance(err, BrainstemHTTPError)
        assert err.status == 401 and err.response.status_code == 401 and "detail" in err.response.json()


# -- NeuroSpeed --------------------------------------------------------------------------------------------------


def test_neurospeed_404_403_401(server: RunningServer) -> None:
    acme = new_customer(server)
    user = acme.create_user(f"contract-{uuid.uuid4().hex[:8]}")
    customer = Auth_AS_Customer_handler({"email": acme.email, "password": PASSWORD}, url=server.url)
    user_auth = Auth_AS_User_Handler(
        {"account_id": acme.account_id, "username": user.username, "user_password": USER_PASSWORD, "HIA_ID": "ERR1"},
        url=server.url,
    )
    try:
        customer.login()
        user_auth.login()
        recorders = UserRoom_Recorder_Handler(customer)
        err = caught_as_requests(lambda: recorders.get_recorder(987654))
        assert isinstance(err, NotFound) and err.status == 404 and err.status_code == 404
        assert_response(err, 404, "/api/gateway/recorder/987654")
        assert err.response.json()["statusCode"] == 404 and err.message == err.response.json()["message"]
        # query strings (a download link's signature, ids) stay out of the exception
        err = caught_as_requests(lambda: UserRoom_Recorder_Exporter_Handler(customer).get_exported_url(987654))
        assert isinstance(err, NotFound) and err.response.status_code == 404
        assert err.response.url.endswith("/api/gateway/exporter/url") and "?" not in err.request.url

        err = caught_as_requests(lambda: HttpService(user_auth).GET_request("/customers/current"))
        assert isinstance(err, PermissionDenied) and err.status == 403
        assert_response(err, 403, "/api/customers/current")
        assert err.request.method == "GET" and err.method == "GET"

        # a stale access token, and the caller forbids the refresh: the server's 401 is raised as is
        customer._access_token = "stale.access.token"
        stale = HttpService(customer)
        err = caught_as_requests(lambda: stale.GET_request("/customers/current", can_update_refresh_token=False))
        assert isinstance(err, UnauthorizedError) and isinstance(err, NeuroSpeedHTTPError) and err.status == 401
        assert err.response.json()["message"] == "Unauthorized" and err.body == err.response.json()
        with pytest.raises(UnauthorizedError) as typed:
            stale.GET_request("/customers/current", can_update_refresh_token=False)
        assert typed.value.status == 401
    finally:
        customer.close()
        user_auth.close()


# -- no credential travels with an exception (review item: the BrainSTEM error carried the Bearer token) -------


def assert_clean(err: requests.HTTPError, secret: str) -> None:
    """Nothing reachable from ``err`` (text, repr, request, response, pickle) holds ``secret`` or a query string."""
    import pickle

    assert secret not in str(err) and secret not in repr(err)
    assert err.request is err.response.request
    assert dict(err.request.headers) == {} and err.request.body is None
    assert "?" not in str(err.request.url) and "?" not in str(err.response.url)
    assert "set-cookie" not in {name.lower() for name in err.response.headers}
    assert secret not in repr(err.response.headers) and secret not in err.response.text
    blob = pickle.dumps(err)
    assert secret.encode() not in blob
    again = pickle.loads(blob)
    assert again.response.status_code == err.response.status_code and dict(again.request.headers) == {}


def test_braincube_error_has_no_token(plant: Plant) -> None:
    with braincube_sdk(plant, token=plant.other_token) as bob:
        err = caught_as_requests(
            lambda: bob.request_ws(f"braincube/{plant.braincube}/braincube/mb/{plant.mb}/extended?x=secretquery")
        )
    assert err.response.status_code == 403
    assert_clean(err, plant.other_token)
    assert "secretquery" not in str(err.response.url)


def test_brainstem_error_has_no_token(server: RunningServer, brainstem_tokens: dict[str, str]) -> None:
    token = brainstem_tokens["member"]
    missing = str(uuid.uuid4())
    with BrainstemClient(token=token, url=server.url) as member:
        answer = member.load("session", id=missing)
        err = caught_as_requests(answer.raise_for_status)
        assert err.response.status_code == 404 and missing in err.response.url
        assert_clean(err, token)
        with pytest.raises(BrainstemHTTPError) as raised:
            member.raise_for_status = True
            member.load("session", filters={"name": "secretquery"}, id=missing)
        assert_clean(raised.value, token)
        assert "secretquery" not in str(raised.value.response.url) and "secretquery" not in str(raised.value)
        # and an SDK error is an OSError (requests.RequestException is one)
        assert isinstance(raised.value, OSError)


def test_neurospeed_error_has_no_token(server: RunningServer) -> None:
    acme = new_customer(server)
    customer = Auth_AS_Customer_handler({"email": acme.email, "password": PASSWORD}, url=server.url)
    try:
        customer.login()
        token = customer._access_token
        assert token
        err = caught_as_requests(lambda: UserRoom_Recorder_Handler(customer).get_recorder(987654))
        assert err.response.status_code == 404
        assert_clean(err, token)
        err = caught_as_requests(lambda: UserRoom_Recorder_Exporter_Handler(customer).get_exported_url(987654))
        assert_clean(err, token)
    finally:
        customer.close()


def test_clean_copies_drop_set_cookie_request_headers_body_and_query() -> None:
    """The braindock server sends no cookies, so the ``Set-Cookie`` rule is checked on a built httpx answer."""
    import httpx

    from braindock.clients._requests_compat import response_from_httpx
    from braindock.clients.brainstem.errors import error_for_response as brainstem_error
    from braindock.clients.neurospeed.errors import error_for_response as neurospeed_error

    request = httpx.Request(
        "POST", "https://api.example/x/1?sig=s3cret", headers={"Authorization": "Bearer s3cret"}, content=b"s3cret"
    )
    answer = httpx.Response(
        403,
        headers=[("Set-Cookie", "session=s3cret"), ("Content-Type", "application/json")],
        content=b'{"detail": "no", "message": "no"}',
        request=request,
    )
    errors = [
        braincube_errors.error_for_status(403, {"message": "no"}, method="POST", response=response_from_httpx(answer)),
        brainstem_error(answer),
        neurospeed_error(answer),
    ]
    for err in errors:
        assert_clean(err, "s3cret")
        assert err.response.status_code == 403 and err.response.json()["message"] == "no"
        assert err.request.method == "POST" and err.request.url == "https://api.example/x/1"
