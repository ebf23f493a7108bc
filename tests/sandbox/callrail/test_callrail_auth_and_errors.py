"""Authentication, account isolation and CallRail's error replies (status + {"error": ...})."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.callrail.conftest import CallRailTarget


def assert_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    return str(body["error"])


@pytest.mark.parametrize(
    "header",
    ['Token token="{key}"', "Token token={key}", 'Token  token = "{key}"'],
)
def test_quoted_and_unquoted_tokens_are_accepted(target: CallRailTarget, header: str) -> None:
    with target.client() as api:
        response = api.get(
            "/v3/a.json", headers={"Authorization": header.format(key=target.api_key)}
        )
    assert response.status_code == 200
    assert response.json()["accounts"][0]["id"].startswith("ACC")


@pytest.mark.parametrize(
    "header",
    [None, "", "Token token=nope", "Bearer {key}", "Basic {key}", "token {key}", "Token {key}"],
)
def test_anything_else_is_a_401(target: CallRailTarget, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header.format(key=target.api_key)}
    with target.client() as api:
        api.headers.pop("Authorization")
        response = api.get("/v3/a.json", headers=headers)
    assert assert_error(response, 401) == "HTTP Token: Access denied."
    assert response.headers["www-authenticate"].startswith("Token")


def test_keys_see_only_their_own_account(
    target: CallRailTarget, api: httpx.Client, acct: str
) -> None:
    call_id = api.get(f"{acct}/calls.json").json()["calls"][0]["id"]
    company_id = api.get(f"{acct}/companies.json").json()["companies"][0]["id"]
    with target.client(target.second_api_key) as other:
        accounts = other.get("/v3/a.json").json()["accounts"]
        assert len(accounts) == 1 and f"/v3/a/{accounts[0]['id']}" != acct
        own = f"/v3/a/{accounts[0]['id']}"
        assert_error(other.get(f"{acct}/calls.json"), 404)
        assert_error(other.get(f"{acct}.json"), 404)
        assert_error(other.get(f"{own}/calls/{call_id}.json"), 404)
        assert_error(other.get(f"{own}/companies/{company_id}.json"), 404)
        assert_error(other.put(f"{own}/calls/{call_id}.json", json={"note": "x"}), 404)


def test_numeric_account_id_works_in_paths(api: httpx.Client, account_id: str) -> None:
    numeric = api.get(f"/v3/a/{account_id}.json", params={"fields": "numeric_id"}).json()[
        "numeric_id"
    ]
    assert isinstance(numeric, int) and len(str(numeric)) == 9
    assert api.get(f"/v3/a/{numeric}/companies.json").json()["total_records"] == 3


def test_unknown_paths_methods_and_missing_json_suffix(target: CallRailTarget, acct: str) -> None:
    with target.client(check=False) as api:
        assert_error(api.get(f"{acct}/calls"), 404)
        assert_error(api.get(f"{acct}/widgets.json"), 404)
        assert_error(api.get(f"{acct}/calls/CAL{'0' * 32}.json"), 404)
        assert_error(api.patch(f"{acct}/calls.json", json={}), 405)
        assert_error(api.delete(f"{acct}/calls.json"), 405)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"per_page": "251"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"order": "sideways"}, "order"),
        ({"sort": "favourite_colour"}, "sort"),
        ({"answer_status": "maybe"}, "answer_status"),
        ({"direction": "sideways"}, "direction"),
        ({"call_type": "robocall"}, "call_type"),
        ({"date_range": "forever"}, "date_range"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"fields": "shoe_size"}, "shoe_size"),
        ({"start_date": "yesterday-ish"}, "start_date"),
        ({"start_date": "2020-01-01"}, "retention"),
        ({"relative_pagination": "perhaps"}, "relative_pagination"),
    ],
)
def test_bad_call_list_parameters_are_400s(
    api: httpx.Client, acct: str, query: dict[str, str], fragment: str
) -> None:
    message = assert_error(api.get(f"{acct}/calls.json", params=query), 400)
    assert fragment in message


def test_answered_param_is_silently_ignored(api: httpx.Client, acct: str) -> None:
    everything = api.get(f"{acct}/calls.json").json()["total_records"]
    assert (
        api.get(f"{acct}/calls.json", params={"answered": "true"}).json()["total_records"]
        == everything
    )


def test_bodies_must_be_json_objects(api: httpx.Client, acct: str) -> None:
    call_id = api.get(f"{acct}/calls.json").json()["calls"][0]["id"]
    url = f"{acct}/calls/{call_id}.json"
    with httpx.Client(base_url=str(api.base_url), headers=dict(api.headers)) as raw:
        form = raw.put(url, data={"note": "hi"})
        assert form.status_code == 406 and "JSON" in form.json()["error"]
    assert_error(
        api.put(url, content=b"{not json", headers={"Content-Type": "application/json"}), 400
    )
    assert_error(api.put(url, json=["a", "list"]), 400)


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/tags.json", {"name": "Loud", "tag_level": "account", "color": "chartreuse"}, "Color"),
        ("/tags.json", {"color": "gray1", "tag_level": "account"}, "name"),
        (
            "/users.json",
            {"first_name": "A", "last_name": "B", "email": "a@b.example", "role": "owner"},
            "role",
        ),
        ("/companies.json", {"name": "Tea Shop", "time_zone": "Atlantis/Central"}, "time_zone"),
        ("/integrations.json", {"type": "Slack", "company_id": "COM" + "0" * 32}, "Webhooks"),
        (
            "/calls.json",
            {
                "caller_id": "12",
                "business_phone_number": "+14045550100",
                "customer_phone_number": "+14045550100",
            },
            "caller_id",
        ),
        ("/trackers.json", {"name": "x", "type": "source"}, "company_id"),
    ],
)
def test_bad_bodies_are_400s(
    api: httpx.Client, acct: str, path: str, body: dict[str, object], fragment: str
) -> None:
    assert fragment in assert_error(api.post(f"{acct}{path}", json=body), 400)


def test_integrations_require_company_id(api: httpx.Client, acct: str) -> None:
    assert "company_id" in assert_error(api.get(f"{acct}/integrations.json"), 400)


def test_missing_records_are_404s(api: httpx.Client, acct: str) -> None:
    for path in (
        "/tags/12.json",
        "/tags/abc.json",
        "/users/USR0.json",
        "/trackers/TRK0.json",
        "/form_submissions/FOR0.json",
        "/sms-threads/zzzzz.json",
        "/leads/PER0/timeline.json",
    ):
        assert_error(api.get(f"{acct}{path}"), 404)
