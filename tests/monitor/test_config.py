"""Config: the TOML contract of DESIGN.md, validated with errors that name key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import ConfigError, default_config, load_config, parse_config

GOOD = """
[storage]
path = "news.db"
[[sources]]
name = "Example"
url = "https://example.org/feed/"
interval = "10m"
[[terms]]
name = "Putin"
aliases = ["Vladimir Putin", "Путин", "普京"]
[[terms]]
name = "Xi"
[[terms]]
name = "SCO"
[[rules]]
name = "summit"
query = 'Putin AND (Xi OR SCO) AND NOT "Champions League"'
[[channels]]
name = "desk"
type = "webhook"
url = "https://hooks.example.org/newshound"
secret = "${NEWSHOUND_WEBHOOK_SECRET}"
rules = ["summit"]
digest = "1h"
[[channels]]
name = "desk-mail"
type = "email"
smtp_url = "smtp://user:${SMTP_PASSWORD}@mail.example.org:587"
tls = "starttls"
from = "newshound@example.org"
to = ["desk@example.org"]
"""
ENV = {"NEWSHOUND_WEBHOOK_SECRET": "s3cret", "SMTP_PASSWORD": "pw"}


def test_design_example_loads_with_env_expanded(tmp_path: Path) -> None:
    config = parse_config(GOOD, base=tmp_path, env=ENV)
    assert config.storage.path == tmp_path / "news.db"
    assert config.sources[0].interval == 600
    assert config.terms[0].spellings == ("Putin", "Vladimir Putin", "Путин", "普京")
    assert config.channels[0].secret == "s3cret"
    assert config.channels[0].digest_seconds == 3600
    assert config.channels[1].smtp_url == "smtp://user:pw@mail.example.org:587"
    assert config.channels[1].from_addr == "newshound@example.org"
    assert not config.warnings


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('interval = "10m"', 'intervall = "10m"'),
         "sources[0].intervall: unknown key; did you mean 'interval'?"),
        (('interval = "10m"', 'interval = "10 minutes"'),
         'sources[0].interval = "10 minutes": expected an interval such as 30s, 10m or 2h'),
        (("Putin AND (Xi OR SCO)", "Putin AND (Xi OR Medvedev)"), "unknown term 'Medvedev'"),
        (('digest = "1h"', 'digest = "1 hour"'), 'channels[0].digest = "1 hour": expected'),
        (('tls = "starttls"', 'tls = "tls"'), 'channels[1].tls = "tls": expected one of'),
        (('url = "https://example.org/feed/"', 'url = "ftp://example.org/feed/"'),
         "sources[0].url"),
        (('rules = ["summit"]', 'rules = ["summti"]'), 'channels[0].rules[0] = "summti"'),
        (('[storage]', '[storge]'), "storge: unknown key; did you mean 'storage'?"),
        (('name = "Xi"', 'name = "Putin"'), 'terms[1].name = "Putin": duplicate name'),
    ],
    ids=["typo-key", "bad-interval", "rule-unknown-term", "bad-digest", "bad-tls",
         "ftp-source", "channel-unknown-rule", "typo-section", "duplicate-term"],
)  # fmt: skip
def test_bad_config_names_key_and_value(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(GOOD.replace(*change), env=ENV)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_env_var_is_named() -> None:
    with pytest.raises(ConfigError, match="channels\\[0\\].secret: environment variable "
                       "NEWSHOUND_WEBHOOK_SECRET is not set"):  # fmt: skip
        parse_config(GOOD, env={"SMTP_PASSWORD": "pw"})


def test_secret_from_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "NEWSHOUND_WEBHOOK_SECRET").write_text("from-file\n")
    config = parse_config(GOOD, env={"SMTP_PASSWORD": "pw", "CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert config.channels[0].secret == "from-file"


def test_literal_secret_draws_a_warning() -> None:
    config = parse_config(GOOD.replace("${NEWSHOUND_WEBHOOK_SECRET}", "literal"), env=ENV)
    assert any("channels[0].secret: a secret is written in the file" in w for w in config.warnings)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\npath = "x\n')
    with pytest.raises(ConfigError, match=r"bad.toml: not valid TOML: .*line 2"):
        load_config(bad)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


def test_default_config_has_the_four_terms_and_a_console(tmp_path: Path) -> None:
    config = default_config(tmp_path)
    assert [t.name for t in config.terms] == ["Putin", "Xi", "SCO", "sanctions"]
    assert "Путин" in config.terms[0].spellings and "习近平" in config.terms[1].spellings
    assert [c.type for c in config.channels] == ["console"]
    assert config.storage.path == tmp_path / "newshound.db"
    assert len(config.sources) >= 5


def test_alias_that_normalises_to_nothing_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"terms\[0\]: .*aliases\[0\]"):
        parse_config('[[terms]]\nname = "Putin"\naliases = ["\u200b\u200b"]\n', env={})


@pytest.mark.parametrize(
    ("selector", "kind"), [("article h2 a[", "CSS selector"), ("//a[@href", "XPath")]
)
def test_bad_listing_selector_is_refused_at_load(selector: str, kind: str) -> None:
    text = (
        f'[[sources]]\nname = "s"\nurl = "https://example.org/"\nkind = "page"\n'
        f"item = '{selector}'\n"
    )
    with pytest.raises(ConfigError, match=rf"sources\[0\].item = .*not a valid {kind}"):
        parse_config(text, env={})


def test_max_age_one_knob_for_alerts_and_sitemaps() -> None:
    text = (
        '[alerts]\nmax_age = "3d"\n'
        '[[sources]]\nname = "A"\nurl = "https://a.example/feed"\n'
        '[[sources]]\nname = "B"\nurl = "https://b.example/sitemap.xml"\nkind = "sitemap"\n'
        'max_age = "12h"\n'
    )
    config = parse_config(text, env={})
    assert [s.max_age for s in config.sources] == [3 * 86400, 12 * 3600]
    assert config.max_age("A") == 3 * 86400 and config.max_age("B") == 12 * 3600
    assert config.max_age("not configured") == 3 * 86400
    assert parse_config("", env={}).alerts.max_age == 2 * 86400
    with pytest.raises(ConfigError, match=r'alerts.max_age = "two days": expected an interval'):
        parse_config('[alerts]\nmax_age = "two days"\n', env={})


def test_cluster_is_off_unless_configured() -> None:
    assert parse_config("").cluster is None


def test_cluster_password_from_env_is_encoded_and_never_in_repr() -> None:
    text = '[cluster]\nredis = "rediss://:${REDIS_PASSWORD}@redis.internal:6380/2"\n'
    config = parse_config(text, env={"REDIS_PASSWORD": "p@ss#word"})
    assert config.cluster is not None
    assert config.cluster.redis == "rediss://:p%40ss%23word@redis.internal:6380/2"
    assert (config.cluster.visibility_timeout, config.cluster.key_prefix) == (300.0, "newshound")
    assert "p@ss" not in repr(config) and "p%40ss" not in repr(config)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('redis = "http://redis.internal:6379"',
         'cluster.redis = "http://redis.internal:6379": expected a Redis URL'),
        ('redis = "redis://h:port/0"', 'cluster.redis = "redis://h:port/0": expected a Redis URL'),
        ('redis = "redis://h/zero"', 'cluster.redis = "redis://h/zero": expected a Redis URL'),
        ('visibility_timeout = "5m"', "cluster.redis: required key is missing"),
        ('redis = "redis://h"\nvisibility_timeout = "five"',
         'cluster.visibility_timeout = "five": expected an interval'),
        ('redis = "redis://h"\nkey_prefix = "a b"', 'cluster.key_prefix = "a b": expected 1 to 64'),
        ('redis_url = "redis://h"', "cluster.redis_url: unknown key; did you mean 'redis'?"),
    ],
    ids=["scheme", "port", "db", "missing", "timeout", "prefix", "typo"],
)  # fmt: skip
def test_bad_cluster_key_is_named(table: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(f"[cluster]\n{table}\n")
    assert message in str(e.value)


def test_literal_redis_password_draws_a_warning() -> None:
    config = parse_config('[cluster]\nredis = "redis://:hunter22@h:6379/0"\n')
    assert any("cluster.redis: a secret is written in the file" in w for w in config.warnings)
