"""Scopes as values: checked when built, matched exactly; sends as catalogue data; budgets on
the local sliding window."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from trunkline.catalogue import Catalogue
from trunkline.catalogue.models import SendRoute
from trunkline.errors import InvalidRequest, ScopeDenied, SendBudgetExceeded
from trunkline.gateway.sends import recipients, send_route
from trunkline.scopes import UNSCOPED, Scope, SendBudget
from trunkline.throttle import LocalThrottle

CATALOGUE = Catalogue.load()


def test_unscoped_allows_everything() -> None:
    assert Scope.from_json(None) == UNSCOPED and UNSCOPED.unscoped
    UNSCOPED.check_method("DELETE")
    UNSCOPED.check_app("twilio")
    UNSCOPED.check_connection("anything")
    UNSCOPED.check_recipients(None)
    assert UNSCOPED.budgets == []


@pytest.mark.parametrize(
    ("pattern", "inside", "outside"),
    [
        ("+1555*", ["+1555", "+15551234567"], ["+14155550100", "+11555", "+1555x"]),
        ("+1555?", ["+15551"], ["+1555", "+155512"]),
        ("+15551234567", ["+15551234567"], ["+155512345678", "15551234567"]),
    ],
)
def test_destination_patterns(pattern: str, inside: list[str], outside: list[str]) -> None:
    scope = Scope.build(to=[pattern])
    scope.check_recipients(inside)
    for number in outside:
        with pytest.raises(ScopeDenied) as refused:
            scope.check_recipients([number])
        assert refused.value.wire_code == "scope_destination"


@pytest.mark.parametrize(
    "values",
    [
        {"to": ["1555*"]},
        {"to": ["+0555"]},
        {"to": ["+1.555"]},
        {"to": "+1555*"},
        {"apps": ["Quo"]},
        {"connections": ["a/b"]},
        {"sends_per_hour": 0},
        {"sends_per_day": True},
    ],
)
def test_bad_scopes_are_refused_when_built(values: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        Scope.build(**values)  # type: ignore[arg-type]


def test_scope_round_trips_through_its_wire_form() -> None:
    scope = Scope.build(
        apps=["quo"], connections=["c1"], read_only=True, to=["+1*"], sends_per_hour=3
    )
    assert Scope.from_json(scope.wire()) == scope
    assert [(b.requests, b.per_seconds) for b in scope.budgets] == [(3, 3600.0)]


def test_every_provider_declares_its_sends() -> None:
    cases = {
        ("quo", "/v1/messages"): "to",
        ("quo", "/messages/AC123/retry"): None,
        ("twilio", "/2010-04-01/Accounts/AC1/Messages.json"): "To",
        ("twilio", "/2010-04-01/Accounts/AC1/Calls.json"): "To",
        ("callrail", "/v3/a/ACC1/text-messages.json"): "customer_phone_number",
        ("ringcentral", "/restapi/v1.0/account/~/extension/~/sms"): "to[].phoneNumber",
        ("ringcentral", "/restapi/v1.0/account/~/extension/~/ring-out"): "to.phoneNumber",
    }
    for (app, path), field in cases.items():
        route = send_route(CATALOGUE.providers[app], "POST", path)
        assert route is not None and route.to == field, (app, path)
    quo = CATALOGUE.providers["quo"]
    assert send_route(quo, "GET", "/v1/messages") is None
    assert send_route(quo, "POST", "/v1/messages/extra") is None
    assert send_route(quo, "POST", "/V1/%4Dessages/") is not None


def test_recipients_are_read_where_the_catalogue_says() -> None:
    rc = SendRoute(path="/x", to="to[].phoneNumber")
    body = b'{"to": [{"phoneNumber": "+15551"}, {"phoneNumber": "+15552"}], "text": "hi"}'
    assert recipients(rc, body, None) == ["+15551", "+15552"]
    assert recipients(SendRoute(path="/x", to="to"), b'{"to": "+1"}', None) == ["+1"]
    form = SendRoute(path="/x", body="form", to="To")
    assert recipients(form, b"To=%2B15551&Body=x&To=%2B15552", None) == ["+15551", "+15552"]
    for bad, encoding in [
        (b'{"to": {"phoneNumber": "+1"}}', None),  # not the list the path says
        (b'{"to": [{"phoneNumber": 15551}]}', None),
        (b"[1, 2]", None),
        (b"\xff", None),
        (b'{"to": []}', b"gzip"),
    ]:
        with pytest.raises(InvalidRequest) as refused:
            recipients(rc, bad, encoding)
        assert refused.value.wire_code == "unreadable_send"


@pytest.mark.parametrize(
    "route",
    [
        {"path": "/v1/{id}/messages", "to": "to"},
        {"path": "v1/messages", "to": "to"},
        {"path": "/x", "body": "form", "to": "to.number"},
        {"path": "/x", "to": "to..x"},
        {"path": "/x", "method": "GET", "to": "to"},
    ],
)
def test_bad_send_routes_fail_when_the_catalogue_loads(route: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        SendRoute.model_validate(route)


async def test_budget_refuses_the_next_send_with_retry_after() -> None:
    budget = SendBudget(LocalThrottle(0.0))
    scope = Scope.build(sends_per_hour=2)
    await budget.spend("k1", scope)
    await budget.spend("k1", scope)
    with pytest.raises(SendBudgetExceeded) as refused:
        await budget.spend("k1", scope)
    assert refused.value.status == 429 and refused.value.retry_after > 3000
    assert int(refused.value.headers()["Retry-After"]) <= 3601
    await budget.spend("k2", scope)  # per key
    await budget.spend("k1", UNSCOPED)  # no budget, nothing counted
