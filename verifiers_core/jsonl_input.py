"""Reading JSONL rows as bytes, one line at a time, so that one bad line never ends a run.

Every problem with a single line is that line's problem, reported with its number and skipped:
invalid UTF-8 (the input is read as bytes and decoded per line), a line longer than
``max_line_bytes`` (read in bounded pieces and discarded, never held whole in memory), JSON that
does not parse, nests deeper than :data:`MAX_JSON_DEPTH` or holds an integer too long for Python,
and a row without a usable ``completion``. Only a failure to read the input at all is fatal.

The standard library's ``json`` and a buffered binary stream do the work; the per-line bound and
the per-line decoding are what this module adds (``for line in file`` would hold a line of any
length in memory, and a text stream stops at the first undecodable byte).

>>> import io
>>> data = b'{"completion": "4"}\\n\\xff\\xfe\\n{"completion": [[[[1]]]]}\\n' + b'{"completion": "x"}' * 3 + b'\\n'
>>> for number, row in read_rows(io.BytesIO(data), max_line_bytes=40):
...     print(number, row)
1 {'completion': '4'}
2 RowError(line=2, reason='not valid UTF-8 (byte 0xff at byte 1)')
3 RowError(line=3, reason="'completion' must be a string or a list of {role, content} messages")
4 RowError(line=4, reason='line longer than 40 bytes (57 bytes); raise --max-line-bytes to read it')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from .text import COMPLETION_FORMS, is_completion

#: Default bound on one input line: room for a 1,000,000-character completion of 4-byte characters,
#: a long prompt and a large test suite (code rows), while a runaway line cannot exhaust memory.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
#: Deepest nesting of arrays and objects accepted in a row (chat rows nest about 5 levels).
MAX_JSON_DEPTH = 100
#: Bytes read at a time while skipping the rest of an over-long line.
_SKIP_CHUNK = 1 << 20
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RowError:
    """A line of the input that could not be scored, and why."""

    line: int
    reason: str


def parse_size(text: str) -> int:
    """A byte count from the command line: ``1048576``, ``512K``, ``64M``, ``1G`` (powers of 1024).

    >>> parse_size("64M"), parse_size("4096"), parse_size("1.5k")
    (67108864, 4096, 1536)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    ValueError: 'lots' is not a size: give bytes, or a number with K, M or G (e.g. 64M)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size: give bytes, or a number with K, M or G (e.g. 64M)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmg".index(unit.lower() or " "))


def read_lines(stream: BinaryIO, max_line_bytes: int) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield ``(line number, content, size in bytes)`` for each line of a binary stream.

    A line longer than ``max_line_bytes`` (newline not counted) is read in bounded pieces and
    dropped: its content is ``None``. Errors from reading the stream itself propagate.

    >>> import io
    >>> list(read_lines(io.BytesIO(b"ab\\n" + b"x" * 10 + b"\\nlast"), max_line_bytes=4))
    [(1, b'ab', 2), (2, None, 10), (3, b'last', 4)]
    """
    number = 0
    while True:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            return
        number += 1
        if line.endswith(b"\n"):
            yield number, line[:-1], len(line) - 1
            continue
        if len(line) <= max_line_bytes:  # the last line, without a newline
            yield number, line, len(line)
            return
        size = len(line)
        while True:  # too long: drop the rest of the line without holding it
            piece = stream.readline(_SKIP_CHUNK)
            if not piece:
                break
            if piece.endswith(b"\n"):
                size += len(piece) - 1
                break
            size += len(piece)
        yield number, None, size


def parse_row(number: int, raw: bytes | str) -> dict[str, Any] | RowError | None:
    """One input line as a row, a :class:`RowError` saying what is wrong with it, or ``None`` when blank.

    >>> parse_row(1, b'{"completion": "4", "solution": "4"}')
    {'completion': '4', 'solution': '4'}
    >>> parse_row(2, b"[" * 200 + b"]" * 200)
    RowError(line=2, reason='JSON nested more than 100 levels deep')
    >>> parse_row(3, b"   ") is None
    True
    """
    if isinstance(raw, bytes):
        if number == 1 and raw.startswith(_UTF8_BOM):
            raw = raw[len(_UTF8_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(number, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})")
    else:
        text = raw
    if not text.strip():
        return None
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        return RowError(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return RowError(number, f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    except ValueError as exc:  # e.g. an integer longer than Python's int_max_str_digits
        return RowError(number, f"JSON value not usable: {str(exc).split(';')[0]}")
    except MemoryError:
        return RowError(number, "too large to parse in memory")
    if json_depth(row) > MAX_JSON_DEPTH:
        return RowError(number, f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    if not isinstance(row, dict):
        return RowError(number, f"a row must be a JSON object, got {type(row).__name__}")
    if "completion" not in row:
        return RowError(number, "no 'completion' key")
    if not is_completion(row["completion"]):
        return RowError(number, f"'completion' must be {COMPLETION_FORMS}")
    return row


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), counted without recursion; stops past ``limit``.

    >>> json_depth({"a": [1, {"b": []}]}), json_depth("x")
    (4, 0)
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def read_rows(
    source: BinaryIO | Iterable[bytes | str],
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    *,
    with_lines: bool = False,
) -> Iterator[Any]:
    """Rows of a JSONL source (a binary stream, or lines as bytes or text), each with its line number
    (and, with ``with_lines=True``, the line's size and its bytes, or ``None`` for a text line); a
    line that cannot be a row comes as a :class:`RowError`. Blank lines are skipped.

    >>> [r for _, r in read_rows(['{"completion": "4"}', 'oops', '', '{"prompt": "p"}'])]  # doctest: +ELLIPSIS
    [{'completion': '4'}, RowError(line=2, reason='not valid JSON: ...'), RowError(line=4, reason="no 'completion' key")]
    """
    if hasattr(source, "readline") and not hasattr(source, "encoding"):
        lines: Iterable[tuple[int, bytes | str | None, int]] = read_lines(source, max_line_bytes)  # type: ignore[arg-type]
    else:
        lines = ((n, line, len(line)) for n, line in enumerate(source, start=1))
    for number, raw, size in lines:
        if raw is None or size > max_line_bytes:
            row: dict[str, Any] | RowError | None = RowError(
                number,
                f"line longer than {max_line_bytes} bytes ({size} bytes); raise --max-line-bytes to read it",
            )
        else:
            row = parse_row(number, raw.rstrip("\r\n") if isinstance(raw, str) else raw)
        if row is not None:
            if not with_lines:
                yield number, row
            else:
                line = raw if isinstance(raw, bytes) else None
                if line is not None and number == 1 and line.startswith(_UTF8_BOM):
                    line = line[len(_UTF8_BOM) :]
                yield number, row, size, line


__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "MAX_JSON_DEPTH",
    "RowError",
    "json_depth",
    "parse_row",
    "parse_size",
    "read_lines",
    "read_rows",
]
