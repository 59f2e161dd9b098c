"""``newshound serve``'s Datasette: the daemon's database read-only, newshound's pages on top.

:func:`build_datasette` makes one Datasette instance over ``config.storage.path`` (opened
``mode=ro`` by Datasette, so the daemon's writer is never blocked: the file is in WAL mode)
with this package's templates, static files and a :class:`~monitor.web.plugin.NewshoundPlugin`
registered for that instance only. :func:`check_bind` is the safety rule: a host other than
loopback needs a login token, and then every page asks for it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from pathlib import Path
from typing import Any

from datasette.app import Datasette, DatasetteClient
from datasette.plugins import pm

from monitor.config import Config
from monitor.web.plugin import ACTOR_ID, NewshoundPlugin

__all__ = ["WebError", "build_datasette", "check_bind", "MIN_TOKEN_LENGTH"]

HERE = Path(__file__).parent
MIN_TOKEN_LENGTH = 16
_HIDDEN = ("site_lines", "site_hosts", "locks", "article_minhash", "minhash_bands",
           "listed_urls", "robots_txt")  # fmt: skip


class WebError(ValueError):
    """A serve setting that cannot work; the message says what to set."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, *, require_login: bool = False) -> bool:
    """Whether every page needs a login: off loopback, or when ``require_login`` (a
    reverse proxy in front of 127.0.0.1). Raises :class:`WebError` when a login is needed
    and there is no token, or for a token too short to be a secret."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise WebError(
            f"NEWSHOUND_WEB_TOKEN is {len(token)} characters: use a secret of at least "
            f"{MIN_TOKEN_LENGTH} (e.g. python -c 'import secrets; print(secrets.token_urlsafe())')"
        )
    if not require_login and is_loopback(host):
        return False
    if not token:
        why = "--require-login" if require_login else f"--host {host} is not a loopback address"
        raise WebError(
            f"{why}: set NEWSHOUND_WEB_TOKEN to a secret so that every page asks for a "
            "login" + ("" if require_login else ", or bind 127.0.0.1")
        )
    return True


def build_datasette(config: Config, *, token: str | None, login_required: bool) -> Datasette:
    """A Datasette over the config's database with newshound's pages at ``/``."""
    path = Path(config.storage.path)
    if not path.exists():
        raise WebError(f"no database at {path}: run `newshound run` first")
    secret = (
        hashlib.sha256(b"newshound-web\x00" + token.encode()).hexdigest()
        if token
        else secrets.token_hex(32)
    )  # from the token: a login survives a restart, and a new token ends every login
    ds = Datasette(
        [str(path)],
        metadata=_metadata(path.stem, login_required),
        template_dir=str(HERE / "templates"),
        static_mounts=[("newshound-static", str(HERE / "static"))],
        settings={"default_page_size": 50, "sql_time_limit_ms": 2000},
        secret=secret,
    )
    plugin = NewshoundPlugin(ds, config, path.stem, token=token)
    pm.register(plugin, name=plugin.__name__)
    # Datasette built its in-process client (ds.client: the app's routes) in __init__,
    # before the plugin could see the instance: build it again with the plugin's routes.
    ds.client = DatasetteClient(ds)
    return ds


def _metadata(name: str, login_required: bool) -> dict[str, Any]:
    articles = {"fts_table": "articles_fts", "fts_pk": "id", "sort_desc": "fetched"}
    tables: dict[str, Any] = {t: {"hidden": True} for t in _HIDDEN}
    tables["articles"] = articles
    meta: dict[str, Any] = {
        "title": "newshound",
        "databases": {
            name: {
                "tables": tables,
                "queries": {
                    "matched_articles": {
                        "title": "Matched articles, optionally for one term",
                        "sql": _MATCHED_SQL,
                    }
                },
            }
        },
    }
    if login_required:
        meta["allow"] = {"id": ACTOR_ID}  # every page, Datasette's own too, needs the login
    return meta


_MATCHED_SQL = """\
SELECT a.id, a.url, a.title, a.source, a.published, a.fetched,
  (SELECT json_group_array(term) FROM (SELECT term FROM matches m
     WHERE m.article_id = a.id ORDER BY term)) AS terms,
  a.rules
FROM articles a
WHERE a.matched = 1 AND a.duplicate_of IS NULL
  AND (:term = '' OR a.id IN (SELECT article_id FROM matches WHERE term = :term))
ORDER BY a.fetched DESC, a.id DESC
LIMIT 200"""
