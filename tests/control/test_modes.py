"""Test and live modes end to end, like Stripe's keys: a test key uses the sandboxes, a live key
the real providers (here a local stand-in set by ``TRUNKLINE_UPSTREAM_QUO``); neither ever sees
or uses the other's connections."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.control.test_connections import assert_error
from tests.support import echo as echo_mod
from tests.support.echo import EchoUpstream
from tests.support.process import BIN, TrunklineProcess


def cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BIN), *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, echo: tuple[str, EchoUpstream]
) -> Iterator[TrunklineProcess]:
    """Sandboxes mounted, and the live Quo upstream pointed at the stand-in."""
    data = tmp_path_factory.mktemp("modes") / "data"
    env = {"TRUNKLINE_UPSTREAM_QUO": echo[0], "TRUNKLINE_SANDBOX_SPEED": "50"}
    proc = TrunklineProcess(data, env=env).start()
    proc.live_key = cli(data, "keys", "create", "--mode", "live")  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        proc.stop()


def get(proc: TrunklineProcess, path: str, key: str, **headers: str) -> httpx.Response:
    return httpx.get(proc.url + path, headers={**proc.headers(key), **headers}, timeout=30)


def test_a_test_keys_first_request_works(both: TrunklineProcess) -> None:
    assert both.api_key is not None and both.api_key.startswith("tk_test_")
    assert "trunkline keys create --mode live" in both.stdout()
    r = get(both, "/quo/v1/phone-numbers", both.api_key)
    assert r.status_code == 200 and r.json()["data"]
    me = get(both, "/user", both.api_key).json()
    assert me["mode"] == "test" and me["account_name"] == "default"
    listed = get(both, "/connections", both.api_key).json()["connections"]
    assert {c["app"] for c in listed} == {"quo", "twilio", "callrail", "ringcentral"}
    assert all(c["mode"] == "test" and c["metadata"]["sandbox"] for c in listed)
    twilio = next(c for c in listed if c["app"] == "twilio")
    assert twilio["metadata"]["account_sid"].startswith("AC")  # identity as for real ones


def test_a_live_key_sees_no_sandbox_connection(both: TrunklineProcess) -> None:
    live = both.live_key  # type: ignore[attr-defined]
    assert live.startswith("tk_live_")
    assert get(both, "/user", live).json()["mode"] == "live"
    assert get(both, "/connections", live).json() == {"connections": []}
    r = get(both, "/quo/v1/phone-numbers", live)
    assert_error(r, 400, "no_active_connection")
    assert "live-mode" in r.json()["error"]["message"]


def test_a_live_connection_is_verified_against_the_live_upstream(
    both: TrunklineProcess, echo: tuple[str, EchoUpstream]
) -> None:
    live = both.live_key  # type: ignore[attr-defined]
    before = len(echo[1].seen)
    r = httpx.post(
        both.url + "/connections",
        headers=both.headers(live),
        json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    conn = r.json()["connection"]
    assert conn["status"] == "ACTIVE" and conn["mode"] == "live"
    assert conn["metadata"]["phone_numbers"] == [
        "+15555550123"
    ]  # the stand-in's, not the sandbox's
    checks = [s for s in echo[1].seen[before:] if s["path"] == "/v1/phone-numbers"]
    assert checks and checks[0]["headers"]["authorization"] == echo_mod.QUO_KEY
    # The live key's gateway calls go to the stand-in; the test key's still to the sandbox.
    assert get(both, "/quo/v1/phone-numbers", live).json()["data"][0]["id"] == "PNabc"
    sandboxed = get(both, "/quo/v1/phone-numbers", both.api_key or "").json()["data"]
    assert {n["number"] for n in sandboxed} == {"+14155550123", "+14155550188"}
    # A sandbox key offered in live mode is checked against the live upstream (and refused).
    from trunkline.sandbox import load_sandbox

    seeded = load_sandbox("quo").credentials
    r = httpx.post(
        both.url + "/connections",
        headers=both.headers(live),
        json={"app": "quo", "credentials": seeded},
        timeout=30,
    )
    assert_error(r, 400, "credential_rejected")
    # The same pair of calls with the roles swapped: a live key cannot reach the sandbox.
    r = get(both, "/twilio/2010-04-01/Accounts.json", live)
    assert_error(r, 400, "no_active_connection")


def test_a_connection_of_the_other_mode_is_refused(both: TrunklineProcess) -> None:
    live = both.live_key  # type: ignore[attr-defined]
    test = both.api_key or ""
    sandbox_quo = next(
        c for c in get(both, "/connections", test).json()["connections"] if c["app"] == "quo"
    )["connection_id"]
    live_quo = get(both, "/connections", live).json()["connections"][0]["connection_id"]
    for key, other in ((live, sandbox_quo), (test, live_quo)):
        r = get(both, "/quo/v1/phone-numbers", key, **{"Maton-Connection": other})
        assert_error(r, 403, "mode_mismatch")
        assert_error(get(both, f"/connections/{other}", key), 403, "mode_mismatch")
        r = httpx.delete(f"{both.url}/connections/{other}", headers=both.headers(key))
        assert_error(r, 403, "mode_mismatch")
    # nothing changed
    assert get(both, f"/connections/{sandbox_quo}", test).json()["connection"]["status"] == "ACTIVE"
    assert get(both, f"/connections/{live_quo}", live).json()["connection"]["status"] == "ACTIVE"


def test_the_connect_page_says_which_mode(both: TrunklineProcess) -> None:
    for key, words in ((both.api_key or "", "test mode"), (both.live_key, "live mode")):  # type: ignore[attr-defined]
        r = httpx.post(both.url + "/connections", headers=both.headers(key), json={"app": "quo"})
        page = httpx.get(r.json()["connection"]["url"])
        assert page.status_code == 200 and words in page.text


def test_accounts_get_their_own_sandbox_connections(both: TrunklineProcess) -> None:
    cli(both.data_dir, "accounts", "create", "acme-dental")
    key = cli(both.data_dir, "keys", "create", "--account", "acme-dental")
    assert key.startswith("tk_test_")
    mine = get(both, "/connections", key).json()["connections"]
    theirs = get(both, "/connections", both.api_key or "").json()["connections"]
    assert {c["app"] for c in mine} == {"quo", "twilio", "callrail", "ringcentral"}
    assert not {c["connection_id"] for c in mine} & {c["connection_id"] for c in theirs}
    assert get(both, "/quo/v1/phone-numbers", key).status_code == 200
    assert get(both, "/user", key).json()["account_name"] == "acme-dental"
    listed = cli(both.data_dir, "keys", "list", "--account", "acme-dental", "--json")
    assert key[:16] in listed and (both.api_key or "")[:16] not in listed


def test_account_commands_refuse_bad_input(both: TrunklineProcess) -> None:
    for args, words in (
        (("keys", "create", "--account", "nobody"), "no account named 'nobody'"),
        (("accounts", "create", "default"), "already exists"),
        (("accounts", "rename", "nobody", "x"), "no account named"),
        (("accounts", "create", "../etc"), "an account name is"),
        (("keys", "create", "--mode", "staging"), "staging"),
    ):
        done = subprocess.run(
            [str(BIN), *args, "--data-dir", str(both.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and words in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_without_sandboxes_test_mode_is_unavailable(
    tmp_path: Path, echo: tuple[str, EchoUpstream]
) -> None:
    data = tmp_path / "data"
    proc = TrunklineProcess(
        data, env={"TRUNKLINE_UPSTREAM_QUO": echo[0]}, args=["--no-sandbox"]
    ).start()
    try:
        assert proc.api_key is not None and proc.api_key.startswith("tk_live_")
        test_key = cli(data, "keys", "create", "--mode", "test")
        before = len(echo[1].seen)
        assert_error(get(proc, "/quo/v1/phone-numbers", test_key), 409, "test_mode_unavailable")
        r = httpx.post(
            proc.url + "/connections",
            headers=proc.headers(test_key),
            json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}},
        )
        assert_error(r, 409, "test_mode_unavailable")
        assert len(echo[1].seen) == before  # never a call to a real provider
        assert get(proc, "/connections", test_key).json() == {"connections": []}
    finally:
        proc.stop()
