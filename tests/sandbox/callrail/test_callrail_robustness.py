"""Bad input never produces a 5xx: every route gets odd bodies and parameters."""

from __future__ import annotations

from typing import Any

import httpx

from trunkline.sandbox.callrail.app import API_ROUTES

ODD_VALUES: list[Any] = [None, "", "x" * 300, -1, 0, 3.5, True, [], ["a", 1], {"a": {"b": None}}]
PARAMS = tuple(
    [
        "page",
        "per_page",
        "sort",
        "order",
        "fields",
        "date_range",
        "start_date",
        "end_date",
        "time_zone",
        "company_id",
        "tags[]",
        "interval",
        "group_by",
        "min_duration",
        "offset",
    ]
)
BODY_KEYS = tuple(
    [
        "name",
        "type",
        "company_id",
        "call_flow",
        "source",
        "tracking_number",
        "pool_size",
        "tags",
        "note",
        "value",
        "lead_status",
        "spam",
        "email",
        "role",
        "companies",
        "config",
        "state",
        "alert_type",
        "content",
        "customer_phone_number",
        "form_data",
        "color",
    ]
)


def concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def existing_ids(api: httpx.Client, acct: str, account_id: str) -> dict[str, str]:
    def first(path: str, key: str) -> str:
        return str(
            api.get(f"{acct}/{path}", params={"date_range": "all_time"}).json()[key][0]["id"]
        )

    return {
        "account_id": account_id,
        "company_id": first("companies.json", "companies"),
        "tracker_id": first("trackers.json", "trackers"),
        "call_id": first("calls.json", "calls"),
        "submission_id": first("form_submissions.json", "form_submissions"),
        "conversation_id": first("text-messages.json", "conversations"),
        "thread_id": first("sms-threads.json", "sms_threads"),
        "user_id": first("users.json", "users"),
        "tag_id": first("tags.json", "tags"),
        "integration_id": "4001",
        "notification_id": first("notifications.json", "notifications"),
        "lead_id": first("leads.json", "leads"),
    }


def assert_sane(response: httpx.Response) -> None:
    assert response.status_code < 500, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    if response.status_code >= 400:
        assert isinstance(response.json().get("error"), str)


def test_no_route_answers_5xx(target: Any, account_id: str, acct: str) -> None:
    with target.client(check=False) as api:
        ids = existing_ids(api, acct, account_id)
        for method, template, _ in API_ROUTES:
            if method == "DELETE":
                continue
            url = concrete(template, ids)
            for index, value in enumerate(ODD_VALUES):
                name = PARAMS[index % len(PARAMS)]
                params = {name: value if isinstance(value, str) else str(value)}
                if method == "GET":
                    assert_sane(api.get(url, params=params))
                    continue
                body = {key: value for key in BODY_KEYS[index::3]}
                assert_sane(api.request(method, url, json=body))
                assert_sane(api.request(method, url, json={"form_submission": value}))
                assert_sane(
                    api.request(
                        method,
                        url,
                        content=b"\x00\xff",
                        headers={"Content-Type": "application/json"},
                    )
                )
