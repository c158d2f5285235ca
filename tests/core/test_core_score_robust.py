"""`python -m verifiers_core score` under bad input, bad paths and interruption, run as a user runs it.

Each case asserts the exit status, the one `error:` (or `interrupted:`) line, the rows kept, and
that nothing is destroyed or left running. Permission cases run the command in a user namespace
without capabilities over the files (`unshare --user`), so they hold when the tests run as root.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from process_watch import descendants, left_behind, running, uid_of, wait_until

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "VERIFIERS_CORE_LOAD_PLUGINS": "format,math,code"}


def interruptible() -> None:
    """In the child before exec: Ctrl-C as at a terminal. A suite started in the background by a
    non-interactive shell (``make test &``) ignores SIGINT, and an ignored SIGINT survives exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def score(
    *args: str, prefix: tuple[str, ...] = (), timeout: float = 180, **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, PYTHON, "-m", "verifiers_core", "score", *args],
        capture_output=True,
        env=kwargs.pop("env", ENV),
        timeout=timeout,
        cwd=kwargs.pop("cwd", ROOT),
        **kwargs,
    )


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one `error:` line of a failed run (and no traceback)."""
    err = lines(proc.stderr)
    errors = [line for line in err if line.startswith("error:")]
    assert len(errors) == 1, err
    assert not any("Traceback" in line for line in err), err
    return errors[0]


def row(i: int, completion: str = "<think>r</think> answer") -> bytes:
    return (json.dumps({"id": i, "completion": completion}) + "\n").encode()


def ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def unprivileged() -> tuple[str, ...]:
    """A prefix that runs a command without the power to bypass file permissions."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to test permissions as root")
    return ("unshare", "--user")


# -- the output never destroys the input ------------------------------------------------------------


@pytest.mark.parametrize("how", ["same path", "other spelling", "symlink", "hard link", "stdout"])
def test_output_that_is_the_input_is_refused(tmp_path, how):
    data = tmp_path / "s.jsonl"
    data.write_bytes(row(1) + row(2))
    before = data.read_bytes()
    listing = sorted(os.listdir(tmp_path))
    if how == "stdout":  # `score --input s.jsonl >> s.jsonl`
        with open(data, "ab") as out:
            proc = subprocess.run(
                [PYTHON, "-m", "verifiers_core", "score", "--rewards", "format", "--input", str(data)],
                stdout=out,
                stderr=subprocess.PIPE,
                env=ENV,
                timeout=120,
            )
        assert "standard output is the input file" in error_line(proc)
    else:
        output = {
            "same path": data,
            "other spelling": tmp_path / "." / "sub" / ".." / "s.jsonl",
            "symlink": tmp_path / "link.jsonl",
            "hard link": tmp_path / "hard.jsonl",
        }[how]
        (tmp_path / "sub").mkdir()
        listing = sorted(os.listdir(tmp_path))
        if how == "symlink":
            output.symlink_to(data)
            listing.append("link.jsonl")
        if how == "hard link":
            os.link(data, output)
            listing.append("hard.jsonl")
        listing.sort()
        proc = score("--rewards", "format", "--input", str(data), "--output", str(output))
        line = error_line(proc)
        assert f"--output {output} is the input file {data}" in line and "no rows written" in line
    assert proc.returncode == 2
    assert data.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing  # no temporary or partial file left


def test_output_is_replaced_only_when_complete_and_keeps_its_mode(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_bytes(row(1) + row(2))
    out = tmp_path / "out.jsonl"
    out.write_text("old results\n")
    out.chmod(0o640)
    proc = score("--rewards", "format", "--input", str(data), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert ids(out) == [1, 2] and (out.stat().st_mode & 0o777) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out.jsonl"]
    help_text = score("--help").stdout.decode()
    assert "temporary file in the output's directory" in " ".join(help_text.split())


# -- row-level problems are row-level ----------------------------------------------------------------


def test_bad_lines_are_skipped_with_their_numbers_and_every_good_row_is_written(tmp_path):
    data = tmp_path / "in.jsonl"
    content = [
        b"\xef\xbb\xbf" + row(1),  # a UTF-8 byte-order mark on the first line
        b'{"id": 99, "completion": "caf\xe9"}\n',  # Latin-1, not UTF-8
        row(3),
        b'{"completion": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",  # past Python's recursion limit
        b'{"completion": "x", "a": ' + b"[" * 500 + b"]" * 500 + b"}\n",  # parses, but far too deep
        b'{"completion": "x", "n": ' + b"7" * 5000 + b"}\n",  # an integer Python will not read
        row(7, "y" * 400_000),  # longer than --max-line-bytes
        b'{"id": 8, "completion": "lone \\ud800 surrogate"}\n',  # valid JSON: scored, written escaped
        row(9).replace(b"\n", b"\r\n"),
        b"\n",
        row(11).rstrip(b"\n"),  # no newline at the end
    ]
    data.write_bytes(b"".join(content))
    out = tmp_path / "out.jsonl"
    proc = score(
        "--rewards", "format", "--input", str(data), "--output", str(out), "--max-line-bytes", "300K"
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert ids(out) == [1, 3, 8, 9, 11]
    assert "lone \\ud800 surrogate" in out.read_text()
    err = lines(proc.stderr)
    expected = {
        2: "not valid UTF-8 (byte 0xe9 at byte 30)",
        4: "JSON nested more than 100 levels deep",
        5: "JSON nested more than 100 levels deep",
        6: "JSON value not usable: Exceeds the limit (4300 digits)",
        7: f"line longer than 307200 bytes ({len(content[6]) - 1} bytes)",
    }
    for number, reason in expected.items():
        assert any(line.startswith(f"{data}:{number}: skipped: {reason}") for line in err), (number, err)
    assert "scored 5 rows (5 malformed rows skipped)" in err
    assert not any("Traceback" in line for line in err)


def _reader(stream) -> queue.Queue:
    lines_read: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in iter(stream.readline, b""):
            lines_read.put(line.decode())

    threading.Thread(target=pump, daemon=True).start()
    return lines_read


def test_skipped_lines_and_rows_appear_as_they_are_read_not_at_the_end():
    proc = subprocess.Popen(
        [PYTHON, "-m", "verifiers_core", "score", "--rewards", "format", "--input", "-", "--batch-size", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    try:
        out, err = _reader(proc.stdout), _reader(proc.stderr)
        proc.stdin.write(row(1) + b"\xff not utf-8\n")
        proc.stdin.flush()
        # The input stays open: both must arrive while the command still waits for more.
        assert json.loads(out.get(timeout=60))["id"] == 1
        assert err.get(timeout=60).startswith("<stdin>:2: skipped: not valid UTF-8")
        assert proc.poll() is None
        proc.stdin.write(row(3))
        proc.stdin.close()
        assert json.loads(out.get(timeout=60))["id"] == 3
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- fatal problems: one error line naming the path ----------------------------------------------------


def test_fatal_input_problems(tmp_path):
    missing = tmp_path / "nope.jsonl"
    proc = score("--rewards", "format", "--input", str(missing))
    assert proc.returncode == 2
    assert error_line(proc) == f"error: --input {missing}: no such file; no rows written"

    proc = score("--rewards", "format", "--input", str(tmp_path))
    assert proc.returncode == 2
    assert (
        error_line(proc) == f"error: --input {tmp_path}: is a directory; give a JSONL file; no rows written"
    )

    locked = tmp_path / "locked.jsonl"
    locked.write_bytes(row(1))
    locked.chmod(0)
    out = tmp_path / "out.jsonl"
    proc = score("--rewards", "format", "--input", str(locked), "--output", str(out), prefix=unprivileged())
    assert proc.returncode == 2
    assert error_line(proc) == f"error: --input {locked}: cannot be read: Permission denied; no rows written"
    assert not out.exists()


def test_fatal_output_problems(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_bytes(row(1))
    absent = tmp_path / "no" / "such" / "out.jsonl"
    proc = score("--rewards", "format", "--input", str(data), "--output", str(absent))
    assert proc.returncode == 2
    assert error_line(proc) == (
        f"error: --output {absent}: the directory {absent.parent} does not exist; no rows written"
    )

    proc = score("--rewards", "format", "--input", str(data), "--output", str(tmp_path))
    assert proc.returncode == 2
    assert (
        error_line(proc) == f"error: --output {tmp_path}: is a directory; give a file name; no rows written"
    )

    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    target = read_only / "out.jsonl"
    proc = score("--rewards", "format", "--input", str(data), "--output", str(target), prefix=unprivileged())
    assert proc.returncode == 2
    assert error_line(proc) == (
        f"error: --output {target}: cannot write in {read_only}: Permission denied; no rows written"
    )
    assert os.listdir(read_only) == []


def test_full_device_is_one_error_line():
    data_rows = row(1) + row(2)
    proc = subprocess.run(
        [
            PYTHON,
            "-m",
            "verifiers_core",
            "score",
            "--rewards",
            "format",
            "--input",
            "-",
            "--output",
            "/dev/full",
        ],
        input=data_rows,
        capture_output=True,
        env=ENV,
        timeout=120,
    )
    assert proc.returncode == 2
    assert error_line(proc) == (
        "error: writing --output /dev/full failed: No space left on device; no rows written"
    )


def test_full_disk_keeps_the_rows_already_written(tmp_path):
    """A file-size limit stands in for a full disk: writes past it fail as a full disk's do."""
    data = tmp_path / "in.jsonl"
    data.write_bytes(b"".join(row(i, "<think>r</think> " + "z" * 300) for i in range(40)))
    out = tmp_path / "out.jsonl"
    limit = 3000  # room for a few batches of 2 rows; a later batch does not fit

    def cap_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = score(
        "--rewards", "format", "--input", str(data), "--output", str(out), "--batch-size", "2",
        preexec_fn=cap_file_size,
    )  # fmt: skip
    assert proc.returncode == 2
    partial = tmp_path / "out.jsonl.partial"
    kept = ids(partial)
    assert error_line(proc) == (
        f"error: writing --output {out} failed: File too large; "
        f"{len(kept)} rows written to {partial} (partial)"
    )
    row_bytes = len(partial.read_bytes().splitlines()[0]) + 1  # every output row has the same size
    assert kept == list(range(len(kept))) and len(kept) == limit // (2 * row_bytes) * 2 > 0
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out.jsonl.partial"]


# -- Ctrl-C ---------------------------------------------------------------------------------------------


def _code_row(i: int, seconds: float) -> bytes:
    program = f"import time\ntime.sleep({seconds})\nprint(1)" if seconds else "print(1)"
    tests = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "1"}]}
    return (
        json.dumps(
            {
                "id": i,
                # the boxed answer needs a grading worker (sympy), so graders run too
                "completion": f"<think>r</think>\n```python\n{program}\n```\n\\boxed{{\\sin(x)^{{2000}}+\\cos(x)^{{2000}}}}",
                "verification_info": tests,
                "solution": "1",
            }
        )
        + "\n"
    ).encode()


def test_ctrl_c_keeps_the_scored_rows_and_leaves_nothing_running(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_bytes(b"".join(_code_row(i, 0 if i < 4 else 60) for i in range(8)))
    out = tmp_path / "out.jsonl"
    cmd = [
        PYTHON, "-m", "verifiers_core", "score", "--rewards", "accuracy,code",
        "--reward-arg", "code.timeout=60", "--batch-size", "2",
        "--input", str(data), "--output", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=tmp_path, preexec_fn=interruptible
    )
    try:

        def two_batches_written() -> bool:
            tmp = [p for p in tmp_path.glob(".out.jsonl.*.tmp")]
            return bool(tmp) and tmp[0].read_bytes().count(b"\n") == 4

        assert wait_until(two_batches_written, timeout=120), (
            proc.stderr.read1().decode() if proc.poll() else ""
        )
        # the third batch runs programs that sleep for a minute inside the sandbox: interrupt it there
        wait_until(lambda: False, timeout=1.0)
        tree = descendants(proc.pid)
        assert any(uid_of(p) == 65534 for p in tree)  # sandboxed processes
        commands = " ".join(Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace") for p in tree)
        assert "verifiers_math.worker" in commands and "bwrap" in commands  # graders and sandboxes
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert lines(err) == [f"interrupted: 4 rows written to {out}.partial (partial)"]
    assert ids(Path(f"{out}.partial")) == [0, 1, 2, 3]
    assert not out.exists()
    assert left_behind(tree) == set()


def test_ctrl_c_on_standard_output_says_how_many_rows_went_out():
    proc = subprocess.Popen(
        [PYTHON, "-m", "verifiers_core", "score", "--rewards", "format", "--input", "-", "--batch-size", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
        preexec_fn=interruptible,
    )
    try:
        out = _reader(proc.stdout)
        proc.stdin.write(row(1))
        proc.stdin.flush()
        assert json.loads(out.get(timeout=60))["id"] == 1
        tree = descendants(proc.pid)
        proc.send_signal(signal.SIGINT)  # while it waits for more input
        assert proc.wait(timeout=30) == 130
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert lines(err) == ["interrupted: 1 row written to standard output (partial)"]
    assert running(tree) == set() or left_behind(tree) == set()


# -- every fault counted where users look -----------------------------------------------------------------


def test_counters_appear_in_the_summary(tmp_path):
    data = tmp_path / "in.jsonl"
    rows = [
        {"id": 0, "completion": "<think>r</think> \\boxed{4}", "solution": "4"},
        {"id": 1, "completion": "<think>cut off, \\boxed{4}", "solution": "4"},  # no answer
        {"id": 2, "completion": "<think>r</think> \\boxed{4}" + " " * 3000, "solution": "4"},  # oversized
    ]
    tests = {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "1"}]}
    for r in rows:
        r["verification_info"] = tests
    rows.append(json.loads(_code_row(3, 30)))  # runs past its timeout
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = score(
        "--rewards", "accuracy,code", "--input", str(data),
        "--reward-arg", "accuracy.max_completion_chars=1000", "--reward-arg", "code.timeout=1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    scored = [json.loads(line) for line in lines(proc.stdout)]
    assert [r["rewards"]["accuracy"] for r in scored] == [1.0, 0.0, 0.0, 0.0]
    summary = {line.strip().split(":")[0]: line for line in lines(proc.stderr) if line.startswith("  ")}
    assert "no_answer 1" in summary["accuracy"] and "oversized 1" in summary["accuracy"], summary
    assert "timeouts 1" in summary["code"] and "no_answer 1" in summary["code"], summary


# -- issue 10 item 4: --config -------------------------------------------------------------------------


def test_config_selects_the_rewards_and_contradictions_are_refused(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_bytes(row(1) + row(2, "no tags at all"))
    config = tmp_path / "rewards.yaml"
    config.write_text("rewards:\n  - {name: format, weight: 0.5}\n")

    proc = score("--config", str(config), "--input", str(data))
    assert proc.returncode == 0, proc.stderr
    scored = [json.loads(line) for line in lines(proc.stdout)]
    assert [(r["rewards"]["format"], r["total_reward"]) for r in scored] == [(1.0, 0.5), (0.0, 0.0)]

    agreeing = score("--config", str(config), "--rewards", "format", "--input", str(data))
    assert agreeing.returncode == 0 and agreeing.stdout == proc.stdout

    with_arg = score(
        "--config", str(config), "--reward-arg", "format.max_completion_chars=20", "--input", str(data)
    )
    assert with_arg.returncode == 0
    # "<think>r</think> answer" (23 characters) is refused unread: 0.0 where it scored 1.0
    assert [json.loads(line)["rewards"]["format"] for line in lines(with_arg.stdout)] == [0.0, 0.0]
    assert "oversized 1" in with_arg.stderr.decode()

    other = score("--config", str(config), "--rewards", "accuracy", "--input", str(data))
    assert other.returncode == 2
    assert error_line(other) == (
        "error: rewards given twice and they differ: --rewards names ['accuracy'], the config names "
        "['format']; give them in one place"
    )
    weights = score("--config", str(config), "--reward-weights", "2", "--input", str(data))
    assert weights.returncode == 2 and "reward weights given twice and they differ" in error_line(weights)

    missing = score("--config", str(tmp_path / "none.yaml"), "--input", str(data))
    assert missing.returncode == 2
    assert error_line(missing) == f"error: --config {tmp_path / 'none.yaml'}: No such file or directory"
    neither = score("--input", str(data))
    assert neither.returncode == 2 and "no reward selected" in error_line(neither)
