"""Grading a batch in two steps: :func:`plan` (everything in this process) and :func:`apply` (the pool).

**Plan**, per row, plain string work: the gold is read once per distinct gold (:class:`Gold`: its
normalised text, its form, a choice letter or text answer), the answer is extracted from the answer region
(:mod:`.extract`) and normalised; then the fast path decides what it can without sympy:

- choice letters and text answers are decided here (:mod:`.forms`);
- several boxes are read by the gold's form; sequences with an ellipsis are compared by shape here and
  by terms in the workers;
- each part whose exact-match key equals the gold's scores 1, simple values are compared exactly
  (:mod:`.simple`); a part decided wrong makes the row wrong.

What is left becomes one item per distinct (gold, parts) for the pool (a GRPO group repeats answers).

**Apply** runs those items in the pool (:mod:`.scheduling`), checks once the golds that only the fast
path saw (a gold must be usable however the answer was decided), and turns outcomes into verdicts.

The extracted answer a row shows does not depend on what the pool or an earlier call found out, so
the same batch logs the same ``accuracy_answer`` column every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import AccuracyConfig
from .extract import extract_answer, extract_gold
from .forms import Form, choice_letter, combine, compare_sequences, form_of, is_choice_gold, sequence, words
from .freeform import read_choice
from .normalize import exact_key, normalize
from .pool import default_size, get_pool
from .protocol import Item, Task
from .scheduling import Report
from .simple import read_simple, simple_verdict

SHOWN_CHARS = 200


@dataclass
class Verdict:
    """One row: ``value`` is 1.0, 0.0 or ``None`` (unusable gold); ``event`` says why; ``answer`` is the
    answer as extracted (for the completions table)."""

    value: float | None
    answer: str = ""
    event: str = "graded"  # graded | exact | unparsed | timeout | crash | memory | unusable_gold | gold_<why>


@dataclass(frozen=True)
class Gold:
    """A gold, read once: ``text`` normalised, ``worker`` what the workers parse (a sequence's explicit
    terms as a tuple), its ``form``, and a ``choice`` letter or text answer (``words``) when it is one."""

    text: str
    worker: str
    form: Form
    choice: str | None = None
    words: str | None = None

    @property
    def simple(self) -> bool:
        """Known usable without a worker (a simple value, a choice letter, a text answer)."""
        return self.choice is not None or self.words is not None or read_simple(self.worker) is not None


def read_gold(raw: object, max_chars: int) -> Gold | None:
    """The :class:`Gold` in a gold column value, ``None`` when there is none to use.

    >>> read_gold("#### 1,234", 2000).worker, read_gold(r"\\text{(B)}", 2000).choice, read_gold(r"\\text{east}", 2000).words
    ('1234', 'B', 'east')
    >>> read_gold(r"1, 2, \\ldots, n", 2000).worker
    '(1, 2, n)'
    """
    found = extract_gold(raw, max_chars)
    if found is None:
        return None
    if is_choice_gold(found):
        return Gold(found, found, Form("single", (found,)), choice=choice_letter(found))
    text_answer = words(found)
    if text_answer is not None:
        return Gold(found, found, Form("single", (found,)), words=text_answer)
    text = normalize(found)
    if not text:
        return None
    worker = compare_sequences(text, text).split("\x00")[0] if sequence(text) is not None else text
    return Gold(text, worker, form_of(text))


@dataclass
class Row:
    """One completion on its way to a verdict."""

    index: int
    gold: Gold | None
    shown: str = ""
    value: float | None = None
    event: str = "graded"
    decided: bool = False
    parts: tuple[str, ...] = ()  # left for a worker: all must equal ``worker_gold``
    worker_gold: str = ""

    def decide(self, value: float | None, event: str) -> None:
        self.value, self.event, self.decided = value, event, True

    def verdict(self) -> Verdict:
        return Verdict(self.value, self.shown, self.event)


@dataclass
class Plan:
    """Rows, and the work left for the pool: items per gold, and golds to check."""

    rows: list[Row]
    items: dict[str, dict[tuple[str, ...], list[int]]] = field(default_factory=dict)  # gold -> parts -> rows
    checks: dict[str, list[int]] = field(default_factory=dict)  # gold -> rows decided here

    def tasks(self, tolerance: float) -> list[Task]:
        tasks = []
        for gold, groups in self.items.items():
            items = [Item(rows[0], list(parts)) for parts, rows in groups.items()]
            tasks.append(Task(gold, items, tolerance))
        tasks += [Task(gold, [], tolerance) for gold in self.checks if gold not in self.items]
        return tasks


class _Memo:
    """A small LRU of gold statuses kept across calls: ``True`` usable, or the reason it is not."""

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


def _unusable_event(why: object) -> str:
    return "unusable_gold" if why in ("unparsed", True, None) else f"gold_{why}"


def _plan_row(row: Row, region: str, prompt: str, settings: AccuracyConfig) -> None:
    """Extract, normalise and decide what the fast path can for one row (see the module docstring)."""
    listed = row.gold is not None and row.gold.form.kind in ("list", "set")
    found = extract_answer(
        region, settings.answer_format, prompt=prompt, max_chars=settings.max_answer_chars, listed=listed
    )
    row.shown = found.text[:SHOWN_CHARS]
    gold = row.gold
    if gold is None:
        row.decide(None, "unusable_gold")
        return
    why = GOLD_MEMO.get(gold.worker)
    if why not in (None, True):
        row.decide(None, _unusable_event(why))
        return
    if gold.choice is not None:
        letters = {choice_letter(p) for p in found.parts} - {None}
        if not letters and settings.answer_format == "any" and found.how not in ("unfinished", "too_long"):
            letter = read_choice(region)
            letters = {letter} if letter else set()
        if not letters:
            row.decide(0.0, "unparsed" if not found.found else "exact")
        else:
            row.decide(1.0 if letters == {gold.choice} else 0.0, "exact")  # several letters: a hedge
        return
    if not found.found:
        row.decide(0.0, "unparsed")
        return
    parts = [p for p in (normalize(part) for part in found.parts) if p]
    if not parts:
        row.decide(0.0, "unparsed")
        return
    if gold.words is not None:
        row.decide(1.0 if all(words(p) == gold.words for p in parts) else 0.0, "exact")
        return
    parts = list(dict.fromkeys(parts, None))  # the same box twice is one box
    parts = list({exact_key(p): p for p in parts}.values())
    parts = combine(parts, gold.form)
    worker_gold, left = gold.worker, []
    for part in parts:
        paired = compare_sequences(gold.text, part)
        if paired == "different":
            row.decide(0.0, "exact")
            return
        if paired is not None:
            part = paired.split("\x00")[1]
        if exact_key(part) == exact_key(worker_gold):
            continue
        fast = simple_verdict(worker_gold, part, settings.tolerance)
        if fast == 0.0:
            row.decide(0.0, "exact")
            return
        if fast is None:
            left.append(part)
    if not left:
        row.decide(1.0, "exact")
    else:
        row.parts = tuple(left)


def plan(
    answers: Sequence[str | None],
    golds: Sequence[object],
    settings: AccuracyConfig,
    prompts: Sequence[object] | None = None,
) -> Plan:
    """Read golds and answers and decide what can be decided without the pool.

    ``answers`` are the rows' answer regions (see :meth:`verifiers_core.Batch.answer`); ``prompts`` are
    used to tell a value the completion found from one it copied from the question.
    """
    cache: dict[object, Gold | None] = {}
    rows: list[Row] = []
    result = Plan(rows)
    for i, (region, raw) in enumerate(zip(answers, golds)):
        key = raw if isinstance(raw, (str, int, float)) and not isinstance(raw, bool) else ("id", id(raw))
        if key not in cache:
            cache[key] = read_gold(raw, settings.max_answer_chars)
        row = Row(i, cache[key])
        row.worker_gold = row.gold.worker if row.gold is not None else ""
        rows.append(row)
        prompt = prompts[i] if prompts is not None and i < len(prompts) else ""
        _plan_row(row, region or "", prompt if isinstance(prompt, str) else _prompt_text(prompt), settings)
        if row.decided:
            # However the answer was decided, the gold must be usable: a row is None exactly when
            # its gold is unusable, whatever its answer, in every call.
            gold = row.gold
            if (
                row.value is not None
                and gold is not None
                and not gold.simple
                and GOLD_MEMO.get(gold.worker) is None
            ):
                result.checks.setdefault(gold.worker, []).append(i)
            continue
        result.items.setdefault(row.worker_gold, {}).setdefault(row.parts, []).append(i)
    return result


def _prompt_text(prompt: object) -> str:
    """The text of a conversational prompt (its messages' contents, joined)."""
    if isinstance(prompt, (list, tuple)):
        return "\n".join(
            m.get("content", "") for m in prompt if isinstance(m, dict) and isinstance(m.get("content"), str)
        )
    return ""


def apply(planned: Plan, settings: AccuracyConfig) -> list[Verdict]:
    """Run what the plan left in the pool and return one :class:`Verdict` per row."""
    tasks = planned.tasks(settings.tolerance)
    if tasks:
        pool = get_pool(settings.workers or default_size(), settings.memory_mb)
        _record(planned, pool.run(tasks, settings.timeout))
    return [row.verdict() for row in planned.rows]


def _record(planned: Plan, report: Report) -> None:
    for gold in set(planned.items) | set(planned.checks):
        if gold not in report.bad_golds:
            GOLD_MEMO.put(gold, True)
    for gold, why in report.bad_golds.items():
        GOLD_MEMO.put(gold, why)
        for i in planned.checks.get(gold, []):
            planned.rows[i].decide(None, _unusable_event(why))
    for gold, groups in planned.items.items():
        for rows in groups.values():
            outcome = report.outcomes.get(rows[0])
            for i in rows:
                row = planned.rows[i]
                if outcome is None:
                    row.decide(0.0, "crash")  # never reported: should not happen, but never a silent 1
                elif outcome.status == "gold":
                    row.decide(None, _unusable_event(report.bad_golds.get(gold, "unparsed")))
                elif outcome.status in ("timeout", "crash", "memory"):
                    row.decide(0.0, outcome.status)
                else:
                    row.decide(float(outcome.verdict), "graded" if outcome.parsed else "unparsed")


def grade(
    answers: Sequence[str | None],
    golds: Sequence[object],
    settings: AccuracyConfig,
    prompts: Sequence[object] | None = None,
) -> list[Verdict]:
    """Grade answer regions against raw gold values (one per row): :func:`plan`, then :func:`apply`.

    >>> [v.value for v in grade(["\\\\boxed{72}", "#### 71", "x"], ["#### 72", "#### 72", None], AccuracyConfig())]
    [1.0, 0.0, None]
    """
    return apply(plan(answers, golds, settings, prompts), settings)
