"""Gateway overhead, in one run: the same fast upstream direct, behind nginx as a reverse proxy,
and behind trunkline (the whole gateway: key check, connection lookup, throttle, credential
injection, access log) on uvicorn and granian with 1 and 2 workers.

    PYTHONPATH=src python bench/gateway_overhead.py [--quick] [--seconds 5] [--rounds 3]
                                                    [--profile profile.txt]

Everything listens on 127.0.0.1 and stops by itself. Each cell is driven by ``wrk -t1
--latency`` at 1 and 64 connections; the targets are run in interleaved rounds (other load on a
shared machine then hits every target alike) and the median of the rounds is printed. CPU per
request is the server's process tree's CPU time (/proc utime+stime of the process and its
workers) over the 64-connection run divided by the requests served: for nginx its master and
worker, for "direct" the upstream itself. ``--profile`` also records trunkline (uvicorn, one
worker) under 64 connections with py-spy and prints where the time goes.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
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
# nginx as a plain reverse proxy: one worker, keep-alive to the upstream, a header injected
# (what a credential-injecting proxy does at the least).
NGINX = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log error;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream app {{ server 127.0.0.1:{upstream}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port} backlog=1024;
    location /bench/ {{
      proxy_pass http://app/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "bench-key";
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def tree_cpu(pid: int, user_only: bool = False) -> float:
    """CPU seconds (user + system, or user alone) of ``pid`` and its live descendants."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += (int(fields[11]) + (0 if user_only else int(fields[12]))) / TICKS
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


@dataclass
class Target:
    name: str
    workers: int
    url: str
    pid: int
    headers: list[str] = field(default_factory=list)
    runs: dict[int, list[dict[str, float]]] = field(
        default_factory=lambda: collections.defaultdict(list)
    )


def wrk(target: Target, connections: int, seconds: int) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in target.headers:
        cmd += ["-H", header]
    before = tree_cpu(target.pid)
    before_user = tree_cpu(target.pid, user_only=True)
    out = subprocess.run(
        [*cmd, target.url], capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    cpu = tree_cpu(target.pid) - before
    user = tree_cpu(target.pid, user_only=True) - before_user
    requests = int(_grab(r"(\d+) requests in", out))
    wall = float(_grab(r"requests in ([\d.]+)s", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(_grab(r"Requests/sec:\s+([\d.]+)", out)),
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "cpu_us": cpu / max(1, requests) * 1e6,
        "user_us": user / max(1, requests) * 1e6,
        "cores": cpu / wall,
        "errors": float(bad.group(1) if bad else 0)
        + (sum(int(g) for g in errors.groups()) if errors else 0),
    }


def _grab(pattern: str, out: str) -> str:
    match = re.search(pattern, out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return match.group(1)


def _latency(out: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", out)
    if match is None:
        raise RuntimeError(f"no {label} latency in:\n{out}")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


class Stack:
    """Every process the benchmark starts; all stopped on exit."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        proc = subprocess.Popen(cmd, **kwargs)  # type: ignore[call-overload]
        self.procs.append(proc)
        return proc  # type: ignore[no-any-return]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def trunkline(
    stack: Stack,
    server: str,
    workers: int,
    up_port: int,
    providers: Path,
    src: Path | None = None,
) -> Target:
    """``trunkline serve`` on ``server``; from another source tree (``src``) when given."""
    port = free_port()
    label = f"{server}-{workers}" + ("-base" if src else "")
    data = stack.tmp / f"data-{label}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUNKLINE_")}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    env.update(
        TRUNKLINE_PROVIDERS_DIR=str(providers),
        TRUNKLINE_LOG_LEVEL="INFO",  # the access log is written, as in production
        TRUNKLINE_SERVER=server,
        TRUNKLINE_WORKERS=str(workers),
        TRUNKLINE_SANDBOX="false",
    )
    log = open(stack.tmp / f"serve-{label}.log", "wb")  # noqa: SIM115
    out = stack.tmp / f"serve-{label}.out"
    with open(out, "wb") as stdout:
        proc = stack.start(
            [str(BIN / "trunkline"), "serve", "--port", str(port), "--data-dir", str(data)],
            stdout=stdout,
            stderr=log,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz")
    key = re.search(r"API key \(shown once\): (\S+)", out.read_text())
    assert key, out.read_text()
    auth = {"Authorization": f"Bearer {key.group(1)}"}
    r = httpx.post(
        url + "/connections",
        headers=auth,
        json={"app": "bench", "credentials": {"api_key": "bench-key"}},
    )
    r.raise_for_status()
    return Target(
        f"baseline {server}" if src else f"trunkline {server}",
        workers,
        url + "/bench/v1/phone-numbers",
        proc.pid,
        [f"Authorization: Bearer {key.group(1)}"],
    )


def plain(stack: Stack, twin: Target, providers: Path) -> Target:
    """The app of ``twin`` (same data dir, key and connection) on uvicorn without the limits."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUNKLINE_")}
    env.update(
        TRUNKLINE_PROVIDERS_DIR=str(providers),
        TRUNKLINE_LOG_LEVEL="INFO",
        TRUNKLINE_SANDBOX="false",
        TRUNKLINE_DATA_DIR=str(stack.tmp / "data-uvicorn-1"),
    )
    log = open(stack.tmp / "plain.log", "wb")  # noqa: SIM115
    proc = stack.start(
        [sys.executable, str(HERE / "plain_uvicorn.py"), str(port)], env=env, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz")
    return Target("uvicorn, no limits", 1, url + "/bench/v1/phone-numbers", proc.pid, twin.headers)


def nginx(stack: Stack, up_port: int) -> Target | None:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        print("nginx not found: skipping the nginx-proxy baseline (apt-get install nginx)")
        return None
    prefix = stack.tmp / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX.format(prefix=prefix, port=port, upstream=up_port))
    proc = stack.start([binary, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}/bench/v1/phone-numbers"
    wait_http(url)
    return Target("nginx-proxy", 1, url, proc.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per cell")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 s cells: about a minute")
    parser.add_argument("--servers", default="own,uvicorn,granian")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--profile", type=Path, help="py-spy collapsed stacks to this file")
    parser.add_argument("--profile-server", default="own", help="which server --profile records")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also trunkline from this src directory (e.g. main's) on uvicorn, 1 worker",
    )
    parser.add_argument(
        "--ab", action="store_true", help="also trunkline on plain uvicorn (no inbound limits)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required (apt-get install wrk)")
    seconds = 1 if args.quick else args.seconds
    levels = [1, 64]
    with tempfile.TemporaryDirectory() as tmp_name:
        stack = Stack(Path(tmp_name))
        try:
            up_port = free_port()
            upstream = stack.start([sys.executable, str(HERE / "fast_upstream.py"), str(up_port)])
            wait_http(f"http://127.0.0.1:{up_port}/")
            providers = stack.tmp / "providers"
            providers.mkdir()
            (providers / "bench.yaml").write_text(PROVIDER.format(port=up_port))
            targets = [
                Target("direct", 1, f"http://127.0.0.1:{up_port}/v1/phone-numbers", upstream.pid)
            ]
            proxy = nginx(stack, up_port)
            if proxy:
                targets.append(proxy)
            for server in args.servers.split(","):
                for workers in (int(w) for w in args.workers.split(",")):
                    targets.append(trunkline(stack, server, workers, up_port, providers))
            if args.baseline:
                targets.append(trunkline(stack, "uvicorn", 1, up_port, providers, args.baseline))
            if args.ab:
                first = next(t for t in targets if t.name == "trunkline uvicorn")
                targets.append(plain(stack, first, providers))
            for target in targets:  # warm-up: connections, caches, first-call paths
                wrk(target, 64, 1)
            for round_ in range(args.rounds):
                order = targets if round_ % 2 == 0 else targets[::-1]
                for target in order:
                    for c in levels:
                        target.runs[c].append(wrk(target, c, seconds))
                print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr, flush=True)
            report(targets, proxy, seconds, args.rounds)
            if args.profile:
                name = f"trunkline {args.profile_server}"
                profile(next(t for t in targets if t.name == name), args.profile)
        finally:
            stack.stop()


def median(target: Target, c: int, key: str) -> float:
    return statistics.median(run[key] for run in target.runs[c])


def report(targets: list[Target], proxy: Target | None, seconds: int, rounds: int) -> None:
    print(
        f"\nwrk -t1, {seconds} s per cell, median of {rounds} interleaved rounds; "
        f"{os.cpu_count()} cores shared by wrk, the upstream and the server"
    )
    head = (
        f"{'target':<20} {'w':>2} {'req/s@64':>9} {'spread':>6} {'x nginx':>7} "
        f"{'CPU us/req':>10} {'best':>5} {'user':>5} {'cores':>5} {'p50@1':>7} {'p99@1':>7} "
        f"{'p50@64':>7} {'p99@64':>7} {'errors':>6}"
    )
    print(head)
    print("-" * len(head))
    base = median(proxy, 64, "rps") if proxy else None
    for t in targets:
        rps = median(t, 64, "rps")
        shown = f"{rps / base:7.2f}" if base else f"{'-':>7}"
        errors = sum(run["errors"] for c in t.runs for run in t.runs[c])
        all_rps = [run["rps"] for run in t.runs[64]]
        spread = (max(all_rps) - min(all_rps)) / rps
        print(
            f"{t.name:<20} {t.workers:>2} {rps:>9.0f} {spread:>6.0%} {shown} "
            f"{median(t, 64, 'cpu_us'):>10.1f} {min(r['cpu_us'] for r in t.runs[64]):>5.0f} "
            f"{median(t, 64, 'user_us'):>5.0f} "
            f"{median(t, 64, 'cores'):>5.2f} "
            f"{median(t, 1, 'p50'):>7.3f} {median(t, 1, 'p99'):>7.3f} "
            f"{median(t, 64, 'p50'):>7.3f} {median(t, 64, 'p99'):>7.3f} {errors:>6.0f}"
        )
    print(
        "latencies in ms; CPU over the 64-connection cells (user: the part outside the kernel); "
        "cores = CPU seconds per second "
        "(below 1 for one worker: it was not the bottleneck, or the machine was busy); "
        "spread = (max - min) / median req/s over the rounds; best = the least CPU per request of "
        "the rounds (other load only ever adds)"
    )
    if not proxy:
        return
    print(
        "\ntargets (one worker, whole gateway): >= 0.25x nginx req/s at 64; "
        "added p50 at 1 <= 0.15 ms over nginx; <= 40 us CPU per request"
    )
    for t in targets:
        if t.name.startswith(("trunkline", "baseline")) and t.workers == 1:
            ratio = median(t, 64, "rps") / median(proxy, 64, "rps")
            added = median(t, 1, "p50") - median(proxy, 1, "p50")
            cpu = median(t, 64, "cpu_us")
            print(
                f"{t.name}: {ratio:.2f}x nginx [{'met' if ratio >= 0.25 else 'MISSED'}], "
                f"+{added:.3f} ms p50@1 [{'met' if added <= 0.15 else 'MISSED'}], "
                f"{cpu:.0f} us/req [{'met' if cpu <= 40 else 'MISSED'}]"
            )


def profile(target: Target, out: Path) -> None:
    """py-spy over the worker under 64 connections; prints the hottest frames."""
    spy = BIN / "py-spy"
    load = subprocess.Popen(
        ["wrk", "-t1", "-c64", "-d12s", "-H", target.headers[0], target.url],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        done = subprocess.run(
            [
                str(spy),
                "record",
                "--pid",
                str(target.pid),
                "--duration",
                "8",
                "--rate",
                "250",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        load.wait(30)
    if done.returncode != 0 or not out.exists():
        print(f"py-spy failed: {done.stderr.strip()[-300:]}")
        return
    summarize(out)


def summarize(path: Path, top: int = 20) -> None:
    """Self time per function and inclusive time of the gateway's own stages."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[_short(frames[-1])] += count
        for name in {_short(f) for f in frames}:
            inclusive[name] += count
    if not total:
        print("py-spy recorded nothing")
        return
    print(f"\npy-spy: {total} samples; self time (top {top}):")
    for name, count in own.most_common(top):
        print(f"  {count / total:6.1%}  {name}")
    print("inclusive, selected frames:")
    stages = ("proxy.py", "resolver.py", "throttle.py", "accesslog.py", "upstream/", "httptools")
    for name, count in inclusive.most_common():
        if any(k in name for k in (*stages, "protocol.py", "app.py")) and count / total >= 0.02:
            print(f"  {count / total:6.1%}  {name}")


def _short(frame: str) -> str:
    """``func (path/to/file.py:12)`` → ``func (pkg/file.py)``."""
    match = re.match(r"(.*) \((.*?):\d+\)$", frame.strip())
    if not match:
        return frame.strip()
    func, path = match.groups()
    parts = Path(path).parts
    return f"{func} ({'/'.join(parts[-2:])})"


if __name__ == "__main__":
    main()
