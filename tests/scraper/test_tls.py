"""https sources: fetched only from a server whose certificate the system trusts and names
the host, as a browser would; ``[network] verify_certificates = false`` fetches anyway.

The site is the fixture news site served over TLS with a certificate of the throwaway CA
(``test_ca``); the system is told to trust that CA through OpenSSL's ``SSL_CERT_FILE``
(``trust_test_ca``), or not told, so the crawl's own verification is what is exercised.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite
from tests.conftest import CertAuthority
from tests.scraper.test_crawl import EXPECTED, crawl, stored
from tests.support import SITE, write_site_config
from tests.support.tls import server_context


@pytest.fixture
def tls_site(test_ca: CertAuthority) -> Iterator[Callable[[Path], FixtureSite]]:
    """``tls_site(chain)``: the fixture site over https with that certificate chain."""
    sites: list[FixtureSite] = []

    def start(chain: Path) -> FixtureSite:
        sites.append(FixtureSite(SITE, tls=server_context(chain)).start())
        return sites[-1]

    yield start
    for s in sites:
        s.stop()


def source_errors(db_path: Path) -> dict[str, str | None]:
    conn = sqlite3.connect(db_path)
    try:
        return dict(conn.execute("SELECT name, last_error FROM sources"))
    finally:
        conn.close()


def test_https_sources_are_fetched_from_a_trusted_certificate(
    tls_site: Callable[[Path], FixtureSite], trust_test_ca: CertAuthority, tmp_path: Path
) -> None:
    site = tls_site(trust_test_ca.good)
    assert site.base.startswith("https://")
    crawl(write_site_config(site, tmp_path))
    assert set(stored(tmp_path / "news.db")) == set(EXPECTED)
    assert not any(source_errors(tmp_path / "news.db").values())


@pytest.mark.parametrize("case", ["unknown CA", "another host's certificate"])
def test_an_unverified_certificate_is_refused_with_the_reason(
    tls_site: Callable[[Path], FixtureSite],
    test_ca: CertAuthority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    if case == "unknown CA":  # the system's CAs, of which the test CA is not one
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        site = tls_site(test_ca.good)
    else:  # a CA the system trusts, vouching for wrong.example, served for 127.0.0.1
        monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
        site = tls_site(test_ca.wrong_host)
    # Not crawl(): Scrapy logs the failed robots.txt fetch with its traceback.
    assert run_crawl(write_site_config(site, tmp_path), timeout=120).returncode == 0
    assert stored(tmp_path / "news.db") == {}
    assert site.paths() == [], "nothing was asked of a server that was not verified"
    errors = source_errors(tmp_path / "news.db")
    assert errors and all(e and e.startswith("TLS certificate refused") for e in errors.values())
    assert all("verify_certificates = false" in str(e) for e in errors.values())


def test_verify_certificates_false_fetches_anyway(
    tls_site: Callable[[Path], FixtureSite],
    test_ca: CertAuthority,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    config = write_site_config(tls_site(test_ca.wrong_host), tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[network]\n", "[network]\nverify_certificates = false\n"))
    crawl(config)
    assert set(stored(tmp_path / "news.db")) == set(EXPECTED)


def test_one_crawl_checks_each_server_by_itself(
    tls_site: Callable[[Path], FixtureSite], trust_test_ca: CertAuthority, tmp_path: Path
) -> None:
    """The crawl makes its https connections from one TLS context (scraper/tls.py): the
    check that a certificate names its host is still made per connection. An impostor on
    the same address, another port, with a certificate for another host, is refused in
    the same crawl that fetches the genuine site."""
    genuine, impostor = tls_site(trust_test_ca.good), tls_site(trust_test_ca.wrong_host)
    config = write_site_config(genuine, tmp_path)
    with config.open("a", encoding="utf-8") as f:
        f.write(f'\n[[sources]]\nname = "Impostor"\nurl = "{impostor.base}/feeds/world.rss"\n')
    # Not crawl(): Scrapy logs the failed robots.txt fetch with its traceback.
    assert run_crawl(config, timeout=120).returncode == 0
    urls = [a["url"] for a in stored(tmp_path / "news.db").values()]
    assert urls and all(u.startswith(genuine.base) for u in urls)
    assert set(stored(tmp_path / "news.db")) == set(EXPECTED)
    errors = source_errors(tmp_path / "news.db")
    assert str(errors.pop("Impostor")).startswith("TLS certificate refused")
    assert not any(errors.values())
    assert impostor.paths() == []
