"""The /_sandbox control surface: overview, reset, clock, and its own input errors."""

from __future__ import annotations

import httpx

from tests.sandbox.callrail.conftest import CallRailTarget


def test_overview_describes_the_sandbox(control: httpx.Client, account_id: str) -> None:
    overview = control.get("/_sandbox").json()
    assert overview["app"] == "callrail" and overview["account"]["id"] == account_id
    assert overview["counts"]["calls"] == 300 and overview["counts"]["companies"] == 3
    assert "…" in overview["credentials"]["api_key"]
    assert all(len(c["signing_key"]) == 32 and c["tracking_numbers"] for c in overview["companies"])
    assert "0000-0099" in overview["unreachable_numbers"]


def test_control_needs_the_api_key(target: CallRailTarget) -> None:
    response = httpx.get(
        f"{target.control_url}/_sandbox", headers={"Authorization": "Token token=wrong"}
    )
    assert response.status_code == 401 and response.json() == {
        "error": "HTTP Token: Access denied."
    }


def test_reset_restores_the_seed(api: httpx.Client, control: httpx.Client, acct: str) -> None:
    api.post(f"{acct}/companies.json", json={"name": "Temporary"}).raise_for_status()
    assert api.get(f"{acct}/companies.json").json()["total_records"] == 4
    assert control.post("/_sandbox/reset").json()["reset"] is True
    assert api.get(f"{acct}/companies.json").json()["total_records"] == 3


def test_inbound_input_errors(control: httpx.Client) -> None:
    number = control.get("/_sandbox").json()["companies"][0]["tracking_numbers"][0]
    cases = [
        ({"customer_phone_number": "+14045550123"}, "tracking_number"),
        (
            {"tracking_number": "+19995550000", "customer_phone_number": "+14045550123"},
            "tracking_number",
        ),
        ({"tracking_number": number, "customer_phone_number": "12"}, "customer_phone_number"),
        (
            {"tracking_number": number, "customer_phone_number": "+14045550123", "outcome": "busy"},
            "outcome",
        ),
        (
            {"tracking_number": number, "customer_phone_number": "+14045550123", "duration": -1},
            "duration",
        ),
    ]
    for body, fragment in cases:
        response = control.post("/_sandbox/calls/inbound", json=body)
        assert response.status_code == 400 and fragment in response.json()["error"], body
    assert (
        control.post("/_sandbox/texts/inbound", json={"tracking_number": number}).status_code == 400
    )
    assert control.post("/_sandbox/forms/submit", json={"company_id": "COM0"}).status_code == 404


def test_clock_advance_finishes_live_calls(
    api: httpx.Client, control: httpx.Client, acct: str
) -> None:
    number = control.get("/_sandbox").json()["companies"][1]["tracking_numbers"][0]
    call = control.post(
        "/_sandbox/calls/inbound",
        json={"tracking_number": number, "customer_phone_number": "+15125550111", "duration": 42},
    ).json()
    assert control.post("/_sandbox/clock/advance").json()["ran"] >= 0
    finished = api.get(
        f"{acct}/calls/{call['id']}.json", params={"fields": "call_type,first_call"}
    ).json()
    assert (
        finished["call_type"] == "answered"
        and finished["duration"] == 42
        and finished["first_call"] is True
    )
    assert (
        api.get(
            f"{acct}/calls.json", params={"date_range": "today", "search": "5125550111"}
        ).json()["total_records"]
        == 1
    )
