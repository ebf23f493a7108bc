"""Calls played through the control surface, read back through the API and webhooks."""

from __future__ import annotations

import httpx

from .helpers import MAIN_LINE, SEED, Json, Receiver, wait_for

CALLER = "+14085550163"  # Priya Raman, a seeded contact
ALL_CALL_EVENTS = {
    "/v1/webhooks/calls": ["call.ringing", "call.completed", "call.recording.completed"],
    "/v1/webhooks/call-summaries": ["call.summary.completed"],
    "/v1/webhooks/call-transcripts": ["call.transcript.completed"],
}


def subscribe_all(api: httpx.Client, url: str) -> None:
    for path, events in ALL_CALL_EVENTS.items():
        assert api.post(path, json={"url": url, "events": events}).status_code == 201


def ring(control: httpx.Client, outcome: str, duration: int = 30) -> Json:
    body = {"from": CALLER, "to": MAIN_LINE["number"], "outcome": outcome, "duration": duration}
    response = control.post("/_sandbox/calls/inbound", json=body)
    assert response.status_code == 201, response.text
    call: Json = response.json()["data"]
    return call


def test_missed_call_leaves_voicemail_transcript_and_summary(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    subscribe_all(api, receiver.url)
    call = ring(control, "voicemail", duration=12)
    assert call["status"] == "ringing"
    control.post("/_sandbox/clock/advance").raise_for_status()

    [completed] = receiver.wait("call.completed")
    obj = completed["json"]["data"]["object"]
    assert obj["id"] == call["id"] and obj["status"] == "missed"
    assert obj["voicemail"]["url"].endswith(".wav") and obj["contactIds"]
    [transcript_event] = receiver.wait("call.transcript.completed")
    [summary_event] = receiver.wait("call.summary.completed")
    assert transcript_event["json"]["data"]["object"]["callId"] == call["id"]
    assert summary_event["json"]["data"]["object"]["summary"]

    voicemail = api.get(f"/v1/call-voicemails/{call['id']}").json()["data"]
    assert voicemail["status"] == "completed" and voicemail["id"].startswith("VM")
    assert voicemail["transcript"] and voicemail["duration"] == 12
    assert httpx.get(voicemail["recordingUrl"]).headers["content-type"] == "audio/wav"
    transcript = api.get(f"/v1/call-transcripts/{call['id']}").json()["data"]
    assert transcript["dialogue"][0]["identifier"] == CALLER
    summary = api.get(f"/v1/call-summaries/{call['id']}").json()["data"]
    assert summary["status"] == "completed" and summary["nextSteps"]
    assert api.get(f"/v1/call-recordings/{call['id']}").json()["data"] == []


def test_answered_call_gets_recording_transcript_and_summary(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    subscribe_all(api, receiver.url)
    call = ring(control, "answered", duration=95)
    control.post("/_sandbox/clock/advance").raise_for_status()
    # Deliveries run concurrently (no ordering promise, as with Quo): wait for each type.
    for events in ALL_CALL_EVENTS.values():
        for event_type in events:
            [event] = receiver.wait(event_type)
            assert event["json"]["data"]["object"].get("id", call["id"]) == call["id"]
    assert len(receiver.events()) == 5

    done = api.get(f"/v1/calls/{call['id']}").json()["data"]
    assert done["status"] == "completed" and done["answeredBy"] == done["userId"]
    [recording] = api.get(f"/v1/call-recordings/{call['id']}").json()["data"]
    assert recording["status"] == "completed" and recording["url"].startswith("http://127.0.0.1")
    dialogue = api.get(f"/v1/call-transcripts/{call['id']}").json()["data"]["dialogue"]
    assert {line["identifier"] for line in dialogue} == {CALLER, MAIN_LINE["number"]}
    listed = api.get(
        "/v1/calls",
        params={"phoneNumberId": MAIN_LINE["id"], "participants": CALLER, "maxResults": 5},
    ).json()["data"]
    assert listed[0]["id"] == call["id"]


def test_hang_up_ends_the_call_now(api: httpx.Client, control: httpx.Client) -> None:
    call = ring(control, "answered", duration=600)
    control.post("/_sandbox/clock/advance")  # rings, is answered... and ends (planned length)
    again = ring(control, "missed")
    hung = control.post(f"/_sandbox/calls/{again['id']}/hangup")
    assert hung.json()["data"]["status"] == "missed"
    assert control.post(f"/_sandbox/calls/{again['id']}/hangup").status_code == 409
    assert api.get(f"/v1/calls/{call['id']}").json()["data"]["status"] == "completed"


def test_hang_up_during_the_conversation(api: httpx.Client, control: httpx.Client) -> None:
    call = ring(control, "answered", duration=600)
    api_call = api.get(f"/v1/calls/{call['id']}").json()["data"]
    assert api_call["status"] == "ringing"
    # Ring time is 4 s at speed 20: 0.2 s. Wait for the answer, then hang up.
    wait_for(lambda: api.get(f"/v1/calls/{call['id']}").json()["data"]["status"] == "in-progress")
    ended = control.post(f"/_sandbox/calls/{call['id']}/hangup").json()["data"]
    assert ended["status"] == "completed" and 1 <= ended["duration"] < 600


def test_seeded_history(api: httpx.Client) -> None:
    calls = [c for c in SEED["calls"].values() if c["orgId"] == MAIN_LINE["orgId"]]
    for call in calls:
        assert api.get(f"/v1/calls/{call['id']}").status_code == 200
        assert api.get(f"/v1/call-summaries/{call['id']}").json()["data"]["summary"]


def test_calls_take_exactly_one_participant(api: httpx.Client) -> None:
    base = {"phoneNumberId": MAIN_LINE["id"], "maxResults": 10}
    two = api.get("/v1/calls", params={**base, "participants": [CALLER, "+14155550142"]})
    assert two.status_code == 400 and two.json()["code"] == "0101400"
    assert two.json()["title"] == "Too Many Participants"
    none = api.get("/v1/calls", params=base)
    assert none.status_code == 400


def test_unknown_call_is_404_everywhere(api: httpx.Client) -> None:
    missing = "AC" + "0" * 32
    expected = {
        "/v1/calls/": "0100404",
        "/v1/call-recordings/": "0900404",
        "/v1/call-summaries/": "0500404",
        "/v1/call-transcripts/": "0600404",
        "/v1/call-voicemails/": "1200404",
    }
    for prefix, code in expected.items():
        response = api.get(prefix + missing)
        assert response.status_code == 404 and response.json()["code"] == code


def test_missed_call_without_message(
    api: httpx.Client, control: httpx.Client, receiver: Receiver
) -> None:
    subscribe_all(api, receiver.url)
    call = ring(control, "missed")
    control.post("/_sandbox/clock/advance").raise_for_status()
    [completed] = receiver.wait("call.completed")
    assert completed["json"]["data"]["object"]["status"] == "missed"
    assert "voicemail" not in completed["json"]["data"]["object"]
    assert api.get(f"/v1/call-voicemails/{call['id']}").status_code == 404
    assert api.get(f"/v1/call-summaries/{call['id']}").status_code == 404
