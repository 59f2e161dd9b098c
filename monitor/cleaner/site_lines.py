"""Per-site learning, cleaner side: line hashes in, a site's recurring lines out.

Last stage of the cleaner, after the boilerplate filter (``boilerplate.py``). The store
(``monitor/store/site_lines.py``) counts on how many pages of a host each hash appears;
hashes seen on many of them are that site's boilerplate and are passed back to
``clean_html(..., site_boilerplate=...)`` for its later pages.

Only short lines are candidates: a paragraph of prose that recurs is a quote or a
correction note, not furniture, and hashing only short lines keeps the store small.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence

from monitor.cleaner.boilerplate import normalise

__all__ = ["MAX_CANDIDATE_CHARS", "line_hash", "line_hashes", "drop_site_lines"]

MAX_CANDIDATE_CHARS = 160


def line_hash(line: str) -> str | None:
    """16 hex digits for a candidate line (after ``normalise``), ``None`` if not a candidate."""
    key = normalise(line)
    if not key or len(key) > MAX_CANDIDATE_CHARS:
        return None
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def line_hashes(text: str | Iterable[str]) -> set[str]:
    """Hashes of the candidate lines of ``text`` (a string, or its lines), each once."""
    lines = text.splitlines() if isinstance(text, str) else text
    return {h for h in map(line_hash, lines) if h is not None}


def drop_site_lines(lines: Sequence[str], boilerplate: Collection[str]) -> list[str]:
    """``lines`` without those whose hash is in ``boilerplate`` (the site's learnt set)."""
    if not boilerplate:
        return list(lines)
    return [line for line in lines if line_hash(line) not in boilerplate]
