"""Finding the answer in a completion's answer region and in a gold solution: plain string work, no sympy.

Everything here runs in the trainer's process, so it is linear in the text and bounded: no regular
expression that can backtrack badly on hostile input, no parsing.

The answer region (the text after the last ``</think>``; none when the reasoning never closed) is
decided by verifiers-core before this module sees anything. Policy for the region (``answer_format``):

- ``boxed``: the balanced ``\\boxed{...}`` (or ``\\fbox{...}``) groups, *all* of them: several boxes are one
  answer, read by the gold's form (:mod:`verifiers_math.forms`); nothing else;
- ``marked``: that, else the last ``#### N`` line, else the last ``<answer>...</answer>`` block, else the last
  "the answer is ..." / "Answer: ..." / ``A: ...`` line or ``# Answer`` heading (Minerva's "Final Answer:
  The final answer is X. I hope it is correct." included);
- ``any`` (default): that, else the value a plain-prose answer ends with (:mod:`verifiers_math.freeform`).

A marked line or block that holds a sentence rather than a value is read like prose ("Final Answer: The
volume of $ABCDEFGH$ is 120." gives 120). Where the value cannot be read with confidence the answer is
*unsure*: unparsed, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .freeform import plain_words, read_value

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\b")
_HASH_RE = re.compile(r"####[ \t]*([^\n]*)")
# "The final answer is ...", "Answer: ...", "**Final Answer:** ...", GSM8K few-shot's "A: ..." line
# (the rest of that line), PRM800K's "# Answer" heading (the next line).
# Possessive quantifiers (`*+`) keep this linear on hostile runs of spaces or stars.
_ANSWER_MARK_RE = re.compile(
    r"\banswer\b[ \t*]*+(?:is\b|:|=)[ \t*:]*+|(?m:^A:[ \t]*+)|(?m:^\#{1,4}[ \t]*+answer[ \t]*+\n\s*+)",
    re.IGNORECASE,
)
_CLOSING_DOLLAR_RE = re.compile(r"(?<!\\)\$")
_ANSWER_TAG_RE = re.compile(r"<answer>(.*?)(?:</answer>|\Z)", re.IGNORECASE | re.S)
_MATH_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


@dataclass(frozen=True)
class Extracted:
    """An answer found in a region: its ``parts`` (several only for several boxes) and ``how``.

    ``how`` is ``boxed``, ``hashes``, ``tag``, ``line``, ``free``, ``unfinished`` (a last box that never
    closes), ``unsure`` (a marked answer or prose whose value cannot be read), ``missing`` (nothing
    found) or ``too_long``.
    """

    parts: tuple[str, ...]
    how: str

    @property
    def found(self) -> bool:
        return bool(self.parts)

    @property
    def text(self) -> str:
        """The parts as one string, as shown in the completions table."""
        return ", ".join(self.parts)


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


def all_boxed(text: str) -> list[str]:
    """The contents of every balanced, non-empty ``\\boxed{...}`` / ``\\fbox{...}`` in ``text``, in order.

    >>> all_boxed(r"$\\boxed{2}$ and $\\boxed{-3}$, not \\boxed{}")
    ['2', '-3']
    """
    starts = [m.end() for m in _BOX_RE.finditer(text)]
    if not starts:
        return []
    closing = _match_braces(text)
    found = (_braced_at(text, start, closing) for start in starts)
    return [content.strip() for content in found if content is not None and content.strip()]


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
    """The rest of the last "the answer is ..." / "Answer: ..." / ``A: ...`` line, cleaned.

    >>> answer_line("We get 3.\\nThe final answer is **$42$**.")
    '42'
    >>> answer_line("Answer: x = 2") , answer_line("no marker here")
    ('x = 2', None)
    >>> answer_line("The answer is 13. Wait, no: the answer is 12.")
    '12'
    >>> answer_line("Final Answer: The final answer is $10,455$. I hope it is correct.")
    '10,455'
    >>> answer_line("Steps...\\n# Answer\\n\\n7i - 2"), answer_line("48/2 = 24\\nA: 72")
    ('7i - 2', '72')
    >>> answer_line("Final Answer: The final answer is $\\\\$17$. I hope it is correct.")
    '\\\\$17'

    """
    last = None
    for m in _ANSWER_MARK_RE.finditer(text):
        last = m
    if last is None:
        return None
    end = text.find("\n", last.end())
    rest = text[last.end() : end if end >= 0 else len(text)].strip()
    if rest.startswith("$") and not rest.startswith("$$"):  # "$7$. I hope it is correct."
        close = _CLOSING_DOLLAR_RE.search(rest, 1)  # `\$` inside is currency: "$\$17$."
        if close is not None:
            rest = rest[: close.end()]
    elif plain_words(rest) <= 2:  # "7. Let me check..." -> "7" (a decimal point is never followed by a space)
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


_VALUE_START_RE = re.compile(r"^[\s*$(\[{\\]*[-+]?[\d.]")
_TEXT_WORDS_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_TEXT_WRAPPERS_RE = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mbox|operatorname)\s*\{[^{}]*\}")


def is_value(text: str) -> bool:
    """A marked answer that is a value rather than a sentence: no words; or a value and at most two
    words after it (``42 inches``); or, with no digit at all, at most two words (``no solution``).

    >>> is_value("42 inches"), is_value(r"\\text{no real solutions}"), is_value("Caroline is 24"), is_value("x = 2")
    (True, True, False, True)
    """
    if len(text) > 300 or ". " in text.strip():
        return False
    words = len(_TEXT_WORDS_RE.findall(_TEXT_WRAPPERS_RE.sub(" ", text)))
    if words == 0:
        return True
    if any(c.isdigit() for c in text):
        return words <= 2 and _VALUE_START_RE.match(text) is not None
    return words <= 2


def _marked(text: str, how: str, prompt: str, max_chars: int, listed: bool = False) -> Extracted:
    """A marked answer: the value itself, or the value its sentence ends with, or unsure."""
    if is_value(text):
        return _bounded(strip_math_wrappers(text), how, max_chars)
    value = read_value(text, prompt, complete=True, listed=listed)
    return _bounded(value, how, max_chars) if value else Extracted((), "unsure")


def extract_answer(
    region: str,
    answer_format: str = "any",
    *,
    prompt: str = "",
    max_chars: int = 2000,
    tail_chars: int = 1500,
    listed: bool = False,
) -> Extracted:
    """Find the final answer in a completion's answer region, following ``answer_format``.

    ``prompt`` tells values the completion found from ones it copied; ``listed``: the gold is a list
    (``k = 45, n = 2``), so prose that ends in ``$k=45, n=2$`` gives the whole list, not its last ``= 2``.

    >>> extract_answer("so \\\\boxed{4}"), extract_answer(r"$\\boxed{2}$ and $\\boxed{-3}$").parts
    (Extracted(parts=('4',), how='boxed'), ('2', '-3'))
    >>> extract_answer(r"\\boxed{1} then \\boxed{12")
    Extracted(parts=(), how='unfinished')
    >>> extract_answer("It is 5 apples", "marked"), extract_answer("It is 5 apples").parts
    (Extracted(parts=(), how='missing'), ('5',))
    >>> extract_answer("<answer> Therefore, the answer is $p - q + 1.$ </answer>").parts
    ('p - q + 1',)
    """
    if cut_off_box(region):
        return Extracted((), "unfinished")
    boxes = all_boxed(region)
    if boxes:
        if any(len(box) > max_chars for box in boxes):
            return Extracted((), "too_long")
        return Extracted(tuple(boxes), "boxed")
    if answer_format == "boxed":
        return Extracted((), "missing")
    found = hashes_answer(region)
    if found is not None:
        return _marked(found, "hashes", prompt, max_chars, listed)
    tags = list(_ANSWER_TAG_RE.finditer(region[-20000:]))
    if tags:
        inside = tags[-1].group(1).strip()
        line = answer_line(inside)
        if line is not None and is_value(line):
            return _bounded(line, "tag", max_chars)
        return _marked(inside, "tag", prompt, max_chars, listed) if inside else Extracted((), "unsure")
    found = answer_line(region)
    if found is not None:
        marked = _marked(found, "line", prompt, max_chars, listed)
        if marked.found or answer_format == "marked":
            return marked
    elif answer_format == "marked":
        return Extracted((), "missing")
    tail = region.strip()[-tail_chars:]
    if not tail:
        return Extracted((), "missing")
    value = read_value(tail, prompt, listed=listed)
    return _bounded(value, "free", max_chars) if value else Extracted((), "unsure")


def _bounded(text: str, how: str, max_chars: int) -> Extracted:
    if len(text) > max_chars:
        return Extracted((), "too_long")
    return Extracted((text,), how)


def extract_gold(value: object, max_chars: int = 2000) -> str | None:
    """The answer inside a gold column value, or ``None`` when there is none to use.

    Accepts a bare answer (LaTeX or not, ``$...$`` or not), a boxed one, a GSM8K answer
    (``... #### 42``), a full MATH solution (its last ``\\boxed{}``, as every MATH grader reads it), a
    worked solution ending in an answer line (``The answer is 18``, ``A: 18``), or a number.

    >>> extract_gold("Natalia sold 48/2 = 24 clips in May.\\n#### 72"), extract_gold(r"So $x=\\boxed{\\sqrt{3}}$.")
    ('72', '\\\\sqrt{3}')
    >>> extract_gold(r"So $\\boxed{\\log_2 8 = 3}$; the answer is $\\boxed{3}$."), extract_gold("She pays 9 * 2 = 18.\\nA: 18")
    ('3', '18')
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
        found = last_boxed(text) if not cut_off_box(text) else None
    elif _ANSWER_MARK_RE.search(text) and ("\n" in text or ". " in text):
        found = answer_line(text)
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
