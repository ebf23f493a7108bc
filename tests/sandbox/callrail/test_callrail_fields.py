"""``fields=`` takes default and extra field names alike, as the real API does; only names no
resource documents are refused (400 "Invalid field(s) requested: …")."""

from __future__ import annotations

import httpx
import pytest

from trunkline.sandbox.callrail.callviews import DEFAULT_FIELDS

CLIENT_FIELDS = (
    "answered,duration,customer_name,customer_phone_number,source,source_name,first_call"
)


def test_calls_accept_default_and_extra_fields(api: httpx.Client, acct: str) -> None:
    listed = api.get(
        f"{acct}/calls.json", params={"fields": CLIENT_FIELDS, "date_range": "all_time"}
    )
    assert listed.status_code == 200, listed.text
    call = listed.json()["calls"][0]
    assert set(DEFAULT_FIELDS) | {"source", "source_name", "first_call"} == set(call)
    one = api.get(f"{acct}/calls/{call['id']}.json", params={"fields": "answered,duration"})
    assert one.status_code == 200 and set(one.json()) == set(DEFAULT_FIELDS)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("companies.json", "name,time_zone,verified_caller_ids"),
        ("trackers.json", "name,tracking_numbers,swap_targets"),
        ("form_submissions.json", "customer_name,form_url,utm_source"),
        ("text-messages.json", "customer_phone_number,state,source"),
        ("sms-threads.json", "customer_phone_number,notes,last_message_at"),
        ("users.json", "email,role"),
        ("tags.json", "name,color"),
        ("leads.json", "name,phone"),
    ],
)
def test_lists_accept_their_default_fields(
    api: httpx.Client, acct: str, path: str, fields: str
) -> None:
    response = api.get(f"{acct}/{path}", params={"fields": fields})
    assert response.status_code == 200, response.text
    bad = api.get(f"{acct}/{path}", params={"fields": f"{fields},shoe_size"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "Invalid field(s) requested: shoe_size"}


def test_account_fields(api: httpx.Client, account_id: str) -> None:
    response = api.get(f"/v3/a/{account_id}.json", params={"fields": "name,numeric_id"})
    assert response.status_code == 200 and "numeric_id" in response.json()
