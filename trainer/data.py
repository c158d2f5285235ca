"""Training data: load a hub id or a local file/folder, map known layouts to a prompt and reward columns.

Presets (``--preset``, recognised from the columns with ``auto``):

========== ============================== ===============================================
preset     columns it reads               what it adds
========== ============================== ===============================================
gsm8k      ``question``, ``answer``       ``prompt``; ``solution`` = the number after ``####``
math       ``problem``, ``solution``      ``prompt`` (``solution`` is the gold as it is)
openr1-code ``problem``, ``verification_info`` ``prompt`` (``verification_info`` feeds the code reward)
none       ``prompt`` (or --prompt_column) the prompt, with the system prompt added to text prompts
========== ============================== ===============================================
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifiers_core.text import message_text

from .checks import looks_local
from .errors import TrainerConfigError

R1_SYSTEM_PROMPT = (
    "You are a careful problem solver. First reason about the problem step by step between <think> and "
    "</think>. After </think>, state the final answer inside \\boxed{}, for example: "
    "<think> reasoning here </think> The answer is \\boxed{42}."
)
R1_CODE_SYSTEM_PROMPT = (
    "You are a careful programmer. First reason about the problem step by step between <think> and "
    "</think>. After </think>, give your solution as one complete Python program in a ```python fenced "
    "code block that reads from standard input and writes to standard output."
)

#: preset -> (prompt column, default system prompt)
PRESET_PROMPTS = {
    "gsm8k": ("question", R1_SYSTEM_PROMPT),
    "math": ("problem", R1_SYSTEM_PROMPT),
    "openr1-code": ("problem", R1_CODE_SYSTEM_PROMPT),
    "none": ("prompt", R1_SYSTEM_PROMPT),
}

_FILE_BUILDERS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".arrow": "arrow", ".csv": "csv"}
_ROWS_CHECKED = 200  # rows inspected for a usable prompt before mapping the whole dataset


def load_any(name: str, config: str | None = None, split: str = "train") -> Any:
    """Load one split as a ``datasets.Dataset`` from a hub id, a data file or a folder.

    Files: ``.json``, ``.jsonl``, ``.parquet``, ``.arrow``, ``.csv``. Folders: a ``save_to_disk``
    folder, or a folder of data files (``datasets`` infers the format).

    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.jsonl")
    >>> _ = open(path, "w").write(json.dumps({"prompt": "2+2?", "solution": "4"}) + "\\n")
    >>> load_any(path).column_names
    ['prompt', 'solution']
    """
    import datasets

    path = os.path.expanduser(name)
    try:
        if os.path.isfile(path):
            ext = ".jsonl" if path.endswith(".jsonl") else os.path.splitext(path)[1].lower()
            builder = _FILE_BUILDERS.get(ext)
            if builder is None:
                raise TrainerConfigError(
                    f"dataset file {name!r} has an unsupported extension {ext!r}; use one of "
                    + ", ".join(sorted(_FILE_BUILDERS))
                )
            return datasets.load_dataset(builder, data_files=path, split="train")
        if os.path.isdir(path):
            if any(os.path.isfile(os.path.join(path, f)) for f in ("state.json", "dataset_dict.json")):
                loaded = datasets.load_from_disk(path)
                if isinstance(loaded, datasets.DatasetDict):
                    if split not in loaded:
                        raise TrainerConfigError(
                            f"dataset folder {name!r} has no split {split!r}; it has: {', '.join(loaded)} "
                            "(choose one with --dataset_split)"
                        )
                    return loaded[split]
                return loaded
            return datasets.load_dataset(path, name=config, split=split)
        if looks_local(name):
            raise TrainerConfigError(
                f"dataset {name!r} does not exist (it can only be a local path: a hub id looks like owner/name)"
            )
        return datasets.load_dataset(name, name=config, split=split)
    except TrainerConfigError:
        raise
    except Exception as exc:  # datasets raises many types; say which dataset and why
        raise TrainerConfigError(
            f"could not load dataset {name!r} (config {config!r}, split {split!r}): {type(exc).__name__}: {exc}"
        ) from exc


def detect_preset(columns: Sequence[str]) -> str:
    """Recognise a known layout from the column names.

    >>> detect_preset(["question", "answer"]), detect_preset(["problem", "solution", "level"])
    ('gsm8k', 'math')
    >>> detect_preset(["problem", "verification_info"]), detect_preset(["prompt", "solution"])
    ('openr1-code', 'none')
    """
    cols = set(columns)
    if "verification_info" in cols:
        return "openr1-code"
    if "prompt" in cols:
        return "none"
    if {"question", "answer"} <= cols:
        return "gsm8k"
    if {"problem", "solution"} <= cols:
        return "math"
    return "none"


def gsm8k_answer(answer: Any) -> str | None:
    """The gold number of a GSM8K answer: the text after ``####``, without thousands separators.

    >>> gsm8k_answer("3 + 4 = 7 apples\\n#### 1,007"), gsm8k_answer("no marker")
    ('1007', None)
    """
    if not isinstance(answer, str) or "####" not in answer:
        return None
    gold = answer.rsplit("####", 1)[1].strip().replace(",", "")
    return gold or None


def _prompt_problem(value: Any) -> str | None:
    """Why a prompt value is unusable, or None when it is fine."""
    if isinstance(value, str):
        return None if value.strip() else "an empty string"
    if isinstance(value, list) and value:
        for message in value:
            if not (isinstance(message, dict) and "role" in message and "content" in message):
                return "a list that is not chat messages ({'role': ..., 'content': ...})"
        return None
    return f"{type(value).__name__} {value!r:.60}"


def make_prompt(value: Any, system_prompt: str, prompt_format: str) -> Any:
    """Build the prompt TRL sees from a question text or chat messages.

    >>> make_prompt("2+2?", "Think.", "chat")
    [{'role': 'system', 'content': 'Think.'}, {'role': 'user', 'content': '2+2?'}]
    >>> make_prompt("2+2?", "Think.", "plain")
    'Think.\\n\\n2+2?'
    >>> make_prompt([{"role": "user", "content": "hi"}], "Think.", "chat")
    [{'role': 'system', 'content': 'Think.'}, {'role': 'user', 'content': 'hi'}]
    """
    if isinstance(value, list):
        messages = [dict(m) for m in value]
        if system_prompt and not (messages and messages[0].get("role") == "system"):
            messages.insert(0, {"role": "system", "content": system_prompt})
        if prompt_format == "plain":
            return "\n\n".join(message_text(m) for m in messages)
        return messages
    if prompt_format == "plain":
        return f"{system_prompt}\n\n{value}" if system_prompt else value
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": value}]


@dataclass
class PreparedData:
    """The mapped dataset and what was done to it (recorded in ``run.json``)."""

    dataset: Any
    preset: str
    prompt_column: str
    system_prompt: str
    #: For a registered dataset: what generated it (:meth:`verifiers_core.GeneratedDataset.describe`).
    generated: dict[str, Any] | None = None

    def describe(self) -> dict[str, Any]:
        """JSON form for ``run.json`` (without the data)."""
        out = {
            "preset": self.preset,
            "prompt_column": self.prompt_column,
            "system_prompt": self.system_prompt,
            "rows": len(self.dataset),
            "columns": list(self.dataset.column_names),
        }
        if self.generated is not None:
            out["generated"] = self.generated
        return out


def prepare(
    dataset: Any,
    preset: str = "auto",
    prompt_column: str | None = None,
    system_prompt: str | None = None,
    prompt_format: str = "chat",
    max_samples: int | None = None,
    name: str = "dataset",
) -> PreparedData:
    """Map a dataset to a ``prompt`` column plus the gold columns its preset provides.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict({"question": ["1+1?"], "answer": ["1+1=2\\n#### 2"]})
    >>> out = prepare(ds)
    >>> out.preset, out.dataset[0]["solution"], out.dataset[0]["prompt"][-1]["content"]
    ('gsm8k', '2', '1+1?')
    """
    columns = list(dataset.column_names)
    if len(dataset) == 0:
        raise TrainerConfigError(f"{name} has no rows")
    chosen = detect_preset(columns) if preset == "auto" else preset
    if chosen not in PRESET_PROMPTS:
        raise TrainerConfigError(
            f"unknown preset {preset!r}; choose one of auto, {', '.join(PRESET_PROMPTS)}"
        )
    default_column, default_system = PRESET_PROMPTS[chosen]
    source = prompt_column or default_column
    if chosen == "openr1-code" and not prompt_column and source not in columns and "prompt" in columns:
        source = "prompt"
    if source not in columns:
        raise TrainerConfigError(
            f"{name} has no usable prompt column: looked for {source!r} (preset {chosen}); columns present: "
            f"{', '.join(columns) or 'none'}. Pass --prompt_column NAME, or --preset gsm8k|math|openr1-code "
            "for those layouts"
        )
    for i, value in enumerate(dataset.select(range(min(len(dataset), _ROWS_CHECKED)))[source]):
        problem = _prompt_problem(value)
        if problem is not None:
            raise TrainerConfigError(
                f"{name} has no usable prompt column: {source!r} in row {i} holds {problem}; a prompt must be "
                "a non-empty text or a list of chat messages. Pass --prompt_column NAME to use another column"
            )
    system = default_system if system_prompt is None else system_prompt
    if max_samples is not None:
        if max_samples < 1:
            raise TrainerConfigError(f"max_samples must be >= 1, got {max_samples}")
        dataset = dataset.select(range(min(max_samples, len(dataset))))

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        out = {"prompt": make_prompt(row[source], system, prompt_format)}
        if chosen == "gsm8k" and "solution" not in columns:
            out["solution"] = gsm8k_answer(row.get("answer"))
        return out

    mapped = dataset.map(convert, desc="building prompts")
    return PreparedData(mapped, chosen, source, system)


def check_reward_columns(rewards: Sequence[Any], columns: Sequence[str], name: str = "the dataset") -> None:
    """Every reward must find the columns it reads (``reward.required_columns``); name what is missing.

    >>> from types import SimpleNamespace as NS
    >>> check_reward_columns([NS(__name__="accuracy", required_columns=("solution",))], ["prompt"])
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: reward 'accuracy' needs the column 'solution', which the dataset lacks (columns present: prompt). Use a --preset that provides it, add or rename the column, or point the reward at another column with its parameter (--reward-arg NAME.KEY=VALUE; `python -m verifiers_core list` shows the parameters)
    """
    present = set(columns)
    problems = []
    for reward in rewards:
        missing = [c for c in (getattr(reward, "required_columns", ()) or ()) if c not in present]
        if missing:
            what = "the column" if len(missing) == 1 else "the columns"
            problems.append(
                f"reward {reward.__name__!r} needs {what} {', '.join(repr(m) for m in missing)}, which {name} lacks"
            )
    if problems:
        it = "it" if len(problems) == 1 and "columns" not in problems[0] else "them"
        raise TrainerConfigError(
            "; ".join(problems)
            + f" (columns present: {', '.join(columns) or 'none'}). Use a --preset that provides {it}, "
            "add or rename the column, or point the reward at another column with its parameter "
            "(--reward-arg NAME.KEY=VALUE; `python -m verifiers_core list` shows the parameters)"
        )


__all__ = [
    "PRESET_PROMPTS",
    "PreparedData",
    "R1_CODE_SYSTEM_PROMPT",
    "R1_SYSTEM_PROMPT",
    "check_reward_columns",
    "detect_preset",
    "gsm8k_answer",
    "load_any",
    "make_prompt",
    "prepare",
]
