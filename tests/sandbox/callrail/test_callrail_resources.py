"""CRUD on every other resource: accounts, companies, trackers, tags, users, integrations,
notifications, form submissions, text conversations, SMS threads and leads."""

from __future__ import annotations

import httpx

from tests.sandbox.callrail.conftest import CallRailTarget


def company_ids(api: httpx.Client, acct: str) -> list[str]:
    return [c["id"] for c in api.get(f"{acct}/companies.json").json()["companies"]]


def test_accounts(api: httpx.Client, acct: str, account_id: str) -> None:
    listed = api.get("/v3/a.json", params={"fields": "numeric_id", "sort": "name"}).json()
    assert listed["total_records"] == 1 and listed["accounts"][0]["numeric_id"]
    account = api.get(f"{acct}.json").json()
    assert account["id"] == account_id and account["name"] == "Trunkline Sandbox Agency"
    assert "numeric_id" not in account
    assert api.get("/v3/a.json", params={"hipaa_account": "true"}).json()["accounts"] == []


def test_company_lifecycle(api: httpx.Client, acct: str) -> None:
    created = api.post(
        f"{acct}/companies.json",
        json={"name": "Tea Shop", "time_zone": "Europe/London", "callscore_enabled": True},
    )
    assert created.status_code == 201
    company = created.json()
    assert company["id"].startswith("COM") and company["time_zone"] == "Europe/London"
    assert company["callscore_enabled"] is False  # toggles are only taken by PUT
    url = f"{acct}/companies/{company['id']}.json"
    updated = api.put(
        url,
        json={
            "callscore_enabled": True,
            "external_form_capture": True,
            "swap_cookie_duration": 3,
            "swap_cookie_duration_unit": "weeks",
        },
    ).json()
    assert (
        updated["callscore_enabled"]
        and updated["form_capture"]
        and updated["swap_cookie_duration_unit"] == "weeks"
    )
    assert (
        api.put(
            url, json={"swap_cookie_duration": 9, "swap_cookie_duration_unit": "months"}
        ).status_code
        == 400
    )
    assert api.get(f"{acct}/companies.json", params={"search": "tea"}).json()["total_records"] == 1
    disabled = api.delete(url)
    assert (
        disabled.status_code == 200
        and disabled.json()["status"] == "disabled"
        and disabled.json()["disabled_at"]
    )
    assert (
        api.get(f"{acct}/companies.json", params={"status": "disabled"}).json()["companies"][0][
            "id"
        ]
        == company["id"]
    )
    assert (
        api.get(url, params={"fields": "verified_caller_ids"}).json()["verified_caller_ids"] == []
    )


def test_last_active_company_cannot_be_disabled(target: CallRailTarget) -> None:
    with target.client(target.second_api_key) as other:
        acct = f"/v3/a/{other.get('/v3/a.json').json()['accounts'][0]['id']}"
        only = other.get(f"{acct}/companies.json").json()["companies"][0]
        refused = other.delete(f"{acct}/companies/{only['id']}.json")
    assert refused.status_code == 400 and refused.json() == {
        "error": "You must have at least one active company."
    }


def test_tracker_lifecycle(api: httpx.Client, acct: str) -> None:
    company = company_ids(api, acct)[0]
    flow = {"type": "basic", "recording_enabled": True, "destination_number": "+14045551000"}
    source = api.post(
        f"{acct}/trackers.json",
        json={
            "name": "Radio Spot",
            "type": "source",
            "company_id": company,
            "call_flow": flow,
            "tracking_number": {"area_code": "470"},
            "source": {"type": "offline"},
            "campaign_name": "Morning Show",
        },
    )
    assert source.status_code == 201, source.text
    tracker = source.json()
    assert tracker["id"].startswith("TRK") and tracker["tracking_numbers"][0].startswith("+1470")
    assert tracker["company"]["id"] == company and tracker["status"] == "active"
    bad_source = api.post(
        f"{acct}/trackers.json",
        json={
            "name": "x",
            "type": "source",
            "company_id": company,
            "call_flow": flow,
            "tracking_number": {"toll_free": True},
            "source": {"type": "telepathy"},
        },
    )
    assert bad_source.json() == {"error": "Source Unknown tracking source type"}
    no_pool = api.post(
        f"{acct}/trackers.json",
        json={
            "name": "Site",
            "type": "session",
            "company_id": company,
            "call_flow": flow,
            "source": "all",
            "pool_numbers": {"area_code": "404"},
        },
    )
    assert no_pool.status_code == 400 and "pool_size" in no_pool.json()["error"]
    session = api.post(
        f"{acct}/trackers.json",
        json={
            "name": "Landing Pool",
            "type": "session",
            "company_id": company,
            "call_flow": flow,
            "source": "all",
            "pool_size": 5,
            "pool_numbers": {"local": "+14045551000"},
        },
    ).json()
    assert len(session["tracking_numbers"]) == 5 and session["source"] == {"type": "all"}
    url = f"{acct}/trackers/{tracker['id']}.json"
    updated = api.put(
        url,
        json={
            "name": "Radio Spot AM",
            "status": "disabled",
            "whisper_message": "Radio call",
            "campaign_name": "Drive Time",
        },
    ).json()
    assert updated["name"] == "Radio Spot AM" and updated["status"] == "active"
    assert (
        api.get(url, params={"fields": "campaign_name,swap_targets"}).json()["campaign_name"]
        == "Drive Time"
    )
    gone = api.delete(url)
    assert (
        gone.status_code == 200
        and gone.json()["status"] == "disabled"
        and gone.json()["disabled_at"]
    )
    assert (
        api.get(f"{acct}/trackers.json", params={"status": "disabled"}).json()["total_records"] == 1
    )
    assert (
        api.get(f"{acct}/trackers.json", params={"type": "session", "search": "landing"}).json()[
            "total_records"
        ]
        == 1
    )


def test_tag_lifecycle(api: httpx.Client, acct: str) -> None:
    company = company_ids(api, acct)[0]
    created = api.post(
        f"{acct}/tags.json", json={"name": "Warm Lead", "company_id": company, "color": "orange3"}
    )
    assert created.status_code == 201
    tag = created.json()
    assert (
        isinstance(tag["id"], int)
        and tag["background_color"] == "orange3"
        and tag["status"] == "enabled"
    )
    assert (
        api.post(f"{acct}/tags.json", json={"name": "warm lead", "company_id": company}).status_code
        == 400
    )
    account_tag = api.post(
        f"{acct}/tags.json", json={"name": "Everywhere", "tag_level": "account"}
    ).json()
    assert account_tag["company_id"] is None
    url = f"{acct}/tags/{tag['id']}.json"
    assert api.get(url).json()["name"] == "Warm Lead"
    assert (
        api.put(url, json={"name": "Hot Lead", "color": "red2", "disabled": True}).json()["status"]
        == "disabled"
    )
    assert (
        api.get(f"{acct}/tags.json", params={"status": "disabled"}).json()["tags"][0]["name"]
        == "Hot Lead"
    )
    assert (
        api.get(
            f"{acct}/tags.json", params={"tag_level": "account", "company_id": company}
        ).status_code
        == 400
    )
    call = api.get(f"{acct}/calls.json", params={"company_id": company}).json()["calls"][0]
    assert (
        api.put(f"{acct}/calls/{call['id']}.json", json={"tags": ["Hot Lead"]}).status_code == 400
    )
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_user_lifecycle(target: CallRailTarget, api: httpx.Client, acct: str) -> None:
    companies = company_ids(api, acct)
    created = api.post(
        f"{acct}/users.json",
        json={
            "first_name": "Bob",
            "last_name": "Belcher",
            "email": "bob@burgers.example",
            "role": "reporting",
            "companies": companies[:1],
        },
    )
    assert created.status_code == 201
    user = created.json()
    assert (
        user["id"].startswith("USR")
        and user["name"] == "Bob Belcher"
        and [c["id"] for c in user["companies"]] == companies[:1]
    )
    assert (
        api.post(
            f"{acct}/users.json",
            json={
                "first_name": "B",
                "last_name": "B",
                "email": "bob@burgers.example",
                "role": "admin",
            },
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"{acct}/users.json",
            json={"first_name": "C", "last_name": "D", "email": "c@d.example", "role": "manager"},
        ).status_code
        == 400
    )
    url = f"{acct}/users/{user['id']}.json"
    assert api.get(url).json()["email"] == "bob@burgers.example"
    assert api.put(url, json={"first_name": "Robert"}).status_code == 400  # only the user themself
    moved = api.put(url, json={"companies": companies[1:]}).json()
    assert [c["id"] for c in moved["companies"]] == companies[1:]
    assert (
        api.get(f"{acct}/users.json", params={"search": "belcher"}).json()["users"][0]["id"]
        == user["id"]
    )
    assert (
        api.get(f"{acct}/users.json", params={"company_id": companies[2]}).json()["total_records"]
        >= 2
    )
    me = api.get(f"{acct}/users.json", params={"search": "avery"}).json()["users"][0]
    assert (
        api.put(f"{acct}/users/{me['id']}.json", json={"first_name": "Ava"}).json()["name"]
        == "Ava Quinn"
    )
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_integrations(api: httpx.Client, acct: str) -> None:
    company = company_ids(api, acct)[1]
    custom = api.post(
        f"{acct}/integrations.json",
        json={"type": "Custom", "company_id": company, "config": {"grab_cookies": ["_ga"]}},
    )
    assert custom.status_code == 201 and "signing_key" not in custom.json()
    hooks = api.post(
        f"{acct}/integrations.json",
        json={
            "type": "Webhooks",
            "company_id": company,
            "config": {"post_call_webhook": ["https://example.com/hook"]},
        },
    )
    assert hooks.status_code == 201
    again = api.post(f"{acct}/integrations.json", json={"type": "Webhooks", "company_id": company})
    assert again.status_code == 400
    bad_url = api.post(
        f"{acct}/integrations.json",
        json={
            "type": "Webhooks",
            "company_id": company_ids(api, acct)[2],
            "config": {"post_call_webhook": ["not a url"]},
        },
    )
    assert bad_url.status_code == 400
    listed = api.get(f"{acct}/integrations.json", params={"company_id": company}).json()
    assert [i["type"] for i in listed["integrations"]] == ["Custom", "Webhooks"]
    url = f"{acct}/integrations/{hooks.json()['id']}.json"
    updated = api.put(
        url, json={"config": {"sms_received_webhook": ["https://example.com/sms"]}}
    ).json()
    assert updated["config"] == {"sms_received_webhook": ["https://example.com/sms"]}
    assert api.put(url, json={"state": "failed"}).status_code == 400


def test_notifications(api: httpx.Client, acct: str) -> None:
    tracker = api.get(f"{acct}/trackers.json").json()["trackers"][0]
    created = api.post(
        f"{acct}/notifications.json",
        json={
            "tracker_id": tracker["id"],
            "call_enabled": True,
            "alert_type": "vm_only",
            "send_push": True,
        },
    )
    assert created.status_code == 201
    note = created.json()
    assert (
        note["tracker_name"] == tracker["name"] and note["company_id"] == tracker["company"]["id"]
    )
    assert note["user_id"].startswith("USR") and "Voicemails" in note["name"]
    assert api.post(f"{acct}/notifications.json", json={"call_enabled": True}).status_code == 400
    url = f"{acct}/notifications/{note['id']}.json"
    assert (
        api.put(url, json={"call_enabled": False, "sms_enabled": True}).json()["sms_enabled"]
        is True
    )
    assert (
        api.get(f"{acct}/notifications.json", params={"notification_type": "push"}).json()[
            "total_records"
        ]
        == 2
    )
    assert (
        api.get(f"{acct}/notifications.json", params={"user_id": note["user_id"]}).json()[
            "total_records"
        ]
        == 3
    )
    assert api.delete(url).status_code == 204
    assert api.put(url, json={"sms_enabled": False}).status_code == 404


def test_form_submissions(api: httpx.Client, acct: str) -> None:
    company = company_ids(api, acct)[0]
    listed = api.get(
        f"{acct}/form_submissions.json",
        params={"date_range": "all_time", "fields": "company_name,tags,milestones"},
    ).json()
    first = listed["form_submissions"][0]
    assert (
        first["id"].startswith("FOR")
        and first["company_name"] == "Bright Smile Dental"
        and "milestones" in first
    )
    created = api.post(
        f"{acct}/form_submissions.json",
        json={
            "form_submission": {
                "company_id": company,
                "form_url": "https://www.brightsmile.example/quote",
                "referrer": "google_paid",
                "form_data": {"name": "Ana Ruiz", "phone": "404-555-0150"},
            }
        },
    )
    assert created.status_code == 201
    form = created.json()
    assert form["customer_phone_number"] == "+14045550150"
    url = f"{acct}/form_submissions/{form['id']}.json"
    updated = api.put(
        url,
        json={
            "note": "Quote sent",
            "tags": ["Insurance Question"],
            "value": "80",
            "lead_status": "good_lead",
        },
    )
    assert updated.status_code == 200
    fetched = api.get(url, params={"fields": "note,tags,value,lead_status"}).json()
    assert (fetched["note"], fetched["tags"], fetched["value"], fetched["lead_status"]) == (
        "Quote sent",
        ["Insurance Question"],
        "80.00",
        "good_lead",
    )
    assert (
        api.get(f"{acct}/form_submissions.json", params={"lead_status": "good_lead"}).json()[
            "total_records"
        ]
        >= 1
    )
    assert api.put(url, json={"spam": True}).status_code == 200
    assert api.get(url).status_code == 404


def test_form_endpoints_are_forbidden_without_form_tracking(target: CallRailTarget) -> None:
    with target.client(target.second_api_key) as other:
        acct = f"/v3/a/{other.get('/v3/a.json').json()['accounts'][0]['id']}"
        assert other.get(f"{acct}/form_submissions.json").status_code == 403
        assert other.get(f"{acct}/forms/summary.json").status_code == 403


def test_texting(api: httpx.Client, control: httpx.Client, acct: str) -> None:
    company = company_ids(api, acct)[1]
    number = api.get(f"{acct}/trackers.json", params={"company_id": company}).json()["trackers"][0][
        "tracking_numbers"
    ][0]
    sent = api.post(
        f"{acct}/text-messages.json",
        json={
            "company_id": company,
            "tracking_number": number,
            "customer_phone_number": "+17705550199",
            "content": "Your plumber is on the way.",
        },
    )
    assert sent.status_code == 201
    convo = sent.json()
    assert convo["recent_messages"][0]["content"].endswith("Reply STOP to opt out.")
    again = api.post(
        f"{acct}/text-messages.json",
        json={
            "company_id": company,
            "customer_phone_number": "+17705550199",
            "content": "About 10 minutes out.",
        },
    ).json()
    assert again["id"] == convo["id"] and len(again["recent_messages"]) == 2
    assert (
        api.post(
            f"{acct}/text-messages.json",
            json={"company_id": company, "customer_phone_number": "+17705550198", "content": "hi"},
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"{acct}/text-messages.json",
            json={
                "company_id": company,
                "customer_phone_number": "+17705550199",
                "content": "x" * 141,
            },
        ).status_code
        == 400
    )
    assert (
        api.post(
            f"{acct}/text-messages.json",
            json={
                "company_id": company,
                "customer_phone_number": "+17705550199",
                "content": "pic",
                "media_url": "https://a.example/a.png",
                "media_file": "x",
            },
        ).status_code
        == 422
    )
    failed = api.post(
        f"{acct}/text-messages.json",
        json={
            "company_id": company,
            "tracking_number": number,
            "customer_phone_number": "+17705550042",
            "content": "Hello",
        },
    ).json()
    detail = api.get(f"{acct}/text-messages/{failed['id']}.json").json()
    assert detail["messages"][0]["status"] == "failed"
    full = api.get(f"{acct}/text-messages/{convo['id']}.json").json()
    assert full["total_records"] == 2 and full["messages"][0]["content"] == "About 10 minutes out."
    listed = api.get(
        f"{acct}/text-messages.json", params={"company_id": company, "fields": "lead_status,source"}
    ).json()
    assert listed["conversations"][0]["id"] in (convo["id"], failed["id"])
    assert (
        api.get(f"{acct}/text-messages.json", params={"search": "770-555-0199"}).json()[
            "total_records"
        ]
        == 0
    )
    assert (
        api.get(f"{acct}/text-messages.json", params={"search": "7705550199"}).json()[
            "total_records"
        ]
        == 1
    )


def test_sms_threads(api: httpx.Client, acct: str) -> None:
    threads = api.get(
        f"{acct}/sms-threads.json", params={"fields": "last_message_at,formatted_customer_name"}
    ).json()
    assert threads["total_records"] == 10
    thread = threads["sms_threads"][0]
    assert "last_message_at" in thread and "recent_messages" not in thread
    url = f"{acct}/sms-threads/{thread['id']}.json"
    detail = api.get(url).json()
    assert detail["total_records"] == len(detail["messages"]) >= 2
    assert detail["messages"][0]["id"].startswith("SCI")
    updated = api.put(
        url,
        json={
            "notes": "Follow up Friday",
            "value": "$5.00",
            "tags": ["Urgent"],
            "lead_qualification": "good_lead",
        },
    ).json()
    assert (updated["notes"], updated["value"], updated["tags"], updated["lead_qualification"]) == (
        "Follow up Friday",
        5.0,
        ["Urgent"],
        "good_lead",
    )
    assert (
        api.get(f"{acct}/sms-threads.json", params={"search": "urgent"}).json()["total_records"]
        == 1
    )
    assert api.put(url, json={"lead_qualification": "maybe"}).status_code == 400


def test_leads_and_timeline(api: httpx.Client, acct: str) -> None:
    leads = api.get(f"{acct}/leads.json", params={"per_page": 250}).json()
    assert leads["total_records"] > 50 and leads["leads"][0]["id"].startswith("PER")
    call = api.get(f"{acct}/calls.json", params={"fields": "person_id,timeline_url"}).json()[
        "calls"
    ][0]
    timeline = api.get(f"{acct}/leads/{call['person_id']}/timeline.json").json()
    assert call["id"] in [event["id"] for event in timeline["timeline"]]
    assert timeline["lead"]["total_interactions"] == timeline["total_records"]
    assert call["timeline_url"].endswith(f"{acct}/leads/{call['person_id']}/timeline.json")
    company = api.get(f"{acct}/companies.json").json()["companies"][0]["id"]
    scoped = api.get(f"{acct}/leads.json", params={"company_id": company, "sort": "name"}).json()[
        "leads"
    ]
    assert all(lead["company_id"] == company for lead in scoped)
