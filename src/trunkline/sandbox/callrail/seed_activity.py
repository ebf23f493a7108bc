"""Seeded activity: calls, form submissions and text conversations over the last four weeks.

Everything is drawn from one seeded generator, in time order, so repeat callers, first calls and
``previously_marked_good_lead`` come out the way CallRail computes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from trunkline.sandbox.callrail import attribution, callmodel, textmodel, times
from trunkline.sandbox.callrail.people import person_for
from trunkline.sandbox.callrail.seed_catalog import (
    CUSTOMER_AREAS,
    FIRST_NAMES,
    LAST_NAMES,
    TEXTS_IN,
    TEXTS_OUT,
)
from trunkline.sandbox.kit import IdMaker

Doc = dict[str, Any]
SPAN_MINUTES = 28 * 24 * 60


def populate(
    data: dict[str, Any],
    account_id: str,
    catalog: Doc,
    companies: list[Doc],
    ids: IdMaker,
    reference: datetime,
) -> None:
    customers = _customers(ids, 90)
    _calls(data, account_id, catalog["calls"], companies, customers, ids, reference)
    if companies[0]["form_capture"]:
        _forms(data, account_id, companies[0], customers, ids, reference)
    _texts(data, account_id, companies, customers, ids, reference)


def _customers(ids: IdMaker, count: int) -> list[tuple[str, str]]:
    people = []
    for index in range(count):
        area = CUSTOMER_AREAS[index % len(CUSTOMER_AREAS)]
        line = 100 + index // len(CUSTOMER_AREAS)
        name = f"{ids.choice(FIRST_NAMES)} {ids.choice(LAST_NAMES)}"
        people.append((name, f"+1{area}555{line:04d}"))
    return people


def _pick_company(companies: list[Doc], ids: IdMaker) -> Doc:
    weighted = [c for c in companies for _ in range(int(c["_weight"]))]
    return weighted[ids.randint(0, len(weighted) - 1)]


def _calls(
    data: dict[str, Any],
    account_id: str,
    count: int,
    companies: list[Doc],
    customers: list[tuple[str, str]],
    ids: IdMaker,
    reference: datetime,
) -> None:
    starts = sorted(
        reference - timedelta(minutes=ids.randint(15, SPAN_MINUTES)) for _ in range(count)
    )
    for start in starts:
        company = _pick_company(companies, ids)
        trackers = [t for t in data["trackers"].values() if t["company_id"] == company["id"]]
        tracker = trackers[ids.randint(0, len(trackers) - 1)]
        _one_call(data, account_id, company, tracker, customers, ids, start)


def _one_call(
    data: dict[str, Any],
    account_id: str,
    company: Doc,
    tracker: Doc,
    customers: list[tuple[str, str]],
    ids: IdMaker,
    start: datetime,
) -> None:
    name, phone = customers[ids.randint(0, 39) + 10 * companies_offset(company)]
    outbound = ids.randint(1, 100) <= 8
    visit = (
        attribution.website_visit(ids, company["_site"])
        if tracker["type"] == "session"
        else attribution.for_source_tracker(tracker)
    )
    plan = callmodel.CallPlan(
        company=company,
        tracker=tracker,
        customer_phone=phone,
        customer_name=name,
        start=start,
        direction="outbound" if outbound else "inbound",
        attribution=visit,
    )
    call = callmodel.open_call(data, account_id, plan, ids)
    roll = ids.randint(1, 100)
    outcome = "answered" if outbound or roll <= 65 else "missed" if roll <= 83 else "voicemail"
    duration = {"answered": ids.randint(30, 900), "missed": ids.randint(4, 30)}.get(
        outcome, ids.randint(15, 60)
    )
    agents = [u for u in data["users"].values() if company["id"] in u["companies"]]
    agent = agents[ids.randint(0, len(agents) - 1)]
    callmodel.finish_call(
        call, outcome=outcome, duration=duration, tracker=tracker, agent=agent, rng=ids
    )
    _score(data, call, company, ids)
    if tracker["type"] == "session":
        call["_page_views"] = callmodel.session_page_views(ids, call)


def companies_offset(company: Doc) -> int:
    """Each company draws most callers from its own slice of the customer list."""
    return {5: 0, 3: 3, 2: 5}.get(int(company["_weight"]), 0)


def _score(data: dict[str, Any], call: Doc, company: Doc, ids: IdMaker) -> None:
    if not call["answered"]:
        return
    roll = ids.randint(1, 100)
    if call["lead_status"] is None and roll <= 30:
        call.update(lead_status="good_lead", value=f"{ids.randint(1, 40) * 25}.00")
    elif call["lead_status"] is None and roll <= 40:
        call["lead_status"] = "not_a_lead"
    tags = [
        t["name"]
        for t in data["tags"].values()
        if t["company_id"] == company["id"]
        or (t["tag_level"] == "account" and t["_account"] == call["_account"])
    ]
    if tags and roll % 3 == 0:
        call["tags"] = [tags[roll % len(tags)]]
    if roll % 7 == 0:
        call["note"] = "Asked for a call back next week."


def _forms(
    data: dict[str, Any],
    account_id: str,
    company: Doc,
    customers: list[tuple[str, str]],
    ids: IdMaker,
    reference: datetime,
) -> None:
    starts = sorted(reference - timedelta(minutes=ids.randint(30, SPAN_MINUTES)) for _ in range(24))
    for start in starts:
        name, phone = customers[ids.randint(0, len(customers) - 1)]
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@mail.example"
        visit = attribution.website_visit(ids, company["_site"])
        create_form(
            data,
            account_id,
            company,
            {"name": name, "email": email, "phone": phone, "message": "Please call me back."},
            visit,
            ids,
            start,
            form_url=f"{company['_site']}/contact",
        )


def create_form(
    data: dict[str, Any],
    account_id: str,
    company: Doc,
    form_data: Doc,
    visit: Doc,
    ids: IdMaker,
    when: datetime,
    *,
    form_url: str,
) -> Doc:
    """A form submission record (shared with the live ``POST form_submissions.json``)."""
    phone = _form_phone(form_data)
    email = next((str(v) for v in form_data.values() if isinstance(v, str) and "@" in v), None)
    name = next((str(v) for k, v in form_data.items() if "name" in k.lower()), None)
    submitted = times.store(when)
    person = person_for(
        data,
        account_id=account_id,
        company=company,
        phone=phone,
        name=name,
        email=email,
        when=submitted,
        ids=ids,
    )
    earlier = [
        f
        for f in data.setdefault("form_submissions", {}).values()
        if f["person_id"] == person["id"]
    ]
    form = {
        "id": ids.prefixed("FOR"),
        "company_id": company["id"],
        "person_id": person["id"],
        "form_data": form_data,
        "form_url": form_url,
        "landing_page_url": visit.get("landing_page_url"),
        "referrer": visit.get("referrer_domain") or "direct",
        "referring_url": visit.get("referring_url"),
        "submitted_at": submitted,
        "first_form": not earlier,
        "customer_phone_number": phone,
        "customer_name": name,
        "customer_email": email,
        "source": visit.get("source"),
        "keywords": visit.get("keywords"),
        "campaign": visit.get("campaign"),
        "medium": visit.get("medium"),
        "lead_status": None,
        "value": None,
        "note": None,
        "tags": [],
        "utm_source": visit.get("utm_source"),
        "utm_medium": visit.get("utm_medium"),
        "utm_campaign": visit.get("utm_campaign"),
        "form_name": "Contact Us",
        "_account": account_id,
        "_numeric_id": len(data["form_submissions"]) + 500_000_001,
        "_spam": False,
        "_visit": visit,
    }
    data["form_submissions"][form["id"]] = form
    return form


def _form_phone(form_data: Doc) -> str | None:
    for value in form_data.values():
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        if len(digits) in (10, 11) and not str(value).count("@"):
            return "+1" + digits[-10:]
    return None


def _texts(
    data: dict[str, Any],
    account_id: str,
    companies: list[Doc],
    customers: list[tuple[str, str]],
    ids: IdMaker,
    reference: datetime,
) -> None:
    for index in range(10 if len(companies) > 1 else 2):
        company = companies[index % len(companies)]
        tracker = next(t for t in data["trackers"].values() if t["company_id"] == company["id"])
        name, phone = customers[(index * 7) % len(customers)]
        moment = reference - timedelta(hours=ids.randint(2, 24 * 20))
        for turn in range(ids.randint(2, 5)):
            incoming = turn % 2 == 0
            content = ids.choice(TEXTS_IN if incoming else TEXTS_OUT)
            textmodel.add_message(
                data,
                account_id=account_id,
                company=company,
                tracker=tracker,
                customer_phone=phone,
                customer_name=name,
                content=content,
                direction="incoming" if incoming else "outgoing",
                when=moment + timedelta(minutes=7 * turn),
                ids=ids,
                sender=None if incoming else _owner(data, account_id),
            )


def _owner(data: dict[str, Any], account_id: str) -> Doc:
    return next(u for u in data["users"].values() if u["_account"] == account_id)
