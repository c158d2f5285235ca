"""Request bodies of each protocol, the rows built from them, and the answers built from scores.

- OpenRLHF (``POST /get_reward``): ``{"query": [...], "prompts": [...], "labels": [...]}``, each query
  being the prompt followed by the response, decoded with special tokens (``response_from_query``
  takes the response back out).
- slime (``POST /slime/reward``): ``{"prompt", "response", "label"}``, or a list of them.
- ``POST /v1/score``: ``{"rows": [...]}`` with rows as ``python -m verifiers_core score`` reads them.

A label goes to the ``--label-column`` column (``solution`` by default: what ``accuracy`` reads), or,
with ``--label-column '*'``, a label that is a JSON object (or a string holding one) gives its keys as
columns. Errors are raised as :class:`RequestError` with the field's location, answered as 422.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..suite import ROW_KEYS, RowScore
from .settings import SPREAD_LABEL

#: End-of-turn markers left at the end of a query decoded with special tokens (OpenRLHF), removed
#: before scoring so that a format check anchored at the end still sees the model's own text.
END_MARKERS = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<｜end▁of▁sentence｜>",
    "<|end|>",
    "<|return|>",
    "<end_of_turn>",
    "<eos>",
    "</s>",
)


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


def response_from_query(query: str, prompt: str | None) -> tuple[str, bool]:
    """The response inside an OpenRLHF query (prompt + response, decoded with special tokens), and
    whether the prompt was found in it.

    The prompt is removed from the front; when OpenRLHF cut the prompt from the left to fit
    ``max_len``, the query starts with the prompt's tail, which is removed instead. End-of-turn
    markers at the end are dropped. A query that does not start with (a tail of) its prompt is
    kept whole, and reported as not found.

    (The OpenRLHF file-mode adapter needs the same rule; the two are to share one function.)

    >>> response_from_query("<|im_start|>user\\n2+2?<|im_end|>\\n<|im_start|>assistant\\n\\\\boxed{4}<|im_end|>",
    ...                     "<|im_start|>user\\n2+2?<|im_end|>\\n<|im_start|>assistant\\n")
    ('\\\\boxed{4}', True)
    >>> response_from_query("2+2?<|im_end|>\\nanswer: 4</s>", "a long system prompt. 2+2?<|im_end|>\\n")
    ('answer: 4', True)
    >>> response_from_query("something else", "prompt")
    ('something else', False)
    """
    found = True
    if prompt and query.startswith(prompt):
        response = query[len(prompt) :]
    elif prompt:
        cut = _tail_overlap(prompt, query)
        found = cut > 0
        response = query[cut:]
    else:
        response = query
    return strip_end_markers(response), found


def _tail_overlap(prompt: str, query: str, probe: int = 8) -> int:
    """Length of the longest tail of ``prompt`` that starts ``query`` (0 if none)."""
    head = query[: min(probe, len(query))]
    if not head:
        return 0
    start = prompt.find(head)
    while start != -1:
        tail = prompt[start:]
        if query.startswith(tail):
            return len(tail)
        start = prompt.find(head, start + 1)
    return 0


def strip_end_markers(text: str) -> str:
    """Drop end-of-turn markers (and the whitespace between them) from the end of ``text``.

    >>> strip_end_markers("The answer is 4.<|im_end|>\\n<|endoftext|>")
    'The answer is 4.'
    """
    removed = False
    while True:
        candidate = text.rstrip()
        for marker in END_MARKERS:
            if candidate.endswith(marker):
                text, removed = candidate[: -len(marker)], True
                break
        else:
            return candidate if removed else text


def label_columns(label: Any, label_column: str, loc: Sequence[str | int]) -> dict[str, Any]:
    """The columns a label gives to its row.

    >>> label_columns("4", "solution", ["labels", 0])
    {'solution': '4'}
    >>> label_columns('{"solution": "4", "verification_info": {"test_cases": []}}', "*", ["label"])
    {'solution': '4', 'verification_info': {'test_cases': []}}
    >>> label_columns("4", "*", ["labels", 3])
    Traceback (most recent call last):
    ...
    verifiers_core.server.protocols.RequestError: with --label-column '*' a label must be a JSON object of columns (e.g. {"solution": "42"}), got str
    """
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


def openrlhf_rows(body: OpenRLHFRequest, label_column: str) -> tuple[list[dict[str, Any]], int]:
    """Rows from an OpenRLHF request, and how many queries did not start with their prompt."""
    n = len(body.query)
    for name in ("prompts", "labels"):
        values = getattr(body, name)
        if values is not None and len(values) != n:
            raise RequestError([name], f"has {len(values)} entries but 'query' has {n}: they must align")
    rows, missed = [], 0
    for i, query in enumerate(body.query):
        prompt = body.prompts[i] if body.prompts is not None else None
        response, found = response_from_query(query, prompt)
        missed += not found
        row: dict[str, Any] = {"completion": response, "prompt": prompt or ""}
        if body.labels is not None:
            row.update(label_columns(body.labels[i], label_column, ["labels", i]))
        rows.append(row)
    return rows, missed


def slime_rows(samples: Sequence[SlimeSample], label_column: str, batched: bool) -> list[dict[str, Any]]:
    """Rows from slime samples (one, or a list with ``--group-rm``-style batching)."""
    rows = []
    for i, sample in enumerate(samples):
        loc: list[str | int] = [i, "label"] if batched else ["label"]
        row: dict[str, Any] = {"completion": sample.response}
        if sample.prompt is not None:
            row["prompt"] = sample.prompt
        row.update(label_columns(sample.label, label_column, loc))
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
        ok = isinstance(completion, str) or (
            isinstance(completion, list)
            and all(isinstance(m, dict) and isinstance(m.get("content", ""), (str, list)) for m in completion)
        )
        if not ok:
            raise RequestError(
                ["rows", i, "completion"],
                "'completion' must be a string or a list of {role, content} messages, "
                f"got {type(completion).__name__}",
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


def openrlhf_answer(rows: Sequence[RowScore], keys: Sequence[str]) -> dict[str, Any]:
    """OpenRLHF's answer: weighted totals as ``rewards`` and ``scores``, per-reward values and
    per-row events in ``extra_logs`` (numbers only: OpenRLHF turns each into a tensor).

    A row that no reward could score gets 0.0 and ``unscored`` 1.0, so the trainer can see it.
    """
    totals = [finite(row.total) for row in rows]
    rewards = [0.0 if t is None else t for t in totals]
    extra: dict[str, list[float]] = {key: [] for key in keys}
    extra.update({"unscored": [], "timeouts": [], "errors": []})
    for row, total in zip(rows, totals):
        for key in keys:
            value = finite(row.rewards.get(key))
            extra[key].append(0.0 if value is None else value)
        events = row_events(row, keys)
        extra["unscored"].append(1.0 if total is None else 0.0)
        extra["timeouts"].append(float(sum(e["timeouts"] for e in events.values())))
        extra["errors"].append(float(sum(e["errors"] for e in events.values())))
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": extra}


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


def slime_answer(row: RowScore, keys: Sequence[str], detail: bool) -> Any:
    """slime reads the JSON answer as the reward: the weighted total (``null`` when nothing scored
    the row), or with ``?detail=true`` an object (``--reward-key reward`` picks the total)."""
    total = finite(row.total)
    if not detail:
        return total
    return {
        "reward": total,
        **{key: finite(row.rewards.get(key)) for key in keys},
        "counts": row.counts,
    }
