"""Near-duplicates: the same story under another URL, found by MinHash over cleaned text.

Wire copy syndicated by several outlets, or a story re-published under a new URL, has a
different URL key but nearly the same words. Each stored article with enough text gets a
MinHash signature (datasketch's affine32 scheme, 128 permutations over word 3-shingles)
and 32 LSH bands of 4 rows (``minhash_bands``), so finding candidates is one indexed
lookup; a candidate is a duplicate when the signatures agree on at least ``THRESHOLD`` of
their slots (the estimated Jaccard similarity of the shingle sets). Only articles stored
within ``WINDOW`` are compared: a templated daily report a month later is news again.

Each shingle is hashed with CRC-32 of its UTF-8 (``zlib.crc32``, C speed; datasketch
mixes it with murmur3's finalizer before its permutations), not datasketch's default
SHA-1, which cost more than the rest of the signature together. Signatures made with
one hash never match those made with the other: the store has no signatures from
before the change (none were released), and a signature that must compare across
runs must keep this hash, ``NUM_PERM`` and ``_SEED``.

Called by the store stage (scraper/pipelines.py) before ``save_article``, which writes
the signature in the article's own transaction.
"""

from __future__ import annotations

import re
import time
import zlib
from datetime import UTC, datetime
from functools import cache
from hashlib import blake2b
from itertools import islice, tee

import numpy as np
import sqlite_utils

__all__ = ["text_signature", "find_near_duplicate", "record_signature", "similarity"]

NUM_PERM = 128
BANDS, ROWS = 32, 4  # candidates from J ~ 0.4 up; THRESHOLD decides
THRESHOLD = 0.6
MIN_WORDS = 30  # shorter texts (teasers, captions) say too little to call a copy
WINDOW = 7 * 86400.0
_SEED = 7  # fixed: signatures must compare across runs
_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK = 2048  # shingles per slice: a 1 MB array (4 MB slices cost 9 MB of peak)


def text_signature(text: str) -> np.ndarray | None:
    """The MinHash of ``text``'s word 3-shingles (uint32[128]); None for short texts.

    The same values as datasketch's ``MinHash(num_perm=NUM_PERM, seed=_SEED,
    scheme="affine32", hashfunc=zlib.crc32)`` fed the shingles (a test checks it),
    computed as (128 x shingles) arrays, a slice of shingles at a time: no MinHash
    object, no list of words, no set of shingles (a repeat cannot change a minimum), and
    the minimum taken along contiguous rows. That was 2.5 ms an article; this is about a
    third of it.
    """
    # Words and shingles as streams: a list of a long text's words is megabytes.
    first, second, third = tee(map(re.Match.group, _WORD.finditer(text.lower())), 3)
    next(second, None)
    next(islice(third, 1, None), None)
    shingles = map(" ".join, zip(first, second, third, strict=False))
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, shingles)), np.uint32)
    count = len(hashes)
    if count + 2 < MIN_WORDS:
        return None
    a, b = _permutations()
    hashes = _fmix32(hashes)
    # In slices of _CHUNK shingles: the (128 x shingles) array of a 1 MB text is 90 MB.
    signature = np.full(NUM_PERM, np.iinfo(np.uint32).max, np.uint32)
    for start in range(0, count, _CHUNK):
        values = np.multiply.outer(a, hashes[start : start + _CHUNK])  # uint32: wraps,
        values += b[:, None]  # as datasketch's does
        np.minimum(signature, values.min(axis=1), out=signature)
    return signature


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before its permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@cache
def _permutations() -> np.ndarray:
    """datasketch's affine32 permutations (a, b) for ``NUM_PERM`` and ``_SEED``, drawn as
    ``MinHash._init_permutations`` draws them (a test checks), once. Not by importing
    datasketch: its package imports its Redis/Cassandra/aiohttp back-ends, ~0.8 CPU s."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def _bands(signature: np.ndarray) -> list[tuple[int, int]]:
    """(band, 64-bit BLAKE2b of the band's ROWS values), slicing one ``bytes`` rather
    than making an array slice and its bytes per band."""
    raw = signature.astype(np.uint32, copy=False).tobytes()
    size = ROWS * 4
    return [
        (band, int.from_bytes(blake2b(raw[at : at + size], digest_size=8).digest(), "big",
                              signed=True))
        for band, at in enumerate(range(0, BANDS * size, size))
    ]  # fmt: skip


def find_near_duplicate(
    db: sqlite_utils.Database, signature: np.ndarray, *, now: float | None = None
) -> int | None:
    """The id of the first copy of a stored near-duplicate of ``signature``, if any.

    The first copy is the article a chain of ``duplicate_of`` links ends at, so every copy
    points at one original.
    """
    bands = _bands(signature)
    cutoff = datetime.fromtimestamp((now or time.time()) - WINDOW, UTC).isoformat("T", "seconds")
    pairs = " OR ".join("(b.band = ? AND b.hash = ?)" for _ in bands)
    rows = db.execute(
        "SELECT DISTINCT m.article_id, m.signature, coalesce(a.duplicate_of, a.id) "
        "FROM minhash_bands b JOIN article_minhash m ON m.article_id = b.article_id "
        f"JOIN articles a ON a.id = b.article_id WHERE ({pairs}) AND a.fetched >= ?",
        [v for pair in bands for v in pair] + [cutoff],
    ).fetchall()
    best: tuple[float, int] | None = None
    for _, blob, original in rows:
        score = similarity(signature, np.frombuffer(blob, dtype=np.uint32))
        if score >= THRESHOLD and (best is None or (score, -original) > (best[0], -best[1])):
            best = (score, original)
    return best[1] if best else None


def record_signature(db: sqlite_utils.Database, article_id: int, signature: np.ndarray) -> None:
    """Index an article's signature (inside the caller's transaction)."""
    db.execute(
        "INSERT OR REPLACE INTO article_minhash (article_id, signature) VALUES (?, ?)",
        [article_id, signature.astype(np.uint32).tobytes()],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO minhash_bands (band, hash, article_id) VALUES (?, ?, ?)",
        [(band, value, article_id) for band, value in _bands(signature)],
    )
