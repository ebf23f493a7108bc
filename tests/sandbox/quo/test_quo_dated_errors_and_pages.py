"""The dated API's version header, error body, cursor pages and filter operators."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.servers import serve_asgi
from trunkline.sandbox.quo import create_app

from .helpers import GLOBEX, MAIN_LINE, NORTHWIND, SEED, ApiFactory, quo_config

VERSION_MESSAGE = "Unsupported or missing Quo-Api-Version header. Supported versions: 2026-03-30"
MARIA_CONVO = next(
    c for c in SEED["conversations"].values() if c["participants"] == ["+14155550142"]
)


def test_version_header_is_required_and_checked_before_the_key(dated_as: ApiFactory) -> None:
    key = NORTHWIND["apiKey"]
    for headers in (
        {},  # nothing at all: 400 (the version is checked first), not 401
        {"Authorization": key},
        {"Authorization": key, "Quo-Api-Version": "2025-01-01"},
        {"Authorization": "wrong", "Quo-Api-Version": "v1"},
    ):
        response = dated_as(headers).get("/users")
        assert response.status_code == 400, headers
        body = response.json()
        assert body["message"] == VERSION_MESSAGE and body["title"] == "Bad Request"
        assert body["docs"] == "https://quo.com/docs" and "code" not in body
    beta = dated_as({"Authorization": key, "x-quo-api-version": "2026-03-30"})
    assert beta.get("/users").status_code == 200
    unauthorized = dated_as({"Quo-Api-Version": "2026-03-30", "Authorization": "nope"})
    denied = unauthorized.get("/users")
    assert denied.status_code == 401 and denied.json()["title"] == "Unauthorized"
    assert denied.json()["trace"].isdigit()


def test_v1_paths_need_no_version_header(api: httpx.Client) -> None:
    assert api.get("/v1/users").status_code == 200
    assert "Quo-Api-Version" not in api.headers


def test_workspaces_are_kept_apart(dated: httpx.Client, dated_as: ApiFactory) -> None:
    globex = dated_as({"Authorization": GLOBEX["apiKey"], "Quo-Api-Version": "2026-03-30"})
    contact = next(c for c in SEED["contacts"].values() if c["orgId"] == NORTHWIND["id"])
    for path, message in (
        (f"/phone-numbers/{MAIN_LINE['id']}", "Phone number not found"),
        (f"/contacts/{contact['id']}", "The contact was not found"),
        (f"/conversations/{MARIA_CONVO['id']}/mark-as-read", None),
        (f"/users/{NORTHWIND['ownerId']}", "User not found"),
    ):
        method = "POST" if path.endswith("read") else "GET"
        assert dated.request(method, path).status_code == 200
        response = globex.request(method, path)
        assert response.status_code == 404 and response.json()["title"] == "Not Found"
        assert message is None or response.json()["message"] == message


def test_unknown_ids_and_bad_path_ids(dated: httpx.Client) -> None:
    for path, message in (
        ("/calls/ACnope", "Call not found"),
        ("/messages/ACnope", "Message not found"),
        ("/tasks/TKnope", "The task was not found"),
        ("/webhooks/999999", "Webhook with ID 999999 not found"),
    ):
        response = dated.get(path)
        assert response.status_code == 404 and response.json()["message"] == message, path
    bad = dated.get("/calls/abc123")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "path": "/callId",
            "message": "Expected string to match '^AC(.*)$'",
            "value": "abc123",
            "schema": {"type": "TemplateLiteral", "pattern": "^AC(.*)$"},
        }
    ]
    hook = dated.get("/webhooks/abc123")
    assert hook.status_code == 400 and "trace" not in hook.json()  # webhook pages: no trace
    assert hook.json()["message"] == "/webhookId: Expected string to match '^[0-9]+$'"
    base = str(dated.base_url).rstrip("/")
    unknown = httpx.get(f"{base}/no-such-thing", headers=dated.headers)
    assert unknown.status_code == 404 and unknown.json()["title"] == "Not Found"
    wrong = httpx.put(f"{base}/users", headers=dated.headers)
    assert wrong.status_code == 405 and wrong.json()["title"] == "Method Not Allowed"


def test_limits_cursors_and_operators(dated: httpx.Client) -> None:
    too_many = dated.get("/messages", params={"limit": 51})
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["path"] == "/query/limit"
    assert dated.get("/messages", params={"limit": 0}).status_code == 400
    for cursor in ("%%%", "bm90LWpzb24", "WzFd"):
        bad = dated.get("/messages", params={"after": cursor})
        assert bad.status_code == 400, cursor
        assert bad.json()["errors"][0]["path"] == "/query/after"
    for path, params in (
        ("/messages", {"createdAt[gte]": "2025-01-01T00:00:00Z"}),  # only [gt]/[lt] here
        ("/calls", {"createdAt[gt]": "2025-01-01T00:00:00Z"}),  # only [gte]/[lte] here
        ("/contacts", {"source[all]": "crm"}),
        ("/conversations", {"phoneNumberId[nope]": MAIN_LINE["id"]}),
    ):
        response = dated.get(path, params=params)
        assert response.status_code == 400, (path, params)
    assert dated.get("/calls", params={"createdAt[gte]": "yesterday"}).status_code == 400
    assert dated.get("/phone-numbers", params={"include": "settings"}).status_code == 400
    assert dated.get("/calls", params={"include": "summary,summary"}).status_code == 400


def walk(client: httpx.Client, path: str, params: dict[str, Any]) -> tuple[list[str], list[int]]:
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        page = client.get(path, params=query).json()
        seen += [item["id"] for item in page["data"]]
        sizes.append(len(page["data"]))
        cursor = page["nextCursor"]
        if cursor is None:
            return seen, sizes


def test_cursor_pages_walk_every_item_once(dated: httpx.Client, api: httpx.Client) -> None:
    sent = [
        api.post(
            "/v1/messages",
            json={"from": MAIN_LINE["id"], "to": ["+17185550133"], "content": f"n{n}"},
        ).json()["data"]["id"]
        for n in range(12)
    ]
    everything = {m["id"] for m in SEED["messages"].values() if m["orgId"] == NORTHWIND["id"]}
    seen, sizes = walk(dated, "/messages", {"limit": 5})
    assert len(seen) == len(set(seen)) == 12 + len(everything)
    assert set(seen) == set(sent) | everything and sizes == [5, 5, 5, 1]
    # Newest first (texts sent within one millisecond tie on createdAt; their order is the id's).
    assert set(seen[:12]) == set(sent)
    stamps = [m["createdAt"] for m in dated.get("/messages", params={"limit": 50}).json()["data"]]
    assert stamps == sorted(stamps, reverse=True)
    users, user_sizes = walk(dated, "/users", {"limit": 2})
    assert len(set(users)) == 3 and user_sizes == [2, 1]
    contacts_first = dated.get("/contacts", params={"limit": 3}).json()
    dated.post("/contacts", json={"firstName": "Late"})  # newer than every page: not repeated
    rest, _ = walk(dated, "/contacts", {"limit": 3, "after": contacts_first["nextCursor"]})
    first_ids = {c["id"] for c in contacts_first["data"]}
    assert not first_ids & set(rest) and len(first_ids) + len(rest) == 6


def test_filters_combine(dated: httpx.Client, api: httpx.Client) -> None:
    first = api.post(
        "/v1/messages", json={"from": MAIN_LINE["id"], "to": ["+17185550144"], "content": "a"}
    ).json()["data"]
    second = api.post(
        "/v1/messages", json={"from": MAIN_LINE["id"], "to": ["+17185550144"], "content": "b"}
    ).json()["data"]
    window = {"createdAt[gt]": first["createdAt"], "to": "+17185550144"}
    assert [m["id"] for m in dated.get("/messages", params=window).json()["data"]] == [second["id"]]
    before = {"createdAt[lt]": second["createdAt"], "to": "+17185550144"}
    assert [m["id"] for m in dated.get("/messages", params=before).json()["data"]] == [first["id"]]
    both = {"status[in]": "missed,completed"}
    assert len(dated.get("/calls", params=both).json()["data"]) == 2
    none = {"status[in]": "missed", "direction": "outgoing"}
    assert dated.get("/calls", params=none).json()["data"] == []
    by_participant = {"participant[in]": "+14085550163,+19999999999"}
    [call] = dated.get("/calls", params=by_participant).json()["data"]
    assert call["status"] == "completed"
    recent = {"updatedAt[gte]": MARIA_CONVO["updatedAt"], "sort": "updatedAt:asc"}
    found = dated.get("/conversations", params=recent).json()["data"]
    assert found[0]["updatedAt"] >= MARIA_CONVO["updatedAt"]
    assert [c["updatedAt"] for c in found] == sorted(c["updatedAt"] for c in found)


def test_rate_limit_is_shared_with_v1() -> None:
    """10 requests per second per key, one budget for both surfaces (within one second)."""
    with serve_asgi(create_app(quo_config(rate_limits=True))) as url:
        key = NORTHWIND["apiKey"]
        dated_headers = {"Authorization": key, "Quo-Api-Version": "2026-03-30"}
        with httpx.Client(base_url=url) as client:
            v1 = [client.get("/v1/users", headers={"Authorization": key}) for _ in range(5)]
            dated = [client.get("/users", headers=dated_headers) for _ in range(7)]
        assert [r.status_code for r in v1 + dated][:10] == [200] * 10
        limited = dated[-1]
        assert limited.status_code == 429
        assert limited.json()["title"] == "Too Many Requests" and "code" not in limited.json()
        assert "Retry-After" not in limited.headers  # the dated docs document none
