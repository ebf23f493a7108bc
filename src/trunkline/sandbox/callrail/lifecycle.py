"""Live calls: they ring, connect (or not), hang up, and then the post-call webhook fires.

Timeline (real seconds, divided by ``SandboxConfig.speed``; ``POST /_sandbox/clock/advance``
runs it at once): pre-call webhook at once, routing after ``RING_S``, hang-up after
``RING_S + TALK_S``, post-call webhook ``PROCESS_S`` later (CallRail waits for the recording
and transcript before sending it).
"""

from __future__ import annotations

from trunkline.sandbox.callrail import attribution, callmodel, events, phones
from trunkline.sandbox.callrail.world import Doc, World

RING_S = 2.0
TALK_S = 4.0
PROCESS_S = 2.0


def _attribution_for(world: World, company: Doc, tracker: Doc) -> Doc:
    if tracker["type"] == "session":
        return attribution.website_visit(world.ids, str(company["_site"]))
    return attribution.for_source_tracker(tracker)


def _agent_for(world: World, company: Doc) -> Doc | None:
    users = [
        u
        for u in world.scoped("users", str(company["_account"]))
        if company["id"] in u["companies"]
    ]
    return users[0] if users else None


def start_inbound(
    world: World,
    *,
    company: Doc,
    tracker: Doc,
    customer_phone: str,
    customer_name: str | None,
    outcome: str,
    duration: int,
    base_url: str,
) -> Doc:
    plan = callmodel.CallPlan(
        company=company,
        tracker=tracker,
        customer_phone=customer_phone,
        customer_name=customer_name,
        start=world.now(),
        attribution=_attribution_for(world, company, tracker),
    )
    call = _open(world, plan)
    world.save()
    events.emit_call(world, call, "pre", base_url)
    call_id = str(call["id"])

    def routed() -> None:
        live = world.table("calls").get(call_id)
        if live is not None and outcome == "answered":
            events.emit_call(world, live, "routed", base_url)

    world.runtime.clock.later(RING_S, routed)
    _hang_up_later(world, call_id, outcome, duration, tracker, _agent_for(world, company), base_url)
    return call


def start_outbound(
    world: World,
    *,
    company: Doc,
    tracker: Doc,
    business_phone: str,
    customer_phone: str,
    agent: Doc | None,
    base_url: str,
) -> Doc:
    plan = callmodel.CallPlan(
        company=company,
        tracker=tracker,
        customer_phone=customer_phone,
        customer_name=None,
        start=world.now(),
        direction="outbound",
        attribution=attribution.for_source_tracker(tracker),
        business_phone=business_phone,
    )
    call = _open(world, plan)
    call["answered"] = None
    world.save()
    reachable = not phones.unreachable(customer_phone)
    outcome, duration = ("answered", world.ids.randint(45, 300)) if reachable else ("missed", 0)
    _hang_up_later(world, str(call["id"]), outcome, duration, tracker, agent, base_url)
    return call


def _open(world: World, plan: callmodel.CallPlan) -> Doc:
    """A ringing call in the account of the plan's company."""
    return callmodel.open_call(world.data, str(plan.company["_account"]), plan, world.ids)


def _hang_up_later(
    world: World,
    call_id: str,
    outcome: str,
    duration: int,
    tracker: Doc,
    agent: Doc | None,
    base_url: str,
) -> None:
    """Hang up after ring and talk time, then send the post-call webhook ``PROCESS_S`` later."""

    def step() -> None:
        call = world.table("calls").get(call_id)
        if call is None or call["_state"] != "in_progress":
            return
        callmodel.finish_call(
            call, outcome=outcome, duration=duration, tracker=tracker, agent=agent, rng=world.ids
        )
        world.save()

        def post_call() -> None:
            live = world.table("calls").get(call_id)
            if live is not None and not live["_spam"]:
                events.emit_call(world, live, "post", base_url)

        world.runtime.clock.later(PROCESS_S, post_call)

    world.runtime.clock.later(RING_S + TALK_S, step)
