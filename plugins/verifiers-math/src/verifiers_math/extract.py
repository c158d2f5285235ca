"""Finding the answer in a completion and in a gold solution: plain string work, no sympy.

Everything here runs in the trainer's process, so it is linear in the text and bounded: no regular
expression that can backtrack badly on hostile input, no parsing.

Policy for a completion (``answer_format``):

- only the final answer counts: the text after the last ``</think>``; a ``<think>`` that never closes
  means there is no answer;
- ``boxed``: the last balanced ``\\boxed{...}`` (or ``\\fbox{...}``), nothing else;
- ``marked``: that, else the last ``#### N`` line, else the last "the answer is ..." /
  "Answer: ..." line;
- ``any`` (default): that, else math-verify's own extraction of the tail of the final answer
  (done in a worker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers_core import final_answer

ANSWER_FORMATS = ("any", "marked", "boxed")

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\b")
_HASH_RE = re.compile(r"####[ \t]*([^\n]*)")
# "The final answer is ...", "Answer: ...", "**Final Answer:** ..." (the rest of that line).
# Possessive quantifiers (`*+`) keep this linear on hostile runs of spaces or stars.
_ANSWER_MARK_RE = re.compile(r"\banswer\b[ \t*]*+(?:is\b|:|=)[ \t*:]*+", re.IGNORECASE)
_MATH_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


@dataclass(frozen=True)
class Extracted:
    """An answer found in a text: ``text`` and how it was found (``how``).

    ``how`` is ``boxed``, ``hashes``, ``line``, ``free`` (the tail, for math-verify to search),
    ``unfinished`` (an unclosed ``<think>``), ``missing`` (nothing found) or ``too_long``.
    """

    text: str | None
    how: str

    @property
    def found(self) -> bool:
        return self.text is not None


def last_boxed(text: str) -> str | None:
    """The content of the last balanced ``\\boxed{...}`` (or ``\\fbox{...}``) in ``text``.

    ``\\boxed 5`` (a single token, no braces) counts too. Unbalanced and empty boxes are skipped.
    Linear in the text: braces are matched once, with a stack.

    >>> last_boxed(r"first \\boxed{1}, then \\boxed{\\frac{1}{2}}.")
    '\\\\frac{1}{2}'
    >>> last_boxed(r"\\boxed 7") , last_boxed(r"\\boxed{1} and \\boxed{}") , last_boxed("none")
    ('7', '1', None)
    """
    starts = [m.end() for m in _BOX_RE.finditer(text)]
    if not starts:
        return None
    closing = _match_braces(text)
    for start in reversed(starts):
        content = _braced_at(text, start, closing)
        if content is not None and content.strip():
            return content.strip()
    return None


def cut_off_box(text: str) -> bool:
    """True when the last ``\\boxed{`` never closes: the completion stopped inside its answer.

    >>> cut_off_box(r"\\boxed{1} then \\boxed{12"), cut_off_box(r"\\boxed{12}")
    (True, False)
    """
    last = None
    for m in _BOX_RE.finditer(text):
        last = m
    return last is not None and _braced_at(text, last.end(), _match_braces(text)) is None


def _match_braces(text: str) -> dict[int, int]:
    """Map each ``{`` to its ``}`` (escaped braces and ``\\\\`` skipped), in one pass."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    j, n = 0, len(text)
    while j < n:
        c = text[j]
        if c == "\\":  # `\{`, `\}` and `\\` are not group braces
            j += 2
            continue
        if c == "{":
            stack.append(j)
        elif c == "}" and stack:
            closing[stack.pop()] = j
        j += 1
    return closing


def _braced_at(text: str, start: int, closing: dict[int, int]) -> str | None:
    """The balanced group starting at ``text[start]`` (after spaces), or a single token."""
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text):
        return None
    if text[i] != "{":
        if start == i:  # `\boxedx` is another command, not a box
            return None
        m = re.match(r"[^\s$]+", text[i : i + 200])
        return m.group(0) if m else None
    end = closing.get(i)
    return text[i + 1 : end] if end is not None else None


def strip_math_wrappers(text: str) -> str:
    """Strip spaces, a trailing full stop, bold markers and one pair of ``$``/``\\(``/``\\[`` delimiters.

    >>> strip_math_wrappers(" **$\\\\frac{1}{2}$**. ")
    '\\\\frac{1}{2}'
    """
    text = text.strip()
    for _ in range(3):
        before = text
        text = text.strip().rstrip(".").strip()
        # Markdown bold, whole or half-eaten by the marker ("The answer is **$42$**.")
        if text.startswith("**"):
            text = text[2:].strip()
        if text.endswith("**"):
            text = text[:-2].strip()
        for left, right in _MATH_WRAPPERS:
            if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
                text = text[len(left) : -len(right)].strip()
                break
        if text == before:
            break
    return text


def answer_line(text: str) -> str | None:
    """The rest of the last "the answer is ..." / "Answer: ..." line, cleaned.

    >>> answer_line("We get 3.\\nThe final answer is **$42$**.")
    '42'
    >>> answer_line("Answer: x = 2") , answer_line("no marker here")
    ('x = 2', None)
    >>> answer_line("The answer is 13. Wait, no: the answer is 12.")
    '12'
    """
    last = None
    for m in _ANSWER_MARK_RE.finditer(text):
        last = m
    if last is None:
        return None
    end = text.find("\n", last.end())
    rest = text[last.end() : end if end >= 0 else len(text)].strip()
    if rest.startswith("$") and not rest.startswith("$$"):  # "$7$. I hope it is correct."
        close = rest.find("$", 1)
        if close > 0:
            rest = rest[: close + 1]
    else:  # "7. Let me check..." -> "7" (a decimal point is never followed by a space)
        rest = re.split(r"\.\s", rest, maxsplit=1)[0]
    answer = strip_math_wrappers(rest)
    return answer or None


def hashes_answer(text: str) -> str | None:
    """The answer after the last ``####`` (GSM8K's format).

    >>> hashes_answer("48/2 = 24 clips\\n#### 72")
    '72'
    """
    found = None
    for m in _HASH_RE.finditer(text):
        found = m.group(1)
    if found is None:
        return None
    found = strip_math_wrappers(found)
    return found or None


def extract_answer(
    text: str,
    answer_format: str = "any",
    *,
    max_chars: int = 2000,
    tail_chars: int = 800,
) -> Extracted:
    """Find the final answer of a completion, following ``answer_format`` (see the module doc).

    >>> extract_answer("<think>maybe \\\\boxed{3}</think> so \\\\boxed{4}")
    Extracted(text='4', how='boxed')
    >>> extract_answer("<think>cut off")
    Extracted(text=None, how='unfinished')
    >>> extract_answer("It is 5 apples", "marked")
    Extracted(text=None, how='missing')
    """
    final = final_answer(text)
    if final is None or cut_off_box(final):
        return Extracted(None, "unfinished")
    boxed = last_boxed(final)
    if boxed is not None:
        return _bounded(boxed, "boxed", max_chars)
    if answer_format == "boxed":
        return Extracted(None, "missing")
    for how, finder in (("hashes", hashes_answer), ("line", answer_line)):
        found = finder(final)
        if found is not None:
            return _bounded(found, how, max_chars)
    if answer_format == "marked":
        return Extracted(None, "missing")
    tail = final.strip()[-tail_chars:]
    if not tail:
        return Extracted(None, "missing")
    return Extracted(tail, "free")


def _bounded(text: str, how: str, max_chars: int) -> Extracted:
    if len(text) > max_chars:
        return Extracted(None, "too_long")
    return Extracted(text, how)


def extract_gold(value: object, max_chars: int = 2000) -> str | None:
    """The answer inside a gold column value, or ``None`` when there is none to use.

    Accepts a bare answer (LaTeX or not, ``$...$`` or not), a boxed one, a GSM8K answer
    (``... #### 42``), a full MATH solution (its last ``\\boxed{}``), or a number.

    >>> extract_gold("Natalia sold 48/2 = 24 clips in May.\\n#### 72"), extract_gold(r"So $x=\\boxed{\\sqrt{3}}$.")
    ('72', '\\\\sqrt{3}')
    >>> extract_gold(12), extract_gold(""), extract_gold(None), extract_gold(True)
    ('12', None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if "####" in text:
        found = hashes_answer(text)
    elif _BOX_RE.search(text):
        found = last_boxed(text)
    else:
        found = strip_math_wrappers(text)
    if not found or len(found) > max_chars or _is_prose(found):
        return None
    return found


_TEXT_GROUP_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mbox|operatorname)\s*\{[^{}]*\}")
_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")


def _is_prose(gold: str) -> bool:
    """A gold with three or more plain words outside ``\\text{}`` is a sentence, not an answer.

    >>> _is_prose("I cannot solve this."), _is_prose(r"\\text{no real solutions}"), _is_prose("5 apples")
    (True, False, False)
    """
    return len(_WORD_RE.findall(_TEXT_GROUP_RE.sub(" ", gold))) >= 3


_TAIL_NUMBER_RE = re.compile(r"(?:(?<=[A-Za-z:])\s+|^)(-?\d{1,30}(?:\.\d{1,30})?)\s*[.!]?\s*$")
_TAIL_LATEX_RE = re.compile(r"(?<!\$)\$([^$]{1,100})\$\s*[.!]?\s*$")
_ANSWER_WORD_RE = re.compile(r"answer", re.IGNORECASE)


def free_candidate(tail: str) -> str | None:
    """What math-verify's own extraction is certain to take from ``tail``, in the plainest cases.

    With no "answer" anywhere (math-verify ranks anchored matches first), a tail that ends with a
    number after a word ("... we get 90.") or with one ``$...$`` group yields that value: it is the
    rightmost match. Anything else returns ``None`` and is left to math-verify in a worker.

    >>> free_candidate("Putting it together, we get 90."), free_candidate("so it is $\\\\frac{1}{2}$")
    ('90', '\\\\frac{1}{2}')
    >>> free_candidate("the answer is 5"), free_candidate("we get 3 + 4"), free_candidate("I get 90%")
    (None, None, None)
    """
    if _ANSWER_WORD_RE.search(tail):
        return None
    m = _TAIL_NUMBER_RE.search(tail) or _TAIL_LATEX_RE.search(tail)
    return m.group(1).strip() if m else None
