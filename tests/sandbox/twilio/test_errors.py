"""Bad requests get Twilio's own error bodies and statuses (never a 500)."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.sandbox.twilio.conftest import TwilioTarget

ERROR_KEYS = {"code", "message", "more_info", "status"}


def assert_twilio_error(response, status: int, code: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return body


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": "+14155552671", "Body": "x"}, 21604),
        ({"To": "+14155557200", "Body": "x"}, 21603),
        ({"To": "+14155557200", "From": "+14155552671"}, 21602),
        ({"To": "not-a-number", "From": "+14155552671", "Body": "x"}, 21211),
        ({"To": "+14155557200", "From": "+19995550000", "Body": "x"}, 21606),
        ({"To": "+14155552671", "From": "+14155552671", "Body": "x"}, 21266),
        ({"To": "+14155557200", "From": "+14155552671", "Body": "x" * 1601}, 21617),
        (
            {
                "To": "+14155557200",
                "From": "+14155552671",
                "Body": "x",
                "StatusCallback": "ftp://x",
            },
            21609,
        ),
        ({"To": "+14155557200", "From": "+14155552671", "MediaUrl": "nope"}, 21620),
        ({"To": "+14155557200", "MessagingServiceSid": "MG" + "0" * 32, "Body": "x"}, 21701),
    ],
)
def test_create_message_errors(twilio_target: TwilioTarget, form: dict, code: int) -> None:
    with twilio_target.http() as http:
        response = http.post(
            f"/2010-04-01/Accounts/{twilio_target.ids.account_sid}/Messages.json", data=form
        )
    assert_twilio_error(response, 400, code)


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": "+14155552671", "Url": "https://example.invalid"}, 21201),
        ({"To": "+14155557200", "Url": "https://example.invalid"}, 21213),
        ({"To": "+14155557200", "From": "+14155552671"}, 21205),
        ({"To": "+14155557200", "From": "+14155552671", "Url": "relative/path"}, 21205),
        ({"To": "+14155557200", "From": "+15555550000", "Url": "https://example.invalid"}, 21210),
        (
            {
                "To": "+14155557200",
                "From": "+14155552671",
                "Twiml": "<Response/>",
                "StatusCallbackEvent": "dialing",
            },
            21626,
        ),
        (
            {
                "To": "+14155557200",
                "From": "+14155552671",
                "Twiml": "<Response/>",
                "Timeout": "abc",
            },
            20001,
        ),
    ],
)
def test_create_call_errors(twilio_target: TwilioTarget, form: dict, code: int) -> None:
    with twilio_target.http() as http:
        response = http.post(
            f"/2010-04-01/Accounts/{twilio_target.ids.account_sid}/Calls.json", data=form
        )
    assert_twilio_error(response, 400, code)


def test_client_surfaces_codes(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+14155557200", from_="+14155552671")
    assert (caught.value.status, caught.value.code) == (400, 21602)
    assert "Message body is required" in caught.value.msg
    with pytest.raises(TwilioRestException) as caught:
        client.queues.create(friendly_name="")
    assert caught.value.code == 20001


def test_not_found_and_method_errors(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    with twilio_target.http() as http:
        missing = http.get(f"/2010-04-01/Accounts/{account}/Messages/SM{'0' * 32}.json")
        body = assert_twilio_error(missing, 404, 20404)
        path = f"/2010-04-01/Accounts/{account}/Messages/SM{'0' * 32}.json"
        assert body["message"] == f"The requested resource {path} was not found"
        assert_twilio_error(http.get("/2010-04-01/Nope.json"), 404, 20404)
        assert_twilio_error(http.put(f"/2010-04-01/Accounts/{account}/Messages.json"), 405, 20004)
        assert_twilio_error(
            http.get(f"/2010-04-01/Accounts/{account}/Messages.json?PageSize=0"), 400, 20001
        )
        assert_twilio_error(
            http.get(f"/2010-04-01/Accounts/{account}/Messages.json?PageSize=5000"), 400, 20001
        )
        assert_twilio_error(
            http.get(f"/2010-04-01/Accounts/{account}/Messages.json?PageToken=zz"), 400, 20001
        )
        assert_twilio_error(
            http.get(f"/2010-04-01/Accounts/{account}/Calls.json?StartTime>=yesterday"), 400, 20001
        )


def test_authentication_errors(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    path = f"/2010-04-01/Accounts/{account}/Messages.json"
    with twilio_target.http(auth=(account, "wrong")) as http:
        response = http.get(path)
    body = assert_twilio_error(response, 401, 20003)
    assert body["message"] == "Authenticate"
    assert response.headers["www-authenticate"].startswith("Basic")
    with twilio_target.http() as http:
        assert_twilio_error(
            http.get(path, headers={"Authorization": "Basic !!!"}, auth=None), 401, 20003
        )
        assert_twilio_error(
            http.get(path, headers={"Authorization": "Bearer abc"}, auth=None), 401, 20003
        )


def test_subaccount_cannot_see_parent(twilio_target: TwilioTarget) -> None:
    ids = twilio_target.ids
    with twilio_target.http(auth=(ids.subaccount_sid, ids.subaccount_token)) as http:
        mine = http.get(f"/2010-04-01/Accounts/{ids.subaccount_sid}/Messages.json")
        assert mine.status_code == 200 and mine.json()["messages"]
        assert_twilio_error(
            http.get(f"/2010-04-01/Accounts/{ids.account_sid}/Messages.json"), 404, 20404
        )
        assert_twilio_error(http.get(f"/2010-04-01/Accounts/{ids.account_sid}.json"), 404, 20404)
        assert [a["sid"] for a in http.get("/2010-04-01/Accounts.json").json()["accounts"]] == [
            ids.subaccount_sid
        ]
        assert_twilio_error(
            http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "x"}), 403, 20003
        )
    with twilio_target.http() as http:
        parent_view = http.get(f"/2010-04-01/Accounts/{ids.subaccount_sid}/Calls.json?PageSize=3")
        assert parent_view.status_code == 200 and len(parent_view.json()["calls"]) == 3


def test_state_conflicts(twilio_target: TwilioTarget) -> None:
    client = twilio_target.client()
    account = twilio_target.ids.account_sid
    message = client.messages.create(to="+14155557300", from_="+14155552671", body="in flight")
    with twilio_target.http() as http:
        base = f"/2010-04-01/Accounts/{account}/Messages/{message.sid}.json"
        assert_twilio_error(http.post(base, data={"Body": "rewrite"}), 400, 20001)
        assert_twilio_error(http.post(base, data={"Status": "canceled"}), 400, 30409)
    twilio_target.advance()
    call = client.calls.create(to="+14155557300", from_="+14155552671", twiml="<Response/>")
    twilio_target.advance()
    with twilio_target.http() as http:
        done = f"/2010-04-01/Accounts/{account}/Calls/{call.sid}.json"
        assert_twilio_error(
            http.post(done, data={"Url": "https://example.invalid/next"}), 400, 21220
        )
        assert_twilio_error(http.post(done, data={"Status": "busy"}), 400, 20001)


def test_numbers_errors(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    with twilio_target.http() as http:
        base = f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers"
        assert_twilio_error(
            http.post(f"{base}.json", data={"PhoneNumber": "+14155552671"}), 400, 21422
        )
        assert_twilio_error(http.post(f"{base}.json", data={"PhoneNumber": "12"}), 400, 21421)
        assert_twilio_error(http.post(f"{base}.json", data={}), 400, 21421)
        assert_twilio_error(http.post(f"{base}.json", data={"AreaCode": "05"}), 400, 21452)
        assert_twilio_error(
            http.post(f"{base}/TollFree.json", data={"PhoneNumber": "+15035550999"}), 400, 21421
        )
        assert_twilio_error(
            http.post(f"{base}.json", data={"AreaCode": "415", "SmsMethod": "PUT"}), 400, 20001
        )
        assert_twilio_error(
            http.post(
                f"{base}.json", data={"AreaCode": "415", "SmsApplicationSid": "AP" + "1" * 32}
            ),
            400,
            20001,
        )
        assert_twilio_error(
            http.post(f"/2010-04-01/Accounts/{account}/Addresses.json", data={"CustomerName": "x"}),
            400,
            20001,
        )
        assert_twilio_error(
            http.post(
                f"/2010-04-01/Accounts/{account}/Queues.json",
                data={"FriendlyName": "q", "MaxSize": "9000"},
            ),
            400,
            20001,
        )


def test_garbage_bodies_never_500(twilio_target: TwilioTarget) -> None:
    account = twilio_target.ids.account_sid
    with twilio_target.http() as http:
        for path in (
            "Messages.json",
            "Calls.json",
            "IncomingPhoneNumbers.json",
            "Queues.json",
            "Addresses.json",
        ):
            for content, kind in (
                (b"\xff\xfe%%%", "application/x-www-form-urlencoded"),
                (b'{"To": 1}', "application/json"),
            ):
                response = http.post(
                    f"/2010-04-01/Accounts/{account}/{path}",
                    content=content,
                    headers={"Content-Type": kind},
                )
                assert 400 <= response.status_code < 500, (path, response.text)
                assert set(response.json()) == ERROR_KEYS
