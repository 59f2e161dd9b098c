"""The store: one SQLite file (sqlite-utils, WAL) holding sources, articles, matches, outbox.

``Store`` is its one face: code outside ``monitor/store/`` imports from this package
only (import-linter's ``store-face`` contract), and reaches the database through a
``Store``'s methods. The rest are the plain values those methods take and give
(``Alert``, ``ArticleRecord``, ``ChannelHealth`` ...), the errors they raise, and
functions that need no database (``database_problem`` checks a path before it is opened,
``render_atom`` writes rows as a feed, ``text_signature`` fingerprints a text).
"""

from monitor.store.articles import ArticleRecord, OutboxEntry
from monitor.store.atom import render_atom
from monitor.store.duplicates import text_signature
from monitor.store.health import ChannelHealth
from monitor.store.location import database_problem
from monitor.store.lock import LockHeld
from monitor.store.outbox import Alert, ChannelState, health_event_id, pass_owner
from monitor.store.schema import open_database as open_database  # tests, benches: raw
from monitor.store.search import MARK_CLOSE, MARK_OPEN, SearchError, SearchHit
from monitor.store.sources import FAILING_STATES
from monitor.store.store import Store, store_problem
from monitor.store.store_outbox import Outbox

__all__ = [
    "Store", "Outbox",
    # values its methods take and give, and the errors they raise
    "Alert", "ArticleRecord", "ChannelHealth", "ChannelState", "OutboxEntry", "SearchHit",
    "FAILING_STATES", "MARK_CLOSE", "MARK_OPEN", "LockHeld", "SearchError",
    # no database needed
    "database_problem", "health_event_id", "pass_owner", "render_atom", "store_problem",
    "text_signature",
]  # fmt: skip
