"""Exact comparison of the simplest answers without sympy: the fast path of the caller.

Most answers in a GRPO batch are integers, decimals, fractions, ``k\\sqrt{m}``, ``k\\pi`` or pairs
and intervals of those. Each such value is read into an exact canonical form (a rational
coefficient, a square-free radicand and a power of pi), so equality is decided with integer
arithmetic, in microseconds. Anything outside that small grammar returns ``None`` and goes to the
worker pool.

The comparison rule is the workers' (:mod:`verifiers_math.compare`): exact values compare exactly; where
a side is written as a decimal, relatively, within ``tolerance``, and a decimal answer must also be
within one unit of its own last digit. A decimal against a root or a multiple of pi is left to the
workers.

>>> simple_verdict(r"7\\sqrt{3}", r"\\sqrt{147}"), simple_verdict(r"\\frac{5}{8}", "0.625")
(1.0, 1.0)
>>> simple_verdict("[2, 5)", "(2, 5)"), simple_verdict(r"\\frac{1}{3}", "0.333333"), simple_verdict(r"\\frac{1}{3}", "0.33")
(0.0, 1.0, 0.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

_INT = r"[-+]?\d{1,30}"
_NUM_RE = re.compile(r"^([-+]?)(\d{1,30})(?:\.(\d{1,30}))?$")
_FRAC_RE = re.compile(rf"^([-+]?)\\frac\{{({_INT})\}}\{{({_INT})\}}$")
_SLASH_RE = re.compile(rf"^({_INT})/({_INT})$")
_SQRT_RE = re.compile(r"^([-+]?)(\d{1,12})?\\sqrt(?:\{(\d{1,12})\}|(\d)(?![\d]))$")
_PI_RE = re.compile(r"^([-+]?)(\d{1,12})?\\pi$")
_PI_TIMES_RE = re.compile(r"^([-+]?)\\pi\\cdot(\d{1,12})$|^([-+]?)(\d{1,12})\\cdot\\pi$")
_PI_FRAC_RE = re.compile(
    r"^([-+]?)\\frac\{(\d{1,12})?\\pi\}\{(\d{1,12})\}$|^([-+]?)\\frac\{(\d{1,12})\}\{(\d{1,12})\}\\pi$"
)
_PAIR_RE = re.compile(r"^([\[(])([^,\[\]()]{1,40}),([^,\[\]()]{1,40})([\])])$")
_MAX_RADICAND = 10**12


@dataclass(frozen=True)
class Number:
    """``coef * sqrt(root) * pi**pi``, exact; ``places``: digits after a written decimal point (None if
    none was written)."""

    coef: Fraction
    root: int = 1
    pi: int = 0
    places: int | None = None

    @property
    def decimal(self) -> bool:
        return self.places is not None

    @property
    def rational(self) -> bool:
        return self.root == 1 and self.pi == 0 or self.coef == 0


@dataclass(frozen=True)
class Pair:
    """``(a, b)``, ``[a, b)``, ...: an ordered pair or an interval with its brackets."""

    left: str
    a: Number
    b: Number
    right: str


def _sign(s: str) -> int:
    return -1 if s == "-" else 1


def _square_free(m: int) -> tuple[int, int]:
    """``m = s*s*r`` with ``r`` square-free: returns ``(s, r)``.

    >>> _square_free(147), _square_free(12), _square_free(7)
    ((7, 3), (2, 3), (1, 7))
    """
    s, r, k = 1, m, 2
    while k * k <= r:
        while r % (k * k) == 0:
            r //= k * k
            s *= k
        k += 1
    return s, r


def read_number(text: str) -> Number | None:
    """Read an integer, decimal, fraction, ``k\\sqrt{m}`` or ``k\\pi`` (spaces removed), else ``None``.

    >>> read_number("-0.50"), read_number(r"2\\sqrt{8}"), read_number(r"\\pi\\cdot3")
    (Number(coef=Fraction(-1, 2), root=1, pi=0, places=2), Number(coef=Fraction(4, 1), root=2, pi=0, places=None), Number(coef=Fraction(3, 1), root=1, pi=1, places=None))
    """
    m = _NUM_RE.match(text)
    if m:
        sign, whole, frac = m.groups()
        value = Fraction(int(whole + (frac or "")), 10 ** len(frac or ""))
        return Number(_sign(sign) * value, places=len(frac) if frac is not None else None)
    m = _FRAC_RE.match(text) or _SLASH_RE.match(text)
    if m:
        groups = m.groups()
        sign, num, den = ("", *groups) if len(groups) == 2 else groups
        if int(den) == 0:
            return None
        return Number(_sign(sign) * Fraction(int(num), int(den)))
    m = _SQRT_RE.match(text)
    if m:
        sign, k, braced, digit = m.groups()
        radicand = int(braced or digit)
        if radicand > _MAX_RADICAND:
            return None
        s, r = _square_free(radicand)
        coef = _sign(sign) * int(k or 1) * s
        return Number(Fraction(coef), r if coef else 1)
    m = _PI_RE.match(text)
    if m:
        return Number(Fraction(_sign(m.group(1)) * int(m.group(2) or 1)), pi=1)
    m = _PI_TIMES_RE.match(text)
    if m:
        sign, k = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
        return Number(Fraction(_sign(sign) * int(k)), pi=1)
    m = _PI_FRAC_RE.match(text)
    if m:
        if m.group(3):
            sign, k, den = m.group(1), m.group(2) or "1", m.group(3)
        else:
            sign, k, den = m.group(4), m.group(5), m.group(6)
        if int(den) == 0:
            return None
        return Number(_sign(sign) * Fraction(int(k), int(den)), pi=1)
    return None


def read_simple(text: str) -> Number | Pair | None:
    """A simple number or a pair/interval of simple, non-decimal numbers, else ``None``.

    >>> read_simple("[-3, 4)"), read_simple("(x, 1)")
    (Pair(left='[', a=Number(coef=Fraction(-3, 1), root=1, pi=0, places=None), b=Number(coef=Fraction(4, 1), root=1, pi=0, places=None), right=')'), None)
    """
    compact = "".join(text.split())
    if len(compact) > 100:
        return None
    m = _PAIR_RE.match(compact)
    if m:
        a, b = read_number(m.group(2)), read_number(m.group(3))
        if a is None or b is None or a.decimal or b.decimal:
            return None
        return Pair(m.group(1), a, b, m.group(4))
    return read_number(compact)


def _value_key(n: Number) -> tuple[Fraction, int, int]:
    return (n.coef, n.root, n.pi) if n.coef else (Fraction(0), 1, 0)


#: Slack on the relative bound, so that a value exactly at the tolerance (0.333333 for 1/3 at 1e-6)
#: is decided the same here and in the workers (whose arithmetic is 30-digit floating point).
TOLERANCE_SLACK = 1e-9


def decimal_close(exact: Fraction, written: Fraction, places: int | None, tolerance: float) -> bool:
    """The decimal rule: relatively within ``tolerance``, and, for a written decimal answer, within one
    unit of its last digit (so ``0.0000001`` is not ``0`` and ``1000000.1`` is not ``1000001``).

    >>> decimal_close(Fraction(1, 3), Fraction(333333, 10**6), 6, 1e-6), decimal_close(Fraction(0), Fraction(1, 10**7), 7, 1e-6)
    (True, False)
    """
    diff = abs(exact - written)
    scale = max(abs(exact), abs(written))
    if diff > Fraction(tolerance) * scale * (1 + Fraction(TOLERANCE_SLACK)):
        return False
    return places is None or diff < Fraction(1, 10**places)


def _numbers(gold: Number, answer: Number, tolerance: float) -> float | None:
    if gold.decimal or answer.decimal:
        if not (gold.rational and answer.rational):
            return None  # a decimal against a root or pi: left to the workers
        places = answer.places if answer.decimal else None
        return 1.0 if decimal_close(gold.coef, answer.coef, places, tolerance) else 0.0
    return 1.0 if _value_key(gold) == _value_key(answer) else 0.0


def simple_verdict(gold: str, answer: str, tolerance: float = 1e-6) -> float | None:
    """1.0 or 0.0 when both are simple and the verdict is certain, else ``None`` (ask the workers).

    >>> simple_verdict("1097", "1097.00"), simple_verdict(r"6\\pi", "18.84"), simple_verdict("(2, 3)", "5")
    (1.0, None, 0.0)
    """
    g = read_simple(gold)
    if g is None:
        return None
    a = read_simple(answer)
    if a is None:
        return None
    if isinstance(g, Number) and isinstance(a, Number):
        return _numbers(g, a, tolerance)
    if isinstance(g, Pair) and isinstance(a, Pair):
        if (g.left, g.right) != (a.left, a.right):
            # An open pair against an interval with a closed end: never equal under math-verify's
            # rules, as long as both are proper intervals (a < b).
            if _proper(g) and _proper(a):
                return 0.0
            return None
        if (g.left, g.right) != ("(", ")") and not (_proper(g) and _proper(a)):
            return None  # empty intervals compare as empty sets: leave that to math-verify
        return 1.0 if (_value_key(g.a), _value_key(g.b)) == (_value_key(a.a), _value_key(a.b)) else 0.0
    if isinstance(g, Number) and isinstance(a, Pair) or isinstance(g, Pair) and isinstance(a, Number):
        return 0.0
    return None


def _proper(p: Pair) -> bool:
    """``a < b`` for rational endpoints (irrational ones are left to math-verify)."""
    if not (p.a.rational and p.b.rational):
        return False
    return p.a.coef < p.b.coef
