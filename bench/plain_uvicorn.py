"""trunkline's app on uvicorn + httptools exactly as ``trunkline serve`` runs it, minus
trunkline's inbound limits (trunkline/serving/protocol.py): bench/gateway_overhead.py --ab runs
it to show what the limits cost. Settings from the environment; the data dir must be prepared.

    python bench/plain_uvicorn.py PORT
"""

from __future__ import annotations

import gc
import sys

import uvicorn

from trunkline import logs
from trunkline.app import create_app
from trunkline.settings import Settings

if __name__ == "__main__":
    settings = Settings()
    logs.configure(settings.log_level)  # the access log on, as under trunkline serve
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        http="httptools",
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
    )
