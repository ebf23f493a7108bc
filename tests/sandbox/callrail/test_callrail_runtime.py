"""Rate limits, persistence across restarts, mounting under a prefix, determinism, registry."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.sandbox.callrail.conftest import SPEED, make_target, token
from tests.support.servers import serve_asgi
from trunkline.sandbox import load_sandbox
from trunkline.sandbox.callrail import create_app
from trunkline.sandbox.callrail.seed import build_world, seed_keys
from trunkline.sandbox.kit import SandboxConfig

PINNED = "2026-05-01T12:00:00+00:00"


def test_general_rate_limit_is_per_account() -> None:
    config = SandboxConfig(speed=SPEED, extra={"rate_limits": {"general": {"per_hour": 5}}})
    with serve_asgi(create_app(config)) as url:
        target = make_target(url)
        with target.client() as api:
            statuses = [api.get("/v3/a.json").status_code for _ in range(6)]
            assert statuses == [200] * 5 + [429]
            limited = api.get("/v3/a.json")
            assert limited.json() == {"error": "API rate limit exceeded. Please try again later."}
            assert "retry-after" not in limited.headers
        with target.client(target.second_api_key) as other:
            assert other.get("/v3/a.json").status_code == 200
        with target.control() as control:
            assert control.get("/_sandbox").status_code == 200  # the control surface is not limited


def test_limit_windows_expire() -> None:
    limits = {"general": {"per_hour": 2, "hour_seconds": 0.3}}
    app = create_app(SandboxConfig(extra={"rate_limits": limits}))
    with serve_asgi(app) as url, make_target(url).client() as api:
        assert [api.get("/v3/a.json").status_code for _ in range(3)] == [200, 200, 429]
        time.sleep(0.35)
        assert api.get("/v3/a.json").status_code == 200


def test_sms_limit_and_disabling_limits() -> None:
    limits = {"sms": {"per_hour": 1}}
    for enabled, expected in ((True, [201, 429]), (False, [201, 201])):
        config = SandboxConfig(speed=SPEED, rate_limits=enabled, extra={"rate_limits": limits})
        with serve_asgi(create_app(config)) as url, make_target(url).client() as api:
            acct = f"/v3/a/{api.get('/v3/a.json').json()['accounts'][0]['id']}"
            company = api.get(f"{acct}/companies.json").json()["companies"][0]["id"]
            number = api.get(f"{acct}/trackers.json", params={"company_id": company}).json()[
                "trackers"
            ][0]["tracking_numbers"][0]
            body = {
                "company_id": company,
                "tracking_number": number,
                "customer_phone_number": "+14045550155",
                "content": "Hi",
            }
            assert [
                api.post(f"{acct}/text-messages.json", json=body).status_code for _ in range(2)
            ] == expected


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path, speed=SPEED)
    with serve_asgi(create_app(config)) as url, make_target(url).client() as api:
        acct = f"/v3/a/{api.get('/v3/a.json').json()['accounts'][0]['id']}"
        call = api.get(f"{acct}/calls.json").json()["calls"][0]
        api.put(f"{acct}/calls/{call['id']}.json", json={"note": "remember me"}).raise_for_status()
        company = api.post(f"{acct}/companies.json", json={"name": "Durable Co"}).json()
    assert (tmp_path / "sandbox" / "callrail.json").exists()
    with serve_asgi(create_app(config)) as url, make_target(url).client() as api:
        assert (
            api.get(f"{acct}/calls/{call['id']}.json", params={"fields": "note"}).json()["note"]
            == "remember me"
        )
        assert api.get(f"{acct}/companies/{company['id']}.json").json()["name"] == "Durable Co"
        with make_target(url).control() as control:
            control.post("/_sandbox/reset").raise_for_status()
        assert api.get(f"{acct}/companies/{company['id']}.json").status_code == 404


def test_mounted_under_a_prefix() -> None:
    prefix = "/sandbox/callrail"
    host = Starlette(routes=[Mount(prefix, app=create_app(SandboxConfig(speed=SPEED)))])
    with serve_asgi(host) as url:
        target = make_target(f"{url}{prefix}", prefix)
        with target.client() as api, target.control() as control:
            acct = f"/v3/a/{api.get('/v3/a.json').json()['accounts'][0]['id']}"
            calls = api.get(
                f"{acct}/calls.json", params={"relative_pagination": "true", "per_page": 5}
            ).json()
            assert calls["next_page"].startswith(f"{url}{prefix}{acct}/calls.json?")
            assert len(api.get(calls["next_page"]).json()["calls"]) == 5
            recorded = next(
                c
                for c in calls["calls"] + api.get(f"{acct}/calls.json").json()["calls"]
                if c["recording"]
            )
            assert recorded["recording"].startswith(f"{url}{prefix}/v3/")
            link = api.get(recorded["recording"]).json()["url"]
            assert link.startswith(f"{url}{prefix}/calls/") and httpx.get(link).status_code == 200
            overview = control.get("/_sandbox").json()
            assert (
                overview["api_base"] == f"{url}{prefix}/v3/" and overview["counts"]["calls"] == 300
            )
            assert (
                httpx.get(
                    f"{target.base_url}{acct}/calls.xml", headers=token(target.api_key)
                ).status_code
                == 404
            )
        assert target.checker.counts


def test_seed_is_deterministic() -> None:
    first = build_world(datetime.fromisoformat(PINNED))
    second = build_world(datetime.fromisoformat(PINNED))
    assert first == second
    assert seed_keys() == seed_keys()
    ids = [c["id"] for c in first["calls"].values()]
    assert all(i.startswith("CAL") and len(i) == 35 for i in ids)


def test_pinned_reference_time_gives_identical_apps() -> None:
    config = SandboxConfig(speed=SPEED, extra={"reference_time": PINNED})
    bodies = []
    for _ in range(2):
        with serve_asgi(create_app(config)) as url, make_target(url).client() as api:
            acct = f"/v3/a/{api.get('/v3/a.json').json()['accounts'][0]['id']}"
            page = api.get(
                f"{acct}/calls.json", params={"start_date": "2026-04-01", "end_date": "2026-05-01"}
            )
            assert page.json()["total_records"] > 250
            bodies.append(page.text.replace(url, "<base>"))
    assert bodies[0] == bodies[1]


def test_registry_spec_and_credentials() -> None:
    spec = load_sandbox("callrail")
    assert spec.app == "callrail" and spec.credentials == {"api_key": seed_keys()[0]}
    with serve_asgi(spec.create_app(SandboxConfig())) as url:
        response = httpx.get(f"{url}/v3/a.json", headers=token(spec.credentials["api_key"]))
        assert response.status_code == 200


def test_reset_starts_fresh_limit_windows() -> None:
    config = SandboxConfig(speed=SPEED, extra={"rate_limits": {"general": {"per_hour": 2}}})
    with serve_asgi(create_app(config)) as url:
        target = make_target(url)
        with target.client() as api, target.control() as control:
            assert [api.get("/v3/a.json").status_code for _ in range(3)] == [200, 200, 429]
            control.post("/_sandbox/reset").raise_for_status()
            assert api.get("/v3/a.json").status_code == 200
