"""Rule queries: parse ``query`` strings, evaluate them against an article's matches.

Used by ``monitor/config.py`` (validation: :func:`parse_query`, ``term_names()``) and by
:class:`~monitor.matcher.Matcher` (evaluation after the terms are matched). It imports
nothing of newshound, so it sits below ``monitor.config`` in the layers (pyproject.toml).

Grammar, loosest binding first (so ``NOT`` > ``AND`` > ``OR``)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*       -- two operands side by side mean AND
    not_expr := "NOT" not_expr | atom
    atom     := TERM | "`" TERM "`" | '"' PHRASE '"' | "(" or_expr ")"

- A bare word is a term name: ``Putin``, ``O'Brien``. A term whose name has spaces,
  parentheses or quotes, or is one of the operator words, is written in backticks:
  ``\\`European Union\\```.
- A double-quoted string is an ad-hoc phrase, found with the same word and case rules as an
  alias, in any field. ``"Xi"`` is that phrase even if a term is named Xi (then it does not
  use the term's aliases or options).
- Operators are written in capitals. ``and``, ``or`` and ``not`` in other cases are refused
  with a hint rather than read as terms.

Errors are :class:`QuerySyntaxError`; the message gives the 1-based position, e.g.
``unclosed "(" at position 11: expected ")" before the end of the query``.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass

__all__ = ["QuerySyntaxError", "Query", "parse_query", "TermRef", "Phrase", "Not", "And", "Or"]

_OPERATORS = ("AND", "OR", "NOT")
_STOP = set(' \t\r\n()"`')
# Tokens that continue an AND: the operator itself, or an operand side by side.
_STARTS_AND_OPERAND = ("AND", "NOT", "term", "phrase", "(")
_OPERAND = 'a term, a "phrase", NOT or ('


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed. ``offset`` is 0-based; the message says 1-based."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class TermRef:
    name: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = TermRef | Phrase | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query: ``source`` as written, ``root`` the expression tree."""

    source: str
    root: Node

    def term_names(self) -> tuple[str, ...]:
        """The term names referenced (not the quoted phrases), each once, in order."""
        return tuple(dict.fromkeys(n.name for n in _walk(self.root) if isinstance(n, TermRef)))

    def phrases(self) -> tuple[str, ...]:
        """The quoted phrases, each once, in order."""
        return tuple(dict.fromkeys(n.text for n in _walk(self.root) if isinstance(n, Phrase)))

    def evaluate(self, terms: Container[str], phrases: Container[str]) -> bool:
        """True if the query holds for an article whose matched term names are ``terms`` and
        whose found phrases are ``phrases``."""
        return _evaluate(self.root, terms, phrases)


def parse_query(query: str) -> Query:
    """Parse ``query``; raise :class:`QuerySyntaxError` naming the position on bad syntax."""
    parser = _Parser(query)
    root = parser.or_expr()
    token = parser.peek()
    if token is not None:
        kind, _, offset = token
        if kind == ")":
            raise _error(f'unexpected ")" at position {offset + 1}: no "(" to close', offset)
        raise _error(
            f"unexpected {_describe(token)} at position {offset + 1}: "
            "expected AND, OR or the end of the query",
            offset,
        )
    return Query(query, root)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Not):
        yield from _walk(node.operand)
    elif isinstance(node, And | Or):
        for child in node.operands:
            yield from _walk(child)


def _evaluate(node: Node, terms: Container[str], phrases: Container[str]) -> bool:
    if isinstance(node, TermRef):
        return node.name in terms
    if isinstance(node, Phrase):
        return node.text in phrases
    if isinstance(node, Not):
        return not _evaluate(node.operand, terms, phrases)
    if isinstance(node, And):
        return all(_evaluate(child, terms, phrases) for child in node.operands)
    return any(_evaluate(child, terms, phrases) for child in node.operands)


# A token is (kind, value, offset); kind is "term", "phrase", "(", ")", "AND", "OR", "NOT".
_Token = tuple[str, str, int]


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append((c, c, i))
            i += 1
        elif c in '"`':
            close = query.find(c, i + 1)
            what = "phrase" if c == '"' else "term name"
            if close < 0:
                raise _error(
                    f"unclosed {c} at position {i + 1}: expected a closing {c} to end the {what}",
                    i,
                )
            value = " ".join(query[i + 1 : close].split())
            if not value:
                raise _error(f"empty {what} {c}{c} at position {i + 1}", i)
            tokens.append(("phrase" if c == '"' else "term", value, i))
            i = close + 1
        else:
            start = i
            while i < n and query[i] not in _STOP:
                i += 1
            word = query[start:i]
            if word in _OPERATORS:
                tokens.append((word, word, start))
            elif word.upper() in _OPERATORS:
                raise _error(
                    f'"{word}" at position {start + 1}: operators are written in capitals '
                    f"({word.upper()}); write a term named {word!r} in backticks: `{word}`",
                    start,
                )
            else:
                tokens.append(("term", word, start))
    return tokens


class _Parser:
    """Recursive descent over the tokens of one query (see the module docstring)."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while (token := self.peek()) is not None and token[0] == "OR":
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while (token := self.peek()) is not None and token[0] in _STARTS_AND_OPERAND:
            if token[0] == "AND":
                self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Node:
        token = self.peek()
        if token is not None and token[0] == "NOT":
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            if not self.tokens:
                raise _error(f"empty query: expected {_OPERAND} at position 1", 0)
            after = _describe(self.tokens[-1])
            raise _error(
                f"query ends at position {len(self.query) + 1}: expected {_OPERAND} after {after}",
                len(self.query),
            )
        kind, value, offset = token
        if kind == "term":
            self.take()
            return TermRef(value)
        if kind == "phrase":
            self.take()
            return Phrase(value)
        if kind == "(":
            self.take()
            inner = self.or_expr()
            close = self.peek()
            if close is None:
                raise _error(
                    f'unclosed "(" at position {offset + 1}: '
                    'expected ")" before the end of the query',
                    offset,
                )
            if close[0] != ")":
                raise _error(
                    f"unexpected {_describe(close)} at position {close[2] + 1}: "
                    f'expected AND, OR or ")" to close the "(" at position {offset + 1}',
                    close[2],
                )
            self.take()
            return inner
        raise _error(
            f"unexpected {_describe(token)} at position {offset + 1}: expected {_OPERAND}", offset
        )


def _describe(token: _Token) -> str:
    kind, value, _ = token
    if kind == "term":
        return f"term {value!r}"
    if kind == "phrase":
        return f'phrase "{value}"'
    if kind in "()":
        return f'"{kind}"'
    return kind


def _error(message: str, offset: int) -> QuerySyntaxError:
    return QuerySyntaxError(message, offset)
