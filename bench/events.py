"""Event ingress: verified deliveries stored per second, and how soon a waiting long-poll sees one.

    python bench/events.py [--deliveries 2000] [--concurrency 32] [--samples 50]

For SQLite (one replica) and PostgreSQL (one and two replicas sharing the database) it starts
`trunkline serve` on 127.0.0.1, signs Quo deliveries (`openphone-signature`) with the key of the
sandbox connection's webhook, POSTs them to the ingress (spread over the replicas) and prints
deliveries/s; then it measures provider POST → event returned to a long-poll waiting on another
replica, p50/p99. PostgreSQL comes from TRUNKLINE_BENCH_PG (default the local server). Everything
stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from trunkline.sandbox.quo import signing  # noqa: E402
from trunkline.vault import new_key_line  # noqa: E402

BIN = Path(sys.executable).parent / "trunkline"
PG = os.environ.get("TRUNKLINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    data: Path, env: dict[str, str], sandbox: bool
) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    args = [str(BIN), "serve", "--port", str(port), "--data-dir", str(data)]
    if not sandbox:
        args.append("--no-sandbox")
    out = open(data.parent / f"serve-{port}.out", "wb")  # noqa: SIM115
    full = {**os.environ, "TRUNKLINE_SANDBOX_SPEED": "100", "TRUNKLINE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env={**full, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    text = (data.parent / f"serve-{port}.out").read_text()
    key = next((w for w in text.split() if w.startswith("tk_")), "")
    return proc, url, key


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def delivery(key: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": f"EVbench{uuid.uuid4().hex}",
            "object": "event",
            "apiVersion": "v4",
            "createdAt": "2026-11-29T06:00:00.000Z",
            "type": "message.received",
            "data": {
                "object": {
                    "id": f"ACbench{n}",
                    "object": "message",
                    "from": "+14155550142",
                    "to": ["+14155550123"],
                    "direction": "incoming",
                    "text": f"bench {n}",
                    "status": "received",
                    "createdAt": "2026-11-29T06:00:00.000Z",
                }
            },
        }
    ).encode()
    stamp = str(int(time.time() * 1000))
    return body, {
        "openphone-signature": signing.signature_header(key, stamp, body),
        "content-type": "application/json",
    }


async def ingest(paths: list[str], key: str, total: int, concurrency: int) -> float:
    queue = list(range(total))
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as c:

        async def worker(index: int) -> None:
            while queue:
                n = queue.pop()
                body, headers = delivery(key, n)
                r = await c.post(paths[n % len(paths)], content=body, headers=headers)
                if r.status_code != 200:
                    raise RuntimeError(f"delivery refused: {r.status_code} {r.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return total / (time.perf_counter() - started)


async def latency(post_to: str, wait_on: str, api_key: str, key: str, samples: int) -> list[float]:
    found: list[float] = []
    async with httpx.AsyncClient(timeout=70) as c:
        headers = {"Authorization": f"Bearer {api_key}"}
        cursor = (await c.get(wait_on + "/events?limit=500", headers=headers)).json()
        after = cursor["next_cursor"]
        while True:  # skip to the end of the inbox
            page = (
                await c.get(wait_on + f"/events?limit=500&after={after}", headers=headers)
            ).json()
            if not page["events"]:
                break
            after = page["next_cursor"]
        for n in range(samples):
            waiter = asyncio.create_task(
                c.get(wait_on + f"/events?after={after}&wait=30", headers=headers)
            )
            await asyncio.sleep(0.05)
            body, signed = delivery(key, 10_000_000 + n)
            sent = time.perf_counter()
            await c.post(post_to, content=body, headers=signed)
            page = (await waiter).json()
            found.append((time.perf_counter() - sent) * 1000)
            after = page["next_cursor"]
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenario(
    name: str, store: str | None, replicas: int, args: argparse.Namespace
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        env = {"TRUNKLINE_MASTER_KEYS": new_key_line()}
        if store:
            env["TRUNKLINE_DATABASE_URL"] = store
        procs = []
        for i in range(replicas):
            data = Path(tmp) / f"r{i}" / "data"
            data.parent.mkdir(parents=True)
            proc, url, key = start(data, env, sandbox=i == 0)
            stack.callback(stop, proc)
            procs.append((url, key))
        first_url, api_key = procs[0]
        headers = {"Authorization": f"Bearer {api_key}"}
        conn = httpx.get(first_url + "/connections?app=quo", headers=headers).json()
        conn_id = conn["connections"][0]["connection_id"]
        ingress = httpx.get(first_url + f"/connections/{conn_id}/ingress", headers=headers).json()
        ingress_url = ingress["ingress_url"]
        hooks = httpx.get(first_url + "/quo/v1/webhooks", headers=headers).json()["data"]
        key = next(h["key"] for h in hooks if h["url"] == ingress_url)
        path = ingress_url.removeprefix(first_url)
        targets = [url + path for url, _ in procs]
        rate = asyncio.run(ingest(targets, key, args.deliveries, args.concurrency))
        lat = asyncio.run(latency(targets[0], procs[-1][0], api_key, key, args.samples))
        return {
            "scenario": name,
            "deliveries_per_s": rate,
            "p50_ms": statistics.median(lat),
            "p99_ms": pct(lat, 0.99),
        }


def fresh_pg() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return None
    name = f"tl_bench_{uuid.uuid4().hex[:8]}"

    async def make() -> None:
        conn = await asyncpg.connect(PG, timeout=3)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    try:
        asyncio.run(make())
    except Exception as exc:  # no PostgreSQL here: SQLite only
        print(f"(PostgreSQL unavailable: {type(exc).__name__}; SQLite only)")
        return None
    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    plans: list[tuple[str, str | None, int]] = [("sqlite, 1 replica", None, 1)]
    pg_one, pg_two = fresh_pg(), fresh_pg()
    if pg_one and pg_two:
        plans += [("postgresql, 1 replica", pg_one, 1), ("postgresql, 2 replicas", pg_two, 2)]
    rows = [scenario(name, store, n, args) for name, store, n in plans]
    print(f"{'scenario':<26}{'deliveries/s':>14}{'p50 ms':>10}{'p99 ms':>10}")
    for row in rows:
        print(
            f"{row['scenario']:<26}{row['deliveries_per_s']:>14.0f}"
            f"{row['p50_ms']:>10.1f}{row['p99_ms']:>10.1f}"
        )


if __name__ == "__main__":
    main()
