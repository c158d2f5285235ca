"""The shape of an answer, read from its normalised text: plain string work, no sympy.

The gold's shape decides how a completion's parts are read:

- **several boxes are one answer**: for a gold that is a list (``-3, 2``), a set (``\\{1, 2\\}``) or a list of
  equations (``k = 45, n = 2``), boxes holding one item each are joined into the gold's form and the whole is
  compared (a set of boxes must *equal* the gold's set); for a pair gold (``(3, 5)``) two single boxes make
  the pair. Otherwise every box must equal the gold on its own, so hedging (``\\boxed{1} \\boxed{2}`` for
  gold ``2``) never pays.
- **sequences with an ellipsis** (``1, 2, \\ldots, n``) compare their explicit terms, in order, with the
  ellipses in the same places; never "close enough".
- **choice letters** (``B``, ``(B)``, ``\\text{(B)}``) and **text answers** (``\\text{east}``) are decided here:
  a letter against a letter, words against words ignoring case and ``\\text``/``\\textbf``/``\\mathrm``.

>>> form_of("-3, 2"), form_of(r"\\{1, 2\\}").kind, form_of("(3, 5)").kind, form_of("7").kind
(Form(kind='list', items=('-3', '2')), 'set', 'tuple', 'single')
>>> combine(["2", "-3"], form_of("-3, 2")), combine(["1", "2"], form_of("2"))
(['2, -3'], ['1', '2'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN, _CLOSE = "([{", ")]}"
#: Written ellipses; ``\\ldots`` and friends are the usual ones in MATH.
ELLIPSES = frozenset({"\\ldots", "\\dots", "\\cdots", "\\dotsc", "\\dotsb", "...", "\u2026", "\\ddots"})


@dataclass(frozen=True)
class Form:
    """``kind`` is ``single``, ``list`` (top-level commas), ``set`` (``\\{...\\}``) or ``tuple`` (``(a, b)``);
    ``items`` are the top-level items (a tuple's or set's inner items)."""

    kind: str
    items: tuple[str, ...]


def split_top(text: str) -> list[str]:
    """Split on commas outside brackets and braces (``\\{`` counts as a brace; intervals like ``[0, 1)``
    count as one bracket pair).

    >>> split_top("(1,2),(2,1), [0, 1)"), split_top(r"\\{1,2\\}, 3")
    (['(1,2)', '(2,1)', '[0, 1)'], ['\\\\{1,2\\\\}', '3'])
    """
    items, depth, start = [], 0, 0
    for j, c in enumerate(text):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c == "," and depth == 0 and not text[max(0, j - 1) : j] == "{":
            if text[j + 1 : j + 2] == "}":  # `{,}` is a thousands separator, not a comma
                continue
            items.append(text[start:j].strip())
            start = j + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


def _wrapped(text: str, left: str, right: str) -> str | None:
    """The inside of ``text`` when ``left``/``right`` wrap all of it (matched), else ``None``."""
    if not (text.startswith(left) and text.endswith(right)) or len(text) < len(left) + len(right):
        return None
    inner = text[len(left) : len(text) - len(right)]
    depth = 0
    for c in inner:
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth < 0:
                return None  # `(1,2),(3,4)`: the first `(` does not wrap the whole
    return inner if depth == 0 else None


def form_of(text: str) -> Form:
    """The shape of a normalised answer (see :class:`Form`)."""
    inner = _wrapped(text, "\\{", "\\}")
    if inner is not None:
        return Form("set", tuple(split_top(inner)))
    items = split_top(text)
    if len(items) > 1:
        return Form("list", tuple(items))
    inner = _wrapped(text, "(", ")")
    if inner is not None:
        inside = split_top(inner)
        if len(inside) > 1:
            return Form("tuple", tuple(inside))
    return Form("single", (text,))


def combine(parts: list[str], gold: Form) -> list[str]:
    """Read several boxed parts as the gold's form asks; the result's parts must *all* equal the gold.

    >>> combine(["(1, 2)", "(2, 1)"], form_of("(1,2),(2,1)")), combine(["3", "5"], form_of("(3, 5)"))
    (['(1, 2), (2, 1)'], ['(3, 5)'])
    >>> combine(["1", "2", "3"], form_of(r"\\{1, 2\\}")), combine(["-3, 2", "2, -3"], form_of("-3, 2"))
    (['\\\\{1, 2, 3\\\\}'], ['-3, 2', '2, -3'])
    """
    if len(parts) < 2:
        return list(parts)
    singles = all(len(split_top(p)) == 1 and form_of(p).kind != "set" for p in parts)
    if gold.kind in ("list", "set") and singles:
        joined = ", ".join(parts)
        return ["\\{" + joined + "\\}" if gold.kind == "set" else joined]
    if gold.kind == "tuple" and singles and len(parts) == len(gold.items):
        return ["(" + ", ".join(parts) + ")"]
    return list(parts)


def sequence(text: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """``(explicit terms, ellipsis positions)`` when ``text`` is a list with an ellipsis, else ``None``.

    >>> sequence(r"1, 3, 5, \\ldots, 2n-1"), sequence("1, 2, 3")
    ((('1', '3', '5', '2n-1'), (3,)), None)
    """
    inner = _wrapped(text, "\\{", "\\}")
    items = split_top(inner if inner is not None else text)
    if len(items) < 2 or not any(item in ELLIPSES for item in items):
        return None
    terms = tuple(item for item in items if item not in ELLIPSES)
    dots = tuple(k for k, item in enumerate(items) if item in ELLIPSES)
    return terms, dots


def compare_sequences(gold: str, answer: str) -> str | None:
    """When either side is a sequence with an ellipsis: ``"different"`` if their shapes differ (terms
    count, ellipsis places), else the answer and gold rewritten as tuples of their explicit terms
    (``"gold_tuple\\x00answer_tuple"``) for an ordered, exact comparison; ``None`` when neither is one.

    >>> compare_sequences(r"1, 2, \\ldots, n", r"1, 3, 5, \\ldots, 2n-1")
    'different'
    >>> compare_sequences(r"1, 2, \\ldots, n", r"1,2,\\dots,n").split("\\x00")
    ['(1, 2, n)', '(1, 2, n)']
    """
    g, a = sequence(gold), sequence(answer)
    if g is None and a is None:
        return None
    if g is None or a is None or len(g[0]) != len(a[0]) or g[1] != a[1]:
        return "different"
    return "(" + ", ".join(g[0]) + ")\x00(" + ", ".join(a[0]) + ")"


_TEXT_WRAP_RE = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
# `(B)`, `(B) 12`, `B)`, `B.`, `B: 12`, or the letter alone; `I am` is not a letter.
_CHOICE_RE = re.compile(r"^(?:\(\s*([A-J])\s*\)|([A-J])[).:])(?:\s.*)?$|^([A-J])$", re.S)
_WORDS_RE = re.compile(r"^[A-Za-z][A-Za-z' \-]*[A-Za-z.]?$")


def _untext(text: str) -> str:
    for _ in range(3):
        text = _TEXT_WRAP_RE.sub(r"\1", text)
    return text.replace("*", "").strip().rstrip(".").strip()


def choice_letter(text: str) -> str | None:
    """The choice letter an answer or gold names: ``B``, ``(B)``, ``B)``, ``\\text{(B)}``, ``(B) 12``.

    >>> [choice_letter(t) for t in ("B", "(B)", "B) 12", r"\\textbf{(C)}", "b", "(2, 3)", "Bob", "I am")]
    ['B', 'B', 'B', 'C', None, None, None, None]
    """
    m = _CHOICE_RE.match(_untext(text))
    return next((g for g in m.groups() if g), None) if m else None


def is_choice_gold(text: str) -> bool:
    """A gold that is only a choice letter (``B``, ``(B)``, ``\\text{(B)}``), nothing after it.

    >>> is_choice_gold(r"\\text{(B)}"), is_choice_gold("(B) 12"), is_choice_gold("e")
    (True, False, False)
    """
    return re.fullmatch(r"\(?\s*[A-J]\s*\)?", _untext(text)) is not None


def words(text: str) -> str | None:
    """The words of a text answer, lower-cased, spacing collapsed; ``None`` unless ``text`` is words.

    A single letter is not a word (``e``, ``x``, ``i`` are values); a word of two letters counts only
    inside ``\\text{}`` or with a second word.

    >>> words(r"\\textbf{East}"), words(r"\\text{no real solutions}"), words("x"), words("3 cm")
    ('east', 'no real solutions', None, None)
    """
    plain = _untext(text)
    if not _WORDS_RE.match(plain):
        return None
    tokens = plain.lower().split()
    texty = plain != text.strip()
    if not (
        any(len(t) >= 3 for t in tokens) or (texty and any(len(t) >= 2 for t in tokens)) or len(tokens) > 1
    ):
        return None
    return " ".join(tokens)
