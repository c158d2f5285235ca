"""The answer a reasoning-gym scorer sees: read from a completion's final answer region.

The region is the text after the last ``</think>`` (the core's answer-region rule: a completion cut
off inside its reasoning has none, and never reaches this module). In it, the first of these that
is present is the answer, stripped of surrounding whitespace:

1. the content of the last ``<answer>…</answer>`` (reasoning-gym's own prompts ask for it); an
   ``<answer>`` never closed gives the text after it;
2. the content of the last ``\\boxed{…}`` (braces balanced; the R1 system prompt asks for it);
3. the whole region.

An ``<answer>`` whose whole content is one ``\\boxed{…}`` gives the box's content.
"""

from __future__ import annotations

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
BOXED = "\\boxed{"


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` whose braces balance, or ``None``.

    >>> last_boxed("\\\\boxed{1} then \\\\boxed{\\\\frac{1}{2}}")
    '\\\\frac{1}{2}'
    >>> last_boxed("\\\\boxed{unclosed") is None
    True
    """
    start = text.rfind(BOXED)
    while start >= 0:
        depth, i = 1, start + len(BOXED)
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    return text[start + len(BOXED) : i]
            i += 1
        start = text.rfind(BOXED, 0, start)
    return None


def extract_answer(region: str) -> str:
    """The answer inside a final answer region (see the module docstring).

    >>> extract_answer(" The answer is <answer> 42 </answer>.")
    '42'
    >>> extract_answer(" so \\\\boxed{[1, 2]}"), extract_answer("  7  "), extract_answer("<answer>\\\\boxed{5}</answer>")
    ('[1, 2]', '7', '5')
    """
    close = region.rfind(ANSWER_CLOSE)
    if close >= 0:
        open_ = region.rfind(ANSWER_OPEN, 0, close)
        if open_ >= 0:
            return _unbox(region[open_ + len(ANSWER_OPEN) : close].strip())
    open_ = region.rfind(ANSWER_OPEN)
    if open_ >= 0:
        return _unbox(region[open_ + len(ANSWER_OPEN) :].strip())
    boxed = last_boxed(region)
    if boxed is not None:
        return boxed.strip()
    return region.strip()


def _unbox(text: str) -> str:
    if text.startswith(BOXED) and text.endswith("}"):
        inner = last_boxed(text)
        if inner is not None and len(inner) == len(text) - len(BOXED) - 1:
            return inner.strip()
    return text
