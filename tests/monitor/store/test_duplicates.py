"""Near-duplicate signatures: the fast path gives datasketch's own MinHash values."""

from __future__ import annotations

import zlib

import numpy as np
from datasketch import MinHash

from monitor.store.duplicates import _SEED, NUM_PERM, text_signature

TEXT = (
    "Vladimir Putin met Xi Jinping in Beijing on Tuesday, the Kremlin said. The talks "
    "covered energy, trade and new sanctions; Putin said the sanction regime would fail "
    "and Xi called for calm. Über 40 Minister:innen reisten mit, 北京 hosted them. "
) * 3


def test_signature_is_datasketchs_minhash_of_the_shingles() -> None:
    """Stored signatures keep comparing with new ones: the vectorised signature equals
    datasketch's MinHash (affine32, CRC-32) over the text's word 3-shingles."""
    words = TEXT.lower().replace(",", " ").replace(".", " ").replace(";", " ")
    words = words.replace(":", " ").split()
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32, scheme="affine32")
    shingles = zip(words, words[1:], words[2:], strict=False)
    mh.update_batch({" ".join(t).encode() for t in shingles})
    signature = text_signature(TEXT)
    assert signature is not None and signature.dtype == np.uint32
    assert np.array_equal(signature, np.asarray(mh.hashvalues, dtype=np.uint32))


def test_short_text_has_no_signature() -> None:
    assert text_signature("Putin met Xi. " * 5) is None
