"""Soak: a steady request rate through the gateway to a mounted sandbox, the server's memory
sampled as it goes. Memory should level off: the growth over the last half is the figure.

    python bench/soak.py [--minutes 10] [--rate 200]

Starts ``trunkline serve`` (sandboxes mounted, SQLite) on 127.0.0.1 and sends GETs at its
RingCentral sandbox connection (RingCentral has no provider rate limit in the catalogue, so
every request goes through to the sandbox), paced at --rate per second with at most 64 in
flight (a request due while 64 are in flight is skipped and counted: read the rate achieved).
Every 5 s it prints the server's RSS and the answers so far; at the end the series and the
growth over the last half. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "trunkline"
PATH = "/ringcentral/restapi/v1.0/account/~/extension/~"
SAMPLE = 5.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


def start(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    out = folder / "serve.out"
    env = {**os.environ, "TRUNKLINE_SANDBOX_SPEED": "100", "TRUNKLINE_LOG_LEVEL": "WARNING"}
    with open(out, "wb") as sink:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), "--data-dir", str(folder / "data")],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    key = re.search(r"API key \(shown once\): (\S+)", out.read_text())
    if key is None:
        proc.kill()
        raise SystemExit(f"trunkline did not start: {out.read_text()[-2000:]}")
    return proc, url, key.group(1)


async def drive(url: str, key: str, pid: int, seconds: float, rate: float) -> list[float]:
    answers: Counter[str] = Counter()
    series: list[float] = []
    gate = asyncio.Semaphore(64)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(headers=headers, timeout=30, limits=limits) as client:

        async def one() -> None:
            async with gate:
                try:
                    r = await client.get(url + PATH)
                    answers[str(r.status_code)] += 1
                except httpx.HTTPError as exc:
                    answers[type(exc).__name__] += 1

        started = time.monotonic()
        next_sample = started
        sent = skipped = 0
        tasks: set[asyncio.Task[None]] = set()
        while (now := time.monotonic()) - started < seconds:
            if now >= next_sample:
                series.append(rss_mib(pid))
                print(
                    f"{now - started:6.0f} s  rss {series[-1]:7.1f} MiB  sent {sent}  "
                    f"skipped {skipped}  {dict(answers)}",
                    flush=True,
                )
                next_sample += SAMPLE
            due = int((now - started) * rate) - sent - skipped
            for _ in range(max(0, due)):
                if len(tasks) >= 64:  # the server is behind: skip rather than pile up
                    skipped += 1
                    continue
                task = asyncio.create_task(one())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    series.append(rss_mib(pid))
    print(
        f"sent {sent} in {elapsed:.0f} s ({sent / elapsed:.0f}/s; {skipped} skipped while 64 "
        f"were in flight); answers {dict(answers)}"
    )
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tl-soak-") as folder:
        proc, url, key = start(Path(folder))
        try:
            series = asyncio.run(drive(url, key, proc.pid, args.minutes * 60, args.rate))
        finally:
            proc.terminate()
            proc.wait(30)
    half = series[len(series) // 2]
    print("rss MiB every 5 s:", " ".join(f"{v:.1f}" for v in series))
    print(
        f"rss start {series[0]:.1f} MiB, half-way {half:.1f}, end {series[-1]:.1f}; "
        f"growth over the last half {series[-1] - half:+.1f} MiB "
        f"({(series[-1] - half) / half * 100:+.1f}%)"
    )


if __name__ == "__main__":
    main()
