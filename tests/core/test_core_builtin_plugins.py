"""The built-in plugins, installed as a third party's would be: listed, scored, and light."""

from __future__ import annotations

import json
import os
import subprocess
import sys

BUILTIN = {
    "math": {"accuracy", "cosine"},
    "format": {"format", "tag_count", "repetition", "overlong"},
    "code": {"code", "code_binary", "code_format"},
}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_builtin_plugins_register_through_entry_points():
    rows = json.loads(_run("-m", "verifiers_core", "list", "--json").stdout)
    for plugin, names in BUILTIN.items():
        found = {r["name"] for r in rows if r["plugin"] == plugin and r["status"] == "ok"}
        assert names <= found, (plugin, found)
        assert all(r["distribution"] == f"verifiers-{plugin}" for r in rows if r["plugin"] == plugin)


def test_scoring_with_builtin_rewards_imports_no_torch(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps(
            {
                "completion": "<think>6*7</think> The answer is \\boxed{42}.\n```python\nprint(42)\n```",
                "solution": "42",
            }
        )
        + "\n"
    )
    proc = _run(
        "-m",
        "verifiers_core",
        "score",
        "--rewards",
        "accuracy,format,code_format",
        "--input",
        str(rows),
        env={"PYTHONPROFILEIMPORTTIME": "1"},
    )
    scored = json.loads(proc.stdout)
    assert scored["rewards"] == {"accuracy": 1.0, "format": 1.0, "code_format": 1.0}
    imported = {
        line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")
    }
    assert "verifiers_math.grading" in imported  # the check would be empty otherwise
    assert not {m for m in imported if m.split(".")[0] in {"torch", "transformers", "trl"}}
    # sympy runs only in the math workers, never in the caller
    assert not {m for m in imported if m.split(".")[0] == "sympy"}
