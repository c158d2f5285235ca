"""Rewriting answers into the LaTeX that math-verify reads well, and the exact-match key.

These close the gaps that matter for training (measured with math-verify 0.9.0): ``4.5e33`` (read
as ``4.5·e·33``), ``10^33`` meaning ``10^{33}``, Unicode ``−``, ``√``, ``π``, ``×``, ``≤`` and
friends, thousands separators (``1,000,000``, ``1{,}000``, ``1\\,000``), ``**bold**``, degrees
(``30°``, ``30 degrees``), ``\\text{...}`` around a whole answer, ``\\varnothing``, MATH's
``11,\\! 111`` separators, and ``\\mathrm{e}`` / ``\\mathrm{i}`` (Euler's number and the imaginary unit, which
math-verify would otherwise read as plain symbols).

They never make a comparison looser: brackets of intervals are kept, percentages are left to
math-verify (``50\\%`` equals ``0.5`` and ``50``, never ``0.5`` equals ``50``), no tolerance is added.
All of it is linear string work, safe to run in the trainer's process.
"""

from __future__ import annotations

import re

_UNICODE = {
    "\u2212": "-",  # minus sign
    "\u2012": "-",
    "\u2013": "-",  # en dash, often typed for a minus
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00d7": r" \times ",
    "\u22c5": r" \cdot ",
    "\u00b7": r" \cdot ",
    "\u2219": r" \cdot ",
    "\u00f7": r" \div ",
    "\u03c0": r" \pi ",
    "\u221e": r" \infty ",
    "\u2264": r" \le ",
    "\u2a7d": r" \le ",
    "\u2265": r" \ge ",
    "\u2a7e": r" \ge ",
    "\u2260": r" \ne ",
    "\u2205": r" \emptyset ",
    "\u222a": r" \cup ",
    "\u2229": r" \cap ",
    "\u2208": r" \in ",
    "\u00b0": r"^\circ ",
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00b9": "^1",
    "\u00bd": r"\frac{1}{2}",
    "\u00bc": r"\frac{1}{4}",
    "\u00be": r"\frac{3}{4}",
    "\u2153": r"\frac{1}{3}",
    "\u2154": r"\frac{2}{3}",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u200b": "",
    "\ufeff": "",
}
_UNICODE_RE = re.compile("|".join(re.escape(k) for k in _UNICODE))

_COMMANDS = (
    # `11,\! 111`: MATH's thousands separator; marked unambiguous before `\!` is dropped.
    (re.compile(r",\s*\\!\s*(?=\d)"), "{,}"),
    (re.compile(r"\\(?:mathrm|operatorname)\s*\{\s*([ei])\s*\}"), r"\1"),
    (re.compile(r"\\varnothing\b"), r"\\emptyset"),
    (re.compile(r"\\[dt]frac\b"), r"\\frac"),
    (re.compile(r"\\displaystyle\b|\\!"), ""),
    (re.compile(r"\\left\.|\\right\."), ""),
    (re.compile(r"\\(?:left|right)\b"), ""),
    (re.compile(r"\\degree\b|\^\{\\circ\}"), r"^\\circ"),
    # Degrees inside a trigonometric function are an angle: `\sin 45^\circ` is `\sin(\pi/4)`, not sin(45).
    (
        re.compile(
            r"\\(sin|cos|tan|sec|csc|cot)\s*(\^\{?-?\d\}?)?\s*\(?\s*(-?\d{1,4}(?:\.\d{1,6})?)\s*\^\s*\\circ\s*\)?"
        ),
        r"\\\1\2\\left(\\frac{\3\\pi}{180}\\right)",
    ),
)
# `2**10` is Python's power; any other `**` is Markdown bold.
_PY_POWER_RE = re.compile(r"(\d)\s*\*\*\s*(-?\d+)")
_SCI_RE = re.compile(r"(?<![\w.\\])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?!\w|\.\d)")
_TEN_POWER_RE = re.compile(r"(?<![\d.])10\s*\^\s*(-?\d{2,})(?!\d)")
_TIMES_TEN_RE = re.compile(r"(\d)\s*(?:\*|x|X)\s*(10\s*\^)")
_DEGREES_RE = re.compile(r"(\d)\s*(?:degrees?|deg)\b\.?")
_WRAPPER_RE = re.compile(r"^\\(?:text|textbf|textrm|mathrm|mathbf|mbox|operatorname)\s*\{")
_SEP = r"(?:,|\{,\}|\\,|\\ |\s|')"
_THOUSANDS_RE = re.compile(
    rf"^(?P<pre>[-+]?(?:\\?\$)?[ ]?)(?P<num>\d{{1,3}}(?:{_SEP}\d{{3}})+)(?P<frac>\.\d+)?(?P<post>[ ]?\\?%)?$"
)
_SEP_RE = re.compile(_SEP)
# "3 \pmod 7", "3 (\mod 7)" after a whole answer: the residue is the answer.
_MOD_RE = re.compile(r"\s*\(?\\(?:pmod|bmod|mod)\s*\{?\s*\d+\s*\}?\)?$")
_OVERLINE_RE = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d{1,12})\}")
_CURRENCY_RE = re.compile(r"^\\?\$\s*(?=[-+]?\d)")
_NUMBER_WORDS_RE = re.compile(r"^([-+]?\d[\d,]*(?:\.\d+)?)(?:\s+[A-Za-z]{3,}\.?){1,4}$")
# A whole answer that is a value then units: `12\text{ cm}`, `5.4 \text{ cents}`, `9 \mbox{ m}^2`, `8 cm`.
# Units are read here, not by math-verify's `units` rule, which also strips letters that are variables
# (`3t` would equal `3`, `2ab` would equal `2`, `\sin^2 t` would lose its `t`).
_TEXT_UNIT_RE = re.compile(
    r"^(?P<value>.*?[\d}])\s*(?:\\[,;!]\s*)*\\(?:text|mbox|mathrm)\s*\{\s*[A-Za-z][A-Za-z .]{0,30}\}(?:\^\{?[23]\}?)?$"
)
_SHORT_UNITS = "cm|mm|km|kg|mg|ml|mL|ft|yd|mi|oz|lb|lbs|hr|hrs|sec|min|mph|kph|kmh"
_SHORT_UNIT_RE = re.compile(rf"^([-+]?\d[\d,]*(?:\.\d+)?)\s+(?:{_SHORT_UNITS})(?:\^\{{?[23]\}}?)?\.?$")


def _closing(text: str) -> int:
    """Index of the brace that closes ``text[0]``, or -1."""
    depth = 0
    for j, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _strip_outer_braces(text: str) -> str:
    """``{{3}}`` -> ``3``: braces around a whole answer group nothing.

    >>> _strip_outer_braces("{{3}}"), _strip_outer_braces("{1}{2}")
    ('3', '{1}{2}')
    """
    for _ in range(len(text)):
        if not (text.startswith("{") and text.endswith("}")) or _closing(text) != len(text) - 1:
            break
        text = text[1:-1].strip()
    return text


def _sqrt(text: str, left: str = "", right: str = "") -> str:
    """Rewrite the Unicode root: ``√2`` -> ``\\sqrt{2}``, ``√(x+1)`` -> ``\\sqrt{(x+1)}``."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c not in "\u221a\u221b":
            out.append(c)
            i += 1
            continue
        head = r"\sqrt" if c == "\u221a" else r"\sqrt[3]"
        i += 1
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] in "({":
            close = ")" if text[i] == "(" else "}"
            depth, j = 0, i
            while j < n:
                if text[j] == text[i]:
                    depth += 1
                elif text[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = text[i : j + 1] if text[i] == "(" else text[i + 1 : j]
            out.append(left + head + "{" + inner + "}" + right)
            i = j + 1
            continue
        m = re.compile(r"\d+(?:\.\d+)?|\\[A-Za-z]+|[A-Za-z]").match(text, i)
        if m:
            out.append(left + head + "{" + m.group(0) + "}" + right)
            i = m.end()
        else:
            out.append(head)
    return "".join(out)


def _repeating(m: re.Match) -> str:
    """``0.1\\overline{6}`` -> ``\\frac{1}{6}``: a repeating decimal as the exact fraction."""
    whole, fixed, period = m.group(1) or "0", m.group(2), m.group(3)
    scale = 10 ** len(fixed)
    numerator = int(whole + fixed + period) - int(whole + fixed)
    denominator = (10 ** len(period) - 1) * scale
    return f"\\frac{{{numerator}}}{{{denominator}}}"


def unwrap_text(text: str) -> str:
    """``\\text{12}`` (the whole answer in one text-like group) -> ``12``; anything else unchanged.

    >>> unwrap_text(r"\\text{(B)}"), unwrap_text(r"\\mathrm{12}"), unwrap_text(r"\\text{a} + \\text{b}")
    ('(B)', '12', '\\\\text{a} + \\\\text{b}')
    """
    m = _WRAPPER_RE.match(text)
    if not m:
        return text
    depth = 0
    for j in range(m.end() - 1, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[m.end() : j].strip() if j == len(text) - 1 else text
    return text


def normalize(text: str, whole: bool = True) -> str:
    """Rewrite an answer (or a gold) into LaTeX that math-verify reads as meant.

    ``whole=False`` is for free text (a completion's tail): rules that only make sense for a whole
    answer (thousands separators, a ``\\text{}`` wrapper) are skipped.

    >>> normalize("4.5e33"), normalize("−3"), normalize("√2"), normalize("1,000,000")
    ('4.5\\\\times10^{33}', '-3', '\\\\sqrt{2}', '1000000')
    >>> normalize("30°"), normalize(r"\\varnothing"), normalize("2 × 10^33")
    ('30^\\\\circ', '\\\\emptyset', '2 \\\\times 10^{33}')
    >>> normalize("The root is √3, about 1.7e0.", whole=False)
    'The root is $\\\\sqrt{3}$, about $1.7\\\\times10^{0}$.'
    >>> normalize(r"0.1\\overline{6}"), normalize(r"3 \\pmod{7}"), normalize("10 ways")
    ('\\\\frac{15}{90}', '3', '10')
    >>> normalize(r"11,\\! 111,\\! 100"), normalize(r"\\mathrm{e}^{2}"), normalize(r"2+3\\mathrm{i}")
    ('11111100', 'e^{2}', '2+3i')
    >>> normalize(r"5.4 \\text{ cents}"), normalize(r"12\\,\\text{cm}^2"), normalize("8 cm"), normalize("3t")
    ('5.4', '12', '8', '3t')
    >>> normalize(r"\\sin 45^\\circ")
    '\\\\sin\\\\left(\\\\frac{45\\\\pi}{180}\\\\right)'

    """
    # In free text, LaTeX that we introduce needs delimiters for math-verify to see it.
    left, right = ("$", "$") if not whole and "$" not in text and "\\(" not in text else ("", "")
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    if "\u221a" in text or "\u221b" in text:
        text = _sqrt(text, left, right)
    for pattern, repl in _COMMANDS:
        text = pattern.sub(repl, text)
    if "**" in text:
        text = _PY_POWER_RE.sub(r"\1^{\2}", text).replace("**", "")
    if "overline" in text:
        text = _OVERLINE_RE.sub(_repeating, text)
    text = _SCI_RE.sub(lambda m: f"{left}{m.group(1)}\\times10^{{{int(m.group(2))}}}{right}", text)
    text = _TIMES_TEN_RE.sub(r"\1\\times \2", text)
    text = _TEN_POWER_RE.sub(r"10^{\1}", text)
    text = _DEGREES_RE.sub(r"\1^\\circ", text)
    text = " ".join(text.split())
    if whole:
        text = _strip_outer_braces(unwrap_text(_strip_outer_braces(text.strip())))
        text = _CURRENCY_RE.sub("", text)
        text = _MOD_RE.sub("", text)
        m = _TEXT_UNIT_RE.match(text)
        if m and not re.search(r"\\(?:text|mbox|mathrm)", m.group("value")):
            text = m.group("value").strip()
        m = _NUMBER_WORDS_RE.match(text) or _SHORT_UNIT_RE.match(text)
        if m:  # "10 ways", "300 miles", "8 cm": the number is the answer
            text = m.group(1)
        m = _THOUSANDS_RE.match(text)
        if m:
            number = _SEP_RE.sub("", m.group("num"))
            text = m.group("pre").strip() + number + (m.group("frac") or "") + (m.group("post") or "").strip()
    return text.strip()


_SPACE_RE = re.compile(r"\s+")
_KEEP_SPACE_RE = re.compile(r"(?<=[A-Za-z0-9])\s+(?=[A-Za-z0-9])")
_KEY_DROP_RE = re.compile(r"\\[,;: ]|~|\\quad\b|\\qquad\b")


def exact_key(normalized: str) -> str:
    """A key such that two answers with the same key are the same answer, character for character,
    up to spacing that LaTeX ignores. Used to decide the easy cases without sympy.

    >>> exact_key(r"\\frac{1}{2}") == exact_key(r"\\frac {1} {2}"), exact_key("1 2") == exact_key("12")
    (True, False)
    """
    text = _KEY_DROP_RE.sub(" ", normalized)
    text = _KEEP_SPACE_RE.sub("\x00", text)  # a space between two words or numbers is meaningful
    text = _SPACE_RE.sub("", text)
    return text.replace("\x00", " ")
