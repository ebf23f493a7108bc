"""Gateway overhead: the same fast upstream measured direct and through trunkline.

    python bench/gateway_overhead.py [--seconds 10] [--connections 1,64]

Starts bench/fast_upstream.py and `trunkline serve --no-sandbox` (one worker, SQLite, a bench
provider with no rate limit) on 127.0.0.1, drives both with wrk (or a Python client when wrk is
not installed), and prints throughput, p50/p99 latency and the ratios. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
PROVIDER = """slug: bench
name: Bench upstream
docs_url: https://example.invalid/
upstream: http://127.0.0.1:{port}
auth:
  mode: API_KEY
  header: Authorization
  template: "{{api_key}}"
credentials:
  - name: api_key
    title: API key
verification:
  path: /verify
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, headers=headers, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def run_wrk(url: str, connections: int, seconds: int, key: str | None) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if key:
        cmd[1:1] = ["-H", f"Authorization: Bearer {key}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _latency(out: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
    assert match, out
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_python(url: str, connections: int, seconds: int, key: str | None) -> dict[str, float]:
    """Fallback load generator (slower than wrk: figures are a lower bound)."""
    import asyncio

    import aiohttp

    async def main() -> dict[str, float]:
        latencies: list[float] = []
        errors = 0
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        deadline = time.perf_counter() + seconds
        async with aiohttp.ClientSession() as session:

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    async with session.get(url, headers=headers) as r:
                        await r.read()
                        errors += r.status >= 400
                    latencies.append((time.perf_counter() - start) * 1000)

            await asyncio.gather(*(worker() for _ in range(connections)))
        latencies.sort()
        return {
            "rps": len(latencies) / seconds,
            "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)],
            "errors": float(errors),
        }

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="1,64")
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn")
    args = parser.parse_args()
    load = run_wrk if shutil.which("wrk") else run_python
    levels = [int(c) for c in args.connections.split(",")]
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            up_port, gw_port = free_port(), free_port()
            procs.append(
                subprocess.Popen([sys.executable, str(HERE / "fast_upstream.py"), str(up_port)])
            )
            providers = Path(tmp) / "providers"
            providers.mkdir()
            (providers / "bench.yaml").write_text(PROVIDER.format(port=up_port))
            env = {k: v for k, v in os.environ.items() if not k.startswith("TRUNKLINE_")}
            env.update(
                TRUNKLINE_PROVIDERS_DIR=str(providers),
                TRUNKLINE_LOG_LEVEL="INFO",
                TRUNKLINE_SERVER=args.server,
            )
            log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115
            procs.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "trunkline"),
                        "serve",
                        "--no-sandbox",
                        "--port",
                        str(gw_port),
                        "--data-dir",
                        str(Path(tmp) / "data"),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=env,
                )
            )
            gateway = f"http://127.0.0.1:{gw_port}"
            wait_http(f"http://127.0.0.1:{up_port}/")
            wait_http(gateway + "/healthz")
            key = _read_key(procs[-1])
            r = httpx.post(
                gateway + "/connections",
                headers={"Authorization": f"Bearer {key}"},
                json={"app": "bench", "credentials": {"api_key": "bench-key"}},
            )
            r.raise_for_status()
            mini_port = free_port()
            bin_dir = Path(sys.executable).parent
            mini_cmd = (
                [
                    str(bin_dir / "uvicorn"),
                    "--app-dir",
                    str(HERE),
                    "--port",
                    str(mini_port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                    "minimal_passthrough:app",
                ]
                if args.server == "uvicorn"
                else [
                    str(bin_dir / "granian"),
                    "--interface",
                    "asgi",
                    "--port",
                    str(mini_port),
                    "--loop",
                    "uvloop",
                    "--no-ws",
                    "--log-level",
                    "warning",
                    "--working-dir",
                    str(HERE),
                    "minimal_passthrough:app",
                ]
            )
            procs.append(
                subprocess.Popen(
                    mini_cmd,
                    env={**env, "BENCH_UPSTREAM": f"http://127.0.0.1:{up_port}"},
                    cwd=HERE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_http(f"http://127.0.0.1:{mini_port}/")
            results = {}
            for c in levels:
                results[("direct", c)] = load(
                    f"http://127.0.0.1:{up_port}/v1/phone-numbers", c, args.seconds, None
                )
                results[("minimal", c)] = load(
                    f"http://127.0.0.1:{mini_port}/v1/phone-numbers", c, args.seconds, None
                )
                results[("trunkline", c)] = load(
                    gateway + "/bench/v1/phone-numbers", c, args.seconds, key
                )
            print(f"server: {args.server}")
            _report(results, levels, load is run_wrk)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _read_key(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if "API key" in line:
            return line.rsplit(" ", 1)[1].strip()
    raise RuntimeError("no API key printed")


def _report(results: dict[tuple[str, int], dict[str, float]], levels: list[int], wrk: bool) -> None:
    print(
        f"load generator: {'wrk -t1' if wrk else 'python aiohttp (lower bound)'}; "
        f"cores: {os.cpu_count()}"
    )
    print(f"{'target':<10} {'conns':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for c in levels:
        for target in ("direct", "minimal", "trunkline"):
            r = results[(target, c)]
            print(
                f"{target:<10} {c:>5} {r['rps']:>10.0f} {r['p50']:>8.3f} {r['p99']:>8.3f} "
                f"{r['errors']:>7.0f}"
            )
    print("minimal = raw ASGI + aiohttp pass-through on the same server: the floor")
    for c in levels:
        d, m, t = results[("direct", c)], results[("minimal", c)], results[("trunkline", c)]
        print(
            f"c={c}: trunkline {t['rps']:.0f} req/s = {t['rps'] / m['rps']:.2f} x minimal; "
            f"added p50 vs direct {t['p50'] - d['p50']:.3f} ms "
            f"(minimal adds {m['p50'] - d['p50']:.3f} ms); added p99 {t['p99'] - d['p99']:.3f} ms"
        )


if __name__ == "__main__":
    main()
