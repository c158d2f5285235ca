"""Datasets: local formats, presets, the system prompt, column checks; and the summary's reward means."""

from __future__ import annotations

import json

import pytest
from trainer_test_support import write_jsonl

from trainer.data import (
    R1_CODE_SYSTEM_PROMPT,
    R1_SYSTEM_PROMPT,
    check_reward_columns,
    load_any,
    prepare,
)
from trainer.errors import TrainerConfigError
from trainer.outputs import reward_means

ROWS = [
    {"question": f"What is {i} + 1?", "answer": f"{i} + 1 = {i + 1}\n#### {i + 1:,}"}
    for i in range(998, 1003)
]


@pytest.fixture
def gsm8k_like():
    from datasets import Dataset

    return Dataset.from_list(ROWS)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet", "arrow", "save_to_disk", "folder"])
def test_local_formats_load(tmp_path, gsm8k_like, fmt):
    if fmt == "jsonl":
        path = write_jsonl(tmp_path / "d.jsonl", ROWS)
    elif fmt == "json":
        path = tmp_path / "d.json"
        path.write_text(json.dumps(ROWS))
    elif fmt == "parquet":
        path = tmp_path / "d.parquet"
        gsm8k_like.to_parquet(str(path))
    elif fmt == "arrow":
        gsm8k_like.save_to_disk(str(tmp_path / "saved"))
        path = next((tmp_path / "saved").glob("*.arrow"))
    elif fmt == "save_to_disk":
        path = tmp_path / "saved"
        gsm8k_like.save_to_disk(str(path))
    else:
        path = tmp_path / "folder"
        path.mkdir()
        write_jsonl(path / "train.jsonl", ROWS)
    ds = load_any(str(path))
    assert sorted(ds.column_names) == ["answer", "question"] and len(ds) == len(ROWS)


def test_missing_local_dataset_and_bad_extension(tmp_path):
    with pytest.raises(TrainerConfigError, match="does not exist"):
        load_any(str(tmp_path / "nope.jsonl"))
    bad = tmp_path / "data.txt"
    bad.write_text("x")
    with pytest.raises(TrainerConfigError, match="unsupported extension '.txt'"):
        load_any(str(bad))


def test_gsm8k_preset(gsm8k_like):
    out = prepare(gsm8k_like)
    assert out.preset == "gsm8k" and out.prompt_column == "question"
    row = out.dataset[3]
    assert row["solution"] == "1002"  # "#### 1,002" without the thousands separator
    assert row["prompt"] == [
        {"role": "system", "content": R1_SYSTEM_PROMPT},
        {"role": "user", "content": "What is 1001 + 1?"},
    ]
    assert "<think>" in R1_SYSTEM_PROMPT and "\\boxed{}" in R1_SYSTEM_PROMPT


def test_math_and_code_presets_and_overridden_system_prompt():
    from datasets import Dataset

    math = prepare(
        Dataset.from_list([{"problem": "Find x.", "solution": "So \\boxed{2}."}]), system_prompt="Be brief."
    )
    assert math.preset == "math"
    assert math.dataset[0]["prompt"][0] == {"role": "system", "content": "Be brief."}
    assert math.dataset[0]["solution"] == "So \\boxed{2}."
    info = json.dumps(
        {"language": "python", "test_cases": [{"input": "1\n", "output": "2\n", "type": "stdin_stdout"}]}
    )
    code = prepare(Dataset.from_list([{"problem": "Read n, print n+1.", "verification_info": info}]))
    assert code.preset == "openr1-code" and code.system_prompt == R1_CODE_SYSTEM_PROMPT
    assert code.dataset[0]["verification_info"] == info
    plain = prepare(Dataset.from_list([{"prompt": "Hi"}]), system_prompt="", prompt_format="plain")
    assert plain.dataset[0]["prompt"] == "Hi"


def test_prompt_column_option_and_max_samples(gsm8k_like):
    out = prepare(gsm8k_like, preset="none", prompt_column="answer", max_samples=2)
    assert len(out.dataset) == 2 and out.dataset[0]["prompt"][-1]["content"] == ROWS[0]["answer"]


def test_no_usable_prompt_column_names_columns():
    from datasets import Dataset

    with pytest.raises(TrainerConfigError, match="looked for 'problem' .*columns present: question, answer"):
        prepare(Dataset.from_list(ROWS), preset="math")
    with pytest.raises(TrainerConfigError, match="row 0 holds int 3"):
        prepare(Dataset.from_list([{"prompt": 3}]))


def test_reward_columns_all_missing_are_named():
    class R:
        def __init__(self, name, cols):
            self.__name__, self.required_columns = name, cols

    with pytest.raises(TrainerConfigError) as err:
        check_reward_columns([R("accuracy", ("solution",)), R("code", ("verification_info",))], ["prompt"])
    assert "'accuracy' needs the column 'solution'" in str(err.value)
    assert "'code' needs the column 'verification_info'" in str(err.value)
    check_reward_columns([R("accuracy", ("solution",))], ["prompt", "solution"])


def test_reward_means_first_and_last_tenth():
    values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0]
    records = []
    for step, v in enumerate(values, 1):
        records.append({"step": step, "rewards/a/mean": v})
        records.append({"step": step, "loss": 0.1})  # reuse steps (mu > 1) carry no reward keys
    means = reward_means(records, ["a", "never_logged"])
    assert means["a"]["steps_per_tenth"] == 2 and means["a"]["steps_logged"] == 12
    assert means["a"]["first_tenth_mean"] == pytest.approx(0.05)
    assert means["a"]["last_tenth_mean"] == pytest.approx(1.0)
    assert means["never_logged"]["first_tenth_mean"] is None


def test_hub_dataset_that_cannot_be_loaded_is_a_clear_error():
    with pytest.raises(
        TrainerConfigError,
        match=r"could not load dataset 'vc-test-owner/no-such-set' \(config 'main', split 'train'\)",
    ):
        load_any("vc-test-owner/no-such-set", "main", "train")
