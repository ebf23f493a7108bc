"""Texts: send -> queued -> sent -> delivered with a signed webhook; inbound texts; credits."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx

from .helpers import GLOBEX, GLOBEX_LINE, MAIN_LINE, ApiFactory, Json, Receiver, wait_for

CUSTOMER = "+14155550142"  # Maria Lopez, a seeded contact of the Main Line


def independent_verify(header: str, key_b64: str, body: bytes) -> bool:
    """Quo's documented check, written here without the sandbox's code."""
    scheme, version, timestamp, signature = header.split(";")
    assert (scheme, version) == ("hmac", "1")
    assert len(timestamp) == 13  # milliseconds
    expected = hmac.new(
        base64.b64decode(key_b64), timestamp.encode() + b"." + body, hashlib.sha256
    ).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), signature)


def message_webhook(api: httpx.Client, url: str, events: list[str]) -> Json:
    response = api.post("/v1/webhooks/messages", json={"url": url, "events": events})
    assert response.status_code == 201
    hook: Json = response.json()["data"]
    return hook


def send(
    api: httpx.Client, to: str, content: str = "Your appointment is confirmed."
) -> httpx.Response:
    return api.post(
        "/v1/messages", json={"from": MAIN_LINE["number"], "to": [to], "content": content}
    )


def test_send_is_delivered_with_a_signed_webhook(api: httpx.Client, receiver: Receiver) -> None:
    hook = message_webhook(api, receiver.url, ["message.delivered"])
    sent = send(api, CUSTOMER)
    assert sent.status_code == 202
    message = sent.json()["data"]
    assert message["status"] == "queued" and message["direction"] == "outgoing"
    assert message["id"].startswith("AC") and message["to"] == [CUSTOMER]

    [delivery] = receiver.wait("message.delivered")
    assert independent_verify(
        delivery["headers"]["openphone-signature"], hook["key"], delivery["body"]
    )
    event = delivery["json"]
    assert event["object"] == "event" and event["id"].startswith("EV")
    assert event["apiVersion"] and event["createdAt"].endswith("Z")
    obj = event["data"]["object"]
    assert obj["id"] == message["id"] and obj["object"] == "message"
    assert obj["status"] == "delivered" and obj["contactIds"]
    assert api.get(f"/v1/messages/{message['id']}").json()["data"]["status"] == "delivered"


def test_tampered_body_fails_verification(api: httpx.Client, receiver: Receiver) -> None:
    hook = message_webhook(api, receiver.url, ["message.delivered"])
    send(api, CUSTOMER)
    [delivery] = receiver.wait("message.delivered")
    tampered = delivery["body"].replace(b"delivered", b"undelivered", 1)
    assert not independent_verify(delivery["headers"]["openphone-signature"], hook["key"], tampered)


def test_unreachable_number_ends_undelivered(api: httpx.Client, receiver: Receiver) -> None:
    message_webhook(api, receiver.url, ["message.delivered"])
    message = send(api, "+14155550042").json()["data"]
    [delivery] = receiver.wait("message.delivered")
    assert delivery["json"]["data"]["object"]["status"] == "undelivered"
    assert api.get(f"/v1/messages/{message['id']}").json()["data"]["status"] == "undelivered"


def test_clock_advance_runs_the_whole_life(api: httpx.Client, control: httpx.Client) -> None:
    message = send(api, CUSTOMER).json()["data"]
    control.post("/_sandbox/clock/advance").raise_for_status()
    assert api.get(f"/v1/messages/{message['id']}").json()["data"]["status"] == "delivered"


def test_first_contact_creates_a_conversation(api: httpx.Client) -> None:
    newcomer = "+13105550166"
    before = api.get("/v1/conversations", params={"maxResults": 100}).json()["data"]
    assert all(c["participants"] != [newcomer] for c in before)
    message = send(api, newcomer).json()["data"]
    after = api.get("/v1/conversations", params={"maxResults": 100}).json()["data"]
    [convo] = [c for c in after if c["participants"] == [newcomer]]
    assert convo["phoneNumberId"] == MAIN_LINE["id"] and convo["lastActivityId"] == message["id"]
    listed = api.get(
        "/v1/messages",
        params={"phoneNumberId": MAIN_LINE["id"], "participants": newcomer, "maxResults": 10},
    ).json()
    assert [m["id"] for m in listed["data"]] == [message["id"]]


def test_inbound_text_fires_message_received(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    message_webhook(api, receiver.url, ["message.received"])
    response = control.post(
        "/_sandbox/messages/inbound",
        json={"from": CUSTOMER, "to": MAIN_LINE["number"], "text": "Running 10 min late"},
    )
    assert response.status_code == 201
    [delivery] = receiver.wait("message.received")
    obj = delivery["json"]["data"]["object"]
    assert obj["direction"] == "incoming" and obj["text"] == "Running 10 min late"
    assert obj["from"] == CUSTOMER and obj["to"] == [MAIN_LINE["number"]]
    listed = api.get(
        "/v1/messages",
        params={"phoneNumberId": MAIN_LINE["id"], "participants[]": CUSTOMER, "maxResults": 1},
    ).json()
    assert listed["data"][0]["id"] == obj["id"]


def test_segments_are_charged(api: httpx.Client, control: httpx.Client) -> None:
    def credits() -> float:
        return float(control.get("/_sandbox").json()["credits"])

    start = credits()
    send(api, CUSTOMER, "a" * 161)  # GSM-7: 2 segments
    send(api, CUSTOMER, "é" * 10 + "😊")  # GSM-7 é, but the emoji makes it UCS-2: 1 segment
    send(api, CUSTOMER, "ü" + "\u201c" * 70)  # curly quotes are UCS-2: 71 units, 2 segments
    assert round(start - credits(), 2) == 0.05


def test_not_enough_credits_is_402_and_nothing_changes(
    api_as: ApiFactory, control: httpx.Client
) -> None:
    globex = api_as({"Authorization": GLOBEX["apiKey"]})
    globex_control = {"Authorization": GLOBEX["apiKey"]}
    canada = "+14165550123"  # Globex lacks US A2P approval; Canada is allowed
    params = {"phoneNumberId": GLOBEX_LINE["id"], "participants": canada, "maxResults": 10}
    before = control.get("/_sandbox", headers=globex_control).json()["credits"]
    assert before == 0.05
    ok = globex.post(
        "/v1/messages", json={"from": GLOBEX_LINE["id"], "to": [canada], "content": "x" * 320}
    )
    assert ok.status_code == 202  # 3 segments, 3 cents
    refused = globex.post(
        "/v1/messages", json={"from": GLOBEX_LINE["id"], "to": [canada], "content": "y" * 400}
    )
    assert refused.status_code == 402
    assert refused.json()["code"] == "0200402" and refused.json()["title"] == "Not Enough Credits"
    assert control.get("/_sandbox", headers=globex_control).json()["credits"] == 0.02
    assert len(globex.get("/v1/messages", params=params).json()["data"]) == 1

    topped = control.post("/_sandbox/credits", json={"amount": 1}, headers=globex_control)
    assert topped.json()["credits"] == 1.02
    again = globex.post(
        "/v1/messages", json={"from": GLOBEX_LINE["id"], "to": [canada], "content": "y" * 400}
    )
    assert again.status_code == 202


def test_a2p_not_approved_blocks_us_numbers(api_as: ApiFactory) -> None:
    globex = api_as({"Authorization": GLOBEX["apiKey"]})
    response = globex.post(
        "/v1/messages",
        json={"from": GLOBEX_LINE["number"], "to": ["+13125550111"], "content": "Hi"},
    )
    assert response.status_code == 400 and response.json()["code"] == "0206400"


def test_international_messaging_is_restricted(api: httpx.Client) -> None:
    response = send(api, "+442071838750")
    assert response.status_code == 403 and response.json()["code"] == "0202403"


def test_failed_deliveries_are_retried(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    receiver.status = 500
    message_webhook(api, receiver.url, ["message.delivered"])
    send(api, CUSTOMER)
    receiver.wait("message.delivered", count=3)
    deliveries = wait_for(
        lambda: [
            d
            for d in control.get("/_sandbox/webhooks/deliveries").json()["data"]
            if d["attempts"] == 3
        ]
    )
    assert deliveries[0]["delivered"] is False and deliveries[0]["status"] == 500
