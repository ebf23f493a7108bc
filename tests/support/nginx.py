"""A real Debian nginx as a reverse proxy on 127.0.0.1, for tests of what crosses a proxy."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

CONFIG = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream trunkline {{ {servers} }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://trunkline;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Proto http;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_buffering off;
    }}
  }}
}}
"""


MAIN = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  include {prefix}/site.conf;
}}
"""


@contextlib.contextmanager
def nginx_proxy(prefix: Path, backends: list[str], port: int | None = None) -> Iterator[str]:
    """nginx on ``port`` proxying to ``backends`` (``host:port``); yields its base URL."""
    port = port or free_port()
    servers = " ".join(f"server {b};" for b in backends)
    conf = CONFIG.format(prefix=prefix, servers=servers, port=port)
    url = f"http://127.0.0.1:{port}"
    with run_nginx(prefix, conf, lambda: httpx.get(url + "/healthz", timeout=1)):
        yield url


def site(prefix: Path, http_block: str) -> str:
    """A whole nginx.conf around ``http_block`` (what goes in /etc/nginx/conf.d/)."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(http_block)
    return MAIN.format(prefix=prefix)


@contextlib.contextmanager
def run_nginx(prefix: Path, config: str, probe: Callable[[], object]) -> Iterator[None]:
    """Debian's nginx running ``config`` until the block ends; ready once ``probe`` stops
    raising ``httpx.HTTPError``."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is required (scripts/test installs Debian's nginx)")
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(config)
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                probe()
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
