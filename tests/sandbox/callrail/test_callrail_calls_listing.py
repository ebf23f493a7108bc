"""Listing calls: date windows, filters, sorting, ``fields=``, offset and relative pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

ALL_TIME = {"date_range": "all_time"}


def walk_offset(api: httpx.Client, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record, page by page, the way callrail-mcp's paginate() walks a collection."""
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.get(url, params={**params, "page": page}).json()
        assert body["page"] == page
        records.extend(body["calls"])
        if page >= body["total_pages"]:
            assert len(records) == body["total_records"]
            return records
        page += 1


def test_default_window_is_the_recent_seven_days(api: httpx.Client, acct: str) -> None:
    recent = api.get(f"{acct}/calls.json", params={"per_page": 250}).json()
    everything = api.get(f"{acct}/calls.json", params=ALL_TIME).json()
    assert 0 < recent["total_records"] < everything["total_records"]
    assert everything["total_records"] >= 300
    oldest = min(datetime.fromisoformat(c["start_time"]) for c in recent["calls"])
    newest = max(datetime.fromisoformat(c["start_time"]) for c in recent["calls"])
    assert (newest - oldest).days <= 7


def test_offset_pages_cover_every_call_exactly_once(api: httpx.Client, acct: str) -> None:
    params = {**ALL_TIME, "per_page": 37, "sort": "duration", "order": "asc"}
    calls = walk_offset(api, f"{acct}/calls.json", params)
    ids = [c["id"] for c in calls]
    assert len(ids) == len(set(ids)) >= 300
    durations = [c["duration"] for c in calls]
    assert durations == sorted(durations)
    first = api.get(f"{acct}/calls.json", params={**params, "page": 1}).json()
    assert first["per_page"] == 37 and first["total_pages"] == -(-len(ids) // 37)
    beyond = api.get(
        f"{acct}/calls.json", params={**params, "page": first["total_pages"] + 1}
    ).json()
    assert beyond["calls"] == []


def test_relative_pagination_follows_next_page_to_the_end(
    target: Any, api: httpx.Client, acct: str
) -> None:
    url: str | None = (
        f"{target.base_url}{acct}/calls.json?date_range=all_time&relative_pagination=true&per_page=100"
    )
    seen: list[str] = []
    pages = 0
    while url:
        body = api.get(url).json()
        assert set(body) >= {"has_next_page", "next_page", "calls"}
        seen.extend(c["id"] for c in body["calls"])
        url = body["next_page"] if body["has_next_page"] else None
        if url:
            # Links point where we call through: the sandbox itself, or the gateway, which
            # rewrites the provider's links to its own /callrail/… (Maton's does not).
            assert url.startswith(target.base_url + "/") and "offset=" in url
        pages += 1
    total = api.get(f"{acct}/calls.json", params=ALL_TIME).json()["total_records"]
    assert pages == -(-total // 100) >= 3
    assert len(seen) == len(set(seen)) == total
    page_three = api.get(
        f"{acct}/calls.json", params={**ALL_TIME, "relative_pagination": "true", "offset": 2}
    ).json()
    assert [c["id"] for c in page_three["calls"]] == seen[200:300]


def test_default_order_is_newest_first(api: httpx.Client, acct: str) -> None:
    calls = api.get(f"{acct}/calls.json", params={**ALL_TIME, "per_page": 250}).json()["calls"]
    starts = [datetime.fromisoformat(c["start_time"]) for c in calls]
    assert starts == sorted(starts, reverse=True)


def test_sort_by_customer_name_descending(api: httpx.Client, acct: str) -> None:
    calls = api.get(
        f"{acct}/calls.json",
        params={**ALL_TIME, "per_page": 250, "sort": "customer_name", "order": "desc"},
    ).json()["calls"]
    names = [c["customer_name"].lower() for c in calls if c["customer_name"]]
    assert names == sorted(names, reverse=True)


def test_default_fields_and_requested_extras(api: httpx.Client, acct: str) -> None:
    plain = api.get(f"{acct}/calls.json", params={"per_page": 1}).json()["calls"][0]
    assert set(plain) == {
        "answered",
        "business_phone_number",
        "customer_city",
        "customer_country",
        "customer_name",
        "customer_phone_number",
        "customer_state",
        "direction",
        "duration",
        "id",
        "recording",
        "recording_duration",
        "recording_player",
        "start_time",
        "tracking_phone_number",
        "voicemail",
        "agent_email",
    }
    assert plain["id"].startswith("CAL") and len(plain["id"]) == 35
    extras = (
        "company_id,company_name,tags,source,milestones,formatted_duration,"
        "total_calls,person_id,tracker_id"
    )
    rich = api.get(f"{acct}/calls/{plain['id']}.json", params={"fields": extras}).json()
    assert set(extras.split(",")) <= set(rich)
    assert rich["company_id"].startswith("COM") and rich["tracker_id"].startswith("TRK")
    assert rich["person_id"].startswith("PER")
    assert set(rich["milestones"]) == {"first_touch", "lead_created", "qualified", "last_touch"}
    assert rich["total_calls"] >= 1
    assert rich["start_time"] == plain["start_time"]


def test_time_zone_changes_how_times_are_shown(api: httpx.Client, acct: str) -> None:
    call = api.get(f"{acct}/calls.json", params={"per_page": 1}).json()["calls"][0]
    tokyo = api.get(f"{acct}/calls/{call['id']}.json", params={"time_zone": "Asia/Tokyo"}).json()
    assert tokyo["start_time"].endswith("+09:00")
    assert datetime.fromisoformat(tokyo["start_time"]) == datetime.fromisoformat(call["start_time"])


def ids(api: httpx.Client, acct: str, **params: Any) -> set[str]:
    body = api.get(f"{acct}/calls.json", params={**ALL_TIME, "per_page": 250, **params}).json()
    assert body["total_records"] <= 250, "filter test expects one page"
    return {c["id"] for c in body["calls"]}


def everything(api: httpx.Client, acct: str, fields: str) -> list[dict[str, Any]]:
    return walk_offset(api, f"{acct}/calls.json", {**ALL_TIME, "per_page": 250, "fields": fields})


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"answer_status": "answered"}, lambda c: c["answered"] is True),
        ({"answer_status": "missed"}, lambda c: c["answered"] is False),
        ({"answer_status": "voicemail"}, lambda c: c["voicemail"] is True),
        ({"direction": "outbound"}, lambda c: c["direction"] == "outbound"),
        ({"call_type": "first_call"}, lambda c: c["first_call"] is True),
        ({"call_type": "voicemails"}, lambda c: c["voicemail"] is True),
        ({"lead_status": "good_lead"}, lambda c: c["lead_status"] == "good_lead"),
        ({"lead_status": "not_scored"}, lambda c: c["lead_status"] is None),
        ({"device": "mobile"}, lambda c: c["device_type"] == "mobile"),
        ({"search": "Garcia"}, lambda c: "garcia" in (c["customer_name"] or "").lower()),
    ],
)
def test_filters_select_exactly_the_matching_calls(
    api: httpx.Client, acct: str, params: dict[str, str], predicate: Any
) -> None:
    calls = everything(api, acct, "first_call,lead_status,device_type,tags,company_id")
    expected = {c["id"] for c in calls if predicate(c)}
    assert expected, "the seed should contain matching calls"
    assert ids(api, acct, **params) == expected


def test_company_tracker_and_tag_filters(api: httpx.Client, acct: str) -> None:
    calls = everything(api, acct, "company_id,tracker_id,tags")
    company = calls[0]["company_id"]
    tracker = calls[0]["tracker_id"]
    by_company = {c["id"] for c in calls if c["company_id"] == company}
    assert ids(api, acct, company_id=company) == by_company
    assert ids(api, acct, tracker_id=tracker) == {
        c["id"] for c in calls if c["tracker_id"] == tracker
    }
    tagged = [c for c in calls if c["tags"]]
    names = sorted({t for c in tagged for t in c["tags"]})[:2]
    expected = {c["id"] for c in calls if set(c["tags"]) & set(names)}
    assert ids(api, acct, **{"tags[]": names}) == expected
    assert ids(api, acct, tags=",".join(names)) == expected


def test_search_by_phone_digits(api: httpx.Client, acct: str) -> None:
    call = api.get(f"{acct}/calls.json", params={"per_page": 1}).json()["calls"][0]
    digits = call["customer_phone_number"][-7:]
    found = ids(api, acct, search=digits)
    assert call["id"] in found


def test_explicit_dates_are_inclusive_days(api: httpx.Client, acct: str) -> None:
    calls = api.get(f"{acct}/calls.json", params={"per_page": 250}).json()["calls"]
    day = datetime.fromisoformat(calls[-1]["start_time"]).date().isoformat()
    same_day = {c["id"] for c in everything(api, acct, "") if c["start_time"][:10] == day}
    found = ids(api, acct, start_date=day, end_date=day, date_range="")
    assert found == same_day and found
    assert (
        not ids(
            api, acct, start_date=day, end_date=day, time_zone="America/New_York", date_range=""
        )
        ^ same_day
    )
