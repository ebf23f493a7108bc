"""Usage records add up what the sandbox actually carried."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.sandbox.twilio.conftest import TwilioTarget
from tests.support.servers import serve_asgi
from trunkline.sandbox.kit import SandboxConfig
from trunkline.sandbox.twilio import create_app


def utc_today() -> date:
    return datetime.now(UTC).date()


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


@pytest.fixture()
def fresh_target(twilio_target: TwilioTarget):
    """A sandbox of its own, so totals are not disturbed by other tests."""
    with serve_asgi(create_app(SandboxConfig(speed=1000))) as url:
        yield TwilioTarget(url, url, twilio_target.ids, twilio_target.checker)


def test_usage_reflects_activity(fresh_target: TwilioTarget) -> None:
    client = fresh_target.client()
    today = utc_today()
    before = {r.category: r for r in client.usage.records.today.list()}
    assert set(before) >= {"sms", "sms-outbound", "calls", "calls-outbound", "totalprice"}

    client.messages.create(to="+14155557500", from_="+14155552671", body="a" * 200)  # 2 segments
    client.messages.create(to="+14155557501", from_="+14155552671", body="short")
    client.calls.create(to="+14155557502", from_="+14155552671", twiml="<Response/>")
    fresh_target.advance()

    after = {r.category: r for r in client.usage.records.today.list()}
    sms = after["sms-outbound"]
    assert int(sms.count) - int(before["sms-outbound"].count) == 2 and sms.count_unit == "messages"
    assert int(sms.usage) - int(before["sms-outbound"].usage) == 3  # segments
    assert money(sms.price) - money(before["sms-outbound"].price) == Decimal("0.0237")
    calls = after["calls-outbound"]
    assert int(calls.count) - int(before["calls-outbound"].count) == 1
    assert (
        int(calls.usage) - int(before["calls-outbound"].usage) == 1
        and calls.usage_unit == "minutes"
    )
    total = after["totalprice"]
    assert money(total.usage) == money(total.price) and total.usage_unit == "usd"
    parts = sum(money(after[c].price) for c in ("sms", "mms", "calls"))
    assert abs(money(total.price) - parts) <= Decimal("0.0002")
    assert after["sms-outbound"].start_date == today


def test_usage_filters_and_periods(fresh_target: TwilioTarget) -> None:
    client = fresh_target.client()
    today = utc_today()
    start = today - timedelta(days=27)
    sms = client.usage.records.list(category="sms", start_date=start, end_date=today)
    assert len(sms) == 1 and sms[0].category == "sms" and int(sms[0].count) > 100
    assert (sms[0].start_date, sms[0].end_date) == (start, today)

    daily = client.usage.records.daily.list(
        category="calls", start_date=today - timedelta(days=6), page_size=3
    )
    assert [r.start_date for r in daily] == [today - timedelta(days=6 - i) for i in range(7)]
    assert sum(int(r.count) for r in daily) > 0

    monthly = client.usage.records.monthly.list(category="sms-inbound")
    assert sum(int(r.count) for r in monthly) == int(
        client.usage.records.all_time.list(category="sms-inbound")[0].count
    )
    assert client.usage.records.list(category="no-such-category") == []
    records = client.usage.records
    for period in (records.yesterday, records.this_month, records.last_month, records.yearly):
        listed = period.list(category="calls")
        assert listed and all(r.category == "calls" for r in listed)
    assert (
        client.usage.records.list(
            start_date=today + timedelta(days=3), end_date=today + timedelta(days=4), category="sms"
        )[0].count
        == "0"
    )


def test_usage_can_exclude_subaccounts(fresh_target: TwilioTarget) -> None:
    with fresh_target.http() as http:
        path = f"/2010-04-01/Accounts/{fresh_target.ids.account_sid}/Usage/Records/AllTime.json"
        both = http.get(path, params={"Category": "sms"}).json()["usage_records"][0]
        mine = http.get(path, params={"Category": "sms", "IncludeSubaccounts": "false"}).json()[
            "usage_records"
        ][0]
        relative = http.get(
            path.replace("/AllTime", ""), params={"Category": "sms", "StartDate": "-3days"}
        )
        bad = http.get(path.replace("/AllTime", ""), params={"StartDate": "last week"})
        daily = path.replace("AllTime", "Daily")
        too_long = http.get(daily, params={"StartDate": "1990-01-01"})
        out_of_range = http.get(daily, params={"StartDate": "9999-12-30", "EndDate": "9999-12-31"})
    assert int(both["count"]) > int(mine["count"]) > 0
    assert (
        relative.json()["usage_records"][0]["start_date"]
        == (utc_today() - timedelta(days=3)).isoformat()
    )
    for response in (bad, too_long, out_of_range):
        assert response.status_code == 400 and response.json()["code"] == 20001
