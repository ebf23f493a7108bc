"""Upstream client cost: trunkline's own HTTP/1.1 pool vs aiohttp against the same fast upstream.

    PYTHONPATH=src python bench/upstream_client.py [--seconds 5] [--concurrency 1,64] [--repeat 3]

Starts bench/fast_upstream.py (1 KB JSON, keep-alive, uvloop) in its own process so its CPU is
not counted, then for each client and concurrency level runs GETs with six request headers for
``--seconds`` on uvloop and prints requests/s and the client process's CPU per request
(``time.process_time``). Each cell is run ``--repeat`` times, interleaved, and the run with the
least CPU per request is kept (other load on the machine only ever adds). Everything stops by
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import uvloop

from trunkline.upstream import Origin, Timeouts, UpstreamPool

HERE = Path(__file__).resolve().parent
HEADERS = [
    (b"Authorization", b"Bearer bench-0123456789abcdef0123456789abcdef"),
    (b"Accept", b"application/json"),
    (b"User-Agent", b"trunkline-bench/1.0"),
    (b"X-Request-Id", b"0b6f1c2e9a7d4e21"),
    (b"Accept-Encoding", b"gzip"),
    (b"X-Tenant", b"acme"),
]
TARGET = b"/v1/phone-numbers?pageSize=14"

Call = Callable[[], Awaitable[int]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the bench upstream did not come up")


async def measure(call: Call, concurrency: int, seconds: float) -> dict[str, float]:
    done = 0

    async def worker(until: float) -> None:
        nonlocal done
        while time.perf_counter() < until:
            await call()
            done += 1

    await asyncio.gather(*(worker(time.perf_counter() + 0.5) for _ in range(concurrency)))
    done = 0
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(wall + seconds) for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"rps": done / wall, "cpu_us": cpu / done * 1e6, "requests": done}


async def ours(url: str, concurrency: int, seconds: float) -> dict[str, float]:
    origin = Origin.parse(url)
    async with UpstreamPool(timeouts=Timeouts(read=30), max_per_origin=256) as pool:

        async def call() -> int:
            response = await pool.request(b"GET", origin, TARGET, HEADERS)
            async with response:
                return len(await response.read())

        return await measure(call, concurrency, seconds)


async def theirs(url: str, concurrency: int, seconds: float) -> dict[str, float]:
    # The gateway's aiohttp settings (trunkline.gateway.upstream.open_client).
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=256, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=30)
    headers = {name.decode(): value.decode() for name, value in HEADERS}
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    ) as session:
        full = url + TARGET.decode()

        async def call() -> int:
            async with session.get(full, headers=headers) as response:
                return len(await response.read())

        return await measure(call, concurrency, seconds)


CLIENTS = {"trunkline.upstream": ours, "aiohttp": theirs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,64")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",")]
    port = free_port()
    upstream = subprocess.Popen([sys.executable, str(HERE / "fast_upstream.py"), str(port)])
    try:
        wait_port(port)
        url = f"http://127.0.0.1:{port}"
        results: dict[tuple[str, int], dict[str, float]] = {}
        for _ in range(args.repeat):
            for level in levels:
                for name, client in CLIENTS.items():
                    row = uvloop.run(client(url, level, args.seconds))
                    best = results.get((name, level))
                    if best is None or row["cpu_us"] < best["cpu_us"]:
                        results[(name, level)] = row
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    report(results, levels)


def report(results: dict[tuple[str, int], dict[str, float]], levels: list[int]) -> None:
    print(f"\n{'client':<20} {'conc':>5} {'req/s':>10} {'CPU µs/req':>11} {'requests':>9}")
    for level in levels:
        for name in CLIENTS:
            row = results[(name, level)]
            print(
                f"{name:<20} {level:>5} {row['rps']:>10,.0f} {row['cpu_us']:>11.1f}"
                f" {row['requests']:>9,.0f}"
            )
        ratio = (
            results[("aiohttp", level)]["cpu_us"] / results[("trunkline.upstream", level)]["cpu_us"]
        )
        print(f"{'':<20} {'':>5} aiohttp spends {ratio:.1f}x the CPU per request")


if __name__ == "__main__":
    main()
