"""RingCentral through ``trunkline serve`` with its mounted sandbox: sign-in, refresh that
cannot race, dead refresh tokens (424), reconnect in place, revocation on delete."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.oauth.helpers import CLIENT, Dance, control, refreshes
from tests.support.process import TrunklineProcess

ACCOUNT = "/ringcentral/restapi/v1.0/account/~"
PAGES: list[str] = []  # everything trunkline showed a browser in this module


@pytest.fixture(scope="module")
def rc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrunklineProcess]:
    data = tmp_path_factory.mktemp("rc") / "data"
    proc = TrunklineProcess(data, env={"TRUNKLINE_SANDBOX_SPEED": "100"}).start()
    try:
        yield proc
    finally:
        proc.stop()


def sandbox(proc: TrunklineProcess) -> str:
    return proc.url + "/sandbox/ringcentral"


def new_link(proc: TrunklineProcess) -> dict[str, str]:
    r = httpx.post(proc.url + "/connections", headers=proc.headers(), json={"app": "ringcentral"})
    assert r.status_code == 201, r.text
    conn: dict[str, str] = r.json()["connection"]
    assert conn["status"] == "PENDING" and conn["method"] == "OAUTH2"
    return conn


def connection(proc: TrunklineProcess, conn_id: str) -> dict[str, object]:
    r = httpx.get(proc.url + f"/connections/{conn_id}", headers=proc.headers())
    body: dict[str, object] = r.json()["connection"]
    return body


def call(proc: TrunklineProcess, conn_id: str) -> httpx.Response:
    headers = {**proc.headers(), "Maton-Connection": conn_id}
    return httpx.get(proc.url + ACCOUNT, headers=headers, timeout=30)


def connect(proc: TrunklineProcess, decision: str = "approve") -> tuple[str, httpx.Response]:
    conn = new_link(proc)
    dance = Dance(conn["url"])
    page = dance.run(decision)
    PAGES.extend(dance.seen)
    return conn["connection_id"], page


async def burst(proc: TrunklineProcess, conn_id: str, n: int) -> list[int]:
    headers = {**proc.headers(), "Maton-Connection": conn_id}
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        answers = await asyncio.gather(
            *(client.get(proc.url + ACCOUNT, headers=headers) for _ in range(n))
        )
    return [a.status_code for a in answers]


def test_sign_in_activates_with_the_account_identity(rc_stack: TrunklineProcess) -> None:
    conn = new_link(rc_stack)
    dance = Dance(conn["url"])
    done = dance.run()
    PAGES.extend(dance.seen)
    assert done.status_code == 200 and "RingCentral is connected" in done.text
    got = connection(rc_stack, conn["connection_id"])
    assert got["status"] == "ACTIVE"
    meta = got["metadata"]
    assert isinstance(meta, dict)
    assert meta["extension_number"] == "101" and meta["name"] == "Dana Whitfield"
    assert call(rc_stack, conn["connection_id"]).json()["mainNumber"] == "+16505550100"
    spent = dance.browser.get(conn["url"])
    assert spent.status_code == 410 and "Already connected" in spent.text
    replay = dance.finish()
    assert replay.status_code == 409 and "already finished" in replay.text
    assert connection(rc_stack, conn["connection_id"])["status"] == "ACTIVE"


async def test_fifty_calls_at_expiry_share_one_refresh(rc_stack: TrunklineProcess) -> None:
    rc = sandbox(rc_stack)
    control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 1})
    try:
        conn_id, _ = connect(rc_stack)
    finally:
        control(rc, "POST", "/_sandbox/tokens/lifetimes", json={"access_token": 3600})
    await asyncio.sleep(1.2)  # the access token is now expired at the sandbox too
    before = refreshes(rc)
    statuses = await burst(rc_stack, conn_id, 50)
    assert statuses == [200] * 50
    assert refreshes(rc) == before + 1


async def test_a_refused_token_is_refreshed_once_and_retried(rc_stack: TrunklineProcess) -> None:
    rc = sandbox(rc_stack)
    conn_id, _ = connect(rc_stack)
    assert call(rc_stack, conn_id).status_code == 200
    control(rc, "POST", "/_sandbox/tokens/expire", json={})  # trunkline still thinks it is fresh
    before = refreshes(rc)
    assert await burst(rc_stack, conn_id, 20) == [200] * 20
    assert refreshes(rc) == before + 1


def test_revoked_grant_answers_424_and_reconnect_restores_it(rc_stack: TrunklineProcess) -> None:
    rc = sandbox(rc_stack)
    conn_id, _ = connect(rc_stack)
    control(rc, "POST", "/_sandbox/tokens/revoke", json={})  # the user revokes the app
    dead = call(rc_stack, conn_id)
    assert dead.status_code == 424, dead.text
    error = dead.json()["error"]
    assert error["code"] == "credentials_expired" and "reconnect" in error["message"]
    assert f"/connections/{conn_id}/reconnect" in error["message"]
    assert connection(rc_stack, conn_id)["status"] == "FAILED"
    assert call(rc_stack, conn_id).status_code == 424  # and stays dead, without a refresh storm
    r = httpx.post(rc_stack.url + f"/connections/{conn_id}/reconnect", headers=rc_stack.headers())
    assert r.status_code == 200, r.text
    fresh = r.json()["connection"]
    assert fresh["connection_id"] == conn_id and fresh["url"]
    dance = Dance(fresh["url"])
    assert dance.run().status_code == 200
    PAGES.extend(dance.seen)
    assert connection(rc_stack, conn_id)["status"] == "ACTIVE"
    assert call(rc_stack, conn_id).status_code == 200


def test_reconnect_keeps_the_old_grant_until_the_new_one_works(
    rc_stack: TrunklineProcess,
) -> None:
    rc = sandbox(rc_stack)
    conn_id, _ = connect(rc_stack)
    live = lambda: control(rc, "GET", "/_sandbox").json()["counts"]["liveSessions"]  # noqa: E731
    r = httpx.post(rc_stack.url + f"/connections/{conn_id}/reconnect", headers=rc_stack.headers())
    url = r.json()["connection"]["url"]
    assert call(rc_stack, conn_id).status_code == 200  # the old grant still works
    denied = Dance(url)
    page = denied.run("deny")
    PAGES.extend(denied.seen)
    assert page.status_code == 400 and "did not grant access" in page.text
    assert connection(rc_stack, conn_id)["status"] == "ACTIVE"  # a working grant is kept
    before = live()
    retry = Dance(url)
    assert retry.run().status_code == 200
    PAGES.extend(retry.seen)
    assert live() == before  # one grant added, the replaced one revoked upstream
    assert call(rc_stack, conn_id).status_code == 200


def test_delete_revokes_the_grant_upstream(rc_stack: TrunklineProcess) -> None:
    rc = sandbox(rc_stack)
    live = lambda: control(rc, "GET", "/_sandbox").json()["counts"]["liveSessions"]  # noqa: E731
    before = live()
    conn_id, _ = connect(rc_stack)
    assert live() == before + 1
    r = httpx.delete(rc_stack.url + f"/connections/{conn_id}", headers=rc_stack.headers())
    assert r.status_code == 200 and r.json() == {}
    assert live() == before
    assert "upstream tokens revoked" in rc_stack.stderr()


def test_denied_consent_fails_the_connection_with_the_reason(rc_stack: TrunklineProcess) -> None:
    conn_id, page = connect(rc_stack, "deny")
    assert page.status_code == 400
    assert "did not grant access (access_denied)" in page.text and "Try again" in page.text
    got = connection(rc_stack, conn_id)
    assert got["status"] == "FAILED"
    r = httpx.get(
        rc_stack.url + ACCOUNT, headers={**rc_stack.headers(), "Maton-Connection": conn_id}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "connection_not_active"


def test_a_callback_with_another_state_changes_nothing(rc_stack: TrunklineProcess) -> None:
    conn = new_link(rc_stack)
    dance = Dance(conn["url"])
    real = dance.decide(dance.start())
    callback = urlsplit(real)
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    forged = callback._replace(query=urlencode({**query, "state": "not-the-state"})).geturl()
    page = dance.finish(forged)
    assert page.status_code == 400 and "does not match a connect link" in page.text
    assert connection(rc_stack, conn["connection_id"])["status"] == "PENDING"
    assert dance.finish(real).status_code == 200  # the real answer still completes it
    assert connection(rc_stack, conn["connection_id"])["status"] == "ACTIVE"


def test_a_forged_binding_cookie_cannot_end_a_sign_in(rc_stack: TrunklineProcess) -> None:
    """Knowing only the connection id, another browser cannot fail (or abort the reconnect of)
    someone else's sign-in: the callback must carry the state *and* come from its browser."""
    conn = new_link(rc_stack)
    victim = Dance(conn["url"])
    real = victim.decide(victim.start())
    state = parse_qs(urlsplit(real).query)["state"][0]
    for cookie, query in (
        (f"{conn['connection_id']}.forged", "error=access_denied"),
        (f"{conn['connection_id']}.forged", f"error=access_denied&state={state}"),
        (f"{conn['connection_id']}.%00", "code=x"),
    ):
        attacker = httpx.get(
            f"{rc_stack.url}/connect/callback?{query}",
            headers={"Cookie": f"tl_oauth={cookie}"},
            timeout=10,
        )
        assert attacker.status_code == 400, attacker.text
        assert connection(rc_stack, conn["connection_id"])["status"] == "PENDING"
    assert victim.finish(real).status_code == 200
    assert connection(rc_stack, conn["connection_id"])["status"] == "ACTIVE"


def test_a_replayed_code_fails_the_connection(rc_stack: TrunklineProcess) -> None:
    first = Dance(new_link(rc_stack)["url"])
    first_callback = first.decide(first.start())
    assert first.finish().status_code == 200
    victim_conn = new_link(rc_stack)
    victim = Dance(victim_conn["url"], browser=first.browser)
    callback = urlsplit(victim.decide(victim.start()))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    used_code = parse_qs(urlsplit(first_callback).query)["code"][0]
    page = victim.finish(callback._replace(query=urlencode({**query, "code": used_code})).geturl())
    assert page.status_code == 400 and "refused the authorization code" in page.text
    assert "invalid_grant" in page.text
    assert connection(rc_stack, victim_conn["connection_id"])["status"] == "FAILED"


def test_no_token_or_secret_reaches_a_page_or_a_log(rc_stack: TrunklineProcess) -> None:
    state = json.loads((rc_stack.data_dir / "sandbox" / "ringcentral.json").read_text())
    secrets = [CLIENT["client_secret"], *state["accessTokens"], *state["refreshTokens"]]
    secrets += [s["accessToken"] for s in state["sessions"].values()]
    secrets += [s["refreshToken"] for s in state["sessions"].values()]
    assert len(secrets) > 10 and PAGES
    shown = "\n".join(PAGES) + rc_stack.stdout() + rc_stack.stderr()
    leaked = [s for s in set(secrets) if s in shown]
    assert leaked == []


def test_rotation_during_a_sign_in_loses_nothing(rc_stack: TrunklineProcess) -> None:
    """``trunkline vault rotate`` while serving and mid sign-in: the sign-in state, the link and
    every credential are re-encrypted under the new key, and the sign-in still completes."""
    import sqlite3
    import subprocess

    from tests.support.process import BIN

    conn = new_link(rc_stack)
    dance = Dance(conn["url"])
    callback = dance.decide(dance.start())  # the sign-in is under way: oauth_flow is sealed
    done = subprocess.run(
        [str(BIN), "vault", "rotate", "--json", "--data-dir", str(rc_stack.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    new_kid = json.loads(done.stdout)["primary_key"]
    db = sqlite3.connect(rc_stack.data_dir / "trunkline.db")
    try:
        row = db.execute(
            "select credential, session_sealed, oauth_flow from connections where id = ?",
            (conn["connection_id"],),
        ).fetchone()
        sealed = [v for v in db.execute("select credential, session_sealed from connections")]
    finally:
        db.close()
    assert row[1].startswith(f"v1.{new_kid}.") and row[2].startswith(f"v1.{new_kid}.")
    assert all(v.startswith(f"v1.{new_kid}.") for pair in sealed for v in pair if v)
    assert dance.finish(callback).status_code == 200
    assert connection(rc_stack, conn["connection_id"])["status"] == "ACTIVE"
    r = httpx.get(
        rc_stack.url + "/ringcentral/restapi/v1.0/account/~/extension/~",
        headers={**rc_stack.headers(), "Maton-Connection": conn["connection_id"]},
        timeout=30,
    )
    assert r.status_code == 200, r.text
