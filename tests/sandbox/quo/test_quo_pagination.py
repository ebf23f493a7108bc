"""Walking every page: each item exactly once, ``nextPageToken`` null on the last page."""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import MAIN_LINE

CUSTOMER = "+17185550133"


def walk(api: httpx.Client, path: str, params: dict[str, Any]) -> tuple[list[str], list[int]]:
    seen: list[str] = []
    sizes: list[int] = []
    token = None
    while True:
        page = api.get(path, params={**params, **({"pageToken": token} if token else {})}).json()
        seen += [item["id"] for item in page["data"]]
        sizes.append(len(page["data"]))
        token = page["nextPageToken"]
        if token is None:
            return seen, sizes


def test_messages_pages(api: httpx.Client) -> None:
    sent = [
        api.post(
            "/v1/messages",
            json={"from": MAIN_LINE["id"], "to": [CUSTOMER], "content": f"Reminder {n}"},
        ).json()["data"]["id"]
        for n in range(12)
    ]
    params = {"phoneNumberId": MAIN_LINE["id"], "participants": CUSTOMER, "maxResults": 5}
    seen, sizes = walk(api, "/v1/messages", params)
    assert sorted(seen) == sorted(sent) and len(set(seen)) == 12
    assert sizes == [5, 5, 2]
    assert seen == list(reversed(sent))  # newest first


def test_contacts_pages_while_contacts_are_added(api: httpx.Client) -> None:
    first = api.get("/v1/contacts", params={"maxResults": 4}).json()
    before = {c["id"] for c in first["data"]}
    api.post("/v1/contacts", json={"defaultFields": {"firstName": "Late"}})  # newest: page 1
    rest, _ = walk(api, "/v1/contacts", {"maxResults": 4, "pageToken": first["nextPageToken"]})
    everyone, _ = walk(api, "/v1/contacts", {"maxResults": 4})
    assert not before & set(rest) and len(before) + len(rest) == len(everyone) - 1


def test_users_and_conversations_pages(api: httpx.Client) -> None:
    users, sizes = walk(api, "/v1/users", {"maxResults": 2})
    assert len(set(users)) == len(users) == 3 and sizes == [2, 1]
    conversations, _ = walk(api, "/v1/conversations", {"maxResults": 1})
    assert len(set(conversations)) == len(conversations) == 4
