"""The HTTP server alone: a trivial ASGI app (1 KB of JSON) on trunkline's own server and on
uvicorn with trunkline's limits layer, CPU per request under wrk at 64 connections, interleaved.

    PYTHONPATH=src python bench/server_overhead.py [--rounds 6] [--seconds 2]
    PYTHONPATH=src python bench/server_overhead.py --serve own|uvicorn PORT   (one server)
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gateway_overhead import Stack, Target, free_port, wait_http, wrk  # noqa: E402

BODY = b'{"data": "' + b"x" * 1000 + b'"}'


async def app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def, type-arg]
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1012")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def serve(server: str, port: int) -> None:
    from trunkline.serving.protocol import Limits, protocol_class
    from trunkline.serving.workers import bind

    if server == "own":
        from trunkline.serving import server as own

        own.run(app, own.Config(), bind("127.0.0.1", port))
        return
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        http=protocol_class(Limits()),
        log_level="warning",
        access_log=False,
        server_header=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--serve", nargs=2)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        try:
            targets = []
            for name in ("own", "uvicorn"):
                port = free_port()
                proc = stack.start([sys.executable, __file__, "--serve", name, str(port)])
                wait_http(f"http://127.0.0.1:{port}/")
                targets.append(Target(name, 1, f"http://127.0.0.1:{port}/x", proc.pid))
            for t in targets:
                wrk(t, 64, 1)
            for r in range(args.rounds):
                for t in targets if r % 2 == 0 else targets[::-1]:
                    t.runs[64].append(wrk(t, 64, args.seconds))
            for t in targets:
                runs = t.runs[64]
                cpu = statistics.median(x["cpu_us"] for x in runs)
                print(
                    f"{t.name:<8} CPU us/req median {cpu:6.1f}"
                    f" best {min(x['cpu_us'] for x in runs):6.1f}"
                    f"  user {statistics.median(x['user_us'] for x in runs):6.1f}"
                    f"  req/s {statistics.median(x['rps'] for x in runs):8.0f}"
                )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
