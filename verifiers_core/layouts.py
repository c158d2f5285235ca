"""Row layouts for generated datasets, and writing rows to JSONL or Parquet.

Two layouts (``python -m verifiers_core dataset NAME --layout trl|verl``):

- ``trl`` (ours, the default): the rows as generated: ``prompt`` (a text or chat messages) and the
  columns the fitting rewards read, which is what TRL's ``GRPOTrainer`` takes as it is.
- ``verl``: veRL's RL dataset layout, one row per prompt::

      {"data_source": "reasoning-gym:countdown",
       "prompt": [{"role": "user", "content": "..."}],
       "reward_model": {"style": "rule", "ground_truth": "<the gold column's value>"},
       "extra_info": {"answer": ..., "metadata": "...", "index": 0, "split": "train"}}

  ``ground_truth`` is the value of the dataset's gold column (``gold_column`` in its
  registration: ``solution`` for ``arithmetic``, ``answer`` for ``reasoning-gym``); ``extra_info``
  holds every other column of the row, the gold column included, plus ``index`` and ``split``, so
  that a reward fed from ``extra_info`` finds the same columns as in the ``trl`` layout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dataset_registry import ROW_META_KEYS, GeneratedDataset
from .errors import VerifiersCoreError

LAYOUTS = ("trl", "verl")
FORMATS = {".jsonl": "jsonl", ".parquet": "parquet"}


def as_messages(prompt: Any, system_prompt: str | None = None) -> list[dict[str, str]]:
    """A prompt as chat messages (veRL's ``prompt``), with an optional system message first.

    >>> as_messages("2+2?")
    [{'role': 'user', 'content': '2+2?'}]
    >>> as_messages([{"role": "user", "content": "2+2?"}], "Think first.")[0]
    {'role': 'system', 'content': 'Think first.'}
    """
    if isinstance(prompt, str):
        messages = [{"role": "user", "content": prompt}]
    else:
        messages = [{"role": m["role"], "content": m["content"]} for m in prompt]
    if system_prompt and not (messages and messages[0]["role"] == "system"):
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def to_verl_rows(generated: GeneratedDataset, *, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """The rows in veRL's layout (see the module docstring).

    >>> from verifiers_core.dataset_registry import DatasetEntry
    >>> entry = DatasetEntry("sums", "examples", "m:f", gold_column="solution")
    >>> gen = GeneratedDataset("sums", entry, None, {"split": "test"}, [{"prompt": "1+1?", "solution": "2"}])
    >>> row = to_verl_rows(gen)[0]
    >>> row["data_source"], row["reward_model"], row["extra_info"]
    ('sums', {'style': 'rule', 'ground_truth': '2'}, {'solution': '2', 'index': 0, 'split': 'test'})
    """
    gold = generated.gold_column
    split = generated.params.get("split")
    out = []
    for i, row in enumerate(generated.rows):
        extra = {k: v for k, v in row.items() if k != "prompt" and k not in ROW_META_KEYS}
        extra["index"] = i
        if split is not None:
            extra["split"] = split
        out.append(
            {
                "data_source": row.get("data_source") or generated.spec,
                "prompt": as_messages(row["prompt"], system_prompt),
                "reward_model": {"style": "rule", "ground_truth": row.get(gold) if gold else None},
                "extra_info": extra,
            }
        )
    return out


def to_trl_rows(generated: GeneratedDataset, *, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """The rows as generated; with ``system_prompt``, prompts become chat messages that start with it.

    >>> from verifiers_core.dataset_registry import DatasetEntry
    >>> gen = GeneratedDataset("sums", DatasetEntry("sums", "p", "m:f"), None, {}, [{"prompt": "1+1?"}])
    >>> to_trl_rows(gen), to_trl_rows(gen, system_prompt="Be brief.")[0]["prompt"][0]["role"]
    ([{'prompt': '1+1?'}], 'system')
    """
    if not system_prompt:
        return [dict(row) for row in generated.rows]
    return [{**row, "prompt": as_messages(row["prompt"], system_prompt)} for row in generated.rows]


def file_format(path: str | Path) -> str:
    """``jsonl`` or ``parquet`` from the file name; anything else is an error that says what works.

    >>> file_format("rows.parquet"), file_format("x.jsonl")
    ('parquet', 'jsonl')
    >>> file_format("rows.csv")
    Traceback (most recent call last):
    ...
    verifiers_core.errors.VerifiersCoreError: --output rows.csv: write .jsonl or .parquet
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise VerifiersCoreError(f"--output {path}: write .jsonl or .parquet")
    return FORMATS[suffix]


def write_rows(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Write rows to ``path``: JSON Lines, or Parquet (needs ``pyarrow``, installed with ``datasets``).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.jsonl")
    >>> write_rows([{"prompt": "1+1?", "solution": "2"}], path)
    >>> open(path).read()
    '{"prompt": "1+1?", "solution": "2"}\\n'
    """
    fmt = file_format(path)
    path = Path(path)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise VerifiersCoreError(
            f"--output {path}: writing Parquet needs pyarrow (pip install pyarrow, or the [train] extra)"
        ) from None
    try:
        table = pa.Table.from_pylist(list(rows))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise VerifiersCoreError(
            f"--output {path}: the rows do not fit one Parquet schema ({exc}); write .jsonl instead"
        ) from None
    pq.write_table(table, path)


__all__ = ["FORMATS", "LAYOUTS", "as_messages", "file_format", "to_trl_rows", "to_verl_rows", "write_rows"]
