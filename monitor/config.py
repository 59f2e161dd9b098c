"""Configuration: the one reader of the TOML file and of ``${ENV}``.

``load_config(path)`` parses ``newshound.toml``, expands ``${VAR}`` (from the environment, or
from a file of that name in ``$CREDENTIALS_DIRECTORY``), validates every key and returns a
frozen :class:`Config`. Everything downstream receives a slice of it. Nothing else in the
project reads TOML or ``os.environ``.

Secrets: a ``${VAR}`` in a URL's user or password, or in a query value, is percent-encoded
as it is expanded (a password with ``#`` or ``@`` stays one password). A value that came
from ``${VAR}`` is never shown in an error: the ``${VAR}`` is. With ``secrets=False`` (the
commands that only read the database) an unset variable is no error: the value keeps its
``${VAR}``, its URL shape goes unchecked, and ``Config.unresolved`` says where.

Errors name the file, the key path and the value, and say what would be accepted::

    newshound.toml: channels[2].digest = "1 hour": expected an interval such as 30s, 10m or 2h
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from monitor.normalize import NOTHING_TO_MATCH, normal_form
from monitor.query import QuerySyntaxError, parse_query

__all__ = ["Config", "ConfigError", "load_config", "default_config", "parse_interval"]


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file, key and value."""


# --- values ------------------------------------------------------------------------------

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_interval(text: str) -> float:
    """``"30s"``, ``"10m"``, ``"2h"``, ``"1d"``, ``"1w"`` -> seconds. Raises ``ValueError``."""
    m = _INTERVAL.match(text) if isinstance(text, str) else None
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"expected an interval such as 30s, 10m or 2h, got {text!r}")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")


def _is_cron(text: str) -> bool:
    parts = text.split()
    return len(parts) == 5 and all(_CRON_FIELD.match(p) for p in parts)


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|m|h|d)\s*$")
_QUIET = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


# --- the config tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class StorageConfig:
    path: Path
    store_all: bool = False
    keep: float | None = None  # seconds; None keeps everything


@dataclass(frozen=True)
class NetworkConfig:
    allow_private_addresses: bool = False
    verify_certificates: bool = True  # https sources: certificate and host name checked
    user_agent: str = ""  # empty: scraper.settings' default naming the project
    timeout: float = 30.0  # seconds per download (Scrapy's DOWNLOAD_TIMEOUT)


@dataclass(frozen=True)
class MetricsConfig:
    listen: str | None = None  # "127.0.0.1:9464"; None: off


@dataclass(frozen=True)
class AlertsConfig:
    # An article published longer than this before it was found is stored, not alerted.
    max_age: float = 2 * 86400.0


@dataclass(frozen=True)
class DaemonConfig:
    tick: float = 60.0  # seconds between poll ticks
    shutdown_timeout: float = 30.0
    max_failures: int = 5  # consecutive 404/410/not-a-feed answers before a source is paused


@dataclass(frozen=True)
class ClusterConfig:
    """``[cluster]``: ``newshound run`` queues polls on Redis; ``newshound worker``s crawl."""

    # redis:// or rediss:// URL, its password from ${ENV}: never in a repr (nor a log line)
    redis: str = field(repr=False)
    visibility_timeout: float = 300.0  # a poll claimed this long by a silent worker is requeued
    key_prefix: str = "newshound"  # every Redis key starts with "<key_prefix>:"


MIN_TICK = 1.0  # seconds: a shorter tick is a busy loop, not a schedule

SOURCE_KINDS = ("auto", "feed", "page", "sitemap")


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    kind: str = "auto"
    interval: float = 600.0
    enabled: bool = True
    # kind = "page"
    item: str | None = None
    title: str | None = None
    date: str | None = None
    follow: str | None = None
    max_pages: int = 3
    # How old an article may be when found (default: [alerts] max_age): older ones are
    # stored but not alerted, and a sitemap's older entries are not fetched at all.
    max_age: float = 2 * 86400.0


FIELDS = ("title", "summary", "body")


@dataclass(frozen=True)
class TermConfig:
    name: str
    aliases: tuple[str, ...] = ()
    case_sensitive: bool | None = None  # None: acronyms and names of <= 2 letters keep case
    exclude: tuple[str, ...] = ()
    fields: tuple[str, ...] = FIELDS
    inflect: bool = True  # also find inflected forms ("Путина" for "Путин"); docs/matching.md
    inflect_aliases: tuple[tuple[str, bool], ...] = ()  # per-alias overrides of inflect

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name and every alias, each once, in order."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))

    def keyed_spellings(self) -> tuple[tuple[str, str], ...]:
        """Every spelling as written, with its config key: ``("name", …)``,
        ``("aliases[0]", …)``…, then the ``exclude`` phrases ``("exclude[0]", …)``…"""
        return (
            ("name", self.name),
            *((f"aliases[{i}]", a) for i, a in enumerate(self.aliases)),
            *((f"exclude[{i}]", x) for i, x in enumerate(self.exclude)),
        )

    def inflects(self, spelling: str) -> bool:
        """True if ``spelling`` (the name or an alias) also finds its inflected forms."""
        return dict(self.inflect_aliases).get(spelling, self.inflect)


@dataclass(frozen=True)
class RuleConfig:
    name: str
    query: str


CHANNEL_TYPES = ("console", "webhook", "email", "apprise")
TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    url: str | None = None  # webhook target or Apprise URL
    secret: str | None = None  # webhook signing secret (whsec_… or raw)
    smtp_url: str | None = None
    tls: str = "starttls"
    from_addr: str | None = None  # TOML key "from"
    to: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # empty: any matched term
    terms: tuple[str, ...] = ()
    digest: str | None = None  # None: immediate; an interval ("1h") or a cron string
    min_count: int = 1
    rate_limit: str | None = None  # "20/h"
    quiet_hours: str | None = None  # "22:00-07:00"
    health: bool = False
    timeout: float = 10.0
    enabled: bool = True
    alert_on_updates: bool = False  # an update of a stored article that adds a wanted term

    @property
    def digest_seconds(self) -> float | None:
        """The digest period in seconds when written as an interval, else None."""
        if self.digest is None or _is_cron(self.digest):
            return None
        return parse_interval(self.digest)


@dataclass(frozen=True)
class Config:
    storage: StorageConfig
    sources: tuple[SourceConfig, ...] = ()
    terms: tuple[TermConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()
    network: NetworkConfig = field(default_factory=NetworkConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    cluster: ClusterConfig | None = None  # None: one process crawls, stores and delivers
    path: Path | None = None  # the file it came from; None for the built-in default
    warnings: tuple[str, ...] = ()  # things worth saying that do not stop a run
    # values read from ${VAR} into secret, url, smtp_url: masked in logs (monitor.safety)
    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    unresolved: tuple[str, ...] = ()  # "channels[0].secret: HOOK_SECRET", when secrets=False

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def max_age(self, source: str) -> float:
        """How old an article of ``source`` may be when found and still alert (seconds)."""
        return next((s.max_age for s in self.sources if s.name == source), self.alerts.max_age)


# --- reading -----------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_KEYS = {"secret", "smtp_url", "url", "redis"}
_URL_KEYS = {"smtp_url", "url", "redis"}


def _userinfo_end(url: str) -> int:
    """Where the user and password of ``url`` end (its last ``@`` before the path), or 0."""
    m = re.match(r"^[a-z][a-z0-9+.\-]*://([^/?#]*)@", url, re.I)
    return m.end(1) if m else 0


def _is_query_value(url: str, at: int) -> bool:
    """True when position ``at`` of ``url`` starts a query value (``?key=`` or ``&key=``)."""
    query = url.find("?")
    return 0 <= query < at and url[at - 1 : at] == "="


class _Reader:
    """Walks one TOML table, remembering the key path for error messages."""

    def __init__(
        self, file: str, env: Mapping[str, str], warnings: list[str], *, secrets: bool = True
    ) -> None:
        self.file, self.env, self.warnings = file, env, warnings
        self.require_secrets = secrets
        self.secrets: set[str] = set()  # values read from ${VAR}
        self.templates: dict[str, str] = {}  # an expanded value -> the text in the file
        self.unresolved: list[str] = []

    def pending(self, value: str | None) -> bool:
        """True when ``value`` keeps an unset ``${VAR}`` (secrets=False): its shape is not
        checked, since what fills it in is not known here."""
        return not self.require_secrets and bool(value and _ENV_REF.search(value))

    def fail(self, where: str, value: Any, expected: str) -> ConfigError:
        if isinstance(value, str) and value in self.templates:
            value = self.templates[value]  # "${HOOK_URL}", never what it holds
        from monitor.safety import redact_urls

        shown = f" = {redact_urls(_show(value))}" if value is not _MISSING else ""
        return ConfigError(f"{self.file}: {where}{shown}: {expected}")

    def check_keys(self, table: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(where, table, "expected a table")
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                known = ", ".join(sorted(allowed))
                raise ConfigError(
                    f"{self.file}: {_join(where, key)}: unknown key{hint} (known keys: {known})"
                )
        return table

    def expand(self, value: str, where: str, *, url: bool = False, secret: bool = False) -> str:
        """``value`` with each ``${VAR}`` replaced; in a ``url``, percent-encoded where it
        stands for a user, a password or a query value. A ``secret`` value is remembered
        in ``self.secrets``, for the logs to mask."""
        encoded_before = _userinfo_end(value) if url else 0

        def one(m: re.Match[str]) -> str:
            found = self.lookup(m.group(1), where)
            if found is None:
                return m.group(0)  # unset, and secrets=False: keep "${VAR}"
            if secret:
                self.secrets.add(found)
            if m.start() < encoded_before or (url and _is_query_value(value, m.start())):
                return quote(found, safe="")
            return found

        expanded = _ENV_REF.sub(one, value)
        if expanded != value:
            self.templates[expanded] = value
        return expanded

    def lookup(self, name: str, where: str) -> str | None:
        """The value of ``${name}``; None when unset and secrets are not required."""
        if name in self.env:
            return self.env[name]
        cred_dir = self.env.get("CREDENTIALS_DIRECTORY")
        if cred_dir:
            cred = Path(cred_dir) / name
            try:
                return cred.read_text(encoding="utf-8").strip()
            except OSError:
                pass
        if not self.require_secrets:
            self.unresolved.append(f"{where}: {name}")
            return None
        raise ConfigError(
            f"{self.file}: {where}: environment variable {name} is not set"
            + (" (nor a file of that name in $CREDENTIALS_DIRECTORY)" if cred_dir else "")
        )

    def get(
        self,
        table: dict[str, Any],
        where: str,
        key: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        *,
        required: bool = False,
    ) -> Any:
        path = _join(where, key)
        if key not in table:
            if required:
                raise self.fail(path, _MISSING, "required key is missing")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if bool not in kinds and isinstance(value, bool):
            raise self.fail(path, value, f"expected {_kind_name(kinds)}")
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds):
            raise self.fail(path, value, f"expected {_kind_name(kinds)}")
        if isinstance(value, str):
            if key in _SECRET_KEYS and value and not _ENV_REF.search(value):
                self._warn_literal_secret(path, key, value)
            value = self.expand(value, path, url=key in _URL_KEYS, secret=key in _SECRET_KEYS)
        return value

    def _warn_literal_secret(self, path: str, key: str, value: str) -> None:
        literal = key == "secret" or (key in _URL_KEYS and _has_password(value))
        if literal:
            self.warnings.append(
                f"{self.file}: {path}: a secret is written in the file; "
                "use ${ENV_VAR} or a file in $CREDENTIALS_DIRECTORY instead"
            )

    def strings(self, table: dict[str, Any], where: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        path = _join(where, key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(path, value, "expected a list of strings")
        return tuple(self.expand(v, f"{path}[{i}]") for i, v in enumerate(value))

    def interval(self, table: dict[str, Any], where: str, key: str, default: float) -> float:
        value = table.get(key)
        if value is None:
            return default
        try:
            return parse_interval(value)
        except ValueError:
            raise self.fail(
                _join(where, key), value, "expected an interval such as 30s, 10m or 2h"
            ) from None


class _Missing:
    pass


_MISSING: Any = _Missing()


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}
    names.update({list: "a list", dict: "a table"})
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _server_url(url: str | None, scheme: str) -> Any:
    """``url`` split, when it is ``scheme[s]://[user[:password]@]host[:port]...`` with one
    host and a numeric port (if any); else None."""
    if not url or not re.match(rf"^{scheme}s?://[^/\s]+", url, re.I):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    return parts if parts.hostname and not parts.fragment else None


def _smtp_url_ok(url: str | None) -> bool:
    """``smtp[s]://[user[:password]@]host[:port]`` that parses as one host and port."""
    parts = _server_url(url, "smtp")
    return parts is not None and parts.path in ("", "/")


def _has_password(url: str) -> bool:
    m = re.match(r"^[a-z][a-z0-9+.\-]*://([^/@]*)@", url, re.I)
    return bool(m and ":" in m.group(1))


# --- sections ----------------------------------------------------------------------------


def _read_storage(r: _Reader, raw: Any, base: Path) -> StorageConfig:
    t = r.check_keys(raw, "storage", {"path", "store_all", "keep"})
    path = Path(r.get(t, "storage", "path", str, "newshound.db")).expanduser()
    keep = r.interval(t, "storage", "keep", 0.0) or None
    return StorageConfig(
        path=path if path.is_absolute() else base / path,
        store_all=r.get(t, "storage", "store_all", bool, False),
        keep=keep,
    )


def _read_network(r: _Reader, raw: Any) -> NetworkConfig:
    t = r.check_keys(
        raw, "network",
        {"allow_private_addresses", "verify_certificates", "user_agent", "timeout"},
    )  # fmt: skip
    return NetworkConfig(
        timeout=r.interval(t, "network", "timeout", 30.0),
        allow_private_addresses=r.get(t, "network", "allow_private_addresses", bool, False),
        verify_certificates=r.get(t, "network", "verify_certificates", bool, True),
        user_agent=r.get(t, "network", "user_agent", str, ""),
    )


def _read_metrics(r: _Reader, raw: Any) -> MetricsConfig:
    t = r.check_keys(raw, "metrics", {"listen"})
    listen = r.get(t, "metrics", "listen", str)
    if listen is not None and not re.match(r"^(\[[0-9a-fA-F:]+\]|[\w.\-]+):\d{1,5}$", listen):
        raise r.fail("metrics.listen", listen, "expected host:port such as 127.0.0.1:9464")
    return MetricsConfig(listen=listen)


def _read_daemon(r: _Reader, raw: Any) -> DaemonConfig:
    t = r.check_keys(raw, "daemon", {"tick", "shutdown_timeout", "max_failures"})
    max_failures = r.get(t, "daemon", "max_failures", int, 5)
    if max_failures < 1:
        raise r.fail("daemon.max_failures", max_failures, "expected a whole number >= 1")
    tick = r.interval(t, "daemon", "tick", 60.0)
    if tick < MIN_TICK:
        raise r.fail("daemon.tick", t["tick"], f"expected an interval of at least {MIN_TICK:g}s")
    return DaemonConfig(
        tick=tick,
        shutdown_timeout=r.interval(t, "daemon", "shutdown_timeout", 30.0),
        max_failures=max_failures,
    )


_SOURCE_KEYS = {
    "name", "url", "kind", "interval", "enabled", "item", "title", "date", "follow",
    "max_pages", "max_age",
}  # fmt: skip


def _read_alerts(r: _Reader, raw: Any) -> AlertsConfig:
    t = r.check_keys(raw, "alerts", {"max_age"})
    return AlertsConfig(max_age=r.interval(t, "alerts", "max_age", AlertsConfig.max_age))


_KEY_PREFIX = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def _read_cluster(r: _Reader, raw: Any) -> ClusterConfig | None:
    if raw is None:
        return None
    t = r.check_keys(raw, "cluster", {"redis", "visibility_timeout", "key_prefix"})
    url = r.get(t, "cluster", "redis", str, required=True)
    if not r.pending(url) and not _redis_url_ok(url):
        raise r.fail(
            "cluster.redis", url,
            "expected a Redis URL such as redis://host:6379/0 or rediss://host:6380/0 "
            '(the password by ${ENV_VAR}: "redis://:${REDIS_PASSWORD}@host:6379/0")',
        )  # fmt: skip
    prefix = r.get(t, "cluster", "key_prefix", str, "newshound")
    if not _KEY_PREFIX.match(prefix):
        raise r.fail("cluster.key_prefix", prefix,
                     "expected 1 to 64 letters, digits, '_', '-' or '.'")  # fmt: skip
    return ClusterConfig(
        redis=url,
        visibility_timeout=r.interval(t, "cluster", "visibility_timeout", 300.0),
        key_prefix=prefix,
    )


def _redis_url_ok(url: str) -> bool:
    """``redis[s]://[user[:password]@]host[:port][/db]``, one host, a numeric db."""
    parts = _server_url(url, "redis")
    return parts is not None and (parts.path.lstrip("/") or "0").isdigit()


def _read_source(r: _Reader, raw: Any, where: str, max_age: float) -> SourceConfig:
    t = r.check_keys(raw, where, _SOURCE_KEYS)
    url = r.get(t, where, "url", str, required=True).strip()
    if not re.match(r"^https?://[^/\s]+", url, re.I) and not r.pending(url):
        raise r.fail(f"{where}.url", url, "expected an absolute http:// or https:// URL")
    kind = r.get(t, where, "kind", str, "auto")
    if kind not in SOURCE_KINDS:
        raise r.fail(f"{where}.kind", kind, "expected one of " + ", ".join(SOURCE_KINDS))
    item = r.get(t, where, "item", str)
    if kind == "page" and not item:
        raise r.fail(f"{where}.item", _MISSING, 'kind = "page" needs an item selector')
    for key in ("item", "title", "date", "follow"):
        _check_selector(r, t, where, key)
    max_pages = r.get(t, where, "max_pages", int, 3)
    if max_pages < 1:
        raise r.fail(f"{where}.max_pages", max_pages, "expected a whole number >= 1")
    return SourceConfig(
        name=r.get(t, where, "name", str, _printable_url(r, url)),
        url=url,
        kind=kind,
        interval=r.interval(t, where, "interval", 600.0),
        enabled=r.get(t, where, "enabled", bool, True),
        item=item,
        title=r.get(t, where, "title", str),
        date=r.get(t, where, "date", str),
        follow=r.get(t, where, "follow", str),
        max_pages=max_pages,
        max_age=r.interval(t, where, "max_age", max_age),
    )


def _printable_url(r: _Reader, url: str) -> str:
    """``url`` as it may be shown (a source's default name): no value from ``${VAR}``, no
    credentials or tokens."""
    from monitor.safety import redact_url

    return redact_url(r.templates.get(url, url))


def _check_selector(r: _Reader, table: dict[str, Any], where: str, key: str) -> None:
    """A listing selector must compile: CSS, or XPath when it starts with / ./ or (."""
    selector = table.get(key)
    if not isinstance(selector, str):
        return
    from parsel import Selector

    xpath = selector.lstrip().startswith(("/", "./", "("))
    try:
        node = Selector(text="<html></html>")
        node.xpath(selector) if xpath else node.css(selector)
    except Exception as e:  # cssselect and lxml raise several kinds
        kind = "XPath" if xpath else "CSS selector"
        raise r.fail(_join(where, key), selector, f"not a valid {kind}: {e}") from None


def _read_term(r: _Reader, raw: Any, where: str) -> TermConfig:
    t = r.check_keys(
        raw, where, {"name", "aliases", "case_sensitive", "exclude", "fields", "inflect"}
    )
    name = r.get(t, where, "name", str, required=True).strip()
    if not name:
        raise r.fail(f"{where}.name", "", "expected a non-empty name")
    aliases, inflect_aliases = _read_aliases(r, t, where)
    for i, alias in enumerate(aliases):
        if not alias.strip():
            raise r.fail(f"{where}.aliases[{i}]", alias, "expected a non-empty alias")
    fields = r.strings(t, where, "fields") or FIELDS
    for i, f in enumerate(fields):
        if f not in FIELDS:
            raise r.fail(f"{where}.fields[{i}]", f, "expected one of " + ", ".join(FIELDS))
    term = TermConfig(
        name=name,
        aliases=tuple(a.strip() for a in aliases),
        case_sensitive=r.get(t, where, "case_sensitive", bool),
        exclude=r.strings(t, where, "exclude"),
        fields=fields,
        inflect=r.get(t, where, "inflect", bool, True),
        inflect_aliases=inflect_aliases,
    )
    for key, text in term.keyed_spellings():  # as the matcher refuses them
        if not normal_form(text):
            raise ConfigError(
                f"{r.file}: {where}: term {name!r}: {key} = {text!r}: {NOTHING_TO_MATCH}"
            )
    return term


def _read_aliases(
    r: _Reader, t: dict[str, Any], where: str
) -> tuple[list[str], tuple[tuple[str, bool], ...]]:
    """A term's aliases: strings, or tables ``{ alias = "Путин", inflect = false }``;
    returns the aliases and the per-alias ``inflect`` overrides."""
    raw = t.get("aliases", [])
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list):
        raise r.fail(f"{where}.aliases", raw, "expected a list of aliases")
    aliases: list[str] = []
    overrides: list[tuple[str, bool]] = []
    for i, item in enumerate(raw):
        at = f"{where}.aliases[{i}]"
        table = r.check_keys(item, at, {"alias", "inflect"}) if isinstance(item, dict) else {}
        alias = r.get(table, at, "alias", str, required=True) if table else item
        if not isinstance(alias, str):
            raise r.fail(
                at, alias, 'expected a string, or a table { alias = "…", inflect = false }'
            )
        if not alias.strip():
            raise r.fail(at, alias, "expected a non-empty alias")
        alias = r.expand(alias, at)
        aliases.append(alias)
        if "inflect" in table:
            overrides.append((alias.strip(), r.get(table, at, "inflect", bool)))
    return aliases, tuple(overrides)


def _read_rule(r: _Reader, raw: Any, where: str, term_names: set[str]) -> RuleConfig:
    t = r.check_keys(raw, where, {"name", "query"})
    name = r.get(t, where, "name", str, required=True)
    query = r.get(t, where, "query", str, required=True)
    try:
        parsed = parse_query(query)
    except QuerySyntaxError as e:
        raise r.fail(f"{where}.query", query, str(e)) from None
    unknown = sorted(set(parsed.term_names()) - term_names)
    if unknown:
        known = ", ".join(sorted(term_names)) or "none defined"
        raise r.fail(f"{where}.query", query, f"unknown term {unknown[0]!r} (terms: {known})")
    return RuleConfig(name=name, query=query)


_CHANNEL_KEYS = {
    "name", "type", "url", "secret", "smtp_url", "tls", "from", "to", "rules", "terms",
    "digest", "min_count", "rate_limit", "quiet_hours", "health", "timeout", "enabled",
    "alert_on_updates",
}  # fmt: skip


def _read_channel(
    r: _Reader, raw: Any, where: str, rule_names: set[str], term_names: set[str]
) -> ChannelConfig:
    t = r.check_keys(raw, where, _CHANNEL_KEYS)
    ctype = r.get(t, where, "type", str, required=True)
    if ctype not in CHANNEL_TYPES:
        raise r.fail(f"{where}.type", ctype, "expected one of " + ", ".join(CHANNEL_TYPES))
    url = r.get(t, where, "url", str)
    if ctype in ("webhook", "apprise") and not url:
        raise r.fail(f"{where}.url", _MISSING, f'type = "{ctype}" needs a url')
    if (
        ctype == "webhook"
        and not re.match(r"^https?://[^/\s]+", url or "", re.I)
        and not r.pending(url)
    ):
        raise r.fail(f"{where}.url", url, "expected an absolute http:// or https:// URL")
    smtp_url = r.get(t, where, "smtp_url", str)
    to = r.strings(t, where, "to")
    from_addr = r.get(t, where, "from", str)
    if ctype == "email":
        if not _smtp_url_ok(smtp_url) and not r.pending(smtp_url):
            raise r.fail(
                f"{where}.smtp_url", smtp_url or _MISSING,
                "expected smtp://[user:password@]host[:port] (a # or @ in the password "
                "written %23, %40)",
            )  # fmt: skip
        if not to:
            raise r.fail(f"{where}.to", _MISSING, "an email channel needs at least one address")
        if not from_addr:
            raise r.fail(f"{where}.from", _MISSING, "an email channel needs a from address")
    tls = r.get(t, where, "tls", str, "starttls")
    if tls not in TLS_MODES:
        raise r.fail(f"{where}.tls", tls, "expected one of " + ", ".join(TLS_MODES))
    rules = r.strings(t, where, "rules")
    for i, rule in enumerate(rules):
        if rule not in rule_names:
            known = ", ".join(sorted(rule_names)) or "none defined"
            raise r.fail(f"{where}.rules[{i}]", rule, f"unknown rule (rules: {known})")
    terms = r.strings(t, where, "terms")
    for i, term in enumerate(terms):
        if term not in term_names:
            known = ", ".join(sorted(term_names)) or "none defined"
            raise r.fail(f"{where}.terms[{i}]", term, f"unknown term (terms: {known})")
    digest = r.get(t, where, "digest", str)
    if digest is not None and not _is_cron(digest):
        try:
            parse_interval(digest)
        except ValueError:
            raise r.fail(
                f"{where}.digest", digest,
                "expected an interval such as 30s, 10m or 2h, or a cron string",
            ) from None  # fmt: skip
    rate_limit = r.get(t, where, "rate_limit", str)
    rate = _RATE.match(rate_limit) if rate_limit is not None else None
    if rate_limit is not None and (not rate or int(rate.group(1)) < 1):
        raise r.fail(
            f"{where}.rate_limit", rate_limit, "expected a rate of at least 1, such as 20/h"
        )
    quiet = r.get(t, where, "quiet_hours", str)
    if quiet is not None and not _QUIET.match(quiet):
        raise r.fail(f"{where}.quiet_hours", quiet, "expected a range such as 22:00-07:00")
    min_count = r.get(t, where, "min_count", int, 1)
    if min_count < 1:
        raise r.fail(f"{where}.min_count", min_count, "expected a whole number >= 1")
    timeout = r.get(t, where, "timeout", (int, float), 10.0)
    if not 0 < timeout < float("inf"):
        raise r.fail(f"{where}.timeout", t["timeout"], "expected a number of seconds above 0")
    return ChannelConfig(
        name=r.get(t, where, "name", str, required=True),
        type=ctype,
        url=url,
        secret=r.get(t, where, "secret", str),
        smtp_url=smtp_url,
        tls=tls,
        from_addr=from_addr,
        to=to,
        rules=rules,
        terms=terms,
        digest=digest,
        min_count=min_count,
        rate_limit=rate_limit,
        quiet_hours=quiet,
        health=r.get(t, where, "health", bool, False),
        timeout=float(timeout),
        enabled=r.get(t, where, "enabled", bool, True),
        alert_on_updates=r.get(t, where, "alert_on_updates", bool, False),
    )


def _read_list(
    r: _Reader, doc: dict[str, Any], key: str, read: Callable[[Any, str], Any]
) -> tuple[Any, ...]:
    items = doc.get(key, [])
    if not isinstance(items, list):
        raise r.fail(key, items, f"expected [[{key}]] tables")
    out = tuple(read(item, f"{key}[{i}]") for i, item in enumerate(items))
    seen: set[str] = set()
    for i, item in enumerate(out):
        if item.name in seen:
            raise r.fail(f"{key}[{i}].name", item.name, f"duplicate name in [[{key}]]")
        seen.add(item.name)
    return out


_TOP_KEYS = {
    "storage", "network", "metrics", "daemon", "alerts", "sources", "terms", "rules", "channels",
    "cluster",
}  # fmt: skip


def parse_config(
    text: str, *, file: str = "newshound.toml", base: Path | None = None,
    env: Mapping[str, str] | None = None, secrets: bool = True,
) -> Config:  # fmt: skip
    """Parse and validate TOML text. ``base`` resolves a relative storage path.

    ``secrets=False``: an unset ``${VAR}`` is kept as written and listed in
    ``Config.unresolved`` instead of failing (for commands that send nothing).
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}: not valid TOML: {e}") from None
    warnings: list[str] = []
    r = _Reader(file, os.environ if env is None else env, warnings, secrets=secrets)
    r.check_keys(doc, "", _TOP_KEYS)
    base = base or Path.cwd()
    terms = _read_list(r, doc, "terms", lambda t, w: _read_term(r, t, w))
    term_names = {t.name for t in terms}
    rules = _read_list(r, doc, "rules", lambda t, w: _read_rule(r, t, w, term_names))
    rule_names = {x.name for x in rules}
    channels = _read_list(
        r, doc, "channels", lambda t, w: _read_channel(r, t, w, rule_names, term_names)
    )
    alerts = _read_alerts(r, doc.get("alerts", {}))
    sources = _read_list(r, doc, "sources", lambda t, w: _read_source(r, t, w, alerts.max_age))
    return Config(
        storage=_read_storage(r, doc.get("storage", {}), base),
        sources=sources,
        terms=terms,
        rules=rules,
        channels=channels,
        network=_read_network(r, doc.get("network", {})),
        metrics=_read_metrics(r, doc.get("metrics", {})),
        daemon=_read_daemon(r, doc.get("daemon", {})),
        alerts=alerts,
        cluster=_read_cluster(r, doc.get("cluster")),
        warnings=tuple(warnings),
        secrets=frozenset(r.secrets),
        unresolved=tuple(r.unresolved),
    )


def load_config(
    path: str | Path, *, env: Mapping[str, str] | None = None, secrets: bool = True
) -> Config:
    """Read, expand and validate a config file. Raises :class:`ConfigError`.

    ``secrets=False`` lets an unset ``${VAR}`` pass (see :func:`parse_config`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot read config file: {e}") from None
    config = parse_config(text, file=str(p), base=p.resolve().parent, env=env, secrets=secrets)
    return _replace(config, path=p)


def _replace(config: Config, **changes: Any) -> Config:
    from dataclasses import replace

    return replace(config, **changes)


def default_config(data_dir: Path | None = None) -> Config:
    """The built-in config used when there is no file (DESIGN.md): see ``monitor/defaults.toml``."""
    from platformdirs import user_data_path

    folder = data_dir or user_data_path("newshound", appauthor=False)
    text = (Path(__file__).parent / "defaults.toml").read_text(encoding="utf-8")
    config = parse_config(text, file="(built-in default)", base=folder, env={})
    return _replace(config, storage=StorageConfig(path=folder / "newshound.db"))
