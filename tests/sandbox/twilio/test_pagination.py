"""List pages look exactly like Twilio's: meta keys plus one list key, relative links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.sandbox.twilio.conftest import TwilioTarget

META = {
    "end",
    "first_page_uri",
    "next_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "start",
    "uri",
}


def test_page_walk_forward_and_back(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    base = f"/2010-04-01/Accounts/{account}/Calls.json"
    with twilio_target.http() as http:
        first = http.get(base, params={"PageSize": 20, "Status": "completed"}).json()
        assert set(first) == META | {"calls"}
        assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 20, 0, 19)
        assert first["previous_page_uri"] is None
        assert first["first_page_uri"] == f"{base}?Status=completed&PageSize=20&Page=0"
        next_uri = first["next_page_uri"]
        assert next_uri.startswith(base) and "PageToken=PA" + first["calls"][-1]["sid"] in next_uri

        second = http.get(next_uri).json()
        assert (second["page"], second["start"], second["end"]) == (1, 20, 39)
        assert not {c["sid"] for c in first["calls"]} & {c["sid"] for c in second["calls"]}
        assert all(c["status"] == "completed" for c in second["calls"])
        query = parse_qs(urlsplit(second["previous_page_uri"]).query)
        assert query["PageToken"] == ["PB" + second["calls"][0]["sid"]] and query["Page"] == ["0"]
        back = http.get(second["previous_page_uri"]).json()
        assert [c["sid"] for c in back["calls"]] == [c["sid"] for c in first["calls"]]


def test_last_page_and_empty_page(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    with twilio_target.http() as http:
        queues = http.get(
            f"/2010-04-01/Accounts/{account}/Queues.json", params={"PageSize": 1000}
        ).json()
        assert queues["next_page_uri"] is None and queues["end"] == len(queues["queues"]) - 1
        empty = http.get(
            f"/2010-04-01/Accounts/{account}/Messages.json", params={"To": "+19175550999"}
        ).json()
        assert empty["messages"] == [] and (empty["start"], empty["end"]) == (0, 0)
        assert empty["next_page_uri"] is None


def test_newest_first_ordering(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    first = client.messages.create(to="+14155557400", from_="+14155552671", body="one")
    second = client.messages.create(to="+14155557400", from_="+14155552671", body="two")
    listed = client.messages.list(to="+14155557400")
    assert [m.sid for m in listed] == [second.sid, first.sid]


def test_page_number_without_token(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    with twilio_target.http() as http:
        all_calls = http.get(
            f"/2010-04-01/Accounts/{account}/Calls.json", params={"PageSize": 30}
        ).json()["calls"]
        page_two = http.get(
            f"/2010-04-01/Accounts/{account}/Calls.json", params={"PageSize": 10, "Page": 2}
        ).json()
        assert [c["sid"] for c in page_two["calls"]] == [c["sid"] for c in all_calls[20:30]]
