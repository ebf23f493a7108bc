"""What the SDK's layers cost per call, in-process (no sockets): a raw gateway call, the same
read through ``client.actions.run`` (the runner: validation, templates, pages), and through a
typed helper (plus the pydantic models); and how long ``import trunkline.client`` takes.

    python bench/sdk.py [--calls 300]

Runs against ``trunkline.client.testing.sandboxed()`` (the Twilio sandbox's numbers list; Quo's
10 requests/s limit would measure the throttle), so the figures are the SDK's and the in-process
server's time together; the differences between the rows are the SDK layers'. The account SID
is given, so no run looks up the connection's metadata.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from trunkline.client.testing import sandboxed  # noqa: E402


def timed(rows: dict[str, Callable[[], object]], calls: int) -> dict[str, list[float]]:
    """Each row once per round, round-robin, so load on the machine hits every row alike."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for fn in rows.values():
        fn()  # warm up
    for _ in range(calls):
        for name, fn in rows.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import trunkline.client; "
    code += "print((time.perf_counter() - t) * 1000)"
    env = {"PYTHONPATH": str(HERE.parent / "src")}
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    calls = parser.parse_args().calls
    with sandboxed() as client:
        sid = client.connections.list(app="twilio")[0].metadata["account_sid"]
        path = f"/twilio/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"
        run = client.actions.run
        numbers = client.twilio.incoming_numbers
        rows = {
            "raw client.get": lambda: client.get(path, params={"PageSize": 10}),
            "client.actions.run": lambda: run("twilio.list_incoming_numbers", account_sid=sid),
            "typed helper (list)": lambda: list(numbers.list(account_sid=sid, limit=10)),
        }
        print(f"{'path':<24} {'p50 ms':>8} {'p99 ms':>8}   ({calls} calls each)")
        for name, samples in timed(rows, calls).items():
            samples.sort()
            p99 = samples[int(len(samples) * 0.99) - 1]
            print(f"{name:<24} {statistics.median(samples):>8.2f} {p99:>8.2f}")
    print(f"import trunkline.client: {import_time():.0f} ms (median of 5 fresh interpreters)")


if __name__ == "__main__":
    main()
