"""Contacts CRUD with custom fields from the workspace's definitions."""

from __future__ import annotations

import httpx

from .helpers import NORTHWIND, SEED

NEW_CONTACT = {
    "defaultFields": {
        "firstName": "Nora",
        "lastName": "Quinn",
        "company": "Quinn Builders",
        "phoneNumbers": [{"name": "work", "value": "+15105550190"}],
        "emails": [{"name": "work", "value": "nora@quinn.example"}],
    },
    "customFields": [
        {"key": "vip", "value": True},
        {"key": "service-tier", "value": ["Gold", "Commercial"]},
        {"key": "lifetime-value", "value": 1200},
        {"key": "next-service", "value": "2025-05-01T16:00:00Z"},
    ],
    "externalId": "crm-42",
    "source": "custom-hubspot",
}


def test_custom_field_definitions(api: httpx.Client) -> None:
    fields = api.get("/v1/contact-custom-fields").json()["data"]
    assert {f["key"] for f in fields} >= {"vip", "service-tier", "lead-source"}
    assert {f["type"] for f in fields} == {
        "address", "boolean", "date", "multi-select", "number", "string", "url"
    }  # fmt: skip


def test_create_get_update_delete(api: httpx.Client) -> None:
    created = api.post("/v1/contacts", json=NEW_CONTACT)
    assert created.status_code == 201
    contact = created.json()["data"]
    assert contact["source"] == "custom-hubspot" and contact["externalId"] == "crm-42"
    values = {f["key"]: f["value"] for f in contact["customFields"]}
    assert values["vip"] is True and values["service-tier"] == ["Gold", "Commercial"]
    assert api.get(f"/v1/contacts/{contact['id']}").json()["data"] == contact

    phone_id = contact["defaultFields"]["phoneNumbers"][0]["id"]
    patch = {
        "defaultFields": {
            "role": "Owner",
            "phoneNumbers": [
                {"name": "work", "value": None, "id": phone_id},
                {"name": "mobile", "value": "+15105550191"},
            ],
        },
        "customFields": [{"key": "vip", "value": None}, {"key": "lead-source", "value": "Yelp"}],
    }
    updated = api.patch(f"/v1/contacts/{contact['id']}", json=patch).json()["data"]
    assert updated["defaultFields"]["role"] == "Owner"
    assert updated["defaultFields"]["firstName"] == "Nora"
    assert [p["value"] for p in updated["defaultFields"]["phoneNumbers"]] == ["+15105550191"]
    keys = {f["key"] for f in updated["customFields"]}
    assert "vip" not in keys and "lead-source" in keys

    assert api.delete(f"/v1/contacts/{contact['id']}").status_code == 204
    gone = api.get(f"/v1/contacts/{contact['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "0800404"


def test_invalid_custom_field_items(api: httpx.Client) -> None:
    for item in (
        {"key": "vip", "value": "yes"},
        {"key": "no-such-field", "value": "x"},
        {"key": "next-service", "value": "next tuesday"},
        {"key": "lifetime-value"},
    ):
        body = {"defaultFields": {"firstName": "X"}, "customFields": [item]}
        response = api.post("/v1/contacts", json=body)
        assert response.status_code == 400, item
        assert response.json()["code"] == "0801400"
        assert response.json()["title"] == "Invalid Custom Field Item"


def test_reserved_sources_are_refused(api: httpx.Client) -> None:
    for source in ("openphone", "csv-import", "zapier", "other"):
        body = {"defaultFields": {"firstName": "X"}, "source": source}
        assert api.post("/v1/contacts", json=body).status_code == 400


def test_external_id_is_unique(api: httpx.Client) -> None:
    assert api.post("/v1/contacts", json=NEW_CONTACT).status_code == 201
    clash = api.post("/v1/contacts", json=NEW_CONTACT)
    assert clash.status_code == 409 and clash.json()["code"] == "0800409"


def test_list_filters(api: httpx.Client) -> None:
    api.post("/v1/contacts", json=NEW_CONTACT)
    by_external = api.get("/v1/contacts", params={"maxResults": 50, "externalIds[]": "crm-42"})
    assert [c["externalId"] for c in by_external.json()["data"]] == ["crm-42"]
    by_source = api.get("/v1/contacts", params={"maxResults": 50, "sources": "custom-hubspot"})
    assert len(by_source.json()["data"]) == 1
    seeded = [c for c in SEED["contacts"].values() if c["orgId"] == NORTHWIND["id"]]
    everyone = api.get("/v1/contacts", params={"maxResults": 50}).json()
    assert everyone["totalItems"] == len(seeded) + 1 == len(everyone["data"])
    assert api.get("/v1/contacts", params={"maxResults": 51}).status_code == 400


def test_first_name_is_required(api: httpx.Client) -> None:
    response = api.post("/v1/contacts", json={"defaultFields": {"lastName": "Only"}})
    assert response.status_code == 400
