"""docs/production.md, run as written where it can be: the blocks marked ``<!-- run: NAME -->``
are taken from the page, their paths moved into a temporary directory and their hosts pointed
at 127.0.0.1, then run: the master key, the environment file, the first account and key on
PostgreSQL, the nginx configuration with TLS in front of two replicas (on PostgreSQL and Redis),
and the systemd unit."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import re
import shutil
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import upstream_env
from tests.support import echo as echo_mod
from tests.support.nginx import run_nginx, site
from tests.support.process import BIN, TrunklineProcess
from tests.support.servers import free_port
from trunkline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs/production.md").read_text()
REDIS = "redis://127.0.0.1:6379/0"


def block(name: str) -> str:
    found = re.search(rf"<!-- run: {name} -->\n```\w+\n(.*?)```", DOC, re.S)
    assert found, f"docs/production.md has no block marked run: {name}"
    return found.group(1)


def moved(text: str, root: Path) -> str:
    """The block with its system paths under ``root``."""
    for path in ("/etc/trunkline", "/var/lib/trunkline"):
        text = text.replace(path, str(root) + path)
    return text


def shell(script: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUNKLINE_")}
    env["PATH"] = f"{BIN.parent}:{env['PATH']}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", moved(script, root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def env_file(root: Path, pg_url: str, public: str) -> dict[str, str]:
    """The doc's environment file, its hosts pointed at this machine's services."""
    local = {
        "TRUNKLINE_DATABASE_URL": pg_url,
        "TRUNKLINE_REDIS_URL": REDIS,
        "TRUNKLINE_PUBLIC_URL": public,
        "TRUNKLINE_HOST": "127.0.0.1",
    }
    values: dict[str, str] = {}
    for line in moved(block("env-file"), root).splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = local.get(name, value)
    assert local.keys() <= values.keys()
    path = root / "etc/trunkline/trunkline.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)
    return values


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 and the doc's host name, in the doc's file names."""
    folder.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "phone-api.example.com")])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    names = [
        x509.DNSName("phone-api.example.com"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "fullchain.pem"


def nginx_site(prefix: Path, backends: list[str], http: int, https: int, certs: Path) -> str:
    """The doc's nginx block, listening on 127.0.0.1 and proxying to ``backends``."""
    text = block("nginx")
    doc_backends = re.findall(r"server (10\.0\.0\.\d+:8470)", text)
    assert len(doc_backends) == len(backends)
    for doc_backend, backend in zip(doc_backends, backends, strict=True):
        text = text.replace(f"server {doc_backend}", f"server {backend}")
    replaced = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "/etc/letsencrypt/live/phone-api.example.com/": f"{certs}/",
        "/var/log/nginx/": f"{prefix}/",
    }
    for doc_text, ours in replaced.items():
        assert doc_text in text, f"the nginx block no longer has {doc_text!r}"
        text = text.replace(doc_text, ours)
    return site(prefix, text)


def serve_args() -> list[str]:
    found = re.search(r"^ExecStart=\S+ serve (.*)$", block("systemd"), re.M)
    assert found
    return found.group(1).split()


@dataclass
class Deployment:
    root: Path
    public: str
    http: str
    ca: Path
    replicas: list[TrunklineProcess]
    key: str
    env: dict[str, str]

    def https(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.public,
            verify=str(self.ca),
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=30,
        )


@pytest.fixture
def deployment(tmp_path: Path, pg_url: str, echo: tuple[str, object]) -> Iterator[Deployment]:
    (tmp_path / "etc/trunkline").mkdir(parents=True)
    made = shell(block("master-key"), tmp_path)
    assert made.returncode == 0, made.stderr
    https_port, http_port = free_port(), free_port()
    public = f"https://127.0.0.1:{https_port}"
    env = env_file(tmp_path, pg_url, public)
    first = shell(block("first-key"), tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert key.startswith("tk_live_")
    master = (tmp_path / "etc/trunkline/master-keys.env").read_text().strip()
    replica_env = {
        **env,
        **dict([master.split("=", 1)]),
        **upstream_env(echo[0]),
        "TRUNKLINE_CACHE_TTL": "2",  # the default: Redis invalidation keeps replicas in step
    }
    replicas = [
        TrunklineProcess(tmp_path / f"replica{n}", env=replica_env, args=serve_args())
        for n in (1, 2)
    ]
    try:
        with ThreadPoolExecutor(2) as pool:  # together: they take turns at the migrations
            list(pool.map(lambda r: r.start(timeout=90), replicas))
        assert not any(r.api_key for r in replicas)  # no hidden default account was made
        ca = self_signed(tmp_path / "certs")
        backends = [f"127.0.0.1:{r.port}" for r in replicas]
        prefix = tmp_path / "nginx"
        conf = nginx_site(prefix, backends, http_port, https_port, ca.parent)
        with run_nginx(prefix, conf, lambda: httpx.get(public + "/healthz", verify=str(ca))):
            yield Deployment(
                tmp_path, public, f"http://127.0.0.1:{http_port}", ca, replicas, key, env
            )
    finally:
        for replica in replicas:
            replica.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_the_guide_runs_two_replicas_behind_nginx_with_tls(deployment: Deployment) -> None:
    one, two = deployment.replicas
    with deployment.https() as api:
        health = api.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        redirect = httpx.get(deployment.http + "/connections")
        assert redirect.status_code == 301
        assert redirect.headers["location"].startswith("https://")

        # A connection made on one replica is used through the other, and through nginx.
        headers = {"Authorization": f"Bearer {deployment.key}"}
        made = httpx.post(
            one.url + "/connections",
            headers=headers,
            json={"app": "quo", "credentials": {"api_key": echo_mod.QUO_KEY}},
        )
        assert made.status_code == 201, made.text
        pinned = {"Maton-Connection": made.json()["connection"]["connection_id"]}
        assert httpx.get(two.url + "/quo/v1/echo", headers={**headers, **pinned}).status_code == 200
        ids = []
        for _ in range(6):
            through = api.get("/quo/v1/echo", headers=pinned)
            assert through.status_code == 200, through.text
            ids.append(through.headers["x-request-id"])
        # Round robin: each replica's own access log has some of those requests.
        deadline = time.monotonic() + 10
        while not all(any(i in r.stderr() for i in ids) for r in deployment.replicas):
            assert time.monotonic() < deadline, "both replicas did not serve through nginx"
            time.sleep(0.05)

        # /metrics is for the scraper on each replica, not the public name.
        token = deployment.env["TRUNKLINE_METRICS_TOKEN"]
        assert api.get("/metrics").status_code == 404
        scraped = httpx.get(one.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and "trunkline_" in scraped.text

        # Server-sent events through nginx: the opening frame comes at once and an event
        # recorded meanwhile arrives while the stream stays open (nothing buffers it).
        with api.stream("GET", "/events/stream", timeout=httpx.Timeout(30, read=20)) as stream:
            assert stream.status_code == 200
            lines = (line for line in stream.iter_lines() if line)
            assert next(lines) == ": stream open"
            asyncio.run(record_event(deployment.env["TRUNKLINE_DATABASE_URL"], "acme-dental"))
            seen = []
            for line in lines:
                seen.append(line)
                if line.startswith("data:"):
                    break
            assert "event: message.received" in seen and '"hello"' in seen[-1]


async def record_event(pg_url: str, account: str) -> None:
    """A provider event arriving on another process (the ingress's own code path)."""
    from sqlalchemy import select

    from trunkline.events.inbox import EventService, Source
    from trunkline.events.notify import Notifier
    from trunkline.store import Account, make_engine, sessions

    engine = make_engine(pg_url)
    try:
        maker = sessions(engine)
        async with maker() as db:
            account_id = (
                await db.execute(select(Account.id).where(Account.name == account))
            ).scalar_one()
        events = EventService(maker, Notifier(), dialect="postgresql", retention_days=1)
        source = Source(account_id, str(uuid.uuid4()), "live", "quo")
        await events.record(
            source,
            type_="message.received",
            dedupe_key=uuid.uuid4().hex,
            occurred_at=None,
            data={"text": "hello"},
            raw={},
        )
    finally:
        await engine.dispose()


def test_the_master_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "etc/trunkline").mkdir(parents=True)
    assert shell(block("master-key"), tmp_path).returncode == 0
    path = tmp_path / "etc/trunkline/master-keys.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    name, _, value = path.read_text().strip().partition("=")
    assert name == "TRUNKLINE_MASTER_KEYS"
    assert Settings(master_keys=value).master_keys is not None
    from trunkline.vault import parse_keys

    assert len(parse_keys(value, "test")) == 1
    again = shell(block("master-key"), tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr
    assert path.read_text().strip() == f"{name}={value}"


def test_every_variable_the_guide_sets_is_a_setting() -> None:
    names = re.findall(r"\b(TRUNKLINE_[A-Z_]+[A-Z])\b", DOC)
    for name in set(names):
        if name.startswith("TRUNKLINE_OAUTH"):  # TRUNKLINE_OAUTH_<APP>_CLIENT_ID, per app
            continue
        assert name[len("TRUNKLINE_") :].lower() in Settings.model_fields, name


def test_the_systemd_unit_is_the_one_in_the_guide_and_verifies(tmp_path: Path) -> None:
    unit = (ROOT / "deploy/trunkline.service").read_text()
    assert unit == block("systemd")
    keys = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert keys["ExecStart"].split()[1:3] == ["serve", "--no-sandbox"]
    assert {"User", "EnvironmentFile", "Restart", "UMask"} <= keys.keys()
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # the keys above are what the unit relies on; verify needs systemd's tools
    local = unit.replace("/opt/trunkline/bin/trunkline", str(BIN))
    local = local.replace("/etc/trunkline", str(tmp_path))
    (tmp_path / "trunkline.service").write_text(local)
    checked = subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / "trunkline.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
