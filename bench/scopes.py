"""What a key scope costs on the gateway's hot path, in process (no network): the checks an
unscoped key, a read-only key and a ``--to '+1555*'`` key pay per request, in microseconds.

    python bench/scopes.py [--rounds 200000]

The ``--to`` send includes finding the send route and reading the recipients from the JSON body
(the body is read whole anyway below 1 MiB). Budgets are a sliding window (throttle.py) and are
measured by the throttle's own figures.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from trunkline.catalogue import Catalogue
from trunkline.gateway.sends import check_destinations, send_route
from trunkline.scopes import UNSCOPED, Scope

QUO = Catalogue.load().providers["quo"]
BODY = b'{"content": "Your appointment is at 3pm", "from": "+15555550123", "to": ["+15551234567"]}'


def unscoped() -> None:
    scope = UNSCOPED
    scope.check_method("POST")
    scope.check_app("quo")
    scope.check_connection("c1")
    if scope.limits_sends:
        raise AssertionError


def read_only_get(scope: Scope = Scope.build(read_only=True, apps=["quo"])) -> None:
    scope.check_method("GET")
    scope.check_app("quo")
    scope.check_connection("c1")


def destination_send(scope: Scope = Scope.build(to=["+1555*"])) -> None:
    scope.check_method("POST")
    scope.check_app("quo")
    scope.check_connection("c1")
    route = send_route(QUO, "POST", "/v1/messages")
    assert route is not None
    check_destinations(scope, route, BODY, None)


def per_call(fn: Callable[[], None], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200_000)
    rounds = parser.parse_args().rounds
    for name, fn in [
        ("unscoped key", unscoped),
        ("read-only key, GET", read_only_get),
        ("--to key, Quo send", destination_send),
    ]:
        fn()  # warm the pattern caches
        print(f"{name:22s} {per_call(fn, rounds):6.2f} µs per request")


if __name__ == "__main__":
    main()
