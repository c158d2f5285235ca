"""Grading a batch: extraction and fast paths here, everything slow in the worker pool.

For each row: the gold is extracted and normalised (once per distinct gold), the answer extracted
and normalised; answers whose exact-match key equals the gold's score 1.0 without sympy, simple
values (numbers, fractions, roots, multiples of pi, pairs) are compared exactly (:mod:`.simple`);
identical answers to one gold are graded once; the rest go to the pool, grouped by gold and cut into chunks, so
each worker parses a gold once (and keeps it for later calls).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .extract import extract_answer, extract_gold, free_candidate
from .normalize import exact_key, normalize
from .pool import Task, default_size, get_pool
from .simple import read_simple, simple_verdict

SHOWN_CHARS = 200


@dataclass(frozen=True)
class Settings:
    """How answers are found and graded (the ``accuracy`` reward's parameters)."""

    answer_format: str = "any"
    timeout: float = 3.0
    workers: int = 0  # 0: one per CPU (at most 8)
    memory_mb: int = 1024
    chunk_size: int = 16
    max_answer_chars: int = 2000


@dataclass
class Verdict:
    """One row: ``value`` is 1.0, 0.0 or ``None`` (unusable gold); ``event`` says why."""

    value: float | None
    answer: str = ""
    event: str = "graded"  # graded | exact | unparsed | timeout | crash | unusable_gold


class _Memo:
    """A small LRU of gold verdicts kept across calls: ``True`` usable, or the reason it is not."""

    def __init__(self, size: int = 4096) -> None:
        self.size, self.data = size, OrderedDict()
        self.lock = threading.Lock()  # rewards may be called from several threads at once

    def get(self, key: str) -> object:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: str, value: object) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            if len(self.data) > self.size:
                self.data.popitem(last=False)


#: Gold status learnt by the workers, per process: parsing a gold again is what we avoid.
GOLD_MEMO = _Memo()


def _queue(
    pending: dict[str, list[tuple[int, str, bool]]],
    twins: dict[tuple[str, str, bool], list[int]],
    gold: str,
    index: int,
    answer: str,
    free: bool,
) -> None:
    """Queue an answer for the pool, once per distinct (gold, answer): GRPO groups repeat answers."""
    key = (gold, answer, free)
    rows = twins.get(key)
    if rows is None:
        twins[key] = [index]
        pending.setdefault(gold, []).append((index, answer, free))
    else:
        rows.append(index)


def grade(texts: Sequence[str], golds: Sequence[object], settings: Settings) -> list[Verdict]:
    """Grade completion ``texts`` against raw gold values (one per text).

    >>> [v.value for v in grade(["\\\\boxed{72}", "#### 71", "x"], ["#### 72", "#### 72", None], Settings())]
    [1.0, 0.0, None]
    """
    n = len(texts)
    verdicts: list[Verdict | None] = [None] * n
    gold_norm: dict[int, str] = {}
    norm_cache: dict[object, str | None] = {}
    pending: dict[str, list[tuple[int, str, bool]]] = {}
    exact_rows: dict[str, list[int]] = {}
    twins: dict[tuple[str, str, bool], list[int]] = {}  # the rows that share one graded item
    for i, (text, raw) in enumerate(zip(texts, golds)):
        key = raw if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) else id(raw)
        if key not in norm_cache:
            gold = extract_gold(raw, settings.max_answer_chars)
            norm_cache[key] = normalize(gold) if gold is not None else None
        gold = norm_cache[key]
        if not gold or GOLD_MEMO.get(gold) not in (None, True):
            verdicts[i] = Verdict(None, event="unusable_gold")
            continue
        gold_norm[i] = gold
        found = extract_answer(
            text or "",
            settings.answer_format,
            max_chars=settings.max_answer_chars,
        )
        if not found.found:
            verdicts[i] = Verdict(0.0, event="unparsed")
            continue
        if found.how == "free":
            tail = normalize(found.text, whole=False)
            candidate = free_candidate(tail)
            if candidate is not None:
                answer = normalize(candidate)
                fast = 1.0 if exact_key(answer) == exact_key(gold) else simple_verdict(gold, answer)
                if fast is not None:
                    verdicts[i] = Verdict(fast, answer[:SHOWN_CHARS], "exact")
                    exact_rows.setdefault(gold, []).append(i)
                    continue
            _queue(pending, twins, gold, i, tail, True)
            continue
        answer = normalize(found.text)
        if not answer:
            verdicts[i] = Verdict(0.0, event="unparsed")
            continue
        shown = answer[:SHOWN_CHARS]
        fast = 1.0 if exact_key(answer) == exact_key(gold) else simple_verdict(gold, answer)
        if fast is not None:
            verdicts[i] = Verdict(fast, shown, "exact")
            exact_rows.setdefault(gold, []).append(i)
        else:
            verdicts[i] = Verdict(0.0, shown)  # filled in by the pool
            _queue(pending, twins, gold, i, answer, False)

    # Golds decided only by fast paths still have to be usable: a simple value is; others are
    # checked once (a task with no answers) unless a worker already told us.
    for gold in exact_rows:
        if gold not in pending and GOLD_MEMO.get(gold) is None and read_simple(gold) is None:
            pending[gold] = []
    pending_items = {item[0]: (gold, item[1], item[2]) for gold, items in pending.items() for item in items}
    tasks = [
        Task(gold, items[start : start + settings.chunk_size])
        for gold, items in pending.items()
        for start in range(0, max(len(items), 1), settings.chunk_size)
    ]
    if tasks:
        pool = get_pool(settings.workers or default_size(), settings.memory_mb)
        report = pool.run(tasks, settings.timeout)
        for gold in pending:
            if gold not in report.bad_golds:
                GOLD_MEMO.put(gold, True)
        for gold, why in report.bad_golds.items():
            GOLD_MEMO.put(gold, why)
        outcomes = {
            twin: outcome
            for index, outcome in report.outcomes.items()
            for twin in twins.get(pending_items.get(index), [index])  # type: ignore[arg-type]
        }
        for index, outcome in outcomes.items():
            current = verdicts[index]
            shown = current.answer if current is not None else ""
            if outcome.status == "gold":
                why = report.bad_golds.get(gold_norm[index], "unparsed")
                verdicts[index] = Verdict(
                    None, shown, "unusable_gold" if why == "unparsed" else f"gold_{why}"
                )
            elif outcome.status in ("timeout", "crash"):
                verdicts[index] = Verdict(0.0, shown, outcome.status)
            else:
                shown = outcome.shown if current is None else shown
                verdicts[index] = Verdict(
                    float(outcome.verdict), shown, "graded" if outcome.parsed else "unparsed"
                )
        for gold, rows in exact_rows.items():
            why = report.bad_golds.get(gold)
            if why is not None:
                for index in rows:
                    verdicts[index] = Verdict(
                        None, verdicts[index].answer, "unusable_gold" if why == "unparsed" else f"gold_{why}"
                    )
    return [v if v is not None else Verdict(0.0, event="crash") for v in verdicts]
