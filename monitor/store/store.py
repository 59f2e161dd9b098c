"""``Store``: the one face of the database, as Miniflux's ``storage.Storage``.

One object holding one SQLite connection (opened on first use) and a transaction helper,
with a method for each thing its callers need, and the only way code outside
``monitor/store/`` reaches the database (import-linter's ``store-face`` contract):

- the crawl's writer (``scraper/writer.py``) applies what a crawl found through it, and
  the crawl's reads (known articles, validators, robots rules, site lines) go through the
  same object, so one crawl opens one connection;
- the daemon (``monitor/daemon/``): due sources, the lock, maintenance, and the outbox
  (``Store.outbox``, an :class:`~monitor.store.store_outbox.Outbox` on the same connection);
- the CLI's reports, search and export, and the web UI (``Store.over`` its read-only
  connection).

The SQL lives in the per-entity modules beside it (``sources.py``, ``pages.py``,
``articles.py``, ``outbox.py``, ``health.py``, ``source_health.py``, ``search.py`` ...),
and so do the transactions; the failure and backoff policy is applied where the source
rows are written (``sources.record_fetch_failure``, with ``monitor.store.backoff``'s delays).

The read methods a crawl uses are few and narrow on purpose: a worker on another
machine will get them from Redis instead (issue #19).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from monitor.config import ChannelConfig, Config, SourceConfig
from monitor.store import (
    articles,
    health,
    pages,
    retention,
    robots,
    search,
    site_lines,
    source_health,
    sources,
)
from monitor.store.lock import DatabaseLock
from monitor.store.schema import checkpoint_wal, open_database, transaction
from monitor.store.store_outbox import Outbox

__all__ = ["MAX_HELD_POLLS", "Store", "store_problem"]

# A feed whose entries could not all be stored (a page fetch timed out, the disk was full)
# keeps its old validators, so the next poll parses it again and retries those entries.
# After this many such polls in a row the new validators are kept anyway: an entry whose
# page fails on every poll does not make the feed be parsed forever. It is tried again
# when the feed changes (the entry is still not stored, so dedupe lets it through).
MAX_HELD_POLLS = 3


class Store:
    """``Store(path)``; no I/O until the first call. ``close()`` when done."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: sqlite_utils.Database | None = None
        self._owned = True

    @classmethod
    def over(cls, connection: sqlite3.Connection | sqlite_utils.Database) -> Store:
        """A Store on a connection opened elsewhere (Datasette's read-only one, a test's):
        no schema check, and ``close()`` leaves the connection open."""
        if isinstance(connection, sqlite_utils.Database):
            db = connection
        else:
            db = sqlite_utils.Database(connection, recursive_triggers=False, execute_plugins=False)
        row = db.execute("PRAGMA database_list").fetchone()
        store = cls(row[2] if row and row[2] else ":memory:")
        store._db, store._owned = db, False
        return store

    @classmethod
    def read_only(cls, path: Path | str) -> Store:
        """A Store that only reads the file at ``path`` (``mode=ro``): a running daemon is
        not disturbed, and the file is neither created nor migrated. Raises
        ``sqlite3.OperationalError`` when it cannot be opened."""
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            store = cls.over(conn)
        except BaseException:
            conn.close()
            raise
        store._owned = True
        return store

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_database(self.path)
        return self._db

    def close(self) -> None:
        if self._db is not None and self._owned:
            self._db.close()
        self._db = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with transaction(self.db):
            yield self.db

    @property
    def outbox(self) -> Outbox:
        """The outbox rows and channel states (delivery, health alerts, ``alerts``)."""
        return Outbox(self.db)

    def checkpoint_wal(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(mode)``: (busy, wal pages, pages checkpointed)."""
        return checkpoint_wal(self.db, mode)

    # --- sources -----------------------------------------------------------------------

    def sync_sources(self, configured: Sequence[SourceConfig]) -> None:
        sources.sync_sources(self.db, configured)

    def sources_due(self, names: Collection[str], now: float) -> set[str]:
        """Of ``names``, those whose next poll has come and that are not paused."""
        wanted = set(names)
        rows = self.db.execute(
            "SELECT name FROM sources WHERE next_poll <= ? AND paused = 0", [now]
        )
        return {name for (name,) in rows if name in wanted}

    def due_sources(
        self,
        names: Collection[str],
        *,
        now: float | None = None,
        exclude: Collection[str] = (),
        limit: int | None = None,
    ) -> list[str]:
        """The daemon's tick: of ``names``, the sources whose next poll has come, oldest
        due first, then their host's companions; ``exclude``: already being polled."""
        return sources.due_sources(self.db, names, now=now, exclude=exclude, limit=limit)

    def polled_since(self, since: float) -> dict[str, dict[str, Any]]:
        """name -> row of every source whose last poll ended at or after ``since``."""
        return sources.polled_since(self.db, since)

    def postpone_source(self, name: str, delay: float) -> None:
        """Next poll ``delay`` seconds from now, no outcome recorded (a crawl that failed)."""
        sources.postpone_source(self.db, name, delay)

    def items_seen(self) -> dict[str, int]:
        return sources.items_seen(self.db)

    def describe_sources(self, configured: Sequence[SourceConfig]) -> list[dict[str, Any]]:
        """Each configured source, in config order, with its state and its row's columns."""
        return sources.describe_sources(self.db, configured)

    def lock(self, *, stale_after: float) -> DatabaseLock:
        """The daemon's lock: one poller per database (``acquire`` raises ``LockHeld``)."""
        return DatabaseLock(self.db, stale_after=stale_after)

    def source_states(self, names: Collection[str]) -> dict[str, sources.SourceState]:
        return sources.get_source_states(self.db, names)

    def source_state(self, name: str) -> sources.SourceState | None:
        return sources.get_source_state(self.db, name)

    def source_polled(
        self,
        name: str,
        *,
        status: int,
        etag: str | None,
        last_modified: str | None,
        content_hash: str | None,
        items: int,
        complete: bool,
        when: float | None = None,
        refused: bool = False,
    ) -> bool:
        """A body that was parsed. ``complete``: every entry it listed is stored or was
        dropped on purpose, so its validators and digest may be kept; otherwise the old
        ones stay (the next poll parses it again), up to ``MAX_HELD_POLLS`` polls in a
        row. ``refused``: the database refused one of its entries (a full disk): the old
        validators stay however long that lasts, and the poll does not count towards
        ``MAX_HELD_POLLS``. Returns True when the new validators were kept."""
        row = self.db.execute("SELECT held_polls FROM sources WHERE name = ?", [name]).fetchone()
        held = int(row[0]) if row else 0
        keep = complete or (not refused and held + 1 >= MAX_HELD_POLLS)
        sources.record_fetched(
            self.db, name, status=status, etag=etag, last_modified=last_modified,
            content_hash=content_hash, items=items, keep_validators=keep,
            held_polls=0 if keep else held + (0 if refused else 1), when=when,
        )  # fmt: skip
        return keep

    def sources_unchanged(self, polls: Sequence[tuple[str, int, float, float]]) -> None:
        sources.record_unchanged_many(self.db, polls)

    def source_failed(
        self,
        name: str,
        *,
        status: int | None,
        error: str,
        retry_after: str | bytes | None,
        max_failures: int | None,
    ) -> None:
        """A failed poll: counted, backed off (Retry-After honoured), paused after
        ``max_failures`` answers in a row that say the source is gone or not a feed."""
        sources.record_fetch_failure(
            self.db, name, status=status, error=error, retry_after=retry_after,
            max_failures=max_failures,
        )  # fmt: skip

    def source_moved(self, name: str, url: str | None) -> None:
        """The source's URL redirects permanently to ``url`` (None: no longer moved)."""
        pages.forget_pages(self.db, name, "moved")
        if url is not None:
            pages.record_page(self.db, name, url, "moved")

    def new_items(self, name: str, count: int) -> None:
        sources.record_new_items(self.db, name, count)

    # --- what a source led to ---------------------------------------------------------

    def own_pages(self, names: Collection[str]) -> dict[str, dict[str, pages.PageState]]:
        return pages.own_pages(self.db, names)

    def page_state(self, source: str, url: str) -> pages.PageState | None:
        return pages.get_page_state(self.db, source, url)

    def page_polled(
        self,
        source: str,
        url: str,
        role: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
    ) -> None:
        pages.record_page(
            self.db, source, url, role, etag=etag, last_modified=last_modified,
            content_hash=content_hash,
        )  # fmt: skip

    def forget_pages(self, source: str, role: str) -> None:
        pages.forget_pages(self.db, source, role)

    # --- robots.txt ---------------------------------------------------------------------

    def kept_robots(self, origin: str) -> tuple[bytes, float] | None:
        return robots.kept_robots(self.db, origin)

    def save_robots(self, origin: str, status: int, body: bytes) -> float | None:
        return robots.save_robots(self.db, origin, status, body)

    # --- articles ------------------------------------------------------------------------

    def known_article(
        self, url: str, guid: str | None, source: str
    ) -> articles.KnownArticle | None:
        return articles.find_known_article(self.db, url, guid, source)

    def remember_listed_url(self, url: str, article_id: int) -> None:
        articles.remember_listed_url(self.db, url, article_id)

    def insert_article(
        self,
        record: articles.ArticleRecord,
        matches: Sequence[dict[str, Any]],
        rules: Sequence[str],
        outbox: Sequence[articles.OutboxEntry],
        *,
        keep_text: bool,
        duplicate_of: int | None = None,
        signature: Any = None,
    ) -> int | None:
        """The article, its matches and outbox rows in one transaction; None if stored."""
        return articles.save_article(
            self.db, record, matches, rules, outbox, keep_text=keep_text,
            duplicate_of=duplicate_of, signature=signature,
        )  # fmt: skip

    def update_article(
        self,
        article_id: int,
        record: articles.ArticleRecord,
        matches: Sequence[dict[str, Any]],
        rules: Sequence[str],
        outbox: Sequence[articles.OutboxEntry],
        *,
        keep_text: bool,
    ) -> bool:
        return articles.update_article(
            self.db, article_id, record, matches, rules, outbox, keep_text=keep_text
        )

    def article_keys_since(
        self, since: str
    ) -> Iterator[tuple[int, str, str | None, str, str | None, str | None]]:
        return articles.article_keys_since(self.db, since)

    def matched_terms(self, article_id: int) -> set[str]:
        return articles.matched_terms(self.db, article_id)

    def article_url(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()
        return str(row[0]) if row else None

    def near_duplicate(self, signature: Any) -> int | None:
        from monitor.store.duplicates import find_near_duplicate

        return find_near_duplicate(self.db, signature)

    # --- site lines ------------------------------------------------------------------------

    def site_boilerplate(self, host: str) -> frozenset[str]:
        return site_lines.site_boilerplate(self.db, host)

    def record_site_lines(self, host: str, hashes: Iterable[str]) -> None:
        site_lines.record_site_lines(self.db, host, hashes)

    # --- stored articles: export, demo, search ----------------------------------------------

    def count_articles(self) -> int:
        return articles.count_articles(self.db)

    def matched_articles(
        self,
        *,
        terms: Sequence[str] = (),
        rules: Sequence[str] = (),
        since: str | None = None,
        duplicates: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Stored matched articles, newest first, with their terms, rules and snippets
        (``newshound export``, ``demo``); ``since``: ISO 8601 UTC."""
        return articles.iter_matched_articles(
            self.db, terms=terms, rules=rules, since=since, duplicates=duplicates
        )

    def search(
        self, query: str, *, terms: Sequence[str] = (), since: str | None = None, limit: int = 50
    ) -> list[search.SearchHit]:
        """Full-text search, best first; raises ``SearchError`` for an unusable query."""
        return search.search_articles(self.db, query, terms=terms, since=since, limit=limit)

    def rebuild_search_index(self) -> bool:
        return search.rebuild_search_index(self.db)

    # --- maintenance ---------------------------------------------------------------------

    def prune_articles(self, keep_seconds: float, *, now: float | None = None) -> int:
        """Delete unmatched articles stored more than ``keep_seconds`` ago; how many."""
        return retention.prune_old_articles(self.db, keep_seconds, now=now)

    def prune_robots(self, *, now: float | None = None) -> int:
        return robots.prune_robots(self.db, now=now)

    def source_rows(self) -> list[dict[str, Any]]:
        return source_health.source_rows(self.db)

    def new_item_sources(self) -> list[tuple[str, float, bool]]:
        """(name, last_new_item, silent) of each source that ever brought a new item."""
        return source_health.new_item_sources(self.db)

    def new_item_times(self, source: str, limit: int = 50) -> list[str]:
        return source_health.new_item_times(self.db, source, limit)

    def set_silent(self, name: str, silent: bool) -> None:
        source_health.set_silent(self.db, name, silent)

    def set_health_state(self, name: str, state: str) -> None:
        source_health.set_health_state(self.db, name, state)

    def empty_text_run(self, source: str, count: int) -> tuple[str, str] | None:
        """(first ``fetched``, latest URL) of the source's run of empty-text articles;
        None unless its last ``count`` page articles all have empty text."""
        return source_health.empty_text_run(self.db, source, count)

    # --- reports: newshound status and alerts ------------------------------------------------

    def channel_health(self, channels: Sequence[ChannelConfig]) -> list[health.ChannelHealth]:
        return health.channel_health(self.db, channels)

    def sent_alerts(self, since: float | None = None) -> list[dict[str, Any]]:
        return health.sent_alerts(self.db, since)

    def held_back_counts(self, config: Config) -> dict[str, int]:
        return health.held_back_counts(self.db, config)

    def substituted_feeds(self) -> dict[str, str]:
        return health.substituted_feeds(self.db)


def store_problem(path: Path | str) -> str | None:
    """Why the database at ``path`` cannot take a write now (a full disk, a read-only or
    corrupt file), or None when it can: one small committed write to ``meta`` tells.

    ``newshound status`` asks it, so a store that refuses the crawl's writes (which then
    keep nothing, and lose nothing: see ``scraper/writer.py``) is not reported "ok".
    """
    try:
        conn = sqlite3.connect(str(path), timeout=10)
    except sqlite3.Error as e:
        return f"store {path}: {e}"
    try:
        with conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('store_checked', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [str(time.time())],
            )
    except sqlite3.Error as e:
        return f"store {path}: {e}"
    finally:
        conn.close()
    return None
