"""The store: one SQLite file (sqlite-utils, WAL) holding sources, articles, matches, outbox.

``Store`` is its one face: code outside ``monitor/store/`` imports from this package
only (import-linter's ``store-face`` contract), and reaches the database through a
``Store``'s methods. The rest are the plain values those methods take and give
(``Alert``, ``ArticleRecord``, ``ChannelHealth`` ...), the errors they raise, and
functions that need no database (``database_problem`` checks a path before it is opened,
``render_atom`` writes rows as a feed, ``text_signature`` fingerprints a text).
"""

import sys
from typing import Any


def _import_sqlite_utils_without_numpy() -> None:
    """sqlite-utils imports numpy and pandas whenever they are installed, only to store
    their scalar types, which newshound never hands it (a signature goes in as bytes).
    Imported first with those two marked absent (``None`` in ``sys.modules`` makes their
    import fail, which sqlite-utils expects), it spares the daemon and every ``newshound``
    command numpy: ~0.1 CPU s and 11 MB a process. The crawl's near-duplicate signature
    imports numpy itself, afterwards (``text_signature`` is loaded on first use)."""
    if "sqlite_utils" in sys.modules:
        return
    absent = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in absent:
            del sys.modules[name]


_import_sqlite_utils_without_numpy()

from monitor.store.articles import ArticleRecord, OutboxEntry  # noqa: E402
from monitor.store.atom import render_atom  # noqa: E402
from monitor.store.health import ChannelHealth  # noqa: E402
from monitor.store.location import database_problem  # noqa: E402
from monitor.store.lock import LockHeld  # noqa: E402
from monitor.store.outbox import Alert, ChannelState, health_event_id, pass_owner  # noqa: E402
from monitor.store.schema import open_database as open_database  # noqa: E402 (tests: raw)
from monitor.store.search import MARK_CLOSE, MARK_OPEN, SearchError, SearchHit  # noqa: E402
from monitor.store.sources import FAILING_STATES  # noqa: E402
from monitor.store.store import Store, store_problem  # noqa: E402
from monitor.store.store_outbox import Outbox  # noqa: E402


def __getattr__(name: str) -> Any:
    """``text_signature`` (numpy) is imported where it is first used: the crawl."""
    if name == "text_signature":
        from monitor.store.duplicates import text_signature

        return text_signature
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Store", "Outbox",
    # values its methods take and give, and the errors they raise
    "Alert", "ArticleRecord", "ChannelHealth", "ChannelState", "OutboxEntry", "SearchHit",
    "FAILING_STATES", "MARK_CLOSE", "MARK_OPEN", "LockHeld", "SearchError",
    # no database needed
    "database_problem", "health_event_id", "pass_owner", "render_atom", "store_problem",
    "text_signature",
]  # fmt: skip
