"""Real provider clients through a real ``trunkline serve`` against its sandboxes, configured
only by base URL and the trunkline key (the official ``twilio`` client with no custom HTTP
client; CallRail and Quo with their own ``Authorization`` forms)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from tests.support.process import TrunklineProcess
from trunkline.sandbox.callrail.seed import seed_keys
from trunkline.sandbox.twilio.seed import identity

IDS = identity()
MAIN_NUMBER = "+14155552671"
SUB_NUMBER = "+13125559012"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data: Path = tmp_path_factory.mktemp("clients") / "data"
    env = {"TRUNKLINE_SANDBOX_SPEED": "50", "TRUNKLINE_THROTTLE_WAIT": "30"}
    proc = TrunklineProcess(data, env=env).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def key(served: TrunklineProcess) -> str:
    assert served.api_key is not None and served.api_key.startswith("tk_test_")
    return served.api_key


def twilio(served: TrunklineProcess, key: str, account_sid: str = IDS.account_sid) -> Client:
    client = Client(account_sid, key)
    client.api.base_url = f"{served.url}/twilio"
    return client


# -- Twilio ----------------------------------------------------------------------------------


def test_twilio_messages_list_create_fetch(served: TrunklineProcess, key: str) -> None:
    client = twilio(served, key)
    sent = client.messages.create(to="+14155550199", from_=MAIN_NUMBER, body="via the gateway")
    assert sent.sid.startswith("SM") and sent.account_sid == IDS.account_sid
    assert client.messages(sent.sid).fetch().body == "via the gateway"
    assert sent.sid in {m.sid for m in client.messages.list(limit=20)}


def test_twilio_calls_list_create_fetch(served: TrunklineProcess, key: str) -> None:
    client = twilio(served, key)
    call = client.calls.create(
        to="+14155557000", from_=MAIN_NUMBER, url="https://example.invalid/x"
    )
    assert call.sid.startswith("CA")
    assert client.calls(call.sid).fetch().to == "+14155557000"
    listed = client.calls.list(limit=30)
    assert listed and all(c.sid.startswith("CA") for c in listed)


def test_twilio_auto_pagination_crosses_pages_through_the_gateway(
    served: TrunklineProcess, key: str
) -> None:
    client = twilio(served, key)
    seen: list[str] = []  # every URL the client's own HTTP session fetched
    session = client.http_client.session  # type: ignore[attr-defined]
    session.hooks["response"].append(lambda r, *args, **kwargs: seen.append(r.url))
    streamed = list(client.messages.stream(page_size=7, limit=45))
    assert len(streamed) == 45 and len({m.sid for m in streamed}) == 45
    assert len(seen) == 7 and all(u.startswith(f"{served.url}/twilio/2010-04-01/") for u in seen)
    assert all("PageToken=" in u for u in seen[1:])  # followed from next_page_uri
    calls = list(client.calls.stream(page_size=5, limit=16))
    assert len({c.sid for c in calls}) == 16 and len(seen) == 7 + 4


def test_twilio_basic_username_selects_the_account(served: TrunklineProcess, key: str) -> None:
    created = httpx.post(
        f"{served.url}/connections",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "app": "twilio",
            "credentials": {
                "account_sid": IDS.subaccount_sid,
                "auth_token": IDS.subaccount_token,
            },
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["connection"]["metadata"]["account_sid"] == IDS.subaccount_sid
    try:
        sub = twilio(served, key, IDS.subaccount_sid)
        main = twilio(served, key)
        sub_numbers = {n.phone_number for n in sub.incoming_phone_numbers.list()}
        main_numbers = {n.phone_number for n in main.incoming_phone_numbers.list()}
        assert SUB_NUMBER in sub_numbers and MAIN_NUMBER not in sub_numbers
        assert MAIN_NUMBER in main_numbers and SUB_NUMBER not in main_numbers
        sent = sub.messages.create(to="+14155550111", from_=SUB_NUMBER, body="from the sub")
        assert sent.account_sid == IDS.subaccount_sid
        assert sub.messages(sent.sid).fetch().sid == sent.sid
        with pytest.raises(TwilioRestException) as caught:  # not the main account's message
            main.messages(sent.sid).fetch()
        assert caught.value.status == 404
    finally:
        connection_id = created.json()["connection"]["connection_id"]
        httpx.delete(
            f"{served.url}/connections/{connection_id}", headers={"Authorization": f"Bearer {key}"}
        )


def test_twilio_unknown_account_sid_is_refused(served: TrunklineProcess, key: str) -> None:
    stranger = twilio(served, key, "AC" + "9" * 32)
    with pytest.raises(TwilioException, match=r"HTTP 404.*connection_not_found"):
        stranger.messages.list(limit=1)


def test_twilio_own_credentials_are_refused_not_forwarded(served: TrunklineProcess) -> None:
    with pytest.raises(TwilioException, match=r"HTTP 401.*unauthorized"):
        twilio(served, IDS.auth_token).messages.list(limit=1)


# -- CallRail --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def callrail(served: TrunklineProcess, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{served.url}/callrail/v3",
        headers={"Authorization": f'Token token="{key}"'},
        timeout=30,
        trust_env=False,
    ) as client:
        yield client


def calls_path(callrail: httpx.Client) -> str:
    account = callrail.get("/a.json").json()["accounts"][0]["id"]
    return f"/a/{account}/calls.json"


def test_callrail_relative_pagination_follows_rewritten_links(
    served: TrunklineProcess, callrail: httpx.Client
) -> None:
    path = calls_path(callrail)
    params = {"date_range": "all_time", "relative_pagination": "true", "per_page": 100}
    total = callrail.get(path, params={"date_range": "all_time"}).json()["total_records"]
    body = callrail.get(path, params=params).json()
    seen = [c["id"] for c in body["calls"]]
    pages = 1
    while body["has_next_page"]:
        link = body["next_page"]
        assert link.startswith(f"{served.url}/callrail/v3/a/") and "offset=" in link
        response = callrail.get(link)  # followed as given, with the key in CallRail's form
        assert response.status_code == 200, response.text
        assert response.headers["content-length"] == str(len(response.content))
        body = response.json()
        seen += [c["id"] for c in body["calls"]]
        pages += 1
    assert body["next_page"] is None
    assert pages == -(-total // 100) >= 3
    assert len(seen) == len(set(seen)) == total


def test_callrail_api_links_in_records_are_rewritten(
    served: TrunklineProcess, callrail: httpx.Client
) -> None:
    fields = "recording,recording_player,timeline_url"
    calls = callrail.get(
        calls_path(callrail), params={"date_range": "all_time", "fields": fields, "per_page": 50}
    ).json()["calls"]
    recorded = next(c for c in calls if c["recording"])
    assert recorded["recording"].startswith(f"{served.url}/callrail/v3/a/")
    assert recorded["timeline_url"].startswith(f"{served.url}/callrail/v3/a/")
    assert callrail.get(recorded["recording"]).json()["url"]  # followable through the gateway
    # A browser link with its own access key stays on the provider's origin.
    assert recorded["recording_player"].startswith(f"{served.url}/sandbox/callrail/calls/")


def test_callrail_raw_links_on_request(served: TrunklineProcess, callrail: httpx.Client) -> None:
    params = {"date_range": "all_time", "relative_pagination": "true", "per_page": 10}
    raw = callrail.get(calls_path(callrail), params=params, headers={"Trunkline-Raw-Links": "1"})
    assert raw.json()["next_page"].startswith(f"{served.url}/sandbox/callrail/v3/a/")
    rewritten = callrail.get(calls_path(callrail), params=params)
    assert rewritten.json()["next_page"] == raw.json()["next_page"].replace(
        f"{served.url}/sandbox/callrail/", f"{served.url}/callrail/"
    )
    # Only the API links changed, byte for byte (next_page and each call's recording).
    api_links = re.compile(
        rb'("(?:next_page|recording)":")' + re.escape(served.url.encode()) + rb"/sandbox/"
    )
    expected = api_links.sub(rb"\g<1>" + served.url.encode() + b"/", raw.content)
    assert rewritten.content == expected != raw.content


def test_callrail_own_key_is_refused(served: TrunklineProcess) -> None:
    main, _ = seed_keys()
    r = httpx.get(
        f"{served.url}/callrail/v3/a.json", headers={"Authorization": f'Token token="{main}"'}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


# -- Quo -------------------------------------------------------------------------------------


def test_quo_raw_key(served: TrunklineProcess, key: str) -> None:
    with httpx.Client(
        base_url=f"{served.url}/quo", headers={"Authorization": key}, trust_env=False
    ) as quo:
        numbers = quo.get("/v1/phone-numbers")
        assert numbers.status_code == 200, numbers.text
        assert numbers.json()["data"][0]["id"].startswith("PN")
        assert numbers.headers["x-request-id"]


# -- RingCentral -----------------------------------------------------------------------------


def test_ringcentral_navigation_links_stay_on_the_gateway(
    served: TrunklineProcess, key: str
) -> None:
    with httpx.Client(
        base_url=f"{served.url}/ringcentral",
        headers={"Authorization": f"Bearer {key}"},
        trust_env=False,
        timeout=30,
    ) as rc:
        body = rc.get("/restapi/v1.0/account/~/extension/~/call-log", params={"perPage": 1}).json()
        pages = 1
        ids = [r["id"] for r in body["records"]]
        assert all(
            r["uri"].startswith(f"{served.url}/ringcentral/restapi/") for r in body["records"]
        )
        while "nextPage" in body["navigation"]:
            link = body["navigation"]["nextPage"]["uri"]
            assert link.startswith(f"{served.url}/ringcentral/restapi/v1.0/")
            body = rc.get(link).json()
            ids += [r["id"] for r in body["records"]]
            pages += 1
        assert pages == body["paging"]["totalPages"] >= 2
        assert len(ids) == len(set(ids)) == body["paging"]["totalElements"]
        record = rc.get(body["records"][0]["uri"])
        assert record.status_code == 200 and record.json()["id"] == body["records"][0]["id"]
