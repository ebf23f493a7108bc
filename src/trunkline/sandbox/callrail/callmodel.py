"""Call records: opened when the phone rings, finished when it hangs up.

Both the seed and the live sandbox (inbound calls played through the control API, outbound calls
placed through ``POST calls.json``) build calls here, so seeded and live calls look the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trunkline.sandbox.callrail import attribution, phones, times, transcripts
from trunkline.sandbox.callrail.people import person_for
from trunkline.sandbox.callrail.world import next_number
from trunkline.sandbox.kit import IdMaker

Doc = dict[str, Any]
OUTCOMES = ("answered", "missed", "voicemail")


@dataclass
class CallPlan:
    company: Doc
    tracker: Doc
    customer_phone: str
    customer_name: str | None
    start: datetime
    direction: str = "inbound"
    attribution: Doc = field(default_factory=attribution.empty)
    business_phone: str | None = None


def open_call(data: dict[str, Any], account_id: str, plan: CallPlan, ids: IdMaker) -> Doc:
    """A ringing call: no outcome yet (``call_type`` ``in_progress``)."""
    started = times.store(plan.start)
    person = person_for(
        data,
        account_id=account_id,
        company=plan.company,
        phone=plan.customer_phone,
        name=plan.customer_name,
        email=None,
        when=started,
        ids=ids,
    )
    earlier = _calls_from(data, plan.company["id"], plan.customer_phone)
    city, state, country = phones.location(plan.customer_phone)
    call: Doc = {
        "id": ids.prefixed("CAL"),
        "answered": None,
        "business_phone_number": plan.business_phone,
        "customer_city": city,
        "customer_country": country,
        "customer_name": plan.customer_name,
        "customer_phone_number": plan.customer_phone,
        "customer_state": state,
        "direction": plan.direction,
        "duration": None,
        "start_time": started,
        "created_at": started,
        "tracking_phone_number": plan.tracker["tracking_numbers"][0],
        "voicemail": False,
        "agent_email": None,
        "call_type": "in_progress",
        "company_id": plan.company["id"],
        "tracker_id": plan.tracker["id"],
        "source_name": plan.tracker["name"],
        "person_id": person["id"],
        "first_call": not earlier,
        "prior_calls": len(earlier),
        "note": None,
        "value": None,
        "tags": [],
        "keywords_spotted": [],
        "keypad_entries": None,
        "zip_code": [],
        "custom": {},
        "integration_data": [],
        "lead_score": None,
        "lead_explanation": None,
        "voice_assist_message": None,
        "_account": account_id,
        "_numeric_id": next_number(data, "legacy"),
        "_access_key": ids.hex(20),
        "_state": "in_progress",
        "_recorded": False,
        "_spam": False,
        "_page_views": [],
    }
    call.update(plan.attribution)
    call.update(transcripts.silent())
    call.update(_lead_history(earlier))
    data.setdefault("calls", {})[call["id"]] = call
    return call


def finish_call(
    call: Doc, *, outcome: str, duration: int, tracker: Doc, agent: Doc | None, rng: IdMaker
) -> None:
    """Hang up: the outcome, duration, recording and (when recorded) the conversation."""
    answered = outcome == "answered"
    voicemail = outcome == "voicemail"
    recorded = bool(tracker.get("call_flow", {}).get("recording_enabled")) and (
        answered or voicemail
    )
    call.update(
        answered=answered,
        voicemail=voicemail,
        duration=duration,
        call_type="outbound" if call["direction"] == "outbound" else outcome,
        _state="completed",
        _recorded=recorded and duration > 0,
    )
    if answered:
        call["business_phone_number"] = call["business_phone_number"] or _destination(tracker)
        call["agent_email"] = agent["email"] if agent else None
    if call["_recorded"]:
        call.update(transcripts.conversation(rng, voicemail))
        call["lead_score"] = "good" if answered else "fair"
        call["lead_explanation"] = "The caller asked about services the business offers."


def _destination(tracker: Doc) -> str | None:
    flow = tracker.get("call_flow") or {}
    return flow.get("destination_number") or tracker.get("destination_number")


def _calls_from(data: dict[str, Any], company_id: str, phone: str) -> list[Doc]:
    calls: dict[str, Doc] = data.setdefault("calls", {})
    found = [
        c
        for c in calls.values()
        if c["company_id"] == company_id and c["customer_phone_number"] == phone
    ]
    return sorted(found, key=lambda c: str(c["start_time"]))


def _lead_history(earlier: list[Doc]) -> Doc:
    """A caller already scored a good lead is ``previously_marked_good_lead`` on later calls."""
    good = next((c for c in earlier if c.get("lead_status") == "good_lead"), None)
    if good is None:
        return {"lead_status": None, "good_lead_call_id": None, "good_lead_call_time": None}
    return {
        "lead_status": "previously_marked_good_lead",
        "good_lead_call_id": good["_numeric_id"],
        "good_lead_call_time": good["start_time"],
    }


def session_page_views(rng: IdMaker, call: Doc) -> list[Doc]:
    """Browsing history before a call to a session tracker, newest first."""
    landing = call.get("landing_page_url")
    if not landing:
        return []
    site = "/".join(landing.split("/")[:3])
    start = times.parse(str(call["start_time"]))
    pages = [landing] + [f"{site}{p}" for p in ("/services", "/pricing", "/contact")]
    referrer = call.get("referring_url")
    views = []
    for index, page in enumerate(pages[: rng.randint(2, 4)]):
        when = start.timestamp() - 60 * (len(pages) - index)
        views.append({"referrer_url": referrer, "page_url": page, "_at": when})
        referrer = page
    return list(reversed(views))
