"""Reading the value a plain-prose answer ends with, or saying that it cannot be read.

Used when a completion has no box, no ``####``, and its "answer is" line (or ``<answer>`` block) is a
sentence rather than a value. Plain string work, linear in the text, no sympy. The rules, in order:

1. Fenced code and its output are not the answer; HTML-like tags are dropped; ``\\$`` is currency.
2. A short text with no more than one word is the value itself (``13/18.``, ``$\\frac{1}{2}$``, ``42 inches``).
3. The value sits in the last sentence that holds one; a last sentence that stops mid-way (no end
   punctuation, ending in a word) means the completion was cut off: nothing is read.
4. In that sentence, an ``=`` chain that ends the clause gives its right-hand side
   (``... = $2 \\times 9 = \\$18 $.`` gives ``18``; ``= 4, meaning ...`` gives ``4``).
5. Otherwise its values (numbers and ``$...$`` groups) are weighed: numbers the question itself states,
   and expressions copied from the prompt, are restatements and do not count; one value left is the answer;
   several: the one that ends the sentence (unless the prompt states it), else the only one the prompt
   does not state.
6. A sentence copied from the prompt, or several values with no way to choose: ``None`` (unparsed) rather
   than a guess.

>>> read_value("So, 28 ÷ 2 = 14 bags. Therefore, Jean can fill 14 bags with 2 lollipops in each bag.",
...            prompt="Jean has 30 lollipops and packs 2 in a bag. How many bags can Jean fill?")
'14'
>>> read_value("she earns $2 \\\\times (16 - 7) = $2 \\\\times 9 = \\\\$18 $.")
'18'
>>> read_value("Final Answer: The volume of $ABCDEFGH$ is 120.", prompt="Find the volume of $ABCDEFGH$.")
'120'
>>> read_value("we need to interpret this correctly in the context of the") is None
True
"""

from __future__ import annotations

import re

from .forms import split_top
from .normalize import normalize

_CODE_RE = re.compile(r"```.*?(?:```|\Z)", re.S)
_TAG_RE = re.compile(r"</?[A-Za-z][\w.-]{0,30}(?:\s[^<>]{0,200})?>")
_TEXT_GROUP_RE = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mbox|operatorname)\s*\{[^{}]*\}")
_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_LETTERS_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
# Numbers as written in prose: 1,234.5, -7, 3/4, 12.5%. Not parts of names (x2) or exponents (^2).
_NUMBER_RE = re.compile(
    r"(?<![\w.^_{\\/])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+)?)%?(?![\w/]|\.\d)"
)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_EQUALS_RE = re.compile(r"(?<![<>!=\\])=(?!=)|\\approx|≈")
_ANSWER_MATH_RE = re.compile(r"\$\$|\$|\\\(|\\\)|\\\[|\\\]")
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")


def plain_words(text: str) -> int:
    """Words of three letters or more outside ``\\text{}`` and LaTeX commands.

    >>> plain_words(r"12\\text{ cm}"), plain_words("He scored 5 points"), plain_words(r"\\frac{\\pi}{2}")
    (0, 2, 0)
    """
    return len(_WORD_RE.findall(_TEXT_GROUP_RE.sub(" ", text)))


def _clean(text: str) -> str:
    text = _CODE_RE.sub("\n", text)
    text = _TAG_RE.sub(" ", text)
    return text.replace("\\$", " ").replace("**", "")


def _math_groups(text: str) -> tuple[str, list[str]]:
    """Replace balanced, math-like ``$...$``/``\\(...\\)``/``\\[...\\]`` groups by placeholders; a ``$``
    that opens a group of prose is a stray (currency) sign and is dropped."""
    out, groups = [], []
    marks = list(_ANSWER_MATH_RE.finditer(text))
    closing = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
    i, last = 0, 0
    while i < len(marks):
        m = marks[i]
        want = closing.get(m.group(0))
        end = next((k for k in range(i + 1, len(marks)) if marks[k].group(0) == want), None) if want else None
        if want is None or end is None:
            out.append(text[last : m.start()] + " ")  # a stray delimiter
            last, i = m.end(), i + 1
            continue
        content = text[m.end() : marks[end].start()]
        if plain_words(content) >= 3:  # prose between two dollars: the first one was currency
            out.append(text[last : m.start()] + " ")
            last, i = m.end(), i + 1
            continue
        out.append(text[last : m.start()] + f"\x00{len(groups)}\x00")
        groups.append(content.strip())
        last, i = marks[end].end(), end + 1
    out.append(text[last:])
    return "".join(out), groups


def _restore(text: str, groups: list[str]) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: " " + groups[int(m.group(1))] + " ", text)


def _leading_value(rhs: str) -> tuple[str, bool]:
    """The value at the start of ``rhs`` and whether the clause ends right after it."""
    depth, j, n = 0, 0, len(rhs)
    while j < n:
        c = rhs[j]
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif depth <= 0:
            ends_clause = j + 1 == n or rhs[j + 1].isspace()
            if c in ";:!?" or (c in ",." and ends_clause):
                return rhs[:j].strip(), True
            m = _LETTERS_RE.match(rhs, j)
            if m and (j == 0 or not rhs[j - 1].isalpha()) and rhs[j - 1 : j] != "\\":
                rest = rhs[j:]
                # a few words (units: "bags", "cubic inches") may end the clause
                clause = re.split(r"[,;.!?]", rest, maxsplit=1)[0]
                return rhs[:j].strip(), len(clause.split()) <= 3
        j += 1
    return rhs.strip(), True


def _question_sentence(prompt: str) -> str:
    parts = [p for p in re.split(r"(?<=[.!?])\s+|\n+", prompt) if p.strip()]
    asks = [p for p in parts if p.rstrip().endswith("?")]
    return asks[-1] if asks else (parts[-1] if parts else "")


def _expressions(text: str) -> set[str]:
    """The math expressions a prompt writes (each ``$...$`` group, spacing collapsed)."""
    _, groups = _math_groups(normalize(text, whole=False))
    return {_norm_space(g) for g in groups if g}


def _canon(value: str) -> str:
    return value.replace(",", "").rstrip("%").lstrip("+")


def _norm_space(text: str) -> str:
    return " ".join(text.replace("$", " ").split()).rstrip(".").strip()


def _ends_with(sentence: str, position: int, groups: list[str]) -> bool:
    """Whether at most two words follow the value that starts at ``position`` (units, "bags")."""
    tail = re.sub(r"^\s*\S+", "", _restore(sentence[position:], groups), count=1)
    return len(re.split(r"[.!?]", tail, maxsplit=1)[0].split()) <= 2


def _sentence_value(
    sentence: str,
    groups: list[str],
    prompt: str,
    asked: set[str],
    stated: set[str],
    unfinished: bool,
    listed: bool = False,
) -> str | None:
    """The value of one sentence, ``""`` when it has none, ``None`` when it cannot be chosen.

    ``prompt`` is the prompt with its spacing collapsed (see :func:`_norm_space`).

    ``unfinished``: the sentence has no end punctuation (it may be cut off), so only a value that ends
    it counts."""
    flat = _restore(sentence, groups).replace("&", " ")
    if listed:
        marks = list(_PLACEHOLDER_RE.finditer(sentence))
        if marks and _ends_with(sentence, marks[-1].start(), groups):
            content = groups[int(marks[-1].group(1))]
            if len(split_top(content)) > 1:
                return content
    equals = list(_EQUALS_RE.finditer(flat))
    if equals:
        rhs = flat[equals[-1].end() :]
        value, ends = _leading_value(rhs)
        rest = rhs.strip()[len(value) :]
        # A later, different value in the sentence is its conclusion ("x = 3, so the area is 27").
        later = {_canon(m.group(0)) for m in _NUMBER_RE.finditer(rest)} - {_canon(value)}
        if value and ends and not later and any(ch.isdigit() or ch == "\\" for ch in value):
            if not unfinished or len(rest.split()) <= 3:
                return value
    tokens: list[tuple[int, str, str]] = []  # (position, value, kind)
    names: list[tuple[int, str, str]] = []  # `$east$`: a value only where nothing else is
    for m in _PLACEHOLDER_RE.finditer(sentence):
        content = groups[int(m.group(1))]
        if not content or plain_words(content) > 2:
            continue
        if _NUMBER_RE.fullmatch(content.strip()):
            tokens.append((m.start(), content.strip(), "number"))
        elif re.fullmatch(r"[A-Za-z]{1,12}", content):
            names.append((m.start(), content, "math"))
        else:
            tokens.append((m.start(), content, "math"))
    masked = _PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), sentence)
    tokens += [(m.start(), m.group(0), "number") for m in _NUMBER_RE.finditer(masked)]
    if not tokens:
        tokens = [t for t in names if len(t[1]) > 1 and _ends_with(sentence, t[0], groups)]
    if not tokens:
        return ""
    tokens.sort()
    kept = [t for t in tokens if _key(t) not in asked]
    distinct = list(dict.fromkeys(_key(t) for t in kept))
    if len(distinct) == 1 and not (unfinished and not _ends_with(sentence, kept[-1][0], groups)):
        return next(t[1] for t in kept)
    if not distinct:
        return None  # only the question's own numbers: a restatement
    if unfinished and not _ends_with(sentence, kept[-1][0], groups):
        return None
    last = kept[-1]
    if _ends_with(sentence, last[0], groups) and _key(last) not in stated:
        return last[1]
    fresh = list(dict.fromkeys(_key(t) for t in kept if _key(t) not in stated))
    if len(fresh) == 1:
        return next(t[1] for t in kept if _key(t) == fresh[0])
    return None


def _key(token: tuple[int, str, str]) -> str:
    """How a value is compared with the prompt's: a number by its digits, an expression by its text."""
    return _canon(token[1]) if token[2] == "number" else _norm_space(token[1])


def read_value(text: str, prompt: str = "", complete: bool = False, listed: bool = False) -> str | None:
    """The value a prose answer ends with, or ``None`` when it cannot be read with confidence.

    ``complete``: ``text`` is a whole unit (an answer line, an ``<answer>`` block), so a last sentence
    without end punctuation is not taken for a cut-off one. ``listed``: the gold is a list, so a
    ``$...$`` group that ends the sentence and holds a list (``$k=45, n=2$``) is the value, whole.
    """
    text = normalize(_clean(text), whole=False).strip()  # `√3`, `4.5e33` become LaTeX values
    if not text:
        return None
    protected, groups = _math_groups(text)
    whole = _restore(protected, groups).strip().rstrip(".").strip()
    words = len(_LETTERS_RE.findall(_TEXT_GROUP_RE.sub(" ", whole)))
    starts = re.match(r"^[\s(\[{\\]*[-+]?[\d.\\]", whole) is not None
    if (
        whole
        and len(whole) <= 100
        and (words == 0 or (words <= 2 and starts))
        and re.search(r"[\d\\]", whole)
    ):
        return whole  # the value itself: `13/18`, `\frac{1}{2}`, `42 inches`
    sentences = [s for s in _SENTENCE_RE.split(protected) if s.strip()]
    if not sentences:
        return None
    question = _question_sentence(prompt)
    asked = {_canon(m.group(0)) for m in _NUMBER_RE.finditer(question)} | _expressions(question)
    stated = {_canon(m.group(0)) for m in _NUMBER_RE.finditer(prompt)} | _expressions(prompt)
    prompt = _norm_space(prompt)
    for k, sentence in enumerate(reversed(sentences)):
        unfinished = (
            not complete and k == 0 and re.search(r"[A-Za-z,]\s*$", _restore(sentence, groups)) is not None
        )
        value = _sentence_value(sentence, groups, prompt, asked, stated, unfinished, listed)
        if value is None:
            return None
        if value:
            restored = _norm_space(_restore(sentence, groups))
            if len(restored) > 8 and restored in prompt:
                return None  # the prompt's own sentence, copied: nothing added
            return value.strip()
        if unfinished:
            return None  # stops mid-sentence, no value at its end: cut off
    return None


_CHOICE_MARK_RE = re.compile(
    r"(?:answer|option|choice)\s*(?:is|:)?\s*[:*]*\s*(?:\\text\{\s*)?\(?\s*([A-J])\s*\)?(?![A-Za-z])", re.I
)
_PAREN_LETTER_RE = re.compile(r"\(([A-J])\)")


def read_choice(text: str) -> str | None:
    """The choice letter a prose answer ends with (``The correct option is (B).``), ``None`` if unsure.

    >>> read_choice("So the correct option is (B)."), read_choice("It could be (A) or (C)."), read_choice("42")
    ('B', None, None)
    """
    text = _clean(text)
    alone = re.fullmatch(r"\s*\(?([A-J])\)?\.?\s*", text)
    if alone:  # the whole answer is the letter
        return alone.group(1)
    marks = list(_CHOICE_MARK_RE.finditer(text))
    if marks:
        return marks[-1].group(1).upper()
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    letters = set(_PAREN_LETTER_RE.findall(lines[-1]))
    return letters.pop() if len(letters) == 1 else None
