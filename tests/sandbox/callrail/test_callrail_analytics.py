"""Summary and time series numbers agree with the calls the list endpoint returns."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
import pytest

METRICS = ",".join(
    (
        "total_calls",
        "missed_calls",
        "answered_calls",
        "first_time_callers",
        "average_duration",
        "formatted_average_duration",
        "leads",
    )
)


def listed(api: httpx.Client, acct: str, **params: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.get(
            f"{acct}/calls.json",
            params={
                "per_page": 250,
                "page": page,
                "fields": "first_call,lead_status,source,company_name",
                **params,
            },
        ).json()
        calls.extend(body["calls"])
        if page >= body["total_pages"]:
            return calls
        page += 1


def expected_metrics(calls: list[dict[str, Any]]) -> dict[str, Any]:
    average = round(sum(c["duration"] or 0 for c in calls) / len(calls)) if calls else 0
    return {
        "total_calls": len(calls),
        "missed_calls": sum(1 for c in calls if c["answered"] is False),
        "answered_calls": sum(1 for c in calls if c["answered"]),
        "first_time_callers": sum(1 for c in calls if c["first_call"]),
        "average_duration": average,
        "leads": sum(1 for c in calls if c["lead_status"] == "good_lead"),
    }


@pytest.mark.parametrize(
    "filters",
    [
        {"date_range": "all_time"},
        {},
        {"date_range": "last_30_days", "answer_status": "answered"},
        {"date_range": "all_time", "direction": "inbound", "lead_status": "good_lead"},
        {"date_range": "this_month"},
    ],
)
def test_summary_totals_match_the_list(
    api: httpx.Client, acct: str, filters: dict[str, str]
) -> None:
    calls = listed(api, acct, **filters)
    summary = api.get(f"{acct}/calls/summary.json", params={**filters, "fields": METRICS}).json()
    totals = summary["total_results"]
    assert {k: totals[k] for k in expected_metrics(calls)} == expected_metrics(calls)
    assert isinstance(totals["formatted_average_duration"], str)
    assert summary["time_zone"] == "America/New_York"
    assert datetime.strptime(summary["start_date"], "%Y-%m-%dT%H:%M:%S%z") <= datetime.strptime(
        summary["end_date"], "%Y-%m-%dT%H:%M:%S%z"
    )


def test_summary_defaults_to_total_calls_only(api: httpx.Client, acct: str) -> None:
    summary = api.get(f"{acct}/calls/summary.json").json()
    assert summary["total_results"] == {"total_calls": len(listed(api, acct))}
    assert "grouped_results" not in summary


@pytest.mark.parametrize(("group", "field"), [("source", "source"), ("company", "company_name")])
def test_grouped_summary_matches_the_list(
    api: httpx.Client, acct: str, group: str, field: str
) -> None:
    calls = listed(api, acct, date_range="all_time")
    summary = api.get(
        f"{acct}/calls/summary.json",
        params={"date_range": "all_time", "group_by": group, "fields": "total_calls,leads"},
    ).json()
    assert summary["grouped_by"] == group
    grouped = {row["key"]: row["total_calls"] for row in summary["grouped_results"]}
    assert grouped == dict(Counter(c[field] for c in calls))
    assert (
        sum(row["leads"] for row in summary["grouped_results"]) == summary["total_results"]["leads"]
    )


def test_summary_company_filter_and_durations(api: httpx.Client, acct: str) -> None:
    company = api.get(f"{acct}/companies.json").json()["companies"][1]["id"]
    params = {
        "date_range": "all_time",
        "company_id": company,
        "min_duration": "60",
        "max_duration": "600",
    }
    summary = api.get(f"{acct}/calls/summary.json", params=params).json()
    calls = [
        c
        for c in listed(api, acct, date_range="all_time", company_id=company)
        if 60 <= (c["duration"] or 0) <= 600
    ]
    assert summary["total_results"]["total_calls"] == len(calls) > 0


def test_daily_time_series_matches_the_list(api: httpx.Client, acct: str) -> None:
    series = api.get(
        f"{acct}/calls/timeseries.json",
        params={"date_range": "last_30_days", "fields": "total_calls,answered_calls"},
    ).json()
    calls = listed(api, acct, date_range="last_30_days")
    per_day = Counter(c["start_time"][:10] for c in calls)
    assert len(series["data"]) == 30
    assert {
        row["date"]: row["total_calls"] for row in series["data"] if row["total_calls"]
    } == dict(per_day)
    assert (
        sum(row["answered_calls"] for row in series["data"])
        == series["total_results"]["answered_calls"]
    )
    assert series["total_results"]["total_calls"] == len(calls)


def test_weekly_and_monthly_buckets_add_up(api: httpx.Client, acct: str) -> None:
    total = len(listed(api, acct, date_range="all_time"))
    for interval in ("week", "month", "year"):
        series = api.get(
            f"{acct}/calls/timeseries.json", params={"date_range": "all_time", "interval": interval}
        ).json()
        assert sum(row["total_calls"] for row in series["data"]) == total
    weekly = api.get(
        f"{acct}/calls/timeseries.json", params={"date_range": "last_30_days", "interval": "week"}
    ).json()
    assert all(datetime.fromisoformat(row["date"]).weekday() == 0 for row in weekly["data"])


def test_hourly_series_and_the_200_point_limit(api: httpx.Client, acct: str) -> None:
    today = api.get(
        f"{acct}/calls/timeseries.json", params={"date_range": "today", "interval": "hour"}
    ).json()
    assert len(today["data"]) == 24
    assert datetime.strptime(today["data"][0]["date"], "%Y-%m-%dT%H:%M:%S%z").hour == 0
    too_many = api.get(
        f"{acct}/calls/timeseries.json", params={"date_range": "last_30_days", "interval": "hour"}
    )
    assert too_many.status_code == 400 and "200" in too_many.json()["error"]
    assert (
        api.get(f"{acct}/calls/timeseries.json", params={"interval": "fortnight"}).status_code
        == 400
    )
    assert api.get(f"{acct}/calls/summary.json", params={"group_by": "weather"}).status_code == 400
    assert (
        api.get(f"{acct}/calls/summary.json", params={"fields": "total_calls,vibes"}).status_code
        == 400
    )


def test_forms_summary_matches_the_form_list(api: httpx.Client, acct: str) -> None:
    forms = api.get(
        f"{acct}/form_submissions.json", params={"date_range": "all_time", "per_page": 250}
    ).json()
    summary = api.get(
        f"{acct}/forms/summary.json",
        params={
            "date_range": "all_time",
            "fields": "total_forms,first_forms,leads",
            "group_by": "source",
        },
    ).json()
    assert summary["total_results"]["total_forms"] == forms["total_records"] > 0
    assert summary["total_results"]["first_forms"] == sum(
        1 for f in forms["form_submissions"] if f["first_form"]
    )
    assert sum(row["total_forms"] for row in summary["grouped_results"]) == forms["total_records"]
