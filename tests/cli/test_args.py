"""``--since`` windows and ``--arg`` typing, in process."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import typer

from trunkline.cli.actions import action, parse_args, since

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("7d", datetime(2026, 11, 22, 12, 0, tzinfo=UTC)),
        ("24h", datetime(2026, 11, 28, 12, 0, tzinfo=UTC)),
        ("30m", datetime(2026, 11, 29, 11, 30, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 15, 12, 0, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:30:00Z", datetime(2026, 11, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_since(given: str, expected: datetime) -> None:
    assert since(given, NOW) == expected


def test_since_refuses_words() -> None:
    with pytest.raises(typer.Exit) as stopped:
        since("last tuesday", NOW)
    assert stopped.value.exit_code == 2


def test_args_are_typed_by_the_schema() -> None:
    values = parse_args(
        action("callrail.list_calls"),
        ["limit=5", "tags=vip,new", "search=a=b"],
        ['company_id="COM1"'],
    )
    assert values == {"limit": 5, "tags": ["vip", "new"], "search": "a=b", "company_id": "COM1"}


@pytest.mark.parametrize(
    ("pairs", "json_pairs"), [(["limit"], []), (["limit=x"], []), ([], ["limit={"])]
)
def test_bad_args_are_usage_errors(pairs: list[str], json_pairs: list[str]) -> None:
    with pytest.raises(typer.Exit) as stopped:
        parse_args(action("quo.list_calls"), pairs, json_pairs)
    assert stopped.value.exit_code == 2
