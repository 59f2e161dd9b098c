"""Issue 23.7 and 21.4: secrets are percent-encoded into URLs, never printed, and needed
only by what sends.

Real parts: aiosmtpd with AUTH, `scrapy crawl` of a loopback site that asks for Basic
credentials and a token, the CLI as a subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.config import load_config
from monitor.daemon.deliver import deliver_due
from monitor.daemon.poll import run_crawl
from monitor.fixture_site import FixtureSite, Reply
from monitor.safety import redact_url, redact_urls
from tests.monitor.alerts.conftest import SmtpServer, free_port, store_article
from tests.support import FIXTURES

# aiosmtpd's warning about AUTH without TLS: this server listens on loopback only
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PASSWORD = "pa#ss@w:rd/?x%41"  # every character that breaks a URL, and a %-escape
TOKEN = "tok&en=secret-0123"
BODY = "Vladimir Putin met Xi Jinping."


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("SMTP_PASSWORD", "HOOK_URL")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True,
        env=full | env, cwd=cwd, check=False, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@feeds.example/f?token=abc&page=2", "https://***@feeds.example/f?token=***&page=2"),
        ("smtp://desk:p#ss@mail.example:587", "smtp://***@mail.example:587"),
        ("https://h.example/a?X-Amz-Signature=s&api_key=k&sortkey=d", "https://h.example/a?X-Amz-Signature=***&api_key=***&sortkey=d"),
        ("http://127.0.0.2:8001/@127.0.0.3/story", "http://127.0.0.2:8001/@127.0.0.3/story"),
    ],
    ids=["userinfo-and-token", "hash-in-password", "signature-and-key", "at-in-path"],
)  # fmt: skip
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_urls(f"failed: <{url}> (retrying)") == f"failed: <{shown}> (retrying)"


# --- SMTP: a password with # @ : / ? % from ${SMTP_PASSWORD} ----------------------------


@pytest.fixture
def auth_smtp() -> Iterator[SmtpServer]:
    """aiosmtpd that requires AUTH with desk / PASSWORD (over plain text: loopback only)."""

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):  # type: ignore[no-untyped-def]
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"desk",
            PASSWORD.encode(),
        )
        return AuthResult(success=ok)

    server = SmtpServer(
        port=free_port(),
        options={"authenticator": authenticator, "auth_require_tls": False, "auth_required": True},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def mail_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "newshound.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "news.db"}"\n'
        '[[terms]]\nname = "Putin"\n'
        '[[channels]]\nname = "mail"\ntype = "email"\ntls = "none"\n'
        f'smtp_url = "smtp://desk:${{SMTP_PASSWORD}}@127.0.0.1:{port}"\n'
        'from = "newshound@example.org"\nto = ["desk@example.org"]\n',
        encoding="utf-8",
    )
    return path


def test_smtp_password_with_hash_from_env_logs_in_and_mail_arrives(
    tmp_path: Path, auth_smtp: SmtpServer
) -> None:
    config = load_config(mail_config(tmp_path, auth_smtp.port), env={"SMTP_PASSWORD": PASSWORD})
    store_article(config, "https://news.example/a", "Putin speaks", BODY)
    report = asyncio.run(deliver_due(config, config.storage.path))
    assert report.sent == 1, report.errors
    assert [m["Subject"] for m in auth_smtp.messages] == ["[newshound] Putin speaks"]


def test_status_search_export_alerts_run_without_channel_secrets(
    tmp_path: Path, auth_smtp: SmtpServer
) -> None:
    """An admin without the service's credentials can inspect it; sending still needs them."""
    path = mail_config(tmp_path, auth_smtp.port)
    config = load_config(path, env={"SMTP_PASSWORD": PASSWORD})
    store_article(config, "https://news.example/a", "Putin speaks", BODY)
    for args in (["status"], ["search", "Putin"], ["export", "--format", "json"], ["alerts"],
                 ["backtest"]):  # fmt: skip
        result = run_cli(*args, "--config", str(path), env={}, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        assert "SMTP_PASSWORD" not in result.stderr, (args, result.stderr)
    export = run_cli("export", "--format", "json", "--config", str(path), env={}, cwd=tmp_path)
    assert [a["title"] for a in json.loads(export.stdout)] == ["Putin speaks"]
    deliver = run_cli("alerts", "--deliver", "--config", str(path), env={}, cwd=tmp_path)
    assert deliver.returncode != 0
    assert "channels[0].smtp_url: environment variable SMTP_PASSWORD is not set" in deliver.stderr
    assert auth_smtp.messages == []


# --- check: a mistyped URL from ${HOOK_URL} is not printed -------------------------------


def test_check_shows_the_variable_not_the_mistyped_url_it_holds(tmp_path: Path) -> None:
    (tmp_path / "newshound.toml").write_text(
        '[[terms]]\nname = "Putin"\n'
        '[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "${HOOK_URL}"\n'
    )
    mistyped = "htps://hooks.example/x?token=tok3n-never-shown"
    result = run_cli("check", env={"HOOK_URL": mistyped}, cwd=tmp_path)
    assert result.returncode != 0
    assert 'channels[0].url = "${HOOK_URL}": expected an absolute' in result.stderr
    assert "tok3n-never-shown" not in result.stderr + result.stdout


def test_check_redacts_credentials_of_a_refused_source(tmp_path: Path) -> None:
    (tmp_path / "newshound.toml").write_text(
        '[[sources]]\nname = "Intranet"\n'
        'url = "http://reader:literal-pa55@10.0.0.5/feed?api_key=k3y-never-shown"\n'
        '[[terms]]\nname = "Putin"\n'
    )
    result = run_cli("check", env={}, cwd=tmp_path)
    assert result.returncode != 0
    assert 'source "Intranet" (http://***@10.0.0.5/feed?api_key=***): refused' in result.stderr
    assert "literal-pa55" not in result.stderr and "k3y-never-shown" not in result.stderr


# --- a source URL with credentials and a token: fetched, never printed -------------------


def test_source_with_credentials_is_fetched_and_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = "Basic " + base64.b64encode(f"reader:{PASSWORD}".encode()).decode()
    with FixtureSite(FIXTURES / "sources" / "wire" / "outlet-c") as site:
        feed = site.render("/feed.rss") or b""

        def guarded(rec: Any) -> Reply:
            if rec.headers.get("Authorization") != wanted or f"token={TOKEN}" not in (
                __import__("urllib.parse").parse.unquote(rec.path)
            ):
                return Reply(401, b"who are you?", {"Content-Type": "text/plain"})
            return Reply(200, feed, {"Content-Type": "application/rss+xml"})

        site.routes["/feed.rss"] = guarded
        netloc = site.base.removeprefix("http://")
        config = tmp_path / "newshound.toml"
        config.write_text(
            f'[storage]\npath = "{tmp_path / "news.db"}"\n'
            "[network]\nallow_private_addresses = true\n"
            f'[[sources]]\nurl = "http://reader:${{FEED_PASSWORD}}@{netloc}/feed.rss'
            '?token=${FEED_TOKEN}"\n'
            '[[terms]]\nname = "Putin"\n'
        )
        monkeypatch.setenv("FEED_PASSWORD", PASSWORD)
        monkeypatch.setenv("FEED_TOKEN", TOKEN)
        result = run_crawl(config, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        status = run_cli("status", "--config", str(config), env={}, cwd=tmp_path)
        status_json = run_cli("status", "--json", "--config", str(config), env={}, cwd=tmp_path)
    assert "/news/putin-xi-pipeline.html" in site.paths()  # the feed was read
    shown = result.stderr + status.stdout + status.stderr + status_json.stdout
    assert f"http://***@{netloc}/feed.rss?token=***" in status.stdout
    for secret in (PASSWORD, TOKEN, "pa%23ss", "tok%26en"):
        assert secret not in shown


def test_a_literal_password_with_hash_is_refused_without_printing_it(tmp_path: Path) -> None:
    """Written in the file unencoded, ``#`` ends the URL early: its "port" was the
    password's first part, and the traceback printed it. Now: one line, no password."""
    (tmp_path / "newshound.toml").write_text(
        '[[terms]]\nname = "Putin"\n'
        '[[channels]]\nname = "mail"\ntype = "email"\n'
        'smtp_url = "smtp://desk:s3cr#t-part@mail.example.org:587"\n'
        'from = "n@example.org"\nto = ["desk@example.org"]\n'
    )
    result = run_cli("check", env={}, cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert 'channels[0].smtp_url = "smtp://***@mail.example.org:587": expected' in result.stderr
    assert "s3cr" not in result.stderr and "t-part" not in result.stderr


def test_unset_secrets_are_listed_not_fatal_for_readers_only() -> None:
    from monitor.config import ConfigError, parse_config

    text = (
        '[[terms]]\nname = "Putin"\n'
        '[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "${HOOK_URL}"\n'
        'secret = "${HOOK_SECRET}"\n'
    )
    config = parse_config(text, env={}, secrets=False)
    assert config.unresolved == ("channels[0].url: HOOK_URL", "channels[0].secret: HOOK_SECRET")
    assert config.channels[0].url == "${HOOK_URL}" and config.secrets == frozenset()
    with pytest.raises(ConfigError, match="channels\\[0\\].url: environment variable HOOK_URL"):
        parse_config(text, env={})
    with pytest.raises(ConfigError, match='url = "\\$\\{HOOK_URL\\}": expected an absolute'):
        parse_config(text, env={"HOOK_URL": "${HOOK_URL}", "HOOK_SECRET": "x" * 8})
