"""Auth like Quo (raw key, no Bearer), workspaces kept apart, and the documented error bodies."""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import GLOBEX, GLOBEX_LINE, MAIN_LINE, NORTHWIND, SEED, ApiFactory

ERROR_KEYS = {"message", "code", "status", "docs", "title"}


def test_missing_and_bearer_keys_are_401(api_as: ApiFactory) -> None:
    for headers in ({}, {"Authorization": f"Bearer {NORTHWIND['apiKey']}"}, {"Authorization": "x"}):
        response = api_as(headers).get("/v1/phone-numbers")
        assert response.status_code == 401
        body = response.json()
        assert body.keys() >= ERROR_KEYS and body["code"] == "0400401"
        assert body["docs"] == "https://openphone.com/docs" and body["title"] == "Unauthorized"


def test_each_key_sees_its_own_workspace(api: httpx.Client, api_as: ApiFactory) -> None:
    globex = api_as({"Authorization": GLOBEX["apiKey"]})
    mine = {p["id"] for p in api.get("/v1/phone-numbers").json()["data"]}
    theirs = {p["id"] for p in globex.get("/v1/phone-numbers").json()["data"]}
    assert MAIN_LINE["id"] in mine and not mine & theirs
    contact = next(c for c in SEED["contacts"].values() if c["orgId"] == NORTHWIND["id"])
    message = next(m for m in SEED["messages"].values() if m["orgId"] == NORTHWIND["id"])
    for path, code in (
        (f"/v1/phone-numbers/{MAIN_LINE['id']}", "0400404"),
        (f"/v1/contacts/{contact['id']}", "0800404"),
        (f"/v1/messages/{message['id']}", "0200404"),
        (f"/v1/users/{NORTHWIND['ownerId']}", "1100404"),
    ):
        assert api.get(path).status_code == 200
        response = globex.get(path)
        assert response.status_code == 404 and response.json()["code"] == code


def test_message_validation(api: httpx.Client) -> None:
    good = {"from": MAIN_LINE["id"], "to": ["+14155550142"], "content": "hi"}
    changes: tuple[dict[str, Any], ...] = (
        {"content": "   \n"},
        {"content": ""},
        {"content": "x" * 1601},
        {"to": ["+14155550142", "+14155550177"]},
        {"to": []},
        {"to": ["4155550142"]},
        {"from": "+1555"},
        {"userId": "nope"},
    )
    for change in changes:
        response = api.post("/v1/messages", json={**good, **change})
        assert response.status_code == 400, change
        body = response.json()
        # Malformed input: the generic body, not the A2P title (that one is for A2P refusals).
        assert body["code"] == "0200400" and body["title"] == "Bad Request", change
        assert "description" not in body and body["errors"][0]["path"].startswith("/body/")
    missing = api.post("/v1/messages", json={k: v for k, v in good.items() if k != "to"})
    assert missing.status_code == 400 and missing.json()["code"] == "0200400"
    broken = api.post("/v1/messages", content=b"{not json")
    assert broken.status_code == 400 and broken.json()["title"] == "Bad Request"


def test_a2p_refusal_keeps_its_documented_title(api_as: ApiFactory) -> None:
    globex = api_as({"Authorization": GLOBEX["apiKey"]})
    body = {"from": GLOBEX_LINE["id"], "to": ["+13125550111"], "content": "hi"}
    response = globex.post("/v1/messages", json=body)
    assert response.status_code == 400
    refused = response.json()
    assert refused["code"] == "0206400" and refused["title"] == "A2P Registration Not Approved"
    assert refused["description"] == "A2P Registration Not Approved"


def test_malformed_input_is_generic_in_every_family(api: httpx.Client) -> None:
    for method, path, kwargs, code in (
        ("GET", "/v1/calls", {"params": {"maxResults": 5}}, "0100400"),
        ("POST", "/v1/contacts", {"json": {"defaultFields": []}}, "0800400"),
        ("POST", "/v1/webhooks/calls", {"json": {"url": "nope", "events": ["x"]}}, "0300400"),
        ("GET", "/v1/conversations", {"params": {"maxResults": 0}}, "1000400"),
    ):
        response = api.request(method, path, **kwargs)
        assert response.status_code == 400, path
        assert response.json()["code"] == code and response.json()["title"] == "Bad Request"


def test_user_must_belong_to_the_number(api: httpx.Client) -> None:
    chloe = next(u for u in SEED["users"].values() if u["firstName"] == "Chloe")
    body = {
        "from": MAIN_LINE["number"],
        "to": ["+14155550142"],
        "content": "hi",
        "userId": chloe["id"],
    }
    response = api.post("/v1/messages", json=body)
    assert response.status_code == 403 and response.json()["title"] == "Not Phone Number User"


def test_ids_are_checked_by_prefix(api: httpx.Client) -> None:
    for path in ("/v1/calls/XX1", "/v1/messages/PN1", "/v1/users/AC1", "/v1/webhooks/US1"):
        assert api.get(path).status_code == 400, path


def test_bad_query_parameters(api: httpx.Client) -> None:
    base: dict[str, Any] = {"phoneNumberId": MAIN_LINE["id"], "participants": "+14155550142"}
    cases: tuple[dict[str, Any], ...] = (
        {**base, "maxResults": "0"},
        {**base, "maxResults": "101"},
        {**base, "maxResults": "ten"},
        base,
        {**base, "maxResults": 5, "createdAfter": "yesterday"},
        {**base, "maxResults": 5, "pageToken": "%%%"},
        {"participants": "+14155550142", "maxResults": 5},
    )
    for params in cases:
        response = api.get("/v1/messages", params=params)
        assert response.status_code == 400, params


def test_ui_created_webhooks_are_off_limits(api: httpx.Client) -> None:
    ui_hook = next(w for w in SEED["webhooks"].values() if w["createdVia"] == "ui")
    assert ui_hook["id"] not in {w["id"] for w in api.get("/v1/webhooks").json()["data"]}
    for response in (
        api.get(f"/v1/webhooks/{ui_hook['id']}"),
        api.delete(f"/v1/webhooks/{ui_hook['id']}"),
    ):
        assert response.status_code == 400
        assert (
            response.json()["code"] == "0305400" and response.json()["title"] == "Invalid Version"
        )


def test_unknown_routes_answer_json(api: httpx.Client) -> None:
    base = str(api.base_url).rstrip("/")
    response = httpx.get(f"{base}/v1/calls/AC1/extra", headers=api.headers)
    assert response.status_code == 404 and response.json()["code"] == "0100404"
    assert httpx.get(f"{base}/v2/nothing").status_code == 404
    wrong_method = httpx.put(f"{base}/v1/messages", headers=api.headers)
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "0200405"
