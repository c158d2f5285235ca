"""``language_consistency``: the share of the reasoning's words written in the target language.

DeepSeek-R1 (section 2.3.3) added this reward because R1-Zero mixed languages in its chain of
thought. It is computed without a model, from Unicode scripts (``unicodedata``): a word counts for
the target when its script is the target language's (Latin for English, Han for Chinese, Han and
kana for Japanese, ...). Code, math, numbers, symbols and variable names are not words.

The limits follow from counting scripts (the README has the full table):

- languages that share a script are not told apart: English, French and Vietnamese are all Latin,
  so French reasoning for an English prompt scores 1.0;
- each Han, Hiragana or Katakana character counts as one word (those scripts put no spaces between
  words), which weighs a Chinese clause somewhat more than an English one of the same meaning;
- single letters (``x``, ``a``, ``I``), words glued to digits, underscores or math operators
  (``2x``, ``x_1``, ``sin(``), and camelCase names are left out as math or code, so they do not
  count for any language.

What is measured: the text inside ``<think>…</think>`` (with ``think_opened``, the prompt opened
it); a completion with no think tags at all is measured whole. A completion cut off inside its
reasoning is measured on the reasoning it wrote (the reward is about language, not about finishing;
``overlong`` and the answer rewards deal with truncation) and counted as ``truncated``. A row with
no countable word, or whose target language cannot be told, scores ``None`` (left out of the mean),
counted as ``no_words`` or ``unknown_language``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from verifiers_core import Batch, Reward
from verifiers_core.text import (
    THINK_CLOSE,
    THINK_OPEN,
    message_text,
    reasoning_text,
)

from .config import LanguageConsistencyConfig

#: Scripts whose characters each count as one word.
CHARACTER_SCRIPTS = frozenset({"Han", "Hiragana", "Katakana"})
JAPANESE = frozenset({"Han", "Hiragana", "Katakana"})
_LATIN = ("en fr de es it pt nl sv da no nb nn fi is pl cs sk sl hr bs ro hu tr az vi id ms tl sw "
          "et lv lt sq ca eu gl ga cy mt af")  # fmt: skip
_CYRILLIC = "ru uk be bg sr mk kk ky mn tg"
#: Language codes (ISO 639-1) to the scripts their words are written in.
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **{code: frozenset({"Latin"}) for code in _LATIN.split()},
    **{code: frozenset({"Cyrillic"}) for code in _CYRILLIC.split()},
    "zh": frozenset({"Han"}),
    "ja": JAPANESE,
    "ko": frozenset({"Hangul"}),
    "el": frozenset({"Greek"}),
    "ar": frozenset({"Arabic"}),
    "fa": frozenset({"Arabic"}),
    "ur": frozenset({"Arabic"}),
    "he": frozenset({"Hebrew"}),
    "yi": frozenset({"Hebrew"}),
    "hi": frozenset({"Devanagari"}),
    "mr": frozenset({"Devanagari"}),
    "ne": frozenset({"Devanagari"}),
    "bn": frozenset({"Bengali"}),
    "pa": frozenset({"Gurmukhi"}),
    "gu": frozenset({"Gujarati"}),
    "ta": frozenset({"Tamil"}),
    "te": frozenset({"Telugu"}),
    "kn": frozenset({"Kannada"}),
    "ml": frozenset({"Malayalam"}),
    "th": frozenset({"Thai"}),
    "lo": frozenset({"Lao"}),
    "km": frozenset({"Khmer"}),
    "my": frozenset({"Myanmar"}),
    "ka": frozenset({"Georgian"}),
    "hy": frozenset({"Armenian"}),
    "am": frozenset({"Ethiopic"}),
}
#: Script names accepted as a ``language`` too (lower case), e.g. ``language=cyrillic``.
SCRIPT_NAMES = {s.lower(): frozenset({s}) for scripts in LANGUAGE_SCRIPTS.values() for s in scripts}
#: A non-Latin script is the prompt's language when it has at least this many words...
AUTO_MIN_WORDS = 5
#: ...and at least this share of the prompt's words (templates and instructions are mostly English).
AUTO_MIN_SHARE = 0.15

_FIRST_WORD_SCRIPT = {"CJK": "Han", "IDEOGRAPHIC": "Han"}
_SKIP_PREFIXES = (
    "MATHEMATICAL",
    "MODIFIER",
    "SUPERSCRIPT",
    "SUBSCRIPT",
    "DOUBLE-STRUCK",
    "SCRIPT",
    "BLACK-LETTER",
)

# Regions that are code or math, removed before counting (order matters: fences first).
_REMOVED = [
    re.compile(r"```.*?(?:```|\Z)", re.S),  # fenced code (an unclosed fence runs to the end)
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\\\[.*?\\\]", re.S),
    re.compile(r"\\\(.*?\\\)", re.S),
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),
    re.compile(r"\$(?=\S)[^$\n]*?\S\$(?!\d)"),  # inline math ($5 and $10 is money, not math)
    re.compile(r"\\[A-Za-z]+"),  # LaTeX commands outside math
    re.compile(r"</?[A-Za-z][^<>\n]{0,80}>"),  # tags such as <answer>
    re.compile(r"(?:https?://|www\.)\S+"),
]
# A word touching one of these is math or code: 2x, x_1, x^2, a=b, \alpha, sin(x)
_MATH_NEIGHBOURS = set("0123456789_^=\\+*/<>|{}[]#@$%&~")
_APOSTROPHES = {"'", "\u2019"}


@lru_cache(maxsize=1 << 16)
def script_of(char: str) -> str | None:
    """The script of a letter (``Latin``, ``Han``, ``Cyrillic``, ...), or ``None`` for anything else.

    >>> [script_of(c) for c in "a中ñя9,あア한"]
    ['Latin', 'Han', 'Latin', 'Cyrillic', None, None, 'Hiragana', 'Katakana', 'Hangul']
    >>> script_of("𝑥"), script_of("Ａ")  # mathematical italic x is math; fullwidth A is Latin
    (None, 'Latin')
    """
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if not name or name.startswith(_SKIP_PREFIXES):
        return None
    words = name.split()
    if words[0] in ("FULLWIDTH", "HALFWIDTH") and len(words) > 1:
        words = words[1:]
    first = words[0]
    if first in _FIRST_WORD_SCRIPT:
        return _FIRST_WORD_SCRIPT[first]
    return first.title()


def strip_code_and_math(text: str) -> str:
    """Blank out code blocks, inline code, math, LaTeX commands, tags and URLs.

    >>> strip_code_and_math("so $x^2$ and ```py\\nprint(1)\\n``` done")
    'so   and   done'
    """
    for pattern in _REMOVED:
        text = pattern.sub(" ", text)
    return text


def words(text: str) -> list[tuple[str, str]]:
    """The countable words of ``text`` as ``(word, script)`` pairs (see the module docstring).

    >>> words("首先 compute 2x + sin(x), then 答案")
    [('首', 'Han'), ('先', 'Han'), ('compute', 'Latin'), ('then', 'Latin'), ('答', 'Han'), ('案', 'Han')]
    >>> words("let x_1 = 3 and getValue() in `code`")
    [('let', 'Latin'), ('and', 'Latin'), ('in', 'Latin')]
    """
    text = strip_code_and_math(text)
    out: list[tuple[str, str]] = []
    n = len(text)
    i = 0
    while i < n:
        script = script_of(text[i])
        if script is None:
            i += 1
            continue
        if script in CHARACTER_SCRIPTS:
            out.append((text[i], script))
            i += 1
            continue
        j = i + 1
        while j < n:
            c = text[j]
            if script_of(c) == script or unicodedata.category(c).startswith("M"):
                j += 1
            elif c in _APOSTROPHES and j + 1 < n and script_of(text[j + 1]) == script:
                j += 2
            else:
                break
        word = text[i:j]
        before = text[i - 1] if i > 0 else " "
        after = text[j] if j < n else " "
        if _is_word(word, before, after):
            out.append((word, script))
        i = j
    return out


def _is_word(word: str, before: str, after: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:  # x, a, I: variables and single letters
        return False
    if before in _MATH_NEIGHBOURS or after in _MATH_NEIGHBOURS or after == "(":
        return False
    # camelCase (a lower-case letter followed by a capital) is an identifier
    return not any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))


def target_scripts(language: str) -> frozenset[str] | None:
    """The scripts of a language code or script name; ``None`` when unknown.

    >>> sorted(target_scripts("ja")), target_scripts("EN"), target_scripts("klingon")
    (['Han', 'Hiragana', 'Katakana'], frozenset({'Latin'}), None)
    """
    key = language.strip().lower().replace("_", "-").split("-")[0] if language else ""
    if key in LANGUAGE_SCRIPTS:
        return LANGUAGE_SCRIPTS[key]
    return SCRIPT_NAMES.get(language.strip().lower()) if language else None


def check_language(value: Any) -> str | None:
    """Validator of the ``language`` parameter: ``auto``, a language code or a script name."""
    if value == "auto" or (isinstance(value, str) and target_scripts(value) is not None):
        return None
    return f"must be 'auto', a language code such as en, zh, ja, ru, or a script name such as cyrillic; got {value!r}"


def prompt_language(prompt: Any) -> frozenset[str] | None:
    """The target scripts detected from a prompt (``language=auto``), or ``None``.

    A conversational prompt is judged by its last user message, a plain one whole. A non-Latin
    script is chosen when it has at least 5 words and 15% of the prompt's words (a template in
    English around a Chinese question is a Chinese prompt); otherwise Latin, if it has words;
    otherwise the script with the most words.

    >>> sorted(prompt_language("A conversation between User and Assistant ... User: 小明有五个苹果，吃了两个，还剩几个？ Assistant:"))
    ['Han']
    >>> prompt_language([{"role": "system", "content": "用中文回答"}, {"role": "user", "content": "What does 你好 mean?"}])
    frozenset({'Latin'})
    """
    if isinstance(prompt, (list, tuple)):
        users = [m for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
        text = message_text(users[-1]) if users else ""
    else:
        text = prompt if isinstance(prompt, str) else ""
    counts: dict[str, int] = {}
    for _, script in words(text):
        counts[script] = counts.get(script, 0) + 1
    total = sum(counts.values())
    if not total:
        return None
    others = {s: c for s, c in counts.items() if s != "Latin"}
    if others:
        best = max(others, key=lambda s: others[s])
        group = (
            JAPANESE
            if best in JAPANESE and (counts.get("Hiragana") or counts.get("Katakana"))
            else frozenset({best})
        )
        if sum(counts.get(s, 0) for s in group) >= max(AUTO_MIN_WORDS, AUTO_MIN_SHARE * total):
            return group
    if counts.get("Latin"):
        return frozenset({"Latin"})
    best = max(counts, key=lambda s: counts[s])
    return (
        JAPANESE if best in JAPANESE and ("Hiragana" in counts or "Katakana" in counts) else frozenset({best})
    )


def reasoning_of(text: str, opened: bool) -> tuple[str, bool]:
    """The reasoning of a completion and whether it was cut off (never closed).

    >>> reasoning_of("<think>2+2, so 4</think> 4", False), reasoning_of("2+2, so", True)
    (('2+2, so 4', False), ('2+2, so', True))
    >>> reasoning_of("no tags here", False)
    ('no tags here', False)
    """
    full = reasoning_text(text, opened)
    start = full.find(THINK_OPEN)
    end = full.rfind(THINK_CLOSE)
    if start < 0:
        return (full[:end], False) if end >= 0 else (full, False)
    if end > start:
        return full[start + len(THINK_OPEN) : end], False
    return full[start + len(THINK_OPEN) :], True


class LanguageConsistencyReward(Reward):
    """The share of the reasoning's words in the target language (R1's language-consistency reward).

    >>> reward = LanguageConsistencyReward()
    >>> reward(prompts=["小明有五个苹果，吃了两个，还剩几个？"] * 2,
    ...        completions=["<think>五减二等于三</think> 3", "<think>五减二 equals three</think> 3"])
    [1.0, 0.6]
    """

    __name__ = "language_consistency"
    grades_answer = False  # it measures the reasoning, which a cut-off completion has too
    reported_counts = ("errors", "no_words", "unknown_language", "truncated")

    def __init__(self, config: LanguageConsistencyConfig | None = None, /, **params: Any) -> None:
        self.config = LanguageConsistencyConfig.resolve(self.__name__, config, params)
        self.language = self.config.language
        self.language_column = self.config.language_column
        self.scope = self.config.scope
        self.think_opened = self.config.think_opened
        self.min_words = self.config.min_words
        self.fixed = None if self.language == "auto" else target_scripts(self.language)
        self.required_columns = (self.language_column,) if self.language_column else ()

    def _target(self, batch: Batch, i: int) -> frozenset[str] | None:
        if self.language_column is not None:
            value = batch.columns.get(self.language_column, [None] * len(batch))[i]
            if isinstance(value, str) and value.strip():
                return target_scripts(value)
        if self.fixed is not None:
            return self.fixed
        prompt = batch.prompts[i] if batch.prompts is not None else None
        return prompt_language(prompt)

    def score(self, batch: Batch) -> list[float | None]:
        out: list[float | None] = []
        for i, text in enumerate(batch.texts):
            target = self._target(batch, i)
            if target is None:
                batch.count("unknown_language", row=i)
                out.append(None)
                continue
            opened = bool(batch.think_opened and batch.think_opened[i])
            if self.scope == "reasoning":
                region, truncated = reasoning_of(text, opened)
                if truncated:
                    batch.count("truncated", row=i)
            else:
                region = text
            counted = words(region)
            if len(counted) < self.min_words:
                batch.count("no_words", row=i)
                out.append(None)
                continue
            out.append(sum(script in target for _, script in counted) / len(counted))
        return out
