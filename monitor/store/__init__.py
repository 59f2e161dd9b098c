"""The store: one SQLite file (sqlite-utils, WAL) holding sources, articles, matches, outbox.

``Store`` is its one face for the crawl's writer (``scraper/writer.py``) and the crawl's
reads; ``open_database`` opens the file for the CLI and the daemon.
"""

import sys


def _import_sqlite_utils_without_numpy() -> None:
    """sqlite-utils imports numpy and pandas whenever they are installed, only to store
    their scalar types, which newshound never hands it (a signature goes in as bytes).
    Imported first with those two marked absent (``None`` in ``sys.modules`` makes their
    import fail, which sqlite-utils expects), it spares the daemon and every ``newshound``
    command numpy: ~0.1 CPU s and 11 MB a process. The crawl's near-duplicate signature
    imports numpy itself, afterwards."""
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

from monitor.store.schema import open_database  # noqa: E402
from monitor.store.store import Store  # noqa: E402

__all__ = ["Store", "open_database"]
