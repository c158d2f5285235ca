"""Request bodies of each protocol, the rows built from them, and the answers built from scores.

- OpenRLHF (``POST /get_reward``): ``{"query": [...], "prompts": [...], "labels": [...]}``, each query
  being the prompt followed by the response, decoded with special tokens (the OpenRLHF adapter's
  ``response_from_query`` takes the response back out; the answer is the adapter's too).
- slime (``POST /slime/reward``): ``{"prompt", "response", "label"}``, or a list of them.
- ``POST /v1/score``: ``{"rows": [...]}`` with rows as ``python -m verifiers_core score`` reads them.

A label is read as the file-mode adapters read it (``--label-column auto``, the default): a JSON object
gives its keys as columns, anything else goes to each selected reward's gold column. ``--label-column
NAME`` puts it in that column; with ``'*'`` a label must be a JSON object (or a string holding one). Errors are raised as :class:`RequestError` with the field's location, answered as 422.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..integrations.common import label_parts, make_row, response_from_query, sample_dict
from ..suite import ROW_KEYS, RowScore
from ..text import COMPLETION_FORMS, is_completion
from .settings import AUTO_LABEL, SPREAD_LABEL


class RequestError(ValueError):
    """A request field is wrong: ``loc`` is its path (as in FastAPI's 422 answers)."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = ["body", *loc]
        self.msg = msg

    def detail(self) -> list[dict[str, Any]]:
        """The body of the 422 answer, shaped like FastAPI's own validation errors."""
        return [{"loc": self.loc, "msg": self.msg, "type": "value_error"}]


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's remote reward request (``--reward.remote_url``; older ``--remote_rm_url``)."""

    model_config = ConfigDict(extra="ignore")
    query: list[str]
    prompts: list[str] | None = None
    labels: list[Any] | None = None


class SlimeSample(BaseModel):
    """slime's remote reward request (``--rm-type remote_rm --rm-url ...``)."""

    model_config = ConfigDict(extra="ignore")
    prompt: str | list[dict[str, Any]] | None = None
    response: str
    label: Any = None


class ScoreRequest(BaseModel):
    """``POST /v1/score``: rows with ``completion`` (a string or messages) and the reward columns."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]]


def label_columns(
    label: Any, label_column: str, loc: Sequence[str | int], gold_cols: Sequence[str] = ()
) -> dict[str, Any]:
    """The columns a label gives to its row.

    With ``--label-column auto`` (the default) a label is read as the file-mode adapters read it: a
    JSON object gives its keys as columns, anything else is the gold, put in each selected reward's
    gold column (``accuracy``: ``solution``, ``code``: ``verification_info``).

    >>> label_columns("4", "auto", ["labels", 0], ["solution", "verification_info"])
    {'solution': '4', 'verification_info': '4'}
    >>> label_columns({"solution": "4", "split": "test"}, "auto", ["labels", 0], ["solution"])
    {'solution': '4', 'split': 'test'}
    >>> label_columns("4", "solution", ["labels", 0])
    {'solution': '4'}
    >>> label_columns('{"solution": "4", "verification_info": {"test_cases": []}}', "*", ["label"])
    {'solution': '4', 'verification_info': {'test_cases': []}}
    >>> label_columns("4", "*", ["labels", 3])
    Traceback (most recent call last):
    ...
    verifiers_core.server.protocols.RequestError: with --label-column '*' a label must be a JSON object of columns (e.g. {"solution": "42"}), got str
    """
    if label_column == AUTO_LABEL:
        gold, columns = label_parts(label)
        row = make_row(None, gold=gold, columns=columns, gold_cols=gold_cols)
        row.pop("completion")
        return row
    if label_column != SPREAD_LABEL:
        return {label_column: label}
    value = label
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if not isinstance(value, dict):
        raise RequestError(
            loc,
            "with --label-column '*' a label must be a JSON object of columns "
            f'(e.g. {{"solution": "42"}}), got {type(label).__name__}',
        )
    bad = [key for key in value if key in ROW_KEYS]
    if bad:
        raise RequestError(loc, f"a label cannot set the row key {bad[0]!r}")
    return dict(value)


def openrlhf_rows(
    body: OpenRLHFRequest, label_column: str, gold_cols: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], list[float]]:
    """Rows from an OpenRLHF request, and per query 1.0 where it did not start with its prompt."""
    n = len(body.query)
    for name in ("prompts", "labels"):
        values = getattr(body, name)
        if values is not None and len(values) != n:
            raise RequestError([name], f"has {len(values)} entries but 'query' has {n}: they must align")
    rows, mismatch = [], []
    for i, query in enumerate(body.query):
        prompt = body.prompts[i] if body.prompts is not None else None
        response, found = response_from_query(query, prompt)
        mismatch.append(0.0 if found else 1.0)
        row: dict[str, Any] = {"completion": response, "prompt": prompt or ""}
        if body.labels is not None:
            row.update(label_columns(body.labels[i], label_column, ["labels", i], gold_cols))
        rows.append(row)
    return rows, mismatch


def slime_rows(
    samples: Sequence[SlimeSample], label_column: str, batched: bool, gold_cols: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Rows from slime samples (one, or a list with ``--group-rm``-style batching)."""
    rows = []
    for i, sample in enumerate(samples):
        loc: list[str | int] = [i, "label"] if batched else ["label"]
        row: dict[str, Any] = {"completion": sample.response}
        if sample.prompt is not None:
            row["prompt"] = sample.prompt
        row.update(label_columns(sample.label, label_column, loc, gold_cols))
        rows.append(row)
    return rows


def check_score_rows(rows: list[dict[str, Any]]) -> None:
    """Every ``/v1/score`` row needs a ``completion`` that is a string or a list of messages.

    >>> check_score_rows([{"completion": "4"}, {"completion": 4}])
    Traceback (most recent call last):
    ...
    verifiers_core.server.protocols.RequestError: 'completion' must be a string or a list of {role, content} messages, got int
    """
    for i, row in enumerate(rows):
        if "completion" not in row:
            raise RequestError(["rows", i, "completion"], "field required: every row needs 'completion'")
        completion = row["completion"]
        if not is_completion(completion):
            raise RequestError(
                ["rows", i, "completion"],
                f"'completion' must be {COMPLETION_FORMS}, got {type(completion).__name__}",
            )
        prompt = row.get("prompt")
        if prompt is not None and not isinstance(prompt, (str, list)):
            raise RequestError(
                ["rows", i, "prompt"], f"'prompt' must be a string or messages, got {type(prompt).__name__}"
            )


def check_required_columns(
    rows: Sequence[Mapping[str, Any]], required: Mapping[str, Sequence[str]], where: str
) -> None:
    """Every row must carry the columns the selected rewards read (``None`` is a value).

    ``where`` names the request field the rows came from, for the error's location.

    >>> check_required_columns([{"completion": "4"}], {"accuracy": ["solution"]}, "rows")
    Traceback (most recent call last):
    ...
    verifiers_core.server.protocols.RequestError: reward 'accuracy' needs the column 'solution', which this row lacks
    """
    for i, row in enumerate(rows):
        for reward, columns in required.items():
            for column in columns:
                if column not in row:
                    raise RequestError(
                        [where, i, column],
                        f"reward {reward!r} needs the column {column!r}, which this row lacks",
                    )


def finite(value: float | None) -> float | None:
    """A value JSON can carry: NaN and infinities become ``None``.

    >>> finite(float("nan")), finite(1.5)
    (None, 1.5)
    """
    if value is None or not math.isfinite(value):
        return None
    return value


def row_events(row: RowScore, keys: Sequence[str]) -> dict[str, Counter]:
    """Per reward key: ``none`` (no value), ``timeouts`` and ``errors`` of one row."""
    events: dict[str, Counter] = {key: Counter() for key in keys}
    for key in keys:
        if row.rewards.get(key) is None:
            events[key]["nones"] += 1
    for name, n in row.counts.items():
        key, _, what = name.rpartition("/")
        if key in events and what in ("timeouts", "errors"):
            events[key][what] += int(n)
    return events


def summary(
    rows: Sequence[RowScore], keys: Sequence[str], extra: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """Counts over rows: ``None`` values, timeouts and errors per reward, and every counter.

    ``extra`` holds counters not attributed to single rows (a reward that counts per call only).
    """
    nones, timeouts, errors = Counter(), Counter(), Counter()
    counts: Counter = Counter()
    for row in rows:
        for key, events in row_events(row, keys).items():
            nones[key] += events["nones"]
            timeouts[key] += events["timeouts"]
            errors[key] += events["errors"]
        counts.update(row.counts)
    for name, n in (extra or {}).items():
        counts[name] += n
        key, _, what = name.rpartition("/")
        if what == "timeouts" and key in timeouts:
            timeouts[key] += int(n)
        elif what == "errors" and key in errors:
            errors[key] += int(n)
    return {
        "rows": len(rows),
        "nones": {key: nones[key] for key in keys},
        "timeouts": {key: timeouts[key] for key in keys},
        "errors": {key: errors[key] for key in keys},
        "counts": {name: n for name, n in sorted(counts.items()) if n},
    }


def score_answer(
    rows: Sequence[RowScore], keys: Sequence[str], weights: Sequence[float], extra: Mapping[str, float] | None
) -> dict[str, Any]:
    """``POST /v1/score``'s answer: per row ``total``, ``rewards`` and ``counts``; a ``summary``."""
    return {
        "rewards": list(keys),
        "weights": list(weights),
        "rows": [
            {
                "total": finite(row.total),
                "rewards": {key: finite(row.rewards.get(key)) for key in keys},
                "counts": row.counts,
            }
            for row in rows
        ],
        "summary": summary(rows, keys, extra),
    }


def slime_answer(suite: Any, row: RowScore, detail: bool) -> Any:
    """slime reads the JSON answer as the reward, as the slime adapter returns it: the weighted total
    (a reward with no value counting as its low value), or with ``?detail=true`` the adapter's dict
    ``{"score", "<reward>", "<reward>/<counter>"}`` (``--reward-key score`` picks the total)."""
    sample = sample_dict(suite, row)
    return sample if detail else sample["score"]
