"""Near-duplicate signatures: the fast path gives datasketch's own MinHash values."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest
from datasketch import MinHash

from monitor.store.duplicates import _SEED, NUM_PERM, THRESHOLD, similarity, text_signature

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


def _datasketch_signature(text: str) -> np.ndarray:
    """What the signature must be: datasketch's MinHash of the ``\\w+`` word 3-shingles."""
    words = re.findall(r"\w+", text.lower())
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32, scheme="affine32")
    shingles = zip(words, words[1:], words[2:], strict=False)
    mh.update_batch({" ".join(t).encode("utf-8", "surrogatepass") for t in shingles})
    return np.asarray(mh.hashvalues, dtype=np.uint32)


_RUSSIAN = "Владимир Путин встретился с Си Цзиньпином в Пекине, сообщил Кремль. " * 6
_CHINESE = (
    "普京周二在北京会见了习近平克里姆林宫表示双方讨论了能源贸易和新的制裁问题并同意扩大合作，习近平呼吁保持冷静。"
    * 20
)
_LONG_WORD = "Putin met Xi in Beijing " + "x" * 300 + " the Kremlin said on Tuesday. " * 8


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_RUSSIAN, id="cyrillic"),
        pytest.param(_CHINESE, id="chinese-shingles-longer-than-255-bytes"),
        pytest.param(_LONG_WORD, id="a-300-letter-word"),
        pytest.param("«Putin_2024» — met Xi at 10:30, in Beijing. " * 8, id="underscores-digits"),
        pytest.param(
            "Ünïcödé straße İstanbul KELVIN \u212a " * 10, id="lowercasing-changes-length"
        ),
        pytest.param("emoji 😀 and 𠀀𠀁 (astral letters) here " * 8, id="beyond-the-bmp"),
        pytest.param("lone \ud800 surrogate between words here " * 8, id="lone-surrogate"),
        pytest.param(" ".join(f"w{i % 97} x{i % 89}" for i in range(1500)), id="3000-words"),
    ],
)
def test_signature_matches_datasketch_in_every_script(text: str) -> None:
    """Articles in Russian, Chinese or with odd characters get the same signature as
    datasketch would give them, so their copies are found like English ones."""
    signature = text_signature(text)
    assert signature is not None
    assert np.array_equal(signature, _datasketch_signature(text))


def test_copy_under_another_url_is_found_and_a_different_story_is_not() -> None:
    copy = TEXT.replace("Tuesday", "Wednesday")
    other = _RUSSIAN
    signature, copy_signature = text_signature(TEXT), text_signature(copy)
    other_signature = text_signature(other)
    assert signature is not None and copy_signature is not None and other_signature is not None
    assert similarity(signature, copy_signature) >= THRESHOLD
    assert similarity(signature, other_signature) < THRESHOLD
