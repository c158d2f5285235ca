"""``check_reward_contract``: runs a reward on the author's cases plus edge cases and checks the contract."""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import MissingColumnError
from ..reward import TRAINER_KEYWORDS, Reward
from ..text import THINK_CLOSE, THINK_OPEN, message_text

#: Keys of a case row that are not dataset columns.
CASE_KEYS = frozenset({"completion", "prompt", "completion_ids", "expected"})

EDGE_COMPLETIONS: dict[str, str] = {
    "empty": "",
    "whitespace": " \n\t ",
    "very long": "<think>" + "so 1+1=2. " * 10_000 + "</think> " + "answer " * 5_000,
    "non-ASCII": "<think>数学 ∑ café — 😀\u200b</think> réponse: ∞ − √2 · π",
    "unclosed think": "<think>I was cut off in the middle of",
    "only closing tag": "</think>",
    "nested braces": "\\boxed{" * 200 + "1" + "}" * 199,
    "control characters": "\x00\x01\x1b[31m\r\n\x7f",
}


@dataclass
class ContractReport:
    """What :func:`check_reward_contract` checked, and the values it saw."""

    name: str
    checks: list[str] = field(default_factory=list)
    case_values: list[float | None] = field(default_factory=list)
    edge_values: dict[str, float | None] = field(default_factory=dict)
    metrics: list[tuple[str, float]] = field(default_factory=list)


class _Recorder:
    """Stands in for TRL's ``log_metric`` / ``log_extra`` and checks what they get."""

    def __init__(self, n: int, problems: list[str]) -> None:
        self.n, self.problems = n, problems
        self.metrics: list[tuple[str, float]] = []

    def log_metric(self, name: str, value: float) -> None:
        if not isinstance(name, str) or not isinstance(value, (int, float)) or isinstance(value, bool):
            self.problems.append(f"log_metric got ({name!r}, {value!r}); expected (str, float)")
        self.metrics.append((name, value))

    def log_extra(self, column: str, values: list) -> None:
        if not isinstance(column, str) or not isinstance(values, list) or len(values) != self.n:
            size = len(values) if hasattr(values, "__len__") else "?"
            self.problems.append(f"log_extra({column!r}, ...) got {size} values for {self.n} completions")


def _conversational(completion: Any) -> Any:
    if isinstance(completion, str):
        return [{"role": "assistant", "content": completion}]
    return completion


def _plain(completion: Any) -> Any:
    if isinstance(completion, list):
        return "".join(message_text(m) for m in completion)
    return completion


def _call(
    reward: Any, rows: Sequence[Mapping[str, Any]], problems: list[str], form: Any = None, **extra: Any
) -> tuple[list[Any], _Recorder]:
    """Call ``reward`` the way TRL does on a batch of case rows."""
    n = len(rows)
    column_names: list[str] = []
    for row in rows:
        column_names += [k for k in row if k not in CASE_KEYS and k not in column_names]
    completions = [row["completion"] if form is None else form(row["completion"]) for row in rows]
    prompts = [row.get("prompt", "Solve the problem.") for row in rows]
    if form is _conversational:
        prompts = [[{"role": "user", "content": p}] if isinstance(p, str) else p for p in prompts]
    ids = [row.get("completion_ids") for row in rows]
    completion_ids = [
        i if i is not None else list(_plain(c).encode("utf-8"))[:4096] for i, c in zip(ids, completions)
    ]
    recorder = _Recorder(n, problems)
    kwargs = {name: [row.get(name) for row in rows] for name in column_names}
    kwargs.update(
        trainer_state=None,
        log_metric=recorder.log_metric,
        log_extra=recorder.log_extra,
        unrelated_column=["ignored"] * n,
    )
    kwargs.update(extra)
    values = reward(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
    return values, recorder


def _same(a: Any, b: Any, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance)


def _valid(values: Any, n: int) -> str | None:
    if not isinstance(values, list):
        return f"returned {type(values).__name__}, not a list"
    if len(values) != n:
        return f"returned {len(values)} values for {n} completions"
    for i, v in enumerate(values):
        if v is None:
            continue
        if type(v) is not float:
            return f"value {i} is {type(v).__name__} {v!r}, not a float or None"
        if not math.isfinite(v):
            return f"value {i} is {v}, not finite"
    return None


def check_reward_contract(
    reward: Any,
    cases: Sequence[Mapping[str, Any]],
    *,
    tolerance: float = 1e-6,
    check_missing_column: bool = True,
) -> ContractReport:
    """Check that ``reward`` keeps the reward contract, on your cases and on edge cases.

    ``reward`` is a built reward or a name to build with :func:`verifiers_core.get_reward`.
    ``cases`` are rows like those of ``python -m verifiers_core score``: ``completion`` (a string
    or a message list), optionally ``prompt`` and ``completion_ids``, the columns the reward needs,
    and ``expected`` (a float, ``None`` for "cannot be scored", or absent for "any").

    It checks: the expected values; one float or ``None`` per completion; the same values for a
    completion in plain and conversational form, alone and in a mixed batch, and on a second call;
    no exception on empty, very long, non-ASCII and malformed completions or on a missing value in
    a column; a completion cut off inside a ``<think>`` that the prompt opened never scoring above
    the reward's ``low`` (for rewards that grade the answer); a clear error for a missing column; unknown keywords ignored; ``__name__``;
    picklability; well-formed ``log_metric``/``log_extra`` calls. All problems are raised together
    in one ``AssertionError``.

    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> report = check_reward_contract(ExactAnswer(), [
    ...     {"completion": "4", "solution": "4", "expected": 1.0},
    ...     {"completion": "5", "solution": "4", "expected": 0.0},
    ... ])
    >>> report.case_values
    [1.0, 0.0]
    """
    if isinstance(reward, str):
        from .. import get_reward

        reward = get_reward(reward)
    if not cases:
        raise ValueError("check_reward_contract needs at least one case with its expected value")
    cases = [dict(c) for c in cases]
    for i, case in enumerate(cases):
        if "completion" not in case:
            raise ValueError(f"case {i} has no 'completion' key: {case!r}")
    problems: list[str] = []
    name = getattr(reward, "__name__", None)
    report = ContractReport(name=str(name))

    def check(label: str, values: Any, n: int) -> list[Any] | None:
        problem = _valid(values, n)
        if problem:
            problems.append(f"{label}: {problem}")
            return None
        return values

    def guarded(label: str, rows: Sequence[Mapping[str, Any]], **kw: Any) -> list[Any] | None:
        try:
            values, recorder = _call(reward, rows, problems, **kw)
        except Exception as exc:  # the point of the check: report, do not stop
            problems.append(f"{label}: raised {type(exc).__name__}: {exc}")
            return None
        report.metrics += recorder.metrics
        return check(label, values, len(rows))

    # Identity: TRL logs rewards/<__name__>/mean.
    report.checks.append("__name__")
    if not isinstance(name, str) or not name or name == "<lambda>":
        problems.append(f"__name__ must be the reward's name, got {name!r}")
    spec = getattr(reward, "spec", None)
    if spec is not None and name != spec.name:
        problems.append(f"__name__ is {name!r} but the registry built it as {spec.name!r}")

    # The author's cases, as one batch, then one by one, then conversational, then again.
    report.checks.append("expected values")
    batch = guarded("author's cases as one batch", cases)
    if batch is not None:
        report.case_values = batch
        for i, (case, value) in enumerate(zip(cases, batch)):
            if "expected" in case and not _same(case["expected"], value, tolerance):
                problems.append(
                    f"case {i} ({_short(case['completion'])}): expected {case['expected']!r}, got {value!r}"
                )
    report.checks.append("batch independence")
    for i, case in enumerate(cases):
        alone = guarded(f"case {i} alone", [case])
        if batch is not None and alone is not None and not _same(alone[0], batch[i], tolerance):
            problems.append(f"case {i}: {alone[0]!r} alone but {batch[i]!r} in a batch")
    report.checks.append("plain and conversational forms")
    for form, label in ((_conversational, "conversational"), (_plain, "plain")):
        values = guarded(f"author's cases, {label} form", cases, form=form)
        if batch is not None and values is not None:
            for i, (a, b) in enumerate(zip(batch, values)):
                if not _same(a, b, tolerance):
                    problems.append(f"case {i}: {b!r} in {label} form but {a!r} as given")
    report.checks.append("deterministic")
    again = guarded("author's cases, second call", cases)
    if batch is not None and again is not None and not all(_same(a, b, 0.0) for a, b in zip(batch, again)):
        problems.append(f"not deterministic: {batch} then {again}")

    # Edge cases, carrying the first case's columns so that only the completion is odd.
    report.checks.append("edge cases")
    template = {k: v for k, v in cases[0].items() if k not in CASE_KEYS}
    edge_rows = [{**template, "completion": text} for text in EDGE_COMPLETIONS.values()]
    edge = guarded("edge cases (empty, long, non-ASCII, malformed)", edge_rows)
    if edge is not None:
        report.edge_values = dict(zip(EDGE_COMPLETIONS, edge))
    guarded("edge cases, conversational form", edge_rows, form=_conversational)
    report.checks.append("mixed batch")
    mixed = [cases[0], *edge_rows[:3], *cases[1:]]
    mixed_values = guarded("mixed batch of cases and edge cases", mixed)
    if batch is not None and mixed_values is not None:
        got = [mixed_values[0], *mixed_values[4:]]
        for i, (a, b) in enumerate(zip(batch, got)):
            if not _same(a, b, tolerance):
                problems.append(f"case {i}: {b!r} in a mixed batch but {a!r} in its own batch")

    # (think_opened="completion" tells the reward that no prompt opens <think>: nothing to check.)
    if getattr(reward, "grades_answer", False) and getattr(reward, "think_opened", "auto") != "completion":
        report.checks.append("no answer after a prompt-opened <think>")
        low = float(getattr(reward, "low", 0.0))
        for form, label in ((None, "plain"), (_conversational, "conversational")):
            truncated = [
                truncated_after_opened_think(case, conversational=form is not None) for case in cases
            ]
            values = guarded(f"cut off after a prompt-opened <think> ({label})", truncated, form=form)
            for i, value in enumerate(values or []):
                if value is not None and value > low + tolerance:
                    problems.append(
                        f"case {i} cut off inside a reasoning the prompt opened ({label}; no </think>, so no "
                        f"answer) scored {value!r}, above the reward's low value {low!r}: use batch.answers "
                        "(or final_answer) for the answer region"
                    )

    required = list(getattr(reward, "required_columns", ()) or ())
    if required:
        report.checks.append("missing value in a column")
        holes = [{**cases[0], required[0]: None}, cases[0]]
        holes[0].pop("expected", None)
        guarded(f"a row whose {required[0]!r} is None", holes)
    if required and check_missing_column:
        report.checks.append("missing column")
        without = [{k: v for k, v in c.items() if k != required[0]} for c in cases]
        try:
            _call(reward, without, problems)
        except MissingColumnError as exc:
            text = str(exc)
            if name and str(name) not in text or required[0] not in text:
                problems.append(f"the missing-column error must name the reward and the column: {text!r}")
        except Exception as exc:
            problems.append(
                f"a batch without column {required[0]!r} raised {type(exc).__name__} ({exc}); "
                "expected verifiers_core.MissingColumnError"
            )
        else:
            problems.append(f"a batch without column {required[0]!r} was scored instead of an error")

    report.checks.append("picklable")
    try:
        clone = pickle.loads(pickle.dumps(reward))
    except Exception as exc:
        problems.append(f"not picklable: {type(exc).__name__}: {exc}")
    else:
        if getattr(clone, "__name__", None) != name:
            problems.append("the unpickled reward has another __name__")
        try:
            values, _ = _call(clone, cases, problems)
        except Exception as exc:
            problems.append(f"the unpickled reward raised {type(exc).__name__}: {exc}")
        else:
            if batch is not None and not all(_same(a, b, tolerance) for a, b in zip(batch, values)):
                problems.append(f"the unpickled reward gave {values}, the original {batch}")
        copy.copy(reward)  # shallow copies are what datasets/accelerate sometimes make

    for metric_name, _ in report.metrics:
        if metric_name in TRAINER_KEYWORDS:
            problems.append(f"log_metric name {metric_name!r} clashes with a trainer keyword")
    if problems:
        listing = "\n  - ".join(dict.fromkeys(problems))
        raise AssertionError(f"reward {name!r} breaks the reward contract:\n  - {listing}")
    return report


def truncated_after_opened_think(case: Mapping[str, Any], *, conversational: bool = False) -> dict[str, Any]:
    """A case turned into a completion cut off inside a ``<think>`` that the prompt opened: the
    prompt ends with ``<think>``, and the completion is the case's text without think tags (its
    answer still in it, but never after a ``</think>``).

    >>> row = truncated_after_opened_think({"completion": "<think>2+2</think> 4", "solution": "4"})
    >>> row["prompt"][-8:], row["completion"], row["solution"]
    ('<think>\\n', '2+2 4', '4')
    >>> truncated_after_opened_think({"completion": "4", "prompt": "Q"}, conversational=True)["prompt"][-1]
    {'role': 'assistant', 'content': '<think>\\n'}
    """
    text = _plain(case["completion"])
    text = text.replace(THINK_OPEN, "").replace(THINK_CLOSE, "") if isinstance(text, str) else ""
    row = {k: v for k, v in case.items() if k not in ("expected", "completion_ids")}
    prompt = case.get("prompt", "Solve the problem.")
    if conversational:
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        row["prompt"] = [*messages, {"role": "assistant", "content": THINK_OPEN + "\n"}]
    else:
        row["prompt"] = (_plain(prompt) if not isinstance(prompt, str) else prompt) + "\n" + THINK_OPEN + "\n"
    row["completion"] = text
    return row


def _short(completion: Any, width: int = 60) -> str:
    text = repr(_plain(completion))
    return text if len(text) <= width else text[: width - 3] + "..."


def is_reward(obj: Any) -> bool:
    """True for a built reward (a :class:`~verifiers_core.Reward`)."""
    return isinstance(obj, Reward)
