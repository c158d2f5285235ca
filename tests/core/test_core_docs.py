"""The plugin author's documents stay true: every ``python`` block of ``docs/writing-rewards.md`` runs,
and the tutorial in ``CONTRIBUTING.md`` shows exactly the files ``new-plugin`` writes."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from verifiers_core.scaffold import write_plugin
from verifiers_core.testing import isolated_registry

ROOT = Path(__file__).resolve().parents[2]
BLOCK_RE = re.compile(r"```python\n(.*?)```", re.S)
SCAFFOLD_RE = re.compile(r"<!-- scaffold: (\S+) -->\n( *)```\w*\n(.*?)\n\2```", re.S)


def _blocks(path: Path) -> list[str]:
    return BLOCK_RE.findall(path.read_text(encoding="utf-8"))


REFERENCE_BLOCKS = _blocks(ROOT / "docs" / "writing-rewards.md")


def test_the_reference_has_examples():
    assert len(REFERENCE_BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(REFERENCE_BLOCKS)))
def test_reference_examples_run(index, monkeypatch):
    # Each block runs as a module of its own (a registered module, as a plugin's would be), compiled
    # without this file's __future__ flags.
    module = types.ModuleType(f"writing_rewards_block_{index}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    code = compile(REFERENCE_BLOCKS[index], f"writing-rewards.md block {index}", "exec", dont_inherit=True)
    with isolated_registry():
        exec(code, module.__dict__)


def test_tutorial_shows_what_new_plugin_writes(tmp_path):
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    shown = {
        name: "".join(line[len(indent) :] if line.strip() else line for line in block.splitlines(True)) + "\n"
        for name, indent, block in SCAFFOLD_RE.findall(text)
    }
    assert {"plugin.py", "rewards.py"} <= set(shown), "the tutorial must show the scaffold's files"
    target = write_plugin("my-rewards", tmp_path)
    for name, block in shown.items():
        (written,) = [p for p in target.rglob(name) if p.is_file()]
        assert block == written.read_text(encoding="utf-8"), (
            f"CONTRIBUTING.md's {name} differs from new-plugin's"
        )
