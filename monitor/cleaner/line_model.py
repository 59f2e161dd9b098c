"""Line model: a small learned second opinion on the rules' keep/drop decision per line.

Runs after the rule stages (``structure.py`` by element, ``boilerplate.py`` by phrase,
shape and position) and before per-site learning (``site_lines.py``), on HTML input only
(plain text has no element names). A logistic regression over per-line features -- the
element, position, length and shape of the line, the rules' own verdicts, the page's
title and description, and the same for the neighbouring lines -- gives the probability
that a line is article text. The rules' decision stands unless the model is confident:

- a line the rules keep is dropped only when the probability is below ``drop_below``;
- a line the rules drop is kept again only when it is above ``rescue_above``, and never
  when it is furniture wherever it sits (``boilerplate.is_furniture``: reply forms,
  language switchers, share prompts, the issue's phrase lists).

Weights live in ``line_model.json``, written by ``bench/train_line_model.py`` from the
dev split of the Zyte article benchmark only; retraining is deterministic. The shipped
thresholds (``drop_below`` 0, ``rescue_above`` 1) switch it off: cross-validated by site
it did not beat the rules (see the trainer), and off the pages it learnt from its rescues
were mostly buttons, contact lines and names.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from monitor.cleaner.boilerplate import (
    has_edge_phrase,
    is_dateline,
    is_echo,
    is_furniture,
    is_sentence,
    normalise,
)
from monitor.cleaner.extract import Extraction
from monitor.cleaner.structure import HEADINGS

__all__ = ["FEATURES", "Logistic", "LineModel", "line_features", "load_model", "refine"]

WEIGHTS_PATH = Path(__file__).with_name("line_model.json")

_KINDS = ("p", "list", "quote", "table", "h1")
_OWN = (
    "kind_p", "kind_list", "kind_quote", "kind_table", "kind_h1", "kind_heading",
    "kind_other", "position", "from_start", "from_end", "chars", "words", "short",
    "sentence", "end_punct", "capitalised", "digits", "letters", "furniture",
    "edge_phrase", "dateline", "title_echo", "description_echo", "link", "rule_keep",
    "element_drop", "before_body", "after_body", "page_share",
)  # fmt: skip
_NEIGHBOUR = ("rule_keep", "sentence", "kind_p", "furniture", "short")
_PAGE = ("page_lines", "kept_share")
FEATURES: tuple[str, ...] = (
    _OWN
    + tuple(f"prev_{name}" for name in _NEIGHBOUR)
    + tuple(f"next_{name}" for name in _NEIGHBOUR)
    + _PAGE
)
_MAX_SAMPLE_CHARS = 1000
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_DIGITS = string.digits.encode("ascii")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
_SENTENCE_PUNCT = tuple(".!?。！？…\"'”’»)")


@dataclass(frozen=True)
class Logistic:
    """Standardised logistic regression: ``p = sigmoid(bias + w . (x - mean) / scale)``."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, row: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (x - m) / s
            for w, x, m, s in zip(self.weights, row, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> dict[str, object]:
        return {
            "weights": list(self.weights),
            "bias": self.bias,
            "mean": list(self.mean),
            "scale": list(self.scale),
        }

    @classmethod
    def from_json(cls, data: dict) -> Logistic:
        weights = tuple(float(w) for w in data["weights"])
        if not len(weights) == len(data["mean"]) == len(data["scale"]) == len(FEATURES):
            raise ValueError("line model weights do not match its features")
        return cls(
            weights=weights,
            bias=float(data["bias"]),
            mean=tuple(float(m) for m in data["mean"]),
            scale=tuple(float(s) for s in data["scale"]),
        )


@dataclass(frozen=True)
class LineModel:
    """Two regressions: ``keep`` judges lines the rules keep, ``rescue`` lines they drop
    (other than furniture), each trained only on such lines."""

    keep: Logistic
    rescue: Logistic
    drop_below: float
    rescue_above: float

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "drop_below": self.drop_below,
            "rescue_above": self.rescue_above,
            "keep": self.keep.to_json(),
            "rescue": self.rescue.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> LineModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError("line_model.json was trained on other features; retrain it")
        return cls(
            keep=Logistic.from_json(data["keep"]),
            rescue=Logistic.from_json(data["rescue"]),
            drop_below=float(data["drop_below"]),
            rescue_above=float(data["rescue_above"]),
        )


@cache
def load_model(path: Path = WEIGHTS_PATH) -> LineModel:
    """The shipped weights (read once)."""
    return LineModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def _neighbourly(line: str, kind: str) -> dict[str, float]:
    """The features a line's neighbours also read (``_NEIGHBOUR``): cheap ones."""
    return {
        "sentence": is_sentence(line),
        "kind_p": kind == "p",
        "furniture": is_furniture(line),
        "short": len(line.split()) < 4,
    }


def _own(
    line: str, kind: str, echoes: tuple[str | None, str | None], near: dict[str, float]
) -> dict[str, float]:
    """A line's own features; ``near`` is its :func:`_neighbourly` ones."""
    words = line.split()
    sample = line[:_MAX_SAMPLE_CHARS]  # shares read on the start of a very long line
    alpha = [w for w in sample.split() if w[:1].isalpha()]
    chars = max(1, len(sample))
    digits, letters = _digits_and_letters(sample)
    furniture = near["furniture"]
    key = normalise(sample)
    title, description = echoes
    return near | {
        "kind_list": kind == "list",
        "kind_quote": kind == "quote",
        "kind_table": kind == "table",
        "kind_h1": kind == "h1",
        "kind_heading": kind in HEADINGS and kind != "h1",
        "kind_other": kind not in _KINDS and kind not in HEADINGS,
        "chars": math.log1p(len(line)),
        "words": math.log1p(len(words)),
        "end_punct": line.endswith(_SENTENCE_PUNCT),
        "capitalised": sum(w[0].isupper() for w in alpha) / len(alpha) if alpha else 0.0,
        "digits": digits / chars,
        "letters": letters / chars,
        "edge_phrase": not furniture and has_edge_phrase(line),
        "dateline": is_dateline(key),
        "title_echo": bool(title) and is_echo(sample, [title or ""]),
        "description_echo": bool(description) and is_echo(sample, [description or ""]),
        "link": "http" in sample or "www." in sample or "@" in sample,
    }


def _digits_and_letters(sample: str) -> tuple[int, int]:
    """How many characters of ``sample`` are digits (``\\d``) and letters (``[^\\W\\d_]``).

    ASCII text (most lines) is counted in C by ``bytes.translate``, where both classes
    are exactly 0-9 and A-Za-z; other text by the regular expressions.
    """
    if sample.isascii():
        data = sample.encode("ascii")
        return (
            len(data) - len(data.translate(None, _ASCII_DIGITS)),
            len(data) - len(data.translate(None, _ASCII_LETTERS)),
        )
    return len(_DIGIT.findall(sample)), len(_LETTER.findall(sample))


def line_features(
    found: Extraction,
    dropped: set[int],
    rule_keep: Sequence[bool],
    only: Sequence[int] | None = None,
) -> list[list[float]]:
    """One row of :data:`FEATURES` per line of ``found``, given the rule stages' verdict
    (``pipeline.rule_mask``: indices the element rules drop, a keep flag per line); with
    ``only``, the rows of those lines alone, in that order (the same rows)."""
    lines, kinds = found.lines, found.kinds
    title, description = found.title, found.description
    n = len(lines)
    echoes = (normalise(title) if title else None, normalise(description) if description else None)
    near = [_neighbourly(line, kind) for line, kind in zip(lines, kinds, strict=True)]
    body = [i for i in range(n) if rule_keep[i] and near[i]["sentence"]]
    first, last = (body[0], body[-1]) if body else (n, -1)
    total = sum(len(line) for line in lines) or 1
    page = {"page_lines": math.log1p(n), "kept_share": sum(rule_keep) / n if n else 0.0}
    rows = []
    for i in range(n) if only is None else only:
        f = _own(lines[i], kinds[i], echoes, near[i])
        f["position"] = i / (n - 1) if n > 1 else 0.0
        f["from_start"] = math.log1p(i)
        f["from_end"] = math.log1p(n - 1 - i)
        f["rule_keep"] = rule_keep[i]
        f["element_drop"] = i in dropped
        f["before_body"] = i < first
        f["after_body"] = i > last
        f["page_share"] = len(lines[i]) / total
        for side, j in (("prev", i - 1), ("next", i + 1)):
            inside = 0 <= j < n
            for name in _NEIGHBOUR:
                value = rule_keep[j] if name == "rule_keep" and inside else 0.0
                if name != "rule_keep" and inside:
                    value = near[j][name]
                f[f"{side}_{name}"] = value
        f.update(page)
        rows.append([float(f[name]) for name in FEATURES])
    return rows


def refine(
    found: Extraction,
    dropped: set[int],
    rule_keep: Sequence[bool],
    *,
    model: LineModel | None = None,
) -> list[bool]:
    """The final keep flag per line of ``found``: the rules' ``rule_keep`` unless the
    model is sure. Without one element name per line the rules' flags stand.
    """
    if len(found.kinds) != len(found.lines) or not found.lines:
        return list(rule_keep)
    model = model or load_model()
    if model.drop_below <= 0 and model.rescue_above >= 1:
        return list(rule_keep)  # it could change nothing: no row is built
    # Kept lines are asked only with a threshold above 0, furniture never: only the other
    # lines' rows are built (a row costs more than the rules that judged the line).
    asked = [
        i
        for i, (line, kept) in enumerate(zip(found.lines, rule_keep, strict=True))
        if (model.drop_below > 0 if kept else not is_furniture(line))
    ]
    keep = [kept and model.drop_below <= 0 for kept in rule_keep]
    for i, row in zip(asked, line_features(found, dropped, rule_keep, asked), strict=True):
        if rule_keep[i]:
            keep[i] = model.keep.probability(row) >= model.drop_below
        else:
            keep[i] = model.rescue.probability(row) > model.rescue_above
    return keep
