"""Writing scored rows so that nothing is lost and nothing is destroyed.

- To a file (``--output out.jsonl``): rows go to a temporary file in the output's directory, flushed
  after every batch; only when every row is scored does it replace ``out.jsonl`` (after an
  ``fsync``), so the output is either complete or untouched. If the run stops early (Ctrl-C, a full
  disk, an error), the rows written so far are kept in ``out.jsonl.partial`` and the caller says so.
- To standard output, or to a file that is not a regular file (``/dev/null``, a FIFO): rows are
  written and flushed as each batch is scored.
- The output may never be the input (the same file, also through links or hard links, and also
  standard output redirected to the input): that is refused before anything is written.

A batch is written with Ctrl-C deferred until it is complete, so a stream never ends in half a row.
The standard library's ``tempfile`` and ``os.replace`` do the atomic part; no library adds the
partial-file and same-file rules, which are the point here.

>>> import os, tempfile
>>> out = os.path.join(tempfile.mkdtemp(), "out.jsonl")
>>> sink = open_sink(out)
>>> sink.write_rows([{"completion": "4", "rewards": {"acc": 1.0}}])
>>> os.path.exists(out), sink.rows
(False, 1)
>>> sink.commit(); open(out).read()
'{"completion": "4", "rewards": {"acc": 1.0}}\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO

from .errors import VerifiersCoreError
from .interrupts import interrupts_deferred


class OutputError(VerifiersCoreError):
    """The output cannot be opened or written (the message names it and the reason)."""


class InputError(VerifiersCoreError):
    """The input cannot be opened or read (the message names it and the reason)."""


#: The keys scoring adds to a row, in the order they are written.
SCORE_KEYS = ("rewards", "total_reward")


def encode_row(row: dict[str, Any], line: bytes | None = None) -> bytes:
    """One JSONL line as UTF-8 bytes.

    Given the input ``line`` the row was read from (a JSON object without the score keys), the line
    is written back as it is with the :data:`SCORE_KEYS` appended: a long completion is copied, not
    encoded again. Otherwise the row is encoded; a string that is not valid Unicode (a lone surrogate
    read from a ``\\ud800`` escape) is written escaped again, as it came in.

    >>> encode_row({"a": "é"}), encode_row({"a": "\\ud800"})
    (b'{"a": "\\xc3\\xa9"}\\n', b'{"a": "\\\\ud800"}\\n')
    >>> encode_row({"completion": "4", "rewards": {"acc": 1.0}, "total_reward": 1.0}, b'{"completion":"4"} ')
    b'{"completion":"4", "rewards": {"acc": 1.0}, "total_reward": 1.0}\\n'
    """
    if line is not None:
        body = line.rstrip()
        if body.endswith(b"}"):
            tail = "".join(f", {json.dumps(key)}: {json.dumps(row.get(key))}" for key in SCORE_KEYS)
            return body[:-1] + tail.encode("utf-8") + b"}\n"
    text = json.dumps(row, ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(row, ensure_ascii=True) + "\n").encode("ascii")


class RowSink:
    """Where scored rows go. ``rows`` counts the rows written in full (flushed)."""

    #: How the output is named in messages.
    label: str = "the output"

    def __init__(self) -> None:
        self.rows = 0

    def write_rows(self, rows: Sequence[dict[str, Any]], lines: Sequence[bytes | None] | None = None) -> None:
        """Write and flush a batch of rows (an :class:`OutputError` if that fails); ``lines`` are the
        input lines they were read from, where known (see :func:`encode_row`)."""
        lines = lines if lines is not None else [None] * len(rows)
        data = b"".join(encode_row(row, line) for row, line in zip(rows, lines))
        with interrupts_deferred():
            try:
                self._write(data)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise OutputError(f"writing {self.label} failed: {_reason(exc)}") from exc
            self.rows += len(rows)

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        """Every row is written: make the output final."""

    def keep_partial(self) -> str | None:
        """The run stopped early: keep the rows written so far; returns where they are (``None``
        when no row was written and nothing is kept)."""
        return self.label if self.rows else None


class StreamSink(RowSink):
    """Rows written to a binary stream (standard output, a device, a FIFO), flushed per batch."""

    def __init__(self, stream: BinaryIO, label: str, close: bool = False) -> None:
        super().__init__()
        self.stream, self.label, self._close = stream, label, close

    def _write(self, data: bytes) -> None:
        self.stream.write(data)
        self.stream.flush()

    def commit(self) -> None:
        if self._close:
            try:
                self.stream.close()
            except OSError as exc:
                raise OutputError(f"writing {self.label} failed: {_reason(exc)}") from exc

    def keep_partial(self) -> str | None:
        if self._close:
            with contextlib.suppress(OSError):
                self.stream.close()
        return super().keep_partial()


class ReplacingSink(RowSink):
    """Rows written to a temporary file next to ``path`` that replaces it at :meth:`commit`."""

    def __init__(self, path: str, shown: str, avoid: str | None = None) -> None:
        super().__init__()
        self.path, self.avoid = path, avoid
        self.label = f"--output {shown}"
        # The partial file sits next to the real target; named as the user wrote it where that is the same.
        self.shown_partial = shown + ".partial" if os.path.abspath(shown) == path else path + ".partial"
        directory, name = os.path.split(path)
        fd, self.tmp_path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory or ".")
        self.file = os.fdopen(fd, "wb", buffering=1 << 20)
        self.good_bytes = 0  # bytes of whole rows known to be on disk

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.file.flush()
        self.good_bytes += len(data)

    def commit(self) -> None:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            _copy_mode(self.path, self.tmp_path)
            os.replace(self.tmp_path, self.path)
        except OSError as exc:
            raise OutputError(f"writing {self.label} failed: {_reason(exc)}") from exc

    def discard(self) -> None:
        """Remove the temporary file (nothing was scored)."""
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp_path)

    def keep_partial(self) -> str | None:
        with contextlib.suppress(OSError):
            self.file.close()  # may fail again on a full disk; the truncate below cleans up
        if not self.rows:
            self.discard()
            return None
        partial = self.path + ".partial"
        try:
            os.truncate(self.tmp_path, self.good_bytes)  # no half row at the end
            if os.path.lexists(partial) and _same_file(partial, self.avoid):
                return self.tmp_path  # never replace the input, whatever its name
            _copy_mode(self.path, self.tmp_path)
            os.replace(self.tmp_path, partial)
        except OSError:
            return self.tmp_path
        return self.shown_partial


def open_input(path: str) -> tuple[BinaryIO, int | None]:
    """Open ``--input`` as bytes (``-``: standard input); returns the stream and its size when it is a
    regular file. Problems are one :class:`InputError` naming the path.

    >>> open_input("/no/such.jsonl")
    Traceback (most recent call last):
    ...
    verifiers_core.jsonl_output.InputError: --input /no/such.jsonl: no such file
    """
    if path == "-":
        return sys.stdin.buffer, None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"--input {path}: no such file") from None
    except OSError as exc:
        raise InputError(f"--input {path}: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"--input {path}: is a directory; give a JSONL file")
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"--input {path}: cannot be read: {_reason(exc)}") from None
    return stream, info.st_size if stat.S_ISREG(info.st_mode) else None


def open_sink(output: str | None, input_path: str | None = None) -> RowSink:
    """Where ``--output`` goes, checked before anything is scored: standard output (``None`` or ``-``),
    a device or FIFO (streamed), or a file (replaced at the end). The input itself is refused.

    >>> open_sink("/no/such/dir/out.jsonl")
    Traceback (most recent call last):
    ...
    verifiers_core.jsonl_output.OutputError: --output /no/such/dir/out.jsonl: the directory /no/such/dir does not exist
    """
    if output in (None, "-"):
        if input_path not in (None, "-") and _stdout_is(input_path):
            raise OutputError(
                f"standard output is the input file {input_path}: writing to it would destroy the input; "
                "redirect it elsewhere or give --output"
            )
        return StreamSink(sys.stdout.buffer, "standard output")
    if input_path not in (None, "-") and (output == input_path or _same_file(output, input_path)):
        raise OutputError(
            f"--output {output} is the input file {input_path}: scoring never overwrites its input; "
            "choose another --output"
        )
    target = os.path.realpath(output)  # through a symlink: replace its target, keep the link
    if os.path.isdir(target):
        raise OutputError(f"--output {output}: is a directory; give a file name")
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        try:  # /dev/null, a FIFO, a terminal: write to it as a stream
            return StreamSink(open(target, "wb"), f"--output {output}", close=True)  # noqa: SIM115
        except OSError as exc:
            raise OutputError(f"--output {output}: cannot be written: {_reason(exc)}") from None
    directory = os.path.dirname(target) or "."
    shown_dir = os.path.dirname(output) or "."
    if not os.path.exists(directory):
        raise OutputError(f"--output {output}: the directory {shown_dir} does not exist")
    if not os.path.isdir(directory):
        raise OutputError(f"--output {output}: {shown_dir} is not a directory")
    try:
        sink = ReplacingSink(target, output, avoid=input_path)
    except OSError as exc:
        raise OutputError(f"--output {output}: cannot write in {shown_dir}: {_reason(exc)}") from None
    return sink


def _same_file(a: str, b: str | None) -> bool:
    if b is None or b == "-":
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _stdout_is(path: str) -> bool:
    """Whether standard output is the file at ``path`` (``score --input x > x`` or ``>> x``)."""
    try:
        out, other = os.fstat(sys.stdout.fileno()), os.stat(path)
    except (OSError, AttributeError, ValueError):
        return False
    return stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (other.st_dev, other.st_ino)


def _copy_mode(existing: str, new: str) -> None:
    """Give the new file the mode of the file it replaces, or the umask's default for a new file."""
    try:
        mode = stat.S_IMODE(os.stat(existing).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(new, mode)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


__all__ = [
    "InputError",
    "OutputError",
    "ReplacingSink",
    "RowSink",
    "SCORE_KEYS",
    "StreamSink",
    "encode_row",
    "open_input",
    "open_sink",
]
