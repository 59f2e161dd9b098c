"""Can the database live where the config says? Asked by ``check`` and ``run`` before opening.

The folder must exist or be makeable, and take new files (SQLite writes ``-wal`` and
``-shm`` files beside the database); the file, when there is one, must be a SQLite
database. Writability is tried, not inferred from mode bits: root ignores those, and a
read-only mount (systemd's ``ProtectSystem=strict``) does not show in them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

__all__ = ["database_problem"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def database_problem(path: Path) -> str | None:
    """One sentence on why ``path`` cannot be the database, or None when it can."""
    path = Path(path)
    if path.is_dir():
        return f"database {path}: is a folder, expected a SQLite file"
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        made = "" if existing == folder else f", so {folder} cannot be made"
        return f"database {path}: {existing} is not a folder{made}"
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".newshound-check-"):
            pass
    except OSError as e:
        verb = "is not writable" if existing == folder else f"cannot be made in {existing}"
        return f"database {path}: folder {folder} {verb} ({e.strerror or e})"
    if path.exists():
        try:
            with path.open("rb+") as handle:
                head = handle.read(len(_SQLITE_MAGIC))
        except OSError as e:
            return f"database {path}: cannot open it for writing ({e.strerror or e})"
        if head and head != _SQLITE_MAGIC:
            return f"database {path}: not a SQLite database (it starts {head[:8]!r})"
    return None
