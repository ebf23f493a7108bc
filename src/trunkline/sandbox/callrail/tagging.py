"""Applying tags by name to calls, form submissions and text threads.

As in CallRail, naming a tag that does not exist in the record's company creates it there;
a disabled tag cannot be applied to anything new.
"""

from __future__ import annotations

from trunkline.sandbox.callrail import times
from trunkline.sandbox.callrail.errors import bad_request
from trunkline.sandbox.callrail.routing import Ctx
from trunkline.sandbox.callrail.world import Doc, World


def create_tag(
    world: World, account_id: str, company_id: str | None, name: str, color: str, level: str
) -> Doc:
    number = world.next_number("tag")
    tag = {
        "id": number,
        "name": name,
        "tag_level": level,
        "color": color,
        "background_color": color,
        "company_id": company_id,
        "status": "enabled",
        "created_at": times.store(world.now()),
        "_account": account_id,
    }
    world.table("tags")[str(number)] = tag
    return tag


def tag_named(world: World, account_id: str, company_id: str, name: str) -> Doc | None:
    for tag in world.scoped("tags", account_id):
        usable = tag["tag_level"] == "account" or tag["company_id"] == company_id
        if usable and tag["name"].lower() == name.lower():
            return tag
    return None


def apply(ctx: Ctx, record: Doc, names: list[str], *, append: bool) -> list[str]:
    company_id = str(record["company_id"])
    chosen: list[str] = []
    for name in (n.strip() for n in names):
        if not name:
            continue
        tag = tag_named(ctx.world, ctx.account_id, company_id, name)
        if tag is None:
            tag = create_tag(ctx.world, ctx.account_id, company_id, name, "gray1", "company")
        if tag["status"] == "disabled" and tag["name"] not in (record.get("tags") or []):
            raise bad_request(f"Tag '{tag['name']}' is disabled and cannot be applied")
        if tag["name"] not in chosen:
            chosen.append(tag["name"])
    if not append:
        return chosen
    current = list(record.get("tags") or [])
    return current + [name for name in chosen if name not in current]
