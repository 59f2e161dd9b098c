"""Secrets: from ${ENV} or $CREDENTIALS_DIRECTORY, warned about when literal, never logged."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.daemon.poll import crawl_env
from monitor.fixture_site import FixtureSite
from monitor.safety import (
    SecretFilter,
    config_secrets,
    expat_warning,
    install_secret_filter,
    redact,
)
from tests.support import SITE

WEBHOOK_SECRET = "whsec_" + "dGVzdC1zZWNyZXQtbmV2ZXItbG9nZ2Vk"
SMTP_PASSWORD = "s3cr3t-smtp-pa55"
APPRISE = "tgram://123456:AAbbCCddEEff-token/987654"

CHANNELS = """
[[terms]]
name = "Putin"
[[channels]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "{secret}"
[[channels]]
name = "mail"
type = "email"
smtp_url = "smtp://desk:{password}@127.0.0.1:9"
from = "n@example.org"
to = ["desk@example.org"]
[[channels]]
name = "chat"
type = "apprise"
url = "{apprise}"
"""


def env_config() -> str:
    return CHANNELS.format(
        secret="${HOOK_SECRET}", password="${SMTP_PASSWORD}", apprise="${APPRISE_URL}"
    )


ENV = {"HOOK_SECRET": WEBHOOK_SECRET, "SMTP_PASSWORD": SMTP_PASSWORD, "APPRISE_URL": APPRISE}


def test_literal_secrets_draw_warnings() -> None:
    text = CHANNELS.format(secret=WEBHOOK_SECRET, password=SMTP_PASSWORD, apprise=APPRISE)
    warnings = parse_config(text, env={}).warnings
    joined = "\n".join(warnings)
    assert "channels[0].secret: a secret is written in the file" in joined
    assert "channels[1].smtp_url: a secret is written in the file" in joined
    assert all(WEBHOOK_SECRET not in w and SMTP_PASSWORD not in w for w in warnings)


def test_secrets_from_env_draw_no_warning() -> None:
    config = parse_config(env_config(), env=ENV)
    assert config.warnings == ()
    assert config.channels[0].secret == WEBHOOK_SECRET


def test_secrets_from_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "HOOK_SECRET").write_text(WEBHOOK_SECRET + "\n")
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path), "SMTP_PASSWORD": "x", "APPRISE_URL": APPRISE}
    assert parse_config(env_config(), env=env).channels[0].secret == WEBHOOK_SECRET


def test_config_secrets_and_redact() -> None:
    secrets = config_secrets(parse_config(env_config(), env=ENV))
    assert {WEBHOOK_SECRET, SMTP_PASSWORD, APPRISE} <= secrets
    line = f"POST failed secret={WEBHOOK_SECRET} url=smtp://desk:{SMTP_PASSWORD}@h {APPRISE}"
    cleaned = redact(line, secrets)
    assert all(s not in cleaned for s in secrets) and "POST failed" in cleaned


def test_secret_filter_masks_messages_args_and_tracebacks() -> None:
    secrets = config_secrets(parse_config(env_config(), env=ENV))
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    install_secret_filter(parse_config(env_config(), env=ENV), [handler])
    log = logging.getLogger("test.secrets")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.error("sending with %s", SMTP_PASSWORD)
        try:
            raise RuntimeError(f"auth failed for {WEBHOOK_SECRET}")
        except RuntimeError:
            log.exception("delivery failed")
    finally:
        log.removeHandler(handler)
    assert records and all(s not in r for r in records for s in secrets), records
    assert isinstance(handler.filters[0], SecretFilter)


def test_crawl_log_never_holds_secrets(tmp_path: Path) -> None:
    """A full `scrapy crawl feeds` at DEBUG, config with secrets from env: grep its log."""
    with FixtureSite(SITE) as site:
        config = tmp_path / "newshound.toml"
        config.write_text(
            f'[storage]\npath = "{tmp_path / "news.db"}"\n'
            "[network]\nallow_private_addresses = true\n"
            f'[[sources]]\nname = "World"\nurl = "{site.base}/feeds/world.rss"\n' + env_config()
        )
        env = crawl_env() | ENV
        cmd = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"config={config}",
               "-s", "LOG_LEVEL=DEBUG"]  # fmt: skip
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Scraped from" in proc.stderr or "Stored" in proc.stderr or "entries=" in proc.stderr
    for secret in (WEBHOOK_SECRET, WEBHOOK_SECRET.removeprefix("whsec_"), SMTP_PASSWORD, APPRISE):
        assert secret not in proc.stderr + proc.stdout


@pytest.mark.parametrize(
    ("version", "warns"),
    [((2, 5, 0), True), ((2, 7, 1), True), ((2, 7, 2), False), ((3, 0, 0), False)],
)
def test_expat_warning(version: tuple[int, int, int], warns: bool) -> None:
    message = expat_warning(version)
    assert (message is not None) == warns
    if message:
        assert "2.7.2" in message and ".".join(map(str, version)) in message


def test_expat_warning_reads_pyexpat() -> None:
    import pyexpat

    assert (expat_warning() is None) == (pyexpat.version_info >= (2, 7, 2))
