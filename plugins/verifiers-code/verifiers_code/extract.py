"""Finding the program in a completion: fenced code blocks of the final answer.

>>> text = "<think>try ```python\\nprint(0)\\n```</think>Answer:\\n```python\\nprint(1)\\n```"
>>> extract_program(text, "python")
'print(1)\\n'
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

from verifiers_core import final_answer

#: Fence tags accepted for each language (lower case).
LANGUAGE_TAGS: dict[str, frozenset[str]] = {
    "python": frozenset({"python", "py", "python3", "py3"}),
    "cpp": frozenset({"cpp", "c++", "cc", "cxx", "cplusplus", "c++17", "c++20"}),
}
_ALIASES = {tag: lang for lang, tags in LANGUAGE_TAGS.items() for tag in tags}

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*$")
#: Longest program we hand to the sandbox or to the parser (characters).
MAX_PROGRAM_CHARS = 100_000


def normalize_language(name: object) -> str | None:
    """The canonical language for a name or fence tag (``"py"`` → ``"python"``), else ``None``.

    >>> normalize_language("C++"), normalize_language("Python3"), normalize_language("rust")
    ('cpp', 'python', None)
    """
    if not isinstance(name, str):
        return None
    return _ALIASES.get(name.strip().lower())


@dataclass(frozen=True)
class CodeBlock:
    """One closed fenced block: its tag as written (lower case, may be empty) and its body."""

    tag: str
    code: str

    @property
    def language(self) -> str | None:
        return normalize_language(self.tag)


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every closed fenced block (backticks or tildes, three or more) in order; unclosed ones are dropped.

    >>> [b.tag for b in fenced_blocks("```py\\na\\n```\\n~~~\\nb\\n~~~\\n```cpp\\nunclosed")]
    ['py', '']
    """
    blocks: list[CodeBlock] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i].rstrip("\r\n"))
        if not match:
            i += 1
            continue
        fence, tag = match.group(1), match.group(2).lower()
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            stripped = lines[j].strip()
            if (
                stripped
                and stripped[0] == fence[0]
                and set(stripped) == {fence[0]}
                and len(stripped) >= len(fence)
            ):
                closed = True
                break
            body.append(lines[j])
            j += 1
        if not closed:
            break  # an unclosed fence runs to the end: the completion was cut off
        blocks.append(CodeBlock(tag, "".join(body)))
        i = j + 1
    return blocks


def extract_program(text: str, language: str) -> str | None:
    """The program: the last closed block of the final answer tagged ``language`` or untagged.

    ``None`` when there is none (no final answer, no block, only blocks in other languages).

    >>> extract_program("```cpp\\nint main(){}\\n```", "python") is None
    True
    >>> extract_program("```\\nprint(2)\\n```", "python")
    'print(2)\\n'
    """
    answer = final_answer(text)
    if answer is None:
        return None
    for block in reversed(fenced_blocks(answer)):
        if block.tag == "" or block.language == language:
            if not block.code.strip() or len(block.code) > MAX_PROGRAM_CHARS:
                return None
            return block.code
    return None


def python_parses(code: str) -> bool:
    """Whether ``code`` is syntactically valid Python (parsed only, never run).

    >>> python_parses("def f(x):\\n    return x"), python_parses("def f(:")
    (True, False)
    """
    if len(code) > MAX_PROGRAM_CHARS:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not an error
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True
