"""Gateway presence: connected users and HIA connection records (``neurospeed.md`` 3.4)."""

from __future__ import annotations

from tests.neurospeed.conftest import Customer, eeg_sensor, open_hia, open_user_room


def connections(customer: Customer, filters: dict) -> dict:
    with customer.http() as api:
        response = api.post(
            "/gateway/connections", json={"pager": {"page_number": 1, "page_size": 100}, "filters": filters}
        )
    assert response.status_code == 200, response.text
    return response.json()


def test_connection_records_follow_hia_sessions(acme: Customer, globex: Customer, closing) -> None:
    alice, bob = acme.create_user(), acme.create_user()
    room = open_user_room(alice)
    closing(room)
    sensors = {**eeg_sensor("EEG_AAAAAA", channels=4), **eeg_sensor("EEG_BBBBBB")}
    live = open_hia(alice, sensors, hia_id="LIVE")
    closing(live)
    gone = open_hia(bob, eeg_sensor(), hia_id="GONE")
    closing(gone)
    room.wait_count("events", 1)
    gone.close()

    with acme.http() as api:

        def connected_names() -> list[str]:
            return [user["username"] for user in api.get("/gateway/users/connected").json()]

        room.wait_for(lambda: bob.username not in connected_names(), "bob to go offline")
        assert alice.username in connected_names()

    mine = connections(acme, {"usernames": [alice.username, bob.username]})
    items = {item["hia_id"]: item for item in mine["pager"]["items"]}
    assert set(items) == {"LIVE", "GONE"}
    assert mine["filters"] == {"usernames": [alice.username, bob.username]}
    record = items["LIVE"]
    assert record["username"] == alice.username and record["is_connected"] is True
    assert record["sensors_count"] == 2
    assert {"stream_id": "EEG_AAAAAA", "device_type": "EEG", "channel_count": 4} in record["sensors"]
    assert set(record["online"]) == {"hours", "minutes"} and record["disconnected_at"] is None
    assert record["connected_at"].endswith("Z") and record["socket_id"]
    room.wait_for(
        lambda: connections(acme, {"usernames": [bob.username]})["pager"]["items"][0]["is_connected"] is False,
        "bob's record to close",
    )
    assert connections(acme, {"usernames": [bob.username]})["pager"]["items"][0]["disconnected_at"].endswith("Z")

    live_only = connections(acme, {"is_connected": True, "usernames": [alice.username, bob.username]})
    assert [item["hia_id"] for item in live_only["pager"]["items"]] == ["LIVE"]

    theirs = connections(globex, {})
    assert not {alice.username, bob.username} & {item["username"] for item in theirs["pager"]["items"]}
    with globex.http() as api:
        assert alice.username not in [user["username"] for user in api.get("/gateway/users/connected").json()]
