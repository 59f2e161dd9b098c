"""``Store``: the one face of the database, as Miniflux's ``storage.Storage``.

One object holding one SQLite connection (opened on first use) and a transaction helper,
with a method for each thing its callers need: the crawl's writer
(``scraper/writer.py``) applies what a crawl found through it, and the crawl's reads
(known articles, validators, robots rules, site lines) go through the same object, so
one crawl opens one connection. The SQL lives in the per-entity modules beside it
(``sources.py``, ``pages.py``, ``articles.py``, ``robots.py``, ``site_lines.py``); the
failure and backoff policy is applied where the source rows are written
(``sources.record_fetch_failure``, with ``monitor.store.backoff``'s delays).

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

from monitor.config import SourceConfig
from monitor.store import articles, pages, robots, site_lines, sources
from monitor.store.schema import open_database

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

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = open_database(self.path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.db.conn:
            yield self.db

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
    ) -> bool:
        """A body that was parsed. ``complete``: every entry it listed is stored or was
        dropped on purpose, so its validators and digest may be kept; otherwise the old
        ones stay (the next poll parses it again), up to ``MAX_HELD_POLLS`` polls in a
        row. Returns True when the new validators were kept."""
        row = self.db.execute("SELECT held_polls FROM sources WHERE name = ?", [name]).fetchone()
        held = int(row[0]) if row else 0
        keep = complete or held + 1 >= MAX_HELD_POLLS
        sources.record_fetched(
            self.db, name, status=status, etag=etag, last_modified=last_modified,
            content_hash=content_hash, items=items, keep_validators=keep,
            held_polls=0 if keep else held + 1, when=when,
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
