"""Near-duplicates: the same story under another URL, found by MinHash over cleaned text.

Wire copy syndicated by several outlets, or a story re-published under a new URL, has a
different URL key but nearly the same words. Each stored article with enough text gets a
MinHash signature (datasketch's affine32 scheme, 128 permutations over word 3-shingles)
and 32 LSH bands of 4 rows (``minhash_bands``), so finding candidates is one indexed
lookup; a candidate is a duplicate when the signatures agree on at least ``THRESHOLD`` of
their slots (the estimated Jaccard similarity of the shingle sets). Only articles stored
within ``WINDOW`` are compared: a templated daily report a month later is news again.

Each shingle is hashed with CRC-32 of its UTF-8 (``zlib.crc32``'s values, computed here in
numpy from each word's bytes; datasketch mixes it with murmur3's finalizer before its
permutations), not datasketch's default SHA-1, which cost more than the rest of the
signature together. Signatures made with
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
_CHUNK = 1024  # words per slice: a 0.5 MB array of (128 x shingles); faster than 2048
_MAX_SHINGLE = 255  # longest shingle (bytes) hashed in numpy; longer ones by zlib


def text_signature(text: str) -> np.ndarray | None:
    """The MinHash of ``text``'s word 3-shingles (uint32[128]); None for short texts.

    The same values as datasketch's ``MinHash(num_perm=NUM_PERM, seed=_SEED,
    scheme="affine32", hashfunc=zlib.crc32)`` fed the shingles (a test checks it): the
    words are ``\\w+`` runs of the lowercased text, a shingle is three of them joined by
    spaces in UTF-8. No shingle is ever made: each shingle's CRC-32 is put together from
    its words' (``_shingle_hashes``), and the minimum is taken over (128 x shingles)
    arrays, a slice of ``_CHUNK`` words at a time. No MinHash object, no Python object
    per word or shingle (a repeat cannot change a minimum, so no set either): about
    0.2 ms for 600 words, 1.6-1.9x faster than hashing each shingle with zlib
    (``bench/store.py`` measures both).
    """
    raw, starts, ends = _words(text)
    if len(starts) < MIN_WORDS:
        return None
    a, b = _permutations()
    signature = np.full(NUM_PERM, np.iinfo(np.uint32).max, np.uint32)
    for at in range(0, len(starts) - 2, _CHUNK):
        words = slice(at, at + _CHUNK + 2)  # the slice's last shingles need 2 more words
        hashes = _fmix32(_shingle_hashes(raw, starts[words], ends[words]))
        values = np.multiply.outer(a, hashes)  # uint32: wraps, as datasketch's does
        values += b[:, None]
        np.minimum(signature, values.min(axis=1), out=signature)
    return signature


def _words(text: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """``text`` lowercased in UTF-8, and the [start, end) of each of its ``\\w+`` words.

    Classified without the regex engine or a Python object per word: ASCII a byte at a
    time (``bytes.translate``); other text a character at a time (``_word_characters``),
    each character's class then given to its UTF-8 bytes. Lone surrogates, never part
    of a word, are carried through as bytes ("surrogatepass")."""
    lowered = text.lower()
    raw = lowered.encode("utf-8", "surrogatepass")
    if lowered.isascii():
        kinds = np.frombuffer(b"\0" + raw.translate(_ASCII_WORD_BYTES) + b"\0", np.bool_)
    else:
        chars = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), "<u4")
        word_chars = np.take(_word_characters(), chars, mode="clip")
        for at in np.flatnonzero(chars > 0xFFFF).tolist():  # beyond the BMP: rare
            word_chars[at] = _WORD.fullmatch(lowered[at]) is not None
        # Each character's class for each of its UTF-8 bytes (1 to 4 of them).
        octets = 1 + (chars > 0x7F) + (chars > 0x7FF) + (chars > 0xFFFF)
        edge = ([False], [1])  # (class, bytes) of the "not a word" before and after
        classes = np.concatenate((edge[0], word_chars, edge[0]))
        kinds = np.repeat(classes, np.concatenate((edge[1], octets, edge[1])))
    # Not a word before and after: a change of class is a word's start or end, alternately.
    edges = np.flatnonzero(kinds[1:] != kinds[:-1])
    return raw, edges[0::2], edges[1::2]


_ASCII_WORD_BYTES = bytes(int(_WORD.fullmatch(chr(c)) is not None) for c in range(256))


@cache
def _word_characters() -> np.ndarray:
    """Whether each character of the Basic Multilingual Plane is ``\\w`` to ``re``
    (bool[65536]); asked of ``re`` itself, once per process, in about 10 ms, 4,096
    characters at a time (the whole plane at once left 2 MB of freed strings behind)."""
    table = np.empty(0x10000, np.bool_)
    for start in range(0, 0x10000, 0x1000):
        chars = "".join(map(chr, range(start, start + 0x1000)))
        marked = re.sub(r"\W", "\0", chars).encode("utf-32-le", "surrogatepass")
        table[start : start + 0x1000] = np.frombuffer(marked, "<u4") != 0
    return table


def _shingle_hashes(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of each shingle of the words ``raw[starts[k]:ends[k]]`` joined by
    single spaces, computed in numpy from the words' bytes.

    CRC-32 is linear: the register after a message is the XOR of each byte's own
    contribution, which depends only on the byte and how many bytes follow it
    (``_crc_tables``), plus a constant for the message's length. So a word's
    contribution is computed once (a gather and an XOR-reduce over its bytes) and moved
    to its place in each of its three shingles by the bytes that follow it there. A
    shingle longer than the tables (``_MAX_SHINGLE`` bytes) is hashed by zlib itself.
    """
    by_gap, shift, length_crc = _crc_tables()
    first, last = int(starts[0]), int(ends[-1])
    data = np.frombuffer(raw, np.uint8, count=last - first, offset=first)
    # Bytes from each byte to the end of its word (<= 0 between words: no contribution).
    gap = np.repeat(ends - first, np.diff(starts, append=last)) - np.arange(last - first)
    np.clip(gap, 0, _MAX_SHINGLE, out=gap)
    word = np.bitwise_xor.reduceat(by_gap.ravel()[gap * 256 + data], starts - first)
    size = ends - starts
    after_second = size[2:] + 1  # the space and the third word follow the second
    after_first = np.minimum(after_second + size[1:-1] + 1, _MAX_SHINGLE)
    total = after_first + size[:-2]
    after_second = np.minimum(after_second, _MAX_SHINGLE)
    shift = shift.ravel()
    hashes = _shifted(shift, word[:-2], after_first) ^ by_gap[after_first, 0x20]
    hashes ^= _shifted(shift, word[1:-1], after_second) ^ by_gap[after_second, 0x20]
    hashes ^= word[2:] ^ length_crc[np.minimum(total, _MAX_SHINGLE)]
    for k in np.flatnonzero(total >= _MAX_SHINGLE).tolist():
        parts = (raw[starts[k + i] : ends[k + i]] for i in range(3))
        hashes[k] = zlib.crc32(b" ".join(parts))
    return hashes


def _shifted(shift: np.ndarray, register: np.ndarray, count: np.ndarray) -> np.ndarray:
    """CRC-32 registers after ``count`` more zero bytes: a table per register byte."""
    at = count * 1024  # shift is (_MAX_SHINGLE + 1, 4, 256), read flat
    octets = register.astype("<u4", copy=False).view(np.uint8)  # little end first
    return (
        shift[at + octets[0::4]]
        ^ shift[(at + 256) + octets[1::4]]
        ^ shift[(at + 512) + octets[2::4]]
        ^ shift[(at + 768) + octets[3::4]]
    )


@cache
def _crc_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CRC-32 (zlib's) contributions, for gaps of 0 to ``_MAX_SHINGLE`` bytes:

    - ``by_gap[g, c]``: of a byte ``c`` followed by ``g - 1`` bytes (0 for g = 0);
    - ``shift[g, i, c]``: of a register holding ``c << 8 * i`` after ``g`` zero bytes;
    - ``length_crc[g]``: ``zlib.crc32`` of ``g`` zero bytes, what the initial and
      final inversions add to a message of ``g`` bytes.

    About 1.3 MB, drawn once per process."""
    full = 0xFFFFFFFF
    one_byte = np.array([~zlib.crc32(bytes([c]), full) & full for c in range(256)], np.uint32)
    shift = np.empty((_MAX_SHINGLE + 1, 4, 256), np.uint32)
    shift[0] = np.arange(256, dtype=np.uint32) << np.array([[0], [8], [16], [24]], np.uint32)
    for gap in range(_MAX_SHINGLE):
        shift[gap + 1] = (shift[gap] >> 8) ^ one_byte[shift[gap] & 0xFF]
    by_gap = shift[:, 0, :].copy()
    by_gap[0] = 0
    length_crc = np.array([zlib.crc32(bytes(g)) for g in range(_MAX_SHINGLE + 1)], np.uint32)
    return by_gap, shift, length_crc


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
