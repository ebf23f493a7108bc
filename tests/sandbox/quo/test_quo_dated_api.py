"""The dated API (2026-03-30): every operation answers its documented 2xx shape, over the same
world as v1 (what one surface writes, the other reads)."""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import GLOBEX, GLOBEX_LINE, MAIN_LINE, NORTHWIND, SEED, ApiFactory, wait_for

Json = dict[str, Any]
DISPATCH = next(p for p in SEED["phoneNumbers"].values() if p["name"] == "Dispatch")
CHLOE = next(u for u in SEED["users"].values() if u["firstName"] == "Chloe")
ANSWERED = next(c for c in SEED["calls"].values() if c["status"] == "completed")
VOICEMAIL = next(c for c in SEED["calls"].values() if c["id"] in SEED["voicemails"])
MARIA_CONVO = next(
    c for c in SEED["conversations"].values() if c["participants"] == ["+14155550142"]
)


def v1_send(api: httpx.Client, to: str, text: str = "Hello from v1") -> Json:
    body = {"from": MAIN_LINE["id"], "to": [to], "content": text}
    response = api.post("/v1/messages", json=body)
    assert response.status_code == 202, response.text
    sent: Json = response.json()["data"]
    return sent


def test_users_and_organization(dated: httpx.Client) -> None:
    users = dated.get("/users").json()
    assert [u["firstName"] for u in users["data"]] == ["Ava", "Ben", "Chloe"]
    assert users["nextCursor"] is None
    owner = dated.get(f"/users/{NORTHWIND['ownerId']}").json()["data"]
    assert owner["role"] == "owner"
    hers = dated.get(f"/users/{CHLOE['id']}/phone-numbers", params={"include": "restrictions"})
    [number] = hers.json()["data"]
    assert number["phoneNumber"] == DISPATCH["number"] and "restrictions" in number
    org = dated.get("/organization").json()["data"]
    assert org == {
        "id": NORTHWIND["id"],
        "name": "Northwind Plumbing",
        "subscriptionStatus": "active",
        "createdAt": NORTHWIND["createdAt"],
        "updatedAt": NORTHWIND["createdAt"],
    }


def test_phone_numbers_opt_in_sections_and_updates(dated: httpx.Client, api: httpx.Client) -> None:
    plain = dated.get("/phone-numbers").json()["data"]
    assert [p["name"] for p in plain] == ["Main Line", "Dispatch"]
    assert all("restrictions" not in p and "users" not in p and "number" not in p for p in plain)
    full = dated.get("/phone-numbers", params={"include": "users,restrictions"}).json()["data"]
    assert len(full[0]["users"]) == 2 and full[0]["restrictions"]["messaging"]["Intl"]
    [only] = dated.get("/phone-numbers", params={"phoneNumber": MAIN_LINE["number"]}).json()["data"]
    assert only["id"] == MAIN_LINE["id"]
    path = f"/phone-numbers/{MAIN_LINE['id']}"
    hours = dated.get(path, params={"include": "businessHours"}).json()["data"]["businessHours"]
    assert hours == {"enabled": False, "timezone": "America/Los_Angeles", "schedule": None}
    week = {"monday": {"start": "0800", "end": "1700"}, "sunday": None}
    change = {"name": "Front Office", "businessHours": {"enabled": True, "schedule": week}}
    updated = dated.patch(path, json=change).json()["data"]
    assert updated["name"] == "Front Office" and updated["businessHours"]["enabled"] is True
    assert updated["businessHours"]["schedule"]["monday"] == {"start": "0800", "end": "1700"}
    assert updated["businessHours"]["schedule"]["sunday"] is None
    # One world: v1 sees the new name.
    assert api.get(f"/v1{path}").json()["data"]["name"] == "Front Office"


def test_available_numbers_search(dated: httpx.Client) -> None:
    local = dated.get("/phone-numbers/available", params={"areaCode": "212"}).json()["data"]
    assert local["phoneNumbers"] and all(n.startswith("+1212") for n in local["phoneNumbers"])
    narrowed = dated.get(
        "/phone-numbers/available", params={"areaCode": "212", "contains": "0312"}
    ).json()["data"]["phoneNumbers"]
    assert narrowed == ["+12125550312"]
    free = dated.get("/phone-numbers/available", params={"tollFree": "true"}).json()["data"]
    assert all(
        n[2:5] in ("800", "833", "844", "855", "866", "877", "888") for n in free["phoneNumbers"]
    )
    canada = dated.get("/phone-numbers/available", params={"countryCode": "CA"}).json()["data"]
    assert canada["phoneNumbers"] and all(
        n[2:5] in ("416", "647", "604") for n in canada["phoneNumbers"]
    )


def test_calls_recordings_and_transcripts(dated: httpx.Client) -> None:
    calls = dated.get("/calls", params={"include": "summary,voicemail"}).json()["data"]
    mine = {c["id"]: c for c in calls}
    assert ANSWERED["id"] in mine and VOICEMAIL["id"] in mine
    assert [c["createdAt"] for c in calls] == sorted((c["createdAt"] for c in calls), reverse=True)
    answered = mine[ANSWERED["id"]]
    assert answered["actorId"] == ANSWERED["userId"] and "voicemail" not in answered
    assert answered["summary"]["status"] == "completed" and answered["summary"]["summary"]
    assert {p["phoneNumber"] for p in answered["participants"]} == {
        MAIN_LINE["number"],
        "+14085550163",
    }
    assert mine[VOICEMAIL["id"]]["voicemail"]["transcript"]
    one = dated.get(f"/calls/{ANSWERED['id']}").json()["data"]
    assert "summary" not in one and one["status"] == "completed"
    recordings = dated.get(f"/calls/{ANSWERED['id']}/recordings").json()
    [recording] = recordings["data"]
    assert recording["id"].startswith("CR") and recording["url"].endswith(".wav")
    [transcript] = dated.get(f"/calls/{ANSWERED['id']}/transcripts").json()["data"]
    assert transcript["recordingId"] == recording["id"] and transcript["dialogue"]
    assert {line["actorId"] for line in transcript["dialogue"]} == {ANSWERED["userId"], None}
    missed = dated.get("/calls", params={"status": "missed"}).json()["data"]
    assert [c["id"] for c in missed] == [VOICEMAIL["id"]]
    since = dated.get("/calls", params={"createdAt[gte]": VOICEMAIL["createdAt"]}).json()["data"]
    assert [c["id"] for c in since] == [VOICEMAIL["id"]]  # inclusive bound


def test_messages_sent_on_v1_are_listed_by_the_dated_api(
    dated: httpx.Client, api: httpx.Client
) -> None:
    sent = v1_send(api, "+17185550133", "Dated sees this")
    newest = dated.get("/messages", params={"limit": 1}).json()
    assert newest["data"][0]["id"] == sent["id"] and newest["data"][0]["media"] == []
    assert newest["nextCursor"] is not None
    got = dated.get(f"/messages/{sent['id']}").json()["data"]
    assert got["text"] == "Dated sees this" and got["conversationId"].startswith("CN")
    by_recipient = dated.get("/messages", params={"to[all]": "+17185550133"}).json()["data"]
    assert [m["id"] for m in by_recipient] == [sent["id"]]
    incoming = dated.get("/messages", params={"direction": "incoming"}).json()["data"]
    assert incoming and all(m["direction"] == "incoming" for m in incoming)
    later = dated.get("/messages", params={"createdAt[gt]": sent["createdAt"]}).json()["data"]
    assert sent["id"] not in {m["id"] for m in later}  # exclusive bound


def test_failed_message_retry(
    dated: httpx.Client, api: httpx.Client, control: httpx.Client
) -> None:
    once = v1_send(api, "+14155550981")  # fails once, then gets through
    forever = v1_send(api, "+14155550991")  # fails for good (error code)
    control.post("/_sandbox/clock/advance")
    failed = dated.get(f"/messages/{once['id']}").json()["data"]
    assert failed["status"] == "failed"
    # v1 knows no "failed": it shows the same text undelivered.
    assert api.get(f"/v1/messages/{once['id']}").json()["data"]["status"] == "undelivered"
    listed = dated.get("/messages", params={"status": "failed"}).json()["data"]
    assert {m["id"] for m in listed} == {once["id"], forever["id"]}
    retried = dated.post(f"/messages/{once['id']}/retry")
    assert retried.status_code == 202 and retried.json() == {}

    def delivered() -> bool:
        control.post("/_sandbox/clock/advance")
        return bool(dated.get(f"/messages/{once['id']}").json()["data"]["status"] == "delivered")

    wait_for(delivered)
    permanent = dated.post(f"/messages/{forever['id']}/retry")
    assert permanent.status_code == 422
    assert permanent.json()["message"] == "The message has permanently failed and cannot be retried"
    assert dated.post(f"/messages/{once['id']}/retry").status_code == 422  # delivered now


def test_conversations_and_inbox_state(dated: httpx.Client, api: httpx.Client) -> None:
    newest_first = dated.get("/conversations").json()["data"]
    assert len(newest_first) == 4 and all("assignedTo" not in c for c in newest_first)
    oldest_first = dated.get("/conversations", params={"sort": "createdAt:asc"}).json()["data"]
    assert [c["id"] for c in oldest_first] == [c["id"] for c in reversed(newest_first)]
    on_dispatch = dated.get("/conversations", params={"phoneNumberId": DISPATCH["id"]}).json()
    assert {c["phoneNumberId"] for c in on_dispatch["data"]} == {DISPATCH["id"]}
    base = f"/conversations/{MARIA_CONVO['id']}"
    assert dated.post(f"{base}/mark-as-read").json()["data"]["id"] == MARIA_CONVO["id"]
    v1_params = {"maxResults": 50, "excludeInactive": "true"}

    def active() -> set[str]:
        return {c["id"] for c in api.get("/v1/conversations", params=v1_params).json()["data"]}

    assert MARIA_CONVO["id"] in active()
    done = dated.post(f"{base}/mark-as-done").json()["data"]
    assert done["updatedAt"] > MARIA_CONVO["updatedAt"]
    assert MARIA_CONVO["id"] not in active()  # v1 reads the same inbox state
    dated.post(f"{base}/mark-as-open").raise_for_status()
    assert MARIA_CONVO["id"] in active()


def test_contacts_cross_both_surfaces(dated: httpx.Client, api: httpx.Client) -> None:
    body = {"firstName": "Dana", "lastName": "Reyes", "externalId": "crm-1", "source": "crm"}
    created = dated.post("/contacts", json=body)
    assert created.status_code == 201
    contact = created.json()["data"]
    assert contact["actorId"] == NORTHWIND["ownerId"] and contact["company"] is None
    seen_by_v1 = api.get(f"/v1/contacts/{contact['id']}").json()["data"]
    assert seen_by_v1["defaultFields"]["firstName"] == "Dana"
    assert seen_by_v1["externalId"] == "crm-1" and seen_by_v1["source"] == "crm"
    duplicate = dated.post(
        "/contacts", json={"firstName": "Again", "externalId": "crm-1", "source": "crm"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["title"] == "Conflict"
    patched = dated.patch(
        f"/contacts/{contact['id']}", json={"company": "Reyes Co", "lastName": None}
    )
    assert (
        patched.json()["data"]["company"] == "Reyes Co"
        and patched.json()["data"]["lastName"] is None
    )
    assert patched.json()["data"]["firstName"] == "Dana"  # omitted: kept
    assert (
        api.get(f"/v1/contacts/{contact['id']}").json()["data"]["defaultFields"]["company"]
        == "Reyes Co"
    )
    v1_made = api.post(
        "/v1/contacts",
        json={
            "defaultFields": {
                "firstName": "Omar",
                "phoneNumbers": [{"name": "work", "value": "+13035550123"}],
            }
        },
    ).json()["data"]
    listed = dated.get("/contacts", params={"externalId[in]": "crm-1,nope"}).json()["data"]
    assert [c["id"] for c in listed] == [contact["id"]]
    from_v1 = dated.get(f"/contacts/{v1_made['id']}").json()["data"]
    assert from_v1["firstName"] == "Omar"
    [phone] = dated.get(f"/contacts/{v1_made['id']}/properties").json()["data"]
    assert phone["type"] == "phone-number" and phone["value"] == "+13035550123"
    [share] = dated.get(f"/contacts/{contact['id']}/shares").json()["data"]
    assert share == {
        "contactId": contact["id"],
        "sharedWith": NORTHWIND["id"],
        "createdAt": contact["createdAt"],
    }
    assert api.delete(f"/v1/contacts/{v1_made['id']}").status_code == 204
    assert dated.get(f"/contacts/{v1_made['id']}").status_code == 404


def test_contact_notes_lifecycle(dated: httpx.Client) -> None:
    contact = dated.post("/contacts", json={"firstName": "Noted"}).json()["data"]
    base = f"/contacts/{contact['id']}/notes"
    text = f"@{CHLOE['id']} please call back"
    note = dated.post(base, json={"text": text})
    assert note.status_code == 200
    created = note.json()["data"]
    assert created["text"] == text and created["actorId"] == NORTHWIND["ownerId"]
    assert [n["id"] for n in dated.get(base).json()["data"]] == [created["id"]]
    assert dated.get(f"{base}/{created['id']}").json()["data"] == created
    edited = dated.patch(f"{base}/{created['id']}", json={"text": "Called."}).json()["data"]
    assert edited["text"] == "Called." and edited["createdAt"] == created["createdAt"]
    assert dated.post(base, json={"text": ""}).status_code == 400
    assert dated.post(base, json={"text": "x" * 2001}).status_code == 400
    assert dated.delete(f"{base}/{created['id']}").status_code == 204
    assert dated.get(f"{base}/{created['id']}").status_code == 404


def test_contact_properties_are_v1_fields(dated: httpx.Client, api: httpx.Client) -> None:
    contact = dated.post("/contacts", json={"firstName": "Props"}).json()["data"]
    base = f"/contacts/{contact['id']}/properties"
    phone = dated.post(
        base, json={"type": "phone-number", "name": "Mobile", "value": "+13035550111"}
    )
    email = dated.post(base, json={"type": "email", "value": "props@example.com"})
    vip = dated.post(base, json={"type": "boolean", "name": "VIP", "value": True})
    color = dated.post(base, json={"type": "string", "name": "Favorite color", "value": "teal"})
    for response in (phone, email, vip, color):
        assert response.status_code == 200, response.text
    v1 = api.get(f"/v1/contacts/{contact['id']}").json()["data"]
    assert v1["defaultFields"]["phoneNumbers"][0]["value"] == "+13035550111"
    assert v1["defaultFields"]["emails"][0]["value"] == "props@example.com"
    assert {f["key"]: f["value"] for f in v1["customFields"]} == {
        "vip": True,
        "favorite-color": "teal",
    }
    definitions = api.get("/v1/contact-custom-fields").json()["data"]
    assert {"name": "Favorite color", "key": "favorite-color", "type": "string"} in definitions
    emails = dated.get(base, params={"type": "email"}).json()["data"]
    assert [p["id"] for p in emails] == [email.json()["data"]["id"]]
    wrong_type = dated.post(base, json={"type": "number", "name": "VIP", "value": 1})
    assert wrong_type.status_code == 400
    vip_id = vip.json()["data"]["id"]
    assert dated.get(f"{base}/{vip_id}").json()["data"]["value"] is True
    updated = dated.patch(f"{base}/{vip_id}", json={"value": False}).json()["data"]
    assert updated["value"] is False and updated["type"] == "boolean"
    assert dated.patch(f"{base}/{vip_id}", json={"type": "string"}).status_code == 400
    assert dated.delete(f"{base}/{phone.json()['data']['id']}").status_code == 204
    v1 = api.get(f"/v1/contacts/{contact['id']}").json()["data"]
    assert v1["defaultFields"]["phoneNumbers"] == []
    assert {f["key"]: f["value"] for f in v1["customFields"]}["vip"] is False
    assert len(dated.get(base).json()["data"]) == 3


def test_task_lifecycle(dated: httpx.Client) -> None:
    body = {
        "title": "Call Maria back",
        "description": "About the leak",
        "conversationId": MARIA_CONVO["id"],
        "dueDate": "2026-10-10T16:00:00Z",
        "assignedTo": CHLOE["id"],
    }
    created = dated.post("/tasks", json=body)
    assert created.status_code == 201
    result = created.json()["data"]
    assert result["revision"] == 1 and result["taskId"].startswith("TK")
    path = f"/tasks/{result['taskId']}"
    task = dated.get(path).json()["data"]
    assert task["status"] == "open" and task["phoneNumberId"] == MAIN_LINE["id"]
    assert task["dueDate"] == "2026-10-10T16:00:00.000Z" and task["assignedTo"] == CHLOE["id"]
    assert task["activityId"] == MARIA_CONVO["lastActivityId"]
    cleared = dated.delete(f"{path}/due-date").json()["data"]
    assert cleared == {"taskId": result["taskId"], "revision": 2}
    assert dated.get(path).json()["data"]["dueDate"] is None
    assert dated.delete(path).status_code == 204
    deleted = dated.get(path).json()["data"]
    assert deleted["status"] == "deleted" and deleted["revision"] == 3
    assert dated.delete(path).status_code == 404
    missing = dated.post("/tasks", json={**body, "conversationId": "CNnope"})
    assert missing.status_code == 404


A2P_DRAFT = {
    "businessInfo": {
        "name": "Globex Dental",
        "address": {"line1": "1 Main St", "city": "Chicago", "region": "IL", "country": "US"},
    },
    "messaging": {"useCase": "customer-care"},
}


def test_a2p_registration_approval_lets_v1_text_us_numbers(
    dated_as: ApiFactory, api_as: ApiFactory, control: httpx.Client
) -> None:
    key = GLOBEX["apiKey"]
    globex = dated_as({"Authorization": key, "Quo-Api-Version": "2026-03-30"})
    v1 = api_as({"Authorization": key})
    assert globex.get("/a2p-registration").status_code == 404
    created = globex.post("/a2p-registration", json={"messaging": {"useCase": "customer-care"}})
    assert created.status_code == 201 and created.json()["data"]["draft"] is True
    assert globex.post("/a2p-registration", json={}).status_code == 409
    ack = {"forbiddenMessageTopicsAcknowledged": True}
    incomplete = globex.post("/a2p-registration/submit", json=ack)
    assert incomplete.status_code == 422 and "businessInfo.name" in incomplete.json()["message"]
    control.post("/_sandbox/reset")
    globex.post("/a2p-registration", json=A2P_DRAFT).raise_for_status()
    unpaid = globex.post("/a2p-registration/submit", json=ack)
    assert unpaid.status_code == 402 and unpaid.json()["title"] == "Payment Required"
    with httpx.Client(base_url=str(control.base_url), headers={"Authorization": key}) as ctl:
        ctl.post("/_sandbox/credits", json={"amount": 20}).raise_for_status()
        submitted = globex.post("/a2p-registration/submit", json=ack).json()["data"]
        assert submitted["status"] == "pending" and submitted["draft"] is False
        assert globex.post("/a2p-registration/submit", json=ack).status_code == 409
        text = {"from": GLOBEX_LINE["id"], "to": ["+13125550111"], "content": "Open Saturday"}
        assert v1.post("/v1/messages", json=text).status_code == 400  # not approved yet
        ctl.post("/_sandbox/clock/advance").raise_for_status()
        assert globex.get("/a2p-registration").json()["data"]["status"] == "approved"
        assert v1.post("/v1/messages", json=text).status_code == 202
        assert ctl.get("/_sandbox").json()["credits"] == round(20.05 - 19.50 - 0.01, 2)
