"""People (CallRail "leads", ids ``PER...``): one per customer phone number and company.

Calls, texts and form submissions from the same number to the same company share a person, which
is what ``prior_calls``, ``first_call`` and the lead timeline are built on.
"""

from __future__ import annotations

from typing import Any

from trunkline.sandbox.kit import IdMaker

Doc = dict[str, Any]


def person_for(
    data: dict[str, Any],
    *,
    account_id: str,
    company: Doc,
    phone: str | None,
    name: str | None,
    email: str | None,
    when: str,
    ids: IdMaker,
) -> Doc:
    people: dict[str, Doc] = data.setdefault("people", {})
    for person in people.values():
        same_company = person["company_id"] == company["id"]
        if same_company and (
            (phone and person["phone"] == phone) or (email and person["email"] == email)
        ):
            person["name"] = person["name"] or name
            person["email"] = person["email"] or email
            person["phone"] = person["phone"] or phone
            return person
    person = {
        "id": ids.prefixed("PER"),
        "name": name,
        "phone": phone,
        "email": email,
        "created_at": when,
        "company_id": company["id"],
        "company_name": company["name"],
        "_account": account_id,
    }
    people[person["id"]] = person
    return person
