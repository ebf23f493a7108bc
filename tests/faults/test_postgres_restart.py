"""PostgreSQL stopped, then restarted under steady traffic (a PostgreSQL of the test's own, never
the shared one): callers get a clean 503 ``store_unavailable`` while it is gone, never a 500 or a
hang, and everything works again afterwards with every connection and key intact."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import connect_faulty, faulty_env, until
from tests.support.faulty import FaultyUpstream
from tests.support.own_servers import OwnPostgres
from tests.support.process import TrunklineProcess


@pytest.fixture
def own_pg() -> Iterator[OwnPostgres]:
    pg = OwnPostgres().start()
    try:
        yield pg
    finally:
        pg.close()


def outage_answer(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "store_unavailable"
    assert r.headers["retry-after"] == "1"


class Traffic:
    """Steady requests from a thread, each outcome counted (a timeout counts as a hang)."""

    def __init__(self, proc: TrunklineProcess) -> None:
        self.proc = proc
        self.outcomes: Counter[str] = Counter()
        self.bodies: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        paths = ("/faulty/v1/ok", "/connections")
        with httpx.Client(headers=self.proc.headers(), timeout=10) as client:
            i = 0
            while not self._stop.is_set():
                i += 1
                try:
                    r = client.get(self.proc.url + paths[i % 2])
                except httpx.TimeoutException:
                    self.outcomes["hang"] += 1
                    continue
                except httpx.TransportError as exc:
                    self.outcomes[type(exc).__name__] += 1
                    continue
                self.outcomes[str(r.status_code)] += 1
                if r.status_code == 503:
                    self.bodies.append(r.text)


def test_postgres_restart_under_traffic(
    tmp_path: Path, own_pg: OwnPostgres, faulty: FaultyUpstream
) -> None:
    from trunkline.vault import new_key_line

    env = faulty_env(
        faulty.url, TRUNKLINE_DATABASE_URL=own_pg.url, TRUNKLINE_MASTER_KEYS=new_key_line()
    )
    proc = TrunklineProcess(tmp_path / "data", env=env, args=["--no-sandbox"]).start()
    try:
        made = [connect_faulty(proc) for _ in range(3)]
        key = proc.cli("keys", "create", "--mode", "live", "--name", "second").stdout.strip()
        assert key.startswith("tk_")

        own_pg.stop()  # gone: every edge answers 503 at once
        outage_answer(httpx.get(proc.url + "/faulty/v1/ok", headers=proc.headers(), timeout=10))
        outage_answer(httpx.get(proc.url + "/connections", headers=proc.headers(), timeout=10))
        outage_answer(
            httpx.post(
                proc.url + "/connections",
                headers=proc.headers(),
                json={"app": "faulty", "credentials": {"api_key": "x"}},
                timeout=10,
            )
        )
        own_pg.start_again()

        with Traffic(proc) as traffic:
            until(lambda: traffic.outcomes["200"] >= 20, 20, "traffic before the restart")
            own_pg.restart()  # pg_ctl restart -m fast: sessions are terminated
            seen = traffic.outcomes["200"]
            until(lambda: traffic.outcomes["200"] >= seen + 20, 20, "traffic after the restart")
        assert set(traffic.outcomes) <= {"200", "503"}, traffic.outcomes
        for body in traffic.bodies:
            assert '"code":"store_unavailable"' in body

        listed = httpx.get(proc.url + "/connections", headers=proc.headers()).json()
        assert sorted(c["connection_id"] for c in listed["connections"]) == sorted(made)
        mine = {"Authorization": f"Bearer {key}"}
        assert httpx.get(proc.url + "/connections", headers=mine).status_code == 200
        made.append(connect_faulty(proc))
        r = httpx.get(
            proc.url + "/faulty/v1/after", headers={**proc.headers(), "Maton-Connection": made[-1]}
        )
        assert r.status_code == 200
        assert "Traceback" not in proc.stderr()
    finally:
        proc.stop()
