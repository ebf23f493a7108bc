"""Users, phone numbers and webhook management."""

from __future__ import annotations

import httpx

from .helpers import MAIN_LINE, NORTHWIND, SEED, Receiver


def test_users_without_max_results_default_to_ten(api: httpx.Client) -> None:
    body = api.get("/v1/users").json()
    assert len(body["data"]) == 3 and body["nextPageToken"] is None
    owner = api.get(f"/v1/users/{NORTHWIND['ownerId']}").json()["data"]
    assert owner["role"] == "owner"


def test_phone_numbers(api: httpx.Client) -> None:
    numbers = api.get("/v1/phone-numbers").json()["data"]
    assert [n["name"] for n in numbers] == ["Main Line", "Dispatch"]
    main = api.get(f"/v1/phone-numbers/{MAIN_LINE['id']}").json()["data"]
    assert main["number"] == MAIN_LINE["number"] and len(main["users"]) == 2
    assert main["restrictions"]["messaging"]["Intl"] == "restricted"
    chloe = next(u for u in SEED["users"].values() if u["firstName"] == "Chloe")
    hers = api.get("/v1/phone-numbers", params={"userId": chloe["id"]}).json()["data"]
    assert [n["name"] for n in hers] == ["Dispatch"]


def test_webhook_lifecycle(api: httpx.Client, receiver: Receiver) -> None:
    created = api.post(
        "/v1/webhooks/calls",
        json={
            "url": receiver.url,
            "events": ["call.completed"],
            "label": "CRM sync",
            "resourceIds": [MAIN_LINE["id"]],
            "status": "disabled",
        },
    ).json()["data"]
    assert created["id"].startswith("WH") and created["orgId"] == NORTHWIND["id"]
    assert created["key"] and created["status"] == "disabled"
    assert api.get(f"/v1/webhooks/{created['id']}").json()["data"] == created
    assert created["id"] in {w["id"] for w in api.get("/v1/webhooks").json()["data"]}
    assert api.delete(f"/v1/webhooks/{created['id']}").status_code == 204
    assert api.get(f"/v1/webhooks/{created['id']}").status_code == 404


def test_webhook_validation(api: httpx.Client) -> None:
    for path, body in (
        ("/v1/webhooks/messages", {"url": "not a url", "events": ["message.received"]}),
        ("/v1/webhooks/messages", {"url": "https://x.example", "events": ["call.completed"]}),
        ("/v1/webhooks/calls", {"url": "https://x.example", "events": []}),
        ("/v1/webhooks/call-summaries", {"url": "https://x.example"}),
        ("/v1/webhooks/call-transcripts", {"url": "https://x.example", "events": ["x"]}),
        (
            "/v1/webhooks/calls",
            {"url": "https://x.example", "events": ["call.ringing"], "resourceIds": ["US1"]},
        ),
    ):
        response = api.post(path, json=body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "0300400" and response.json()["title"] == "Bad Request"


def test_disabled_and_filtered_webhooks_get_nothing(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    dispatch = next(p for p in SEED["phoneNumbers"].values() if p["name"] == "Dispatch")
    events = ["message.received"]
    api.post(
        "/v1/webhooks/messages", json={"url": receiver.url, "events": events, "status": "disabled"}
    )
    api.post(
        "/v1/webhooks/messages",
        json={"url": receiver.url, "events": events, "resourceIds": [dispatch["id"]]},
    )
    api.post("/v1/webhooks/messages", json={"url": receiver.url + "?all", "events": events})
    control.post(
        "/_sandbox/messages/inbound",
        json={"from": "+14155550142", "to": MAIN_LINE["id"], "text": "hi"},
    )
    [only] = receiver.wait("message.received")
    deliveries = control.get("/_sandbox/webhooks/deliveries").json()["data"]
    assert [d["url"] for d in deliveries] == [receiver.url + "?all"]
    assert only["json"]["data"]["object"]["phoneNumberId"] == MAIN_LINE["id"]
