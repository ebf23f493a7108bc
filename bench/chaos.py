"""Chaos: one trunkline on its own PostgreSQL and Redis, in front of a provider stand-in, taken
through every fault in turn while callers keep sending. Prints, per fault, the requests sent and
answered and the answers by kind; at the end, the stored data lost (must be 0).

    python bench/chaos.py [--requests 40] [--concurrency 8]

Faults: the provider slow past the read timeout, refusing connections, resetting mid-body,
answering garbage, answering 503; PostgreSQL restarted (pg_ctl restart -m fast); Redis stopped
and started again. Between faults, and in every fault, callers create connections and send
keyed POSTs; everything acknowledged must still be there at the end (connections listed, keyed
POSTs replayed without a second send). PostgreSQL and Redis are the script's own (temp dirs,
free ports); the shared ones are never touched. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.faults.conftest import FAULTY_KEY, connect_faulty, faulty_env  # noqa: E402
from tests.support.faulty import FaultyUpstream  # noqa: E402
from tests.support.own_servers import OwnPostgres, OwnRedis  # noqa: E402
from tests.support.process import TrunklineProcess  # noqa: E402

from trunkline.vault import new_key_line  # noqa: E402


class Caller:
    """Sends the traffic of one fault and keeps what was acknowledged as stored."""

    def __init__(self, proc: TrunklineProcess, upstream: FaultyUpstream, concurrency: int):
        self.proc = proc
        self.upstream = upstream
        self.pool = ThreadPoolExecutor(concurrency)
        self.client = httpx.Client(headers=proc.headers(), timeout=15)
        self.connections: set[str] = set()
        self.keyed: dict[str, str] = {}  # idempotency key -> path, for those answered
        self.lock = threading.Lock()

    def one(self, path: str, i: int) -> str:
        """One request, its outcome as a label: the status and error code, or the exception."""
        url = self.proc.url
        try:
            if i % 10 == 3:  # a connection create
                r = self.client.post(
                    url + "/connections",
                    json={"app": "faulty", "credentials": {"api_key": FAULTY_KEY}},
                )
                if r.status_code == 201:
                    with self.lock:
                        self.connections.add(r.json()["connection"]["connection_id"])
            elif i % 10 == 7:  # a keyed POST at a healthy path
                key = uuid.uuid4().hex
                target = f"/faulty/v1/keyed/{key}"
                r = self.client.post(url + target, headers={"Idempotency-Key": key}, json={})
                if r.status_code == 200:
                    with self.lock:
                        self.keyed[key] = target
            else:
                r = self.client.get(url + path)
        except httpx.TimeoutException:
            return "hang (client timeout)"
        except httpx.HTTPError as exc:  # e.g. an answer cut short of its length
            return f"broken off: {type(exc).__name__}"
        if r.status_code < 400:
            return str(r.status_code)
        try:
            code = r.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = "provider's own"
        return f"{r.status_code} {code}"

    def run(self, path: str, n: int) -> Counter[str]:
        return Counter(self.pool.map(lambda i: self.one(path, i), range(n)))

    def during(self, fault: Callable[[], None], seconds: float) -> Counter[str]:
        """Steady traffic at a healthy path while ``fault`` runs, until ``seconds`` after."""
        outcomes: Counter[str] = Counter()
        done = threading.Event()

        def traffic() -> None:
            while not done.is_set():
                outcomes.update(self.run("/faulty/v1/ok", 8))

        thread = threading.Thread(target=traffic)
        thread.start()
        time.sleep(0.5)
        fault()
        time.sleep(seconds)
        done.set()
        thread.join(60)
        return outcomes


@contextmanager
def stack(folder: Path) -> Iterator[tuple[TrunklineProcess, FaultyUpstream, OwnPostgres, OwnRedis]]:
    with ExitStack() as stop:
        pg = OwnPostgres().start()
        stop.callback(pg.close)
        redis = OwnRedis(folder / "redis").start()
        stop.callback(redis.close)
        upstream = stop.enter_context(FaultyUpstream())
        env = faulty_env(
            upstream.url,
            TRUNKLINE_DATABASE_URL=pg.url,
            TRUNKLINE_REDIS_URL=redis.url,
            TRUNKLINE_MASTER_KEYS=new_key_line(),
            TRUNKLINE_UPSTREAM_READ_TIMEOUT="1",
            TRUNKLINE_CACHE_TTL="2",
        )
        proc = TrunklineProcess(folder / "data", env=env, args=["--no-sandbox"]).start()
        stop.callback(proc.stop)
        connect_faulty(proc)
        yield proc, upstream, pg, redis


def lost(caller: Caller) -> tuple[int, int]:
    """Acknowledged connections missing, and keyed POSTs not replayed (or sent twice)."""
    listed = caller.client.get(caller.proc.url + "/connections?limit=1000").json()
    present = {c["connection_id"] for c in listed["connections"]}
    missing = len(caller.connections - present)
    broken = 0
    for key, target in caller.keyed.items():
        r = caller.client.post(caller.proc.url + target, headers={"Idempotency-Key": key}, json={})
        seen = caller.upstream.hits(target.removeprefix("/faulty"))
        if r.headers.get("idempotent-replayed") != "true" or seen != 1:
            broken += 1
    return missing, broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per upstream fault")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    n = args.requests
    with TemporaryDirectory(prefix="tl-chaos-") as folder, stack(Path(folder)) as parts:
        proc, upstream, pg, redis = parts
        caller = Caller(proc, upstream, args.concurrency)
        results: list[tuple[str, Counter[str]]] = [
            ("healthy", caller.run("/faulty/v1/ok", n)),
            ("provider slow (3 s > 1 s read timeout)", caller.run("/faulty/slow/3", n)),
        ]
        with upstream.refusing():
            results.append(("provider refusing connections", caller.run("/faulty/v1/ok", n)))
        results += [
            ("provider reset mid-body (streamed)", caller.run(f"/faulty/reset/{4 << 20}/65536", n)),
            ("provider reset mid-body (small)", caller.run("/faulty/reset/5000/100", n)),
            ("provider answering garbage", caller.run("/faulty/garbage", n)),
            ("provider answering 503", caller.run("/faulty/status/503", n)),
            ("PostgreSQL restart (fast)", caller.during(pg.restart, 2.0)),
        ]

        def redis_outage() -> None:
            redis.stop()
            time.sleep(3)
            redis.start()

        results.append(("Redis stopped 3 s, started", caller.during(redis_outage, 3.0)))
        results.append(("healthy again", caller.run("/faulty/v1/ok", n)))
        print(f"{'fault':42} {'sent':>5} {'answered':>8}  answers")
        for name, outcomes in results:
            sent = sum(outcomes.values())
            answered = sum(v for k, v in outcomes.items() if not k.startswith(("hang", "broken")))
            kinds = ", ".join(f"{k}: {v}" for k, v in outcomes.most_common())
            print(f"{name:42} {sent:5d} {answered:8d}  {kinds}")
        missing, broken = lost(caller)
        print(
            f"stored: {len(caller.connections)} connections and {len(caller.keyed)} keyed POSTs "
            f"acknowledged; lost: {missing} connections, {broken} keyed POSTs "
            f"(data lost: {missing + broken})"
        )
        tracebacks = proc.stderr().count("Traceback")
        print(f"tracebacks in the server log: {tracebacks}")


if __name__ == "__main__":
    main()
