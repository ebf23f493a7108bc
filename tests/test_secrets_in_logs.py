"""The end-of-suite secrets check (``pytest_sessionfinish`` in tests/conftest.py) can fail: a
secret planted in a log is found, reported without being repeated, and the shown-once API key
line is the one exception."""

from __future__ import annotations

from pathlib import Path

from tests.support import secrets


def test_a_planted_secret_is_found(tmp_path: Path) -> None:
    planted = "tk_live_" + "s3cr3t" * 4
    (tmp_path / "quiet.err").write_text('{"msg": "proxy", "status": 200}\n')
    (tmp_path / "leaky.err").write_text(f'{{"msg": "oops"}}\n{{"key": "{planted}"}}\n')
    (tmp_path / "banner.out").write_text(f"{secrets.SHOWN_ONCE}{planted}\n")
    (found,) = secrets.leaks(tmp_path, frozenset({planted, "unused-secret-value"}))
    assert found.file.name == "leaky.err" and found.line == 2
    assert planted not in str(found) and found.secret == "tk_l"


def test_master_keys_and_short_values() -> None:
    secrets.remember_master_keys("k1:" + "A" * 43 + ",k0:" + "B" * 43)
    secrets.remember("short")
    known = secrets.remembered()
    assert {"A" * 43, "B" * 43} <= known and "short" not in known


def test_the_suite_remembers_what_its_servers_were_given() -> None:
    from tests.support.echo import QUO_KEY

    assert QUO_KEY in secrets.remembered()
    assert secrets.log_dir().is_dir()
