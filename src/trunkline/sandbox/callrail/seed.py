"""The deterministic seed: the same accounts, keys and ids every time.

Activity (calls, forms, texts) is placed relative to a reference time, ``now`` unless
``SandboxConfig(extra={"reference_time": "2026-05-01T12:00:00+00:00"})`` pins it, so date
filters and analytics always have recent weeks of data to work on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from trunkline.sandbox.callrail import seed_activity, times
from trunkline.sandbox.callrail.companies import script_url
from trunkline.sandbox.callrail.seed_catalog import MAIN_ACCOUNT, SECOND_ACCOUNT
from trunkline.sandbox.callrail.world import next_number
from trunkline.sandbox.kit import IdMaker, utcnow

Doc = dict[str, Any]


def seed_keys() -> tuple[str, str]:
    """The API keys of the main and the second account's owners (32 hex, like CallRail's)."""
    keys = IdMaker("callrail-sandbox-keys")
    return keys.hex(32), keys.hex(32)


def seed_factory(reference: str | None) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        moment = datetime.fromisoformat(reference) if reference else utcnow()
        return build_world(moment)

    return build


def build_world(reference: datetime) -> dict[str, Any]:
    ids = IdMaker("callrail-sandbox-seed")
    data: dict[str, Any] = {"meta": {"reference_time": times.store(reference)}}
    for catalog, key in zip((MAIN_ACCOUNT, SECOND_ACCOUNT), seed_keys(), strict=True):
        _account(data, catalog, key, ids, reference)
    return data


def _account(
    data: dict[str, Any], catalog: Doc, key: str, ids: IdMaker, reference: datetime
) -> None:
    created = times.store(reference - timedelta(days=400))
    account = {
        "id": ids.prefixed("ACC"),
        "name": catalog["name"],
        "numeric_id": ids.randint(100_000_000, 999_999_999),
        "outbound_recording_enabled": True,
        "hipaa_account": False,
        "_created_at": created,
    }
    data.setdefault("accounts", {})[account["id"]] = account
    companies = [_company(data, account["id"], spec, ids, created) for spec in catalog["companies"]]
    owner = _user(data, account["id"], (*catalog["owner"], "admin", ()), companies, ids, created)
    for staff in catalog["staff"]:
        _user(data, account["id"], staff, companies, ids, created)
    data.setdefault("api_keys", {})[key] = {"user_id": owner["id"], "accounts": [account["id"]]}
    for name, color in catalog["account_tags"]:
        _tag(data, account["id"], None, name, color, "account", created)
    for company, spec in zip(companies, catalog["companies"], strict=True):
        for name, color in spec["tags"]:
            _tag(data, account["id"], company, name, color, "company", created)
        for number, tracker in enumerate(spec["trackers"]):
            _tracker(data, account["id"], company, spec, tracker, number, ids, created)
    _notifications(data, account["id"], owner, companies[0])
    seed_activity.populate(data, account["id"], catalog, companies, ids, reference)


def _company(data: dict[str, Any], account_id: str, spec: Doc, ids: IdMaker, created: str) -> Doc:
    company = {
        "id": ids.prefixed("COM"),
        "name": spec["name"],
        "status": "active",
        "time_zone": spec["time_zone"],
        "created_at": created,
        "disabled_at": None,
        "dni_active": True,
        "script_url": script_url(ids.randint(10**8, 10**9 - 1), ids.hex(20)),
        "callscore_enabled": False,
        "lead_scoring_enabled": True,
        "swap_exclude_jquery": None,
        "swap_ppc_override": None,
        "swap_landing_override": None,
        "swap_cookie_duration": 6,
        "swap_cookie_duration_unit": "months",
        "callscribe_enabled": True,
        "keyword_spotting_enabled": False,
        "form_capture": spec["form_capture"],
        "verified_caller_ids": [],
        "_account": account_id,
        "_numeric_id": next_number(data, "legacy"),
        "_signing_key": ids.hex(32),
        "_area": spec["area"],
        "_site": spec["site"],
        "_weight": spec["weight"],
    }
    data.setdefault("companies", {})[company["id"]] = company
    return company


def _user(
    data: dict[str, Any],
    account_id: str,
    spec: tuple[Any, ...],
    companies: list[Doc],
    ids: IdMaker,
    created: str,
) -> Doc:
    first, last, email, role, company_indexes = spec
    visible = companies if role == "admin" else [companies[i] for i in company_indexes]
    user = {
        "id": ids.prefixed("USR"),
        "email": email,
        "created_at": created,
        "role": role,
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "accepted": True,
        "companies": [c["id"] for c in visible],
        "_account": account_id,
        "_time_zone": companies[0]["time_zone"],
    }
    data.setdefault("users", {})[user["id"]] = user
    return user


def _tag(
    data: dict[str, Any],
    account_id: str,
    company: Doc | None,
    name: str,
    color: str,
    level: str,
    created: str,
) -> Doc:
    tag_id = next_number(data, "tag")
    tag = {
        "id": tag_id,
        "name": name,
        "tag_level": level,
        "color": color,
        "background_color": color,
        "company_id": company["id"] if company else None,
        "status": "enabled",
        "created_at": created,
        "_account": account_id,
    }
    data.setdefault("tags", {})[str(tag_id)] = tag
    return tag


def _tracker(
    data: dict[str, Any],
    account_id: str,
    company: Doc,
    spec: Doc,
    tracker_spec: tuple[Any, ...],
    number: int,
    ids: IdMaker,
    created: str,
) -> Doc:
    name, kind, source, campaign = tracker_spec
    area = spec["area"]
    base = 2000 + 10 * len(data.get("trackers", {}))
    pool = 4 if kind == "session" else 1
    destination = f"+1{area}555{1000 + number:04d}"
    tracker = {
        "id": ids.prefixed("TRK"),
        "name": name,
        "type": kind,
        "status": "active",
        "destination_number": destination,
        "tracking_numbers": [f"+1{area}555{base + i:04d}" for i in range(pool)],
        "whisper_message": f"Call from {name}",
        "sms_enabled": True,
        "sms_supported": True,
        "company_id": company["id"],
        "call_flow": {
            "type": "basic",
            "recording_enabled": True,
            "destination_number": destination,
            "greeting_text": "This call may be recorded for quality assurance.",
            "greeting_recording_url": None,
        },
        "source": dict(source),
        "created_at": created,
        "disabled_at": None,
        "swap_targets": [destination.removeprefix("+1")],
        "_campaign_name": campaign,
        "_account": account_id,
        "_numeric_id": next_number(data, "legacy"),
    }
    data.setdefault("trackers", {})[tracker["id"]] = tracker
    return tracker


def _notifications(data: dict[str, Any], account_id: str, owner: Doc, company: Doc) -> None:
    for alert_type, email, push in (("all", True, False), ("missed_and_vm", False, True)):
        number = next_number(data, "notification")
        data.setdefault("notifications", {})[str(number)] = {
            "id": number,
            "user_id": owner["id"],
            "email": None,
            "agent_id": None,
            "alert_type": alert_type,
            "call_enabled": True,
            "sms_enabled": alert_type == "all",
            "company_id": company["id"],
            "tracker_id": None,
            "send_desktop": False,
            "send_email": email,
            "send_push": push,
            "_account": account_id,
        }
