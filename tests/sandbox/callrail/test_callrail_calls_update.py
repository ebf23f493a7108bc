"""Updating calls (tags, notes, value, lead status, name, spam), recordings and page views."""

from __future__ import annotations

from typing import Any

import httpx


def recorded_call(api: httpx.Client, acct: str, **params: Any) -> dict[str, Any]:
    calls = api.get(
        f"{acct}/calls.json", params={"per_page": 250, "date_range": "all_time", **params}
    ).json()["calls"]
    return next(c for c in calls if c["recording"])


def test_update_tags_note_value_and_name(api: httpx.Client, acct: str) -> None:
    call = api.get(
        f"{acct}/calls.json", params={"answer_status": "answered", "lead_status": "not_scored"}
    ).json()["calls"][0]
    url = f"{acct}/calls/{call['id']}.json"
    updated = api.put(
        url,
        json={
            "note": "Call back Tuesday",
            "tags": ["VIP", "New Patient"],
            "value": "$125.5",
            "customer_name": "Jane Roe",
        },
    )
    assert updated.status_code == 200
    assert updated.json()["customer_name"] == "Jane Roe"
    fetched = api.get(url, params={"fields": "note,tags,value,formatted_value,lead_status"}).json()
    assert fetched["note"] == "Call back Tuesday"
    assert fetched["tags"] == ["VIP", "New Patient"]
    assert fetched["value"] == "125.50" and fetched["formatted_value"] == "$125.50"
    appended = api.put(url, json={"tags": ["Follow Up"], "append_tags": True})
    assert appended.status_code == 200
    assert api.get(url, params={"fields": "tags"}).json()["tags"] == [
        "VIP",
        "New Patient",
        "Follow Up",
    ]
    api.put(url, json={"tags": ["Follow Up"]})
    assert api.get(url, params={"fields": "tags"}).json()["tags"] == ["Follow Up"]
    api.put(url, json={"note": None, "value": ""})
    cleared = api.get(url, params={"fields": "note,value,formatted_value"}).json()
    assert (
        cleared["note"] is None and cleared["value"] is None and cleared["formatted_value"] == "--"
    )


def test_unknown_tag_names_become_company_tags(api: httpx.Client, acct: str) -> None:
    call = api.get(f"{acct}/calls.json", params={"fields": "company_id"}).json()["calls"][0]
    api.put(f"{acct}/calls/{call['id']}.json", json={"tags": ["Brand New Tag"]}).raise_for_status()
    tags = api.get(
        f"{acct}/tags.json", params={"company_id": call["company_id"], "per_page": 250}
    ).json()["tags"]
    assert any(t["name"] == "Brand New Tag" and t["tag_level"] == "company" for t in tags)
    tagged = api.get(
        f"{acct}/calls.json", params={"tags[]": "Brand New Tag", "date_range": "all_time"}
    ).json()
    assert [c["id"] for c in tagged["calls"]] == [call["id"]]


def test_lead_status_rules(api: httpx.Client, acct: str) -> None:
    calls = api.get(
        f"{acct}/calls.json",
        params={"date_range": "all_time", "per_page": 250, "fields": "lead_status"},
    ).json()["calls"]
    fresh = next(c for c in calls if c["lead_status"] is None)
    url = f"{acct}/calls/{fresh['id']}.json"
    assert api.put(url, json={"lead_status": "good_lead"}).status_code == 200
    assert api.get(url, params={"fields": "lead_status"}).json()["lead_status"] == "good_lead"
    assert api.put(url, json={"lead_status": "excellent"}).status_code == 400
    previously = next(c for c in calls if c["lead_status"] == "previously_marked_good_lead")
    refused = api.put(f"{acct}/calls/{previously['id']}.json", json={"lead_status": "good_lead"})
    assert refused.status_code == 400 and "good lead" in refused.json()["error"]


def test_spam_removes_the_call_and_cannot_be_undone(api: httpx.Client, acct: str) -> None:
    before = api.get(f"{acct}/calls.json", params={"date_range": "all_time"}).json()[
        "total_records"
    ]
    call = api.get(f"{acct}/calls.json").json()["calls"][0]
    url = f"{acct}/calls/{call['id']}.json"
    assert api.put(url, json={"spam": False}).status_code == 400
    assert api.put(url, json={"spam": True}).status_code == 200
    assert api.get(url).status_code == 404
    assert api.put(url, json={"spam": False}).status_code == 404
    assert (
        api.get(f"{acct}/calls.json", params={"date_range": "all_time"}).json()["total_records"]
        == before - 1
    )


def test_recording_link_serves_audio(target: Any, api: httpx.Client, acct: str) -> None:
    call = recorded_call(api, acct)
    # API links point where we call through (the gateway rewrites them to its /callrail/…);
    # the audio links carry their own access key and name the provider's origin.
    assert call["recording"] == f"{target.base_url}{acct}/calls/{call['id']}/recording.json"
    assert (
        api.get(call["recording"]).json()
        == api.get(f"{acct}/calls/{call['id']}/recording.json").json()
    )
    link = api.get(f"{acct}/calls/{call['id']}/recording.json").json()["url"]
    assert link.startswith(target.control_url)
    audio = httpx.get(link)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert audio.content[:2] == b"\xff\xfb" and len(audio.content) > 10_000
    assert httpx.get(link.split("?")[0] + "?access_key=wrong").status_code == 404
    player = httpx.get(call["recording_player"])
    assert player.status_code == 200 and "<audio" in player.text
    waveforms = api.get(f"{acct}/calls/{call['id']}.json", params={"fields": "waveforms"}).json()[
        "waveforms"
    ]
    assert httpx.get(waveforms[0]).content.startswith(b"\x89PNG")


def test_missed_calls_have_no_recording_or_transcript(api: httpx.Client, acct: str) -> None:
    missed = api.get(
        f"{acct}/calls.json",
        params={
            "answer_status": "missed",
            "call_type": "missed",
            "date_range": "all_time",
            "fields": "transcription",
        },
    ).json()["calls"]
    call = next(c for c in missed if not c["voicemail"])
    assert call["recording"] is None and call["transcription"] is None
    assert api.get(f"{acct}/calls/{call['id']}/recording.json").status_code == 404
    assert api.get(f"{acct}/calls/{call['id']}/transcription.json").status_code == 404


def test_transcription_of_an_answered_call(api: httpx.Client, acct: str) -> None:
    call = recorded_call(api, acct, answer_status="answered")
    body = api.get(f"{acct}/calls/{call['id']}/transcription.json").json()
    assert body["transcription"].startswith("Agent:")
    assert {line["speaker"] for line in body["conversational_transcript"]} == {"agent", "caller"}
    detail = api.get(
        f"{acct}/calls/{call['id']}.json", params={"fields": "call_summary,sentiment,transcription"}
    ).json()
    assert detail["transcription"] == body["transcription"] and detail["call_summary"]


def test_page_views_for_website_calls(api: httpx.Client, acct: str) -> None:
    calls = api.get(
        f"{acct}/calls.json",
        params={"date_range": "all_time", "per_page": 250, "fields": "landing_page_url"},
    ).json()["calls"]
    web = next(c for c in calls if c["landing_page_url"])
    views = api.get(f"{acct}/calls/{web['id']}/page_views.json").json()
    assert views["total_records"] >= 2
    assert views["page_views"][-1]["page_url"] == web["landing_page_url"]
    offline = next(c for c in calls if not c["landing_page_url"])
    assert api.get(f"{acct}/calls/{offline['id']}/page_views.json").json()["page_views"] == []


def test_outbound_call_rings_then_completes(
    api: httpx.Client, control: httpx.Client, acct: str
) -> None:
    trackers = api.get(f"{acct}/trackers.json").json()["trackers"]
    number = trackers[0]["tracking_numbers"][0]
    placed = api.post(
        f"{acct}/calls.json",
        json={
            "caller_id": number,
            "business_phone_number": "404-555-1111",
            "customer_phone_number": "(212) 555-0142",
        },
    )
    assert placed.status_code == 201
    call = placed.json()
    assert call["direction"] == "outbound" and call["answered"] is None and call["duration"] is None
    assert call["customer_phone_number"] == "+12125550142"
    control.post("/_sandbox/clock/advance").raise_for_status()
    done = api.get(f"{acct}/calls/{call['id']}.json", params={"fields": "call_type"}).json()
    assert done["answered"] is True and done["duration"] > 0 and done["call_type"] == "outbound"
    unreachable = api.post(
        f"{acct}/calls.json",
        json={
            "caller_id": number,
            "business_phone_number": "4045551111",
            "customer_phone_number": "2125550042",
        },
    ).json()
    control.post("/_sandbox/clock/advance").raise_for_status()
    gone = api.get(f"{acct}/calls/{unreachable['id']}.json").json()
    assert gone["answered"] is False and gone["duration"] == 0
