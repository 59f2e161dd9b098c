"""Shared fixtures: real servers on 127.0.0.1 and real SQLite files in tmp_path.

``test_ca``: a throwaway CA (made with ``cryptography``) and server certificates signed by
it, for the TLS servers of the tests (SMTP, the fixture site over https).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from monitor.fixture_site import FixtureSite
from tests.support import SITE, write_site_config
from tests.support.redis_server import RedisServer
from tests.support.tls import ThrowawayCA

# CI runs the property tests derandomized (the same examples every run, so a red build
# means a change broke something); locally they explore fresh examples each run.
# The suite runs in parallel on shared cores, where Hypothesis's timing checks (the
# per-example deadline, "input generation is slow") measure the machine's load, not the
# code: they are off; every property still runs all its examples. Its example database
# (.hypothesis/) is shared by the xdist workers safely: each test runs in one worker, and
# the database keeps a folder per test.
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", **_UNTIMED)
settings.register_profile("ci", derandomize=True, print_blob=True, **_UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    """The demo's news site (monitor/demo/site) served on a loopback port."""
    with FixtureSite(SITE) as s:
        yield s


@pytest.fixture
def site_config(site: FixtureSite, tmp_path: Path) -> Path:
    """The demo site's newshound.toml with the site's base URL and a database in tmp_path."""
    return write_site_config(site, tmp_path)


@dataclass(frozen=True)
class CertAuthority:
    """A CA made for one test session and, signed by it, server certificate chains."""

    ca_file: Path  # PEM of the CA: what SSL_CERT_FILE points at
    good: Path  # cert + key for DNS:localhost, IP:127.0.0.1
    wrong_host: Path  # cert + key for DNS:wrong.example only


def _make_ca(directory: Path) -> CertAuthority:
    ca = ThrowawayCA(directory)
    return CertAuthority(
        ca_file=ca.ca_file,
        good=ca.issue("localhost.pem", ["localhost", "127.0.0.1"]),
        wrong_host=ca.issue("wrong.pem", ["wrong.example"]),
    )


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> CertAuthority:
    return _make_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(test_ca: CertAuthority, monkeypatch: pytest.MonkeyPatch) -> CertAuthority:
    """Make ``ssl.create_default_context()`` trust the test CA (and only it), via OpenSSL's
    ``SSL_CERT_FILE``: production code is unchanged and still verifies."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return test_ca


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, for this test alone."""
    with RedisServer() as r:
        yield r


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. Most tests wait on a subprocess, a server or a
    socket rather than compute, so one worker per core leaves the cores half idle."""
    return 2 * (os.cpu_count() or 1)
