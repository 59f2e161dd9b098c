"""The [cluster] redis URLs docs/scaling.md gives work against a real redis-server: a
private CA named in a rediss:// URL, and ``status`` reading the cluster through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_database
from tests.conftest import CertAuthority
from tests.monitor.cluster.test_tls import tls_redis  # noqa: F401 - the fixture
from tests.support.redis_server import redis_server_binary

pytestmark = pytest.mark.skipif(redis_server_binary() is None, reason="needs redis-server")


def test_a_private_ca_in_the_rediss_url(
    tls_redis: int,  # noqa: F811
    test_ca: CertAuthority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # the system trusts no one here
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    url = f"rediss://127.0.0.1:{tls_redis}/0?ssl_ca_certs={test_ca.ca_file}"
    config_path = tmp_path / "newshound.toml"
    config_path.write_text(
        f'[storage]\npath = "news.db"\n[cluster]\nredis = "{url}"\n', encoding="utf-8"
    )
    config = load_config(config_path)
    open_database(config.storage.path).close()
    result = CliRunner().invoke(main, ["status", "--config", str(config_path), "--cluster",
                                       "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["workers"] == [] and doc["polls_waiting"] == 0
    assert doc["redis"] == f"127.0.0.1:{tls_redis}/0"  # no scheme, no query, no password
